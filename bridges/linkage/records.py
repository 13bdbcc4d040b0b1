"""Customer records as each system holds them, and their normalised forms for comparison.

A records file is CSV with a header; ``id`` is required, the rest optional: ``name``, ``street``,
``city``, ``postcode``, ``country``, ``phone`` (several separated by ``;``), ``email``. Normalising
folds case and accents, collapses blanks and punctuation, keeps a phone's last nine digits and a
postcode's letters and digits, so ``MÜLLER, Anna`` and ``Anna Muller`` compare as the same words.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["FIELDS", "Record", "normal_phone", "normal_street", "normal_text", "read_records", "write_records"]

FIELDS = ("name", "street", "city", "postcode", "country", "phone", "email")
_NOT_WORD = re.compile(r"[^0-9a-z]+")
_MOJIBAKE_FIXES = (("Ã¼", "ü"), ("Ã¶", "ö"), ("Ã¤", "ä"), ("Ã©", "é"), ("Ã¨", "è"), ("Ã±", "ñ"), ("Ã¸", "ø"))


def normal_text(text: str) -> str:
    """``text`` casefolded, accents and punctuation dropped, words single-spaced (common mojibake undone first)."""
    for bad, good in _MOJIBAKE_FIXES:
        text = text.replace(bad, good)
    text = text.replace("ß", "ss").replace("ø", "o").replace("Ø", "O").replace("æ", "ae").replace("å", "aa")
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NOT_WORD.sub(" ", plain).strip()


_STREET_WORDS = {"str": "strasse", "st": "street", "rd": "road", "ave": "avenue", "av": "avenue", "pl": "place"}


def normal_street(text: str) -> str:
    """A street normalised as :func:`normal_text`, common abbreviations written out (``Hauptstr.``,
    ``Mill St.``), also when glued to the name (``hauptstr`` → ``hauptstrasse``)."""
    words = []
    for word in normal_text(text).split():
        if word.endswith("str") and len(word) > 3:
            word = word + "asse"
        words.append(_STREET_WORDS.get(word, word))
    return " ".join(words)


def normal_phone(text: str) -> str:
    """A phone number's last nine digits (country code and trunk prefix left out)."""
    digits = "".join(ch for ch in text if ch.isdigit())
    return digits[-9:]


@dataclass
class Record:
    """One system's customer record: its local id and what it says about the customer."""

    system: str
    id: str
    name: str = ""
    street: str = ""
    city: str = ""
    postcode: str = ""
    country: str = ""
    phones: tuple[str, ...] = ()
    email: str = ""
    norm: dict[str, str] = field(default_factory=dict, repr=False)
    """Normalised fields (filled by :meth:`normalise`)."""
    norm_phones: tuple[str, ...] = field(default=(), repr=False)

    def normalise(self) -> Record:
        """Fill :attr:`norm`; returns the record."""
        self.norm = {
            "name": normal_text(self.name),
            "street": normal_street(self.street),
            "city": normal_text(self.city),
            "postcode": normal_text(self.postcode).replace(" ", ""),
            "country": normal_text(self.country),
            "email": self.email.strip().casefold(),
        }
        self.norm_phones = tuple(p for p in (normal_phone(x) for x in self.phones) if len(p) >= 6)
        return self


def read_records(path: Path | str, system: str) -> list[Record]:
    """The records of ``system`` in the CSV file ``path`` (see the module docstring)."""
    with Path(path).open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    records = []
    for row in rows:
        phones = tuple(p.strip() for p in (row.get("phone") or "").split(";") if p.strip())
        values = {k: (row.get(k) or "").strip() for k in FIELDS if k != "phone"}
        records.append(Record(system, row["id"].strip(), phones=phones, **values).normalise())
    return records


def write_records(path: Path | str, records: list[Record]) -> None:
    """Write ``records`` as a records CSV file."""
    with Path(path).open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["id", *FIELDS])
        for r in records:
            writer.writerow([r.id, r.name, r.street, r.city, r.postcode, r.country, ";".join(r.phones), r.email])
