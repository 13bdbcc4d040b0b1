"""Likely personal data by name and by value, and masking."""

from __future__ import annotations

import pytest

from bridges.core.personal import kind_by_name, mask, personal_kind

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("name", "kind"),
    [("CMNAME", "name"), ("customer_name", "name"), ("street", "address"), ("CMPSTC", "address"),
     ("PHONE", "phone"), ("email", "email"), ("DOB", "birth_date"), ("PRDESC", None), ("FILENAME", None),
     ("PRODNAME", None), ("OHSTAT", None)],
)  # fmt: skip
def test_kind_by_name(name, kind):
    assert kind_by_name(name) == kind


def test_values_settle_what_names_cannot():
    assert personal_kind("CONTACT", ["a@b.example", "c@d.example"]) == "email"
    assert personal_kind("ACCT", ["DE89 3704 0044 0532 0130 00"]) == "iban"
    assert personal_kind("TELCODE", ["A", "B"]) is None  # a phone by name whose values are no phone numbers


def test_mask():
    assert mask("Anna Müller") == "A*** M*****"
    assert mask("DE89 3704 0044 0532 0130 00") == "DE## #### #### #### #### 00"
