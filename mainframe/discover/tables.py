"""Tables on discovered screens: a list screen shows one record a row, each row a protected
field at the same column, under a heading line.

Three or more consecutive rows whose unlabelled outputs start at the same column with the same
length are a table; the protected text on the row above names its columns (split where two or
more blanks separate headings: ``CUST NO   NAME`` gives ``cust_no`` and ``name``), else the
table has one column, ``row``. The first column is the key (a row whose key is blank is no row),
and PF8 pages forward when the screen takes it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from mainframe.discover.classify import Kind, ScreenField, identifier

__all__ = ["DiscoveredTable", "find_table"]

MIN_ROWS = 3
"""Consecutive rows that make a table."""


@dataclass(frozen=True)
class DiscoveredTable:
    """Where a table's rows are, its columns (name, first column, width, heading) and its keys."""

    first_row: int
    last_row: int
    columns: tuple[tuple[str, int, int, str], ...]
    next_key: str | None = None

    @property
    def key(self) -> str:
        """The column whose blank value ends the rows."""
        return self.columns[0][0]


def _runs(outputs: Sequence[ScreenField]) -> list[list[ScreenField]]:
    """Runs of unlabelled outputs on consecutive rows at one column with one length."""
    runs: list[list[ScreenField]] = []
    for f in sorted(outputs, key=lambda f: (f.col, f.length, f.row)):
        last = runs[-1][-1] if runs else None
        if last is not None and (last.col, last.length, last.row + 1) == (f.col, f.length, f.row):
            runs[-1].append(f)
        else:
            runs.append([f])
    return [run for run in runs if len(run) >= MIN_ROWS]


def _columns(heading: ScreenField | None, col: int, width: int) -> tuple[tuple[str, int, int, str], ...]:
    if heading is None:
        return (("row", col, width, ""),)
    text = " " * (heading.col - col) + heading.text if heading.col >= col else heading.text
    starts = [(m.start() + col, m.group()) for m in re.finditer(r"\S+(?: \S+)*", text)]
    columns = []
    taken: set[str] = set()
    for n, (start, words) in enumerate(starts):
        end = starts[n + 1][0] if n + 1 < len(starts) else col + width
        name = identifier(words, f"column_{n + 1}")
        name = name if name not in taken else f"{name}_{n + 1}"
        taken.add(name)
        columns.append((name, start, end - start, words))
    return tuple(columns)


def find_table(
    fields: Sequence[ScreenField], texts: Sequence[ScreenField], keys: set[str]
) -> tuple[DiscoveredTable, list[ScreenField]] | None:
    """The table among ``fields`` (its rows' fields taken out of them), or None."""
    outputs = [f for f in fields if f.kind is Kind.OUTPUT and not f.text]
    runs = _runs(outputs)
    if not runs:
        return None
    run = max(runs, key=len)
    first = run[0]
    heading = next((t for t in texts if t.row == first.row - 1 and t.col <= first.col + first.length), None)
    table = DiscoveredTable(
        first.row, run[-1].row, _columns(heading, first.col, first.length), "PF8" if "PF8" in keys else None
    )
    return table, [f for f in fields if f not in run]
