"""Likely personal data, by a field's name or its values, and how to show it masked.

Used by the assessment to flag columns, screen fields and page fields for governance: a name
says what a field probably holds (``CMNAME``, ``street``, ``PHONE``); values settle what names
cannot (emails by their shape, IBANs by their check digits). A guess for a person to confirm,
never a proof either way.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

__all__ = ["comparable", "kind_by_name", "mask", "personal_kind"]

_EMAIL = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,}$")
_PHONE = re.compile(r"^\+?[0-9][0-9 ()/.-]{5,22}[0-9]$")
_IBAN = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}$")
_BY_NAME: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("email", re.compile(r"MAIL", re.I)),
    ("phone", re.compile(r"PHON|TEL|FAX|MOBIL|GSM", re.I)),
    ("iban", re.compile(r"IBAN|BANK.?ACC", re.I)),
    ("national_id", re.compile(r"SSN|NINO|TAX.?ID|NAT.?ID|PERS.?NR|SVNR|PASSPORT", re.I)),
    ("birth_date", re.compile(r"BIRTH|DOB|BRDT", re.I)),
    ("address", re.compile(r"ADR|ADDR|STREET|STRASSE|CITY|PSTC|POSTC|ZIP", re.I)),
    ("name", re.compile(r"(NAME|NAM|NOM)$|FIRST.?NAME|LAST.?NAME|SURNAME|^NAME", re.I)),
)
_NOT_A_PERSON = re.compile(r"FILE|HOST|TABLE|SCHEMA|PROD|PRD|ITEM|PART|SERVER|DB|COL|FIELD|JOB|PGM|PROG", re.I)


def kind_by_name(name: str) -> str | None:
    """The kind of personal data a field named ``name`` probably holds (None: nothing suggests any)."""
    for kind, pattern in _BY_NAME:
        if pattern.search(name) and not (kind == "name" and _NOT_A_PERSON.search(name)):
            return kind
    return None


def _iban_ok(text: str) -> bool:
    compact = text.replace(" ", "").upper()
    if not _IBAN.match(compact):
        return False
    moved = compact[4:] + compact[:4]
    return int("".join(str(int(ch, 36)) for ch in moved)) % 97 == 1


def personal_kind(name: str, texts: Sequence[str]) -> str | None:
    """The kind of personal data a field holds, by its values (most of them emails or valid IBANs)
    or by its name; a phone by name needs its values to look like phone numbers."""
    filled = [t for t in texts if t]
    if filled:
        if sum(bool(_EMAIL.match(t)) for t in filled) * 2 > len(filled):
            return "email"
        if sum(_iban_ok(t) for t in filled) * 2 > len(filled):
            return "iban"
    kind = kind_by_name(name)
    if kind == "phone" and filled and sum(bool(_PHONE.match(t)) for t in filled) * 2 <= len(filled):
        return None
    return kind


def mask(text: str) -> str:
    """Personal text shown masked: each word's first character, the rest as ``*``; mostly-digit text
    keeps its last two digits, the others as ``#``."""
    digits = sum(ch.isdigit() for ch in text)
    if digits >= 4 and digits >= len(text.replace(" ", "")) // 2:
        kept, out = 0, []
        for ch in reversed(text):
            if ch.isdigit():
                out.append(ch if kept < 2 else "#")
                kept += 1
            else:
                out.append(ch)
        return "".join(reversed(out))
    return " ".join(w[:1] + "*" * (len(w) - 1) for w in text.split(" "))


_NOT_WORD = re.compile(r"[^0-9a-z]+")


def comparable(text: str) -> str:
    """``text`` as two records of one person compare it: case, accents, punctuation and blanks folded."""
    folded = unicodedata.normalize("NFKD", text.replace("ß", "ss").casefold())
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return _NOT_WORD.sub(" ", plain).strip()
