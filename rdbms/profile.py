"""The profile of one column from a bounded sample: what an assessment reports about its data.

Pure functions over values already read (no database). Each measure is taken on the
sample only and says so (``sampled``); the one figure extrapolated to the whole relation,
the distinct count, uses the GEE estimator (Charikar et al., 2000):
``sqrt(N / n) · f1 + Σ_{j≥2} f_j``, where ``f_j`` is the number of values seen ``j`` times in
a sample of ``n`` rows out of ``N``; it is exact when the sample is the whole relation.

The legacy readings (CYYMMDD, YYYYMMDD, YYMMDD, Julian CYYDDD, HHMMSS, cents, numbers as
text, CHAR padding) are the ones :func:`rdbms.suggest.suggest` proposes for ``bridges
discover``, so the assessment and the bridge it leads to agree; each finding names the
codec of :mod:`bridges.core.codecs` that reads it, or ``needs work``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import re
import string
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from bridges.core import codecs, personal
from bridges.core.personal import mask
from rdbms.reflect import ReflectedColumn
from rdbms.suggest import Suggestion, suggest

__all__ = [
    "FRESHNESS_BUCKETS",
    "ColumnProfile",
    "Finding",
    "gee_distinct",
    "mask",
    "personal_kind",
    "profile_column",
    "set_dates",
]

NEEDS_WORK = "needs work"
TOP_VALUES = 5
EXAMPLES = 3
FRESHNESS_BUCKETS = ("future", "<=1y", "1-2y", "2-5y", "5-10y", ">10y")
"""Age of a date relative to the assessment's as-of date (the guide's "temporal relevance")."""
_NUMBER_SENTINELS = {9_999, 99_999, 999_999, 9_999_999, 99_999_999, 999_999_999}
_DATE_SENTINEL_NUMBERS = {0, 999_999, 9_999_999, 99_999_999}
_MOJIBAKE = re.compile(r"[ÃÂ][\u0080-\u00bf]|â€|\ufffd")
"""UTF-8 read as Latin-1 (``Ã©`` for ``é``, ``â€™`` for ``’``) and the replacement character."""
_EBCDIC_TEXT = frozenset(string.ascii_letters + string.digits + " .,;:-_/'&()*+#@%$!?\"=<>" + "ÄÖÜäöüßÉÈÀÇéèàçñÑ")
"""What text left as EBCDIC bytes decodes to (cp037): letters, digits, blanks, punctuation, accented letters."""


@dataclass
class Finding:
    """One data-preparation item: its class, how many sampled values show it, masked
    examples, and the codec or rule the project has for it (or ``needs work``)."""

    kind: str
    column: str
    count: int
    sampled: int
    rule: str
    examples: list[str] = field(default_factory=list)
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The finding as the JSON report writes it."""
        return {
            "class": self.kind,
            "column": self.column,
            "count": self.count,
            "sampled": self.sampled,
            "rule": self.rule,
            "examples": self.examples,
            "note": self.note,
        }


@dataclass
class ColumnProfile:
    """What the sample says about one column (every count is of sampled rows)."""

    name: str
    type_name: str
    kind: str
    sampled: int
    nulls: int = 0
    blanks: int = 0
    padded: int = 0
    distinct_sampled: int = 0
    distinct_estimate: int = 0
    top: list[tuple[str, int]] = field(default_factory=list)
    reading: str | None = None
    """The codec ``bridges discover`` would read it with (``parse_cyymmdd`` …), None for as-is."""
    reading_note: str = ""
    minimum: str | None = None
    maximum: str | None = None
    date_range: tuple[str, str] | None = None
    freshness: dict[str, int] = field(default_factory=dict)
    personal: str | None = None
    findings: list[Finding] = field(default_factory=list)

    @property
    def null_rate(self) -> float:
        """NULLs over sampled rows (0 when nothing was sampled)."""
        return self.nulls / self.sampled if self.sampled else 0.0

    def as_dict(self) -> dict[str, Any]:
        """The profile as the JSON report writes it."""
        return {
            "name": self.name,
            "type": self.type_name,
            "kind": self.kind,
            "sampled": self.sampled,
            "nulls": self.nulls,
            "null_rate": round(self.null_rate, 4),
            "blanks": self.blanks,
            "padded": self.padded,
            "distinct_sampled": self.distinct_sampled,
            "distinct_estimate": self.distinct_estimate,
            "top": [{"value": v, "count": n} for v, n in self.top],
            "reading": self.reading,
            "reading_note": self.reading_note,
            "min": self.minimum,
            "max": self.maximum,
            "date_range": list(self.date_range) if self.date_range else None,
            "freshness": self.freshness,
            "personal": self.personal,
        }


def gee_distinct(counts: Counter[Any], sampled: int, total: int | None) -> int:
    """Distinct values in ``total`` rows estimated from the ``counts`` of a sample of ``sampled`` rows."""
    seen = len(counts)
    if not sampled or total is None or total <= sampled:
        return seen
    once = sum(1 for n in counts.values() if n == 1)
    return min(total, round(math.sqrt(total / sampled) * once + (seen - once)))


def personal_kind(column: ReflectedColumn, texts: Sequence[str]) -> str | None:
    """The kind of personal data ``column`` likely holds (see :mod:`bridges.core.personal`)."""
    return personal.personal_kind(column.name, texts)


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        return None
    if isinstance(value, float | Decimal) and math.isfinite(value) and value == int(value):
        return str(int(value))  # sqliteodbc hands NUMERIC(7,0) back as float: show 1250630, not 1250630.0
    return str(value)


def _shown(value: Any, personal: bool) -> str:
    text = _text(value)
    if text is None:
        text = bytes(value)[:16].hex()
    text = text.rstrip(" ")
    return mask(text) if personal and text else text[:40]


def _age_bucket(day: dt.date, as_of: dt.date) -> str:
    days = (as_of - day).days
    if days < 0:
        return "future"
    years = days / 365.25
    return (
        "<=1y" if years <= 1 else "1-2y" if years <= 2 else "2-5y" if years <= 5 else "5-10y" if years <= 10 else ">10y"
    )


def _codec_name(read: str | None) -> str | None:
    if not read:
        return None
    return read.removeprefix("partial(").split(",")[0].strip(")")


def _dates(values: Sequence[Any], reading: str | None) -> list[dt.date]:
    """The sampled values as dates (sentinels left out), when the column holds dates."""
    parse = getattr(codecs, reading) if reading and reading.startswith("parse_") and reading != "parse_hhmmss" else None
    out = []
    for v in values:
        if isinstance(v, dt.datetime):
            out.append(v.date())
        elif isinstance(v, dt.date):
            out.append(v)
        elif parse is not None:
            try:
                day = parse(v.strip() if isinstance(v, str) else v)
            except codecs.CodecError:
                continue
            if day is not None:
                out.append(day)
    return out


def _number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float | Decimal) and math.isfinite(value) and value == int(value):
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        return int(value.strip())
    return None


def _legacy_findings(p: ColumnProfile, s: Suggestion, values: Sequence[Any], personal: bool) -> None:
    codec = _codec_name(s.read)
    filled = [v for v in values if not (isinstance(v, str) and not v.strip())]
    numbers = [n for n in (_number(v) for v in filled) if n is not None]
    plain = [v for v in filled if _number(v) not in _DATE_SENTINEL_NUMBERS]
    examples = [_shown(v, personal) for v in list(dict.fromkeys(plain))[:EXAMPLES]]
    if codec and codec.startswith("parse_") and codec != "parse_hhmmss":
        sentinels = Counter(n for n in numbers if n in _DATE_SENTINEL_NUMBERS)
        dated = len(filled) - sum(sentinels.values())
        p.findings.append(Finding("legacy_date", p.name, dated, p.sampled, codec, examples, s.note))
        if sentinels:
            shown = [f"{n} ×{c}" for n, c in sorted(sentinels.items())]
            p.findings.append(
                Finding("date_sentinel", p.name, sum(sentinels.values()), p.sampled, codec, shown, "read as null")
            )
    elif codec == "parse_hhmmss":
        p.findings.append(Finding("legacy_time", p.name, len(filled), p.sampled, codec, examples, s.note))
    elif codec == "cents_to_decimal":
        p.findings.append(Finding("cents", p.name, len(filled), p.sampled, codec, examples, s.note))
    if p.kind in {"char", "varchar"} and s.type in {"int", "Decimal"}:
        rule = f"{s.type} with {s.read or 'no codec'}"
        p.findings.append(Finding("number_as_text", p.name, len(filled), p.sampled, rule, examples, s.note))
    if not (codec and codec.startswith("parse_")):
        nines = Counter(n for n in numbers if n in _NUMBER_SENTINELS)
        if nines:
            shown = [f"{n} ×{c}" for n, c in sorted(nines.items())]
            note = "all nines: a 'no limit' or 'unknown' sentinel? map it to null"
            p.findings.append(
                Finding("number_sentinel", p.name, sum(nines.values()), p.sampled, NEEDS_WORK, shown, note)
            )


def _decoded(codec: Any, raw: Sequence[bytes]) -> list[str] | None:
    """Every value read by ``codec`` (``unpack_comp3``, ``unzone``) as text, or None when one is not of its form."""
    out = []
    for b in raw:
        try:
            out.append(str(codec(b)))
        except codecs.CodecError:
            return None
    return out


def _looks_ebcdic(raw: bytes) -> bool:
    """Whether ``raw`` reads as text in EBCDIC (cp037): nearly all letters, digits, blanks and common
    punctuation once decoded — not binary that merely falls in EBCDIC's byte range (``DEADBEEF``)."""
    text = codecs.decode_ebcdic(raw, "cp037")
    return bool(raw) and sum(c in _EBCDIC_TEXT for c in text) >= 0.9 * len(text)


def _encoding_findings(p: ColumnProfile, values: Sequence[Any], personal: bool) -> None:
    texts = [v for v in values if isinstance(v, str)]
    odd = [t for t in texts if _MOJIBAKE.search(t)]
    if odd:
        examples = [_shown(t, personal) for t in dict.fromkeys(odd)][:EXAMPLES]
        note = "UTF-8 read as Latin-1 (or a replacement character): re-decode at the source"
        p.findings.append(Finding("mojibake", p.name, len(odd), p.sampled, NEEDS_WORK, examples, note))
    raw = [bytes(v) for v in values if isinstance(v, bytes | bytearray | memoryview)]
    if not raw:
        return
    for codec, kind in ((codecs.unpack_comp3, "packed_decimal"), (codecs.unzone, "zoned_decimal")):
        decoded = _decoded(codec, raw)
        if decoded is not None:
            note = f"{kind.replace('_', ' ')} left as bytes (scale unknown: shown unscaled)"
            p.findings.append(Finding(kind, p.name, len(raw), p.sampled, codec.__name__, decoded[:EXAMPLES], note))
            return
    bad = []
    for b in raw:
        try:
            b.decode("utf-8")
        except UnicodeDecodeError:
            bad.append(b)
    ebcdic = [b for b in bad if _looks_ebcdic(b)]
    if ebcdic:
        shown = [codecs.decode_ebcdic(b, "cp037").strip()[:40] for b in ebcdic[:EXAMPLES]]
        examples = [mask(t) if personal else t for t in shown]
        note = "text left as EBCDIC bytes (shown as cp037)"
        p.findings.append(Finding("ebcdic_bytes", p.name, len(ebcdic), p.sampled, "decode_ebcdic", examples, note))
    other = len(bad) - len(ebcdic)
    bad_ids = {id(b) for b in bad}
    text = any(b.decode("utf-8").isprintable() for b in raw if id(b) not in bad_ids)
    if other and text:  # text in bytes, some not UTF-8 (binary data — hashes, images — is none of this)
        p.findings.append(Finding("not_utf8", p.name, other, p.sampled, NEEDS_WORK, [], "bytes that are not UTF-8"))


def set_dates(p: ColumnProfile, values: Sequence[Any], as_of: dt.date) -> None:
    """Set ``p``'s date range and freshness histogram from ``values`` (read with ``p.reading``; sentinels
    and values that are no date left out)."""
    days = _dates([v for v in values if v is not None], _codec_name(p.reading))
    if days:
        p.date_range = (min(days).isoformat(), max(days).isoformat())
        ages = Counter(_age_bucket(d, as_of) for d in days)
        p.freshness = {bucket: ages.get(bucket, 0) for bucket in FRESHNESS_BUCKETS}


def profile_column(
    column: ReflectedColumn,
    values: Sequence[Any],
    *,
    total_rows: int | None = None,
    as_of: dt.date | None = None,
    suggestion: Suggestion | None = None,
) -> ColumnProfile:
    """The profile of ``column`` from ``values``, one per sampled row (NULLs included as None);
    ``total_rows`` — the relation's rows (exact or estimated) the distinct count extrapolates to;
    ``as_of`` — the date freshness is measured from (default today); ``suggestion`` — the reading
    :func:`~rdbms.suggest.suggest` gave, when the caller has it already."""
    as_of = as_of or dt.date.today()
    present = [v for v in values if v is not None]
    s = suggestion or suggest(column, present)
    texts = [t.rstrip(" \x00") for t in (_text(v) for v in present) if t is not None]
    kind = personal_kind(column, texts)
    p = ColumnProfile(column.name, column.type_name, column.kind, len(values), nulls=len(values) - len(present))
    p.personal = kind
    strings = [v for v in present if isinstance(v, str)]
    p.blanks = sum(1 for v in strings if not v.strip())
    p.padded = sum(1 for v in strings if v.strip() and v != v.rstrip(" "))
    counts = Counter(_shown(v, False) for v in present)
    p.distinct_sampled = len(counts)
    p.distinct_estimate = gee_distinct(counts, len(values), total_rows)
    p.top = [(mask(v) if kind else v, n) for v, n in counts.most_common(TOP_VALUES)]
    p.reading, p.reading_note = s.read, s.note
    comparable = [v for v in present if isinstance(v, int | float | Decimal | dt.date) and not isinstance(v, bool)]
    if comparable and not kind:
        with contextlib.suppress(TypeError):  # mixed types a driver handed back: no order to report
            p.minimum, p.maximum = str(min(comparable)), str(max(comparable))
    set_dates(p, present, as_of)
    personal = kind is not None
    if p.padded and column.kind == "char":
        p.findings.append(Finding("char_padding", p.name, p.padded, p.sampled, "strip_char"))
    if p.blanks:
        note = "all-blank text where a value is expected: read as null?"
        p.findings.append(Finding("blank", p.name, p.blanks, p.sampled, "strip_char(empty_as_none=True)", [], note))
    _legacy_findings(p, s, present, personal)
    _encoding_findings(p, present, personal)
    if kind:
        examples = [mask(t) for t in dict.fromkeys(t for t in texts if t)][:EXAMPLES]
        note = f"likely personal data ({kind}): governance decides who may read it"
        p.findings.append(Finding("personal_data", p.name, len(texts), p.sampled, "governance", examples, note))
    return p
