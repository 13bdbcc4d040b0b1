"""Assessing a mainframe extract file: its COBOL copybook's fields profiled like a table's columns.

The copybook lays out the records (:func:`bridges.discover.extract.discover_extract`: record length,
trailer, the sample decoded); the file's detail records are counted from its size (exact, no read),
and the first ``sample_rows`` are decoded and each field profiled with the database profiler
(:func:`rdbms.profile.profile_column`): blanks, padding, distinct values, legacy dates such as a
``PIC 9(8)`` YYYYMMDD, sentinels, mojibake, personal data. A field that occurs (``CB-MONTH OCCURS 12``)
is one column of every occurrence's values. The report's system carries a ``database`` entry of one
relation, so the summary, Markdown and HTML read it as they read a table, and an ``extract`` entry.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bridges.discover.extract import discover_extract
from extract.layout import DecodeError, Field
from extract.records import iter_records
from rdbms.assess import RelationAssessment, RowCount
from rdbms.profile import profile_column
from rdbms.reflect import ReflectedColumn

__all__ = ["ExtractTarget", "configured_extract"]

_USAGE = {"packed": " COMP-3", "binary": " COMP", "zoned": "", "text": ""}


def _column(path: str, f: Field) -> ReflectedColumn:
    """The field as a column the profiler knows: text is CHAR (fixed width), numbers DECIMAL or INTEGER."""
    if f.kind == "text":
        return ReflectedColumn(path, f"PIC X({f.size})", "char", length=f.size)
    whole = f.digits - f.scale
    pic = f"PIC {'S' if f.signed else ''}9({whole}){f'V9({f.scale})' if f.scale else ''}{_USAGE[f.kind]}"
    return ReflectedColumn(path, pic, "decimal" if f.scale else "integer", precision=f.digits, scale=f.scale)


def _values(row: Any, path: str) -> Iterator[Any]:
    """Every value at ``path`` (``cb_month[].cb_month_net``) in a decoded row, one per occurrence."""
    head, _, rest = path.partition(".")
    if head.endswith("[]"):
        items = row.get(head[:-2]) or []
        for item in items:
            yield from (_values(item, rest) if rest else [item])
    elif rest:
        yield from _values(row.get(head) or {}, rest)
    else:
        yield row.get(head)


@dataclass
class ExtractTarget:
    """An extract file to assess with the copybook describing its records."""

    name: str
    copybook: Path
    extract: Path
    record: str | None = None
    """The copybook's 01 record of the detail lines (default: its first)."""
    codepage: str = "cp037"
    write_operations: tuple[str, ...] = ()
    problem: str = ""
    """Why there is no file to assess (a configured bridge's folder holding no extract)."""

    @property
    def transport(self) -> str:
        """The transport the target is reached by."""
        return "extract"

    def where(self) -> str:
        """The file and its copybook, for the report."""
        return f"{self.extract} (copybook {self.copybook.name})"

    def security(self) -> list[dict[str, Any]]:
        """A local file needs no connection: none (how it is fetched is the extract bridge's SFTP)."""
        return []

    def assess(
        self,
        *,
        progress: Callable[[str], None],
        sample_rows: int = 1000,
        as_of: Any = None,
        **_caps: Any,
    ) -> dict[str, Any]:
        """The report's ``database`` (one relation: the detail record) and ``extract`` entries, or ``error``."""
        if self.problem:
            return {"error": self.problem}
        started = time.perf_counter()
        try:
            found = discover_extract(
                self.copybook.read_text(encoding="utf-8", errors="replace"),
                record=self.record,
                codepage=self.codepage,
                extract=self.extract,
                sample=sample_rows,
            )
        except (OSError, ValueError) as exc:
            return {"error": f"{self.extract.name}: {exc}"}
        layout = found.layout
        info = {
            "copybook": str(self.copybook),
            "record": layout.name,
            "record_length": layout.length,
            "codepage": self.codepage,
            "trailer": found.trailer.record if found.trailer else None,
            "notes": found.notes,
        }
        if found.records is None:
            return {"error": "; ".join(found.notes), "extract": info}
        progress(layout.name)
        rows, problem = [], ""
        with open(self.extract, "rb") as fh:
            for number, raw in enumerate(iter_records(fh, layout.length), 1):
                if number > min(sample_rows, found.records):
                    break
                try:
                    rows.append(layout.decode(raw, number))
                except DecodeError as exc:
                    problem = exc.detail
                    break
        relation = RelationAssessment(
            layout.name, False, RowCount(found.records, True, "file size / record length"), sampled=len(rows)
        )
        relation.problem = problem
        for path, f in layout.fields():
            if f.key.startswith("filler"):
                continue
            values = [v for row in rows for v in _values(row, path)]
            relation.columns.append(profile_column(_column(path, f), values, total_rows=found.records, as_of=as_of))
        relation.seconds = time.perf_counter() - started
        database = {
            "dialect": "extract",
            "schema": None,
            "sampling": {
                "rows_per_relation": sample_rows,
                "method": "the file's first records (its detail records counted from its size)",
                "count_limit": 0,
            },
            "account_can_write": [],
            "references": [],
            "cost": {"queries": 0, "rows_read": len(rows), "seconds": round(relation.seconds, 3)},
            "relations": [relation.as_dict()],
        }
        return {"database": database, "extract": info}


def configured_extract(name: str, bridge: Any, settings: Any) -> ExtractTarget | None:
    """The latest extract of a configured extract bridge (``bridge``, its class) whose files are in a local
    folder, to assess with the bridge's copybook; None for one reached over SFTP (give ``--extract``)."""
    from bridges.core.errors import BridgeError
    from extract.source import FolderSource

    if settings.sftp is not None:
        return None
    folder = Path(settings.folder)
    target = ExtractTarget(name, bridge.copybook, folder, bridge.record, settings.codepage)
    try:
        latest = FolderSource(folder).latest(settings.pattern or bridge.pattern, settings.latest_by)
    except BridgeError as exc:
        target.problem = exc.detail
        return target
    target.extract = folder / latest.name
    return target
