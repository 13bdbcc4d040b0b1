"""Records files and the normalised forms records are compared by."""

from __future__ import annotations

import pytest

from bridges.linkage.records import Record, normal_phone, normal_street, normal_text, read_records, write_records

pytestmark = pytest.mark.unit


def test_normal_text_folds_case_accents_punctuation_and_common_mojibake():
    assert normal_text("MÜLLER, Anna") == normal_text("Müller Anna") == "muller anna"
    assert normal_text("MÃ¼ller") == "muller"
    assert normal_text("Hauptstraße 12") == "hauptstrasse 12"
    assert normal_text("Østergaard & Søn") == "ostergaard son"


def test_street_abbreviations_are_written_out():
    assert normal_street("Hauptstr. 12") == normal_street("Hauptstraße 12") == "hauptstrasse 12"
    assert normal_street("Mill St. 4") == normal_street("Mill Street 4") == "mill street 4"


def test_a_phone_is_its_last_nine_digits():
    assert normal_phone("+49 221 123456") == normal_phone("0221 123456") == "221123456"


def test_records_round_trip_through_csv(tmp_path):
    records = [Record("orders", "D0767378", "Anna Müller", "Hauptstraße 12", "Köln", "50667", "DE", ("+49 1", "+49 2"))]
    write_records(tmp_path / "orders.csv", records)
    [back] = read_records(tmp_path / "orders.csv", "orders")
    assert (back.id, back.name, back.phones, back.norm["city"]) == (
        "D0767378",
        "Anna Müller",
        ("+49 1", "+49 2"),
        "koln",
    )
