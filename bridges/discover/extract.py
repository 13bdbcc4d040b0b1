"""Discovering an extract bridge: read a COBOL copybook (and a sample extract file), write a bridge module.

    found = discover_extract(Path("CUSTBAL.cpy").read_text(), extract=Path("CUSTBAL.D20240131.DAT"))
    Path("custbal_bridge.py").write_text(bridge_source("custbal", "CUSTBAL.cpy", found))

The copybook's records are laid out; a second record as long as the first with a field whose
name says COUNT is taken for a trailer (its record count, and a control total when one of its
amounts has a namesake among the detail's). With a sample file the length is checked against
the file's size, the first records are decoded (a malformed one is reported by number and
field), and the trailer, when there is one, is checked against the count. The module written
declares one pydantic model per record (and per OCCURS group), an :class:`extract.bridge.ExtractBridge`
with paged reads, a streamed export and the extract's info, for the engineer to rename and edit.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from extract.bridge import TrailerSpec
from extract.copybook import parse_copybook
from extract.layout import DecodeError, Field, Group, Layout
from extract.records import iter_records

__all__ = ["Discovered", "bridge_source", "discover_extract"]


@dataclass
class Discovered:
    """What a copybook (and a sample file) say about an extract."""

    layout: Layout
    trailer: TrailerSpec | None
    records: int | None = None
    """Detail records in the sample file (None without one)."""
    notes: list[str] = field(default_factory=list)
    """What the sample showed: checks passed, problems found."""


def _trailer(copybook_records: list[Layout], detail: Layout) -> TrailerSpec | None:
    for layout in copybook_records:
        if layout is detail or layout.length != detail.length:
            continue
        keys = [path for path, _ in layout.fields()]
        count = next((k for k in keys if "count" in k or k.endswith("_cnt")), None)
        if count is None:
            continue
        detail_keys = {path: f for path, f in detail.fields() if f.kind != "text" and f.scale}
        for key in keys:  # a total whose last word names a detail amount: TR-BALANCE-TOTAL ↔ CB-BALANCE
            words = [w for w in key.split("_") if w not in ("tr", "trl", "total", "sum", "tot")]
            match = next((d for d in detail_keys if words and d.split("_")[-1] == words[-1]), None)
            if match is not None and key != count:
                return TrailerSpec(layout.name, count=count, total=key, total_of=match)
        return TrailerSpec(layout.name, count=count)
    return None


def discover_extract(
    copybook: str, *, record: str | None = None, codepage: str = "cp037", extract: Path | None = None, sample: int = 100
) -> Discovered:
    """Lay out ``copybook`` (its ``record``, or its first) and check ``extract`` against it."""
    book = parse_copybook(copybook)
    layouts = [book.layout(r.name, codepage=codepage) for r in book.records]
    detail = next((lay for lay in layouts if lay.name == record.upper()), None) if record else layouts[0]
    if detail is None:
        raise ValueError(f"the copybook has no record {record}")
    found = Discovered(detail, _trailer(layouts, detail))
    if extract is None:
        return found
    size = extract.stat().st_size
    if size % detail.length:
        found.notes.append(
            f"{extract.name}: {size} bytes is not a whole number of {detail.length}-byte records "
            "(another record, code page or line ends?)"
        )
        return found
    total = size // detail.length
    found.records = total - (1 if found.trailer else 0)
    with open(extract, "rb") as f:
        for number, raw in enumerate(iter_records(f, detail.length), 1):
            if number > min(sample, found.records):
                break
            try:
                detail.decode(raw, number)
            except DecodeError as exc:
                found.notes.append(f"{extract.name}: {exc.detail}")
                return found
        if found.trailer is not None:
            f.seek((total - 1) * detail.length)
            trailer = next(lay for lay in layouts if lay.name == found.trailer.record).decode(f.read(), total)
            counted = trailer[found.trailer.count]
            verdict = "matches" if counted == found.records else f"does not match the {found.records} records"
            found.notes.append(f"{extract.name}: trailer {found.trailer.count} = {counted} {verdict}")
    found.notes.insert(
        0,
        f"{extract.name}: {found.records} records of {detail.length} bytes; the first "
        f"{min(sample, found.records)} decode",
    )
    return found


# -- writing the module -----------------------------------------------------------------------------


def _lit(value: str | None) -> str:
    """A Python literal of ``value`` as ruff format writes it (double quotes)."""
    return "None" if value is None else json.dumps(value, ensure_ascii=False)


def _class_name(key: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[_\W]+", key) if part) or "Row"


def _annotation(f: Field) -> str:
    kind = "str" if f.kind == "text" else "Decimal" if f.scale else "int"
    return f"list[{kind}]" if f.occurs else kind


def _models(name: str, members: tuple[Field | Group, ...], out: list[str]) -> None:
    lines = [f"class {name}(BaseModel):", f'    """One {name} (from the copybook)."""', ""]
    for m in members:
        if isinstance(m, Group):
            nested = _class_name(m.key)
            _models(nested, m.members, out)
            lines.append(
                f"    {m.key}: list[{nested}] = Field(description={json.dumps(f'{m.name} OCCURS {m.occurs}')})"
            )
        else:
            lines.append(
                f"    {m.key}: {_annotation(m)} = Field(description={json.dumps(f'{m.name} PIC {m.describe()}')})"
            )
    out.append("\n".join(lines) + "\n")


def bridge_source(name: str, copybook_file: str, found: Discovered, pattern: str = "*") -> str:
    """The source of a bridge module serving the extract ``found`` describes."""
    cls = _class_name(name)
    models: list[str] = []
    _models(f"{cls}Record", found.layout.members, models)
    trailer = "None"
    if found.trailer is not None:
        t = found.trailer
        trailer = (
            f"TrailerSpec({_lit(t.record)}, count={_lit(t.count)}, total={_lit(t.total)}, total_of={_lit(t.total_of)})"
        )
    uses_decimal = any(f.scale for _, f in found.layout.fields())
    return f'''"""{name}: an extract bridge written by `bridges discover extract` from {copybook_file} — edit it:
rename the operations and models, map codes to names, keep only the fields callers need."""

from __future__ import annotations
{"" if not uses_decimal else chr(10) + "from decimal import Decimal"}
from pathlib import Path

from pydantic import BaseModel, Field

from bridges.core.operation import Example, operation
from bridges.core.streaming import RowStream
from extract.bridge import ExtractBridge, ExtractInfo, ExtractSettings, TrailerSpec

__all__ = ["{cls}Bridge"]


{(chr(10) + chr(10)).join(models)}

class {cls}Page(BaseModel):
    """A page of records and where the next one starts."""

    extract: ExtractInfo
    records: list[{cls}Record]
    next_start: int | None = Field(description="`start` of the next page; None after the last.")


class ListRecords(BaseModel):
    """One page of the extract, in file order."""

    model_config = {{"extra": "forbid"}}

    start: int = Field(1, ge=1, description="Record number to start at (`next_start` of the previous page).")
    limit: int = Field(50, ge=1, le=500, description="Records per page.")


class NoInput(BaseModel):
    """No input."""

    model_config = {{"extra": "forbid"}}


class {cls}Bridge(ExtractBridge):
    """Records of the {found.layout.name} extract."""

    name = {_lit(name)}
    title = {_lit(found.layout.name + " extract")}
    description = "Records of the {found.layout.name} extract, decoded by its copybook."
    Settings = ExtractSettings
    copybook = Path(__file__).with_name({_lit(copybook_file)})
    record = {_lit(found.layout.name)}
    trailer = {trailer}
    pattern = {_lit(pattern)}

    @operation(summary="List records, a page at a time", examples=[Example({{"limit": 20}}, summary="The first 20")])
    def list_records(self, query: ListRecords) -> {cls}Page:
        """Records of the latest extract in file order, `limit` from record `start`; pass `next_start` back."""
        loaded, rows, next_start = self.page(query.start, query.limit)
        return {cls}Page(extract=loaded.info(), records=rows, next_start=next_start)

    @operation(
        summary="Export every record as a stream",
        examples=[Example({{}}, summary="The whole extract")],
        row_model={cls}Record,
    )
    def export_records(self, query: NoInput) -> RowStream:
        """Every record of the latest extract in file order, streamed as NDJSON or CSV."""
        return self.rows()

    @operation(summary="Which extract is served", examples=[Example({{}}, summary="The current extract")])
    def extract_info(self, query: NoInput) -> ExtractInfo:
        """File name, record count, size and checked control total of the extract being served."""
        return self.current().info()
'''
