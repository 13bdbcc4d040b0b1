"""References between relations, declared or inferred by name, and orphans found from the samples.

The foreign keys the catalog declares come first (:func:`declared_references`). Legacy databases
rarely declare them; their column names carry the link instead. An AS/400
file prefixes every column with two letters of its own (``OHCUSN`` in ORDHDR, ``CMCUSN`` in CUSMST),
so a column whose name without that prefix is the name of another relation's single-column key
without its prefix — or the same name — is taken to reference it, unless a declared key already
says what it references.

Orphans are looked for in the sample only (never a scan): the distinct sampled values of the
referencing column are looked up in the referenced key, :data:`CHUNK` at a time, with one
``SELECT key FROM parent WHERE key IN (…)`` under the deadline each — an index lookup on a key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bridges.core.deadline import Deadline, deadline_scope
from bridges.core.errors import BridgeError
from rdbms.reflect import ForeignKey
from rdbms.types import ReadOnlyConnection

__all__ = ["CHUNK", "Reference", "check_orphans", "declared_references", "infer_references"]

CHUNK = 200
"""Values looked up in one query."""
_PREFIX = 2


@dataclass
class Sampled:
    """What the references need of one assessed relation: its name, key and sampled values by column."""

    name: str
    qualified: str
    is_view: bool
    key: tuple[str, ...]
    values: dict[str, list[Any]]
    kinds: dict[str, str] = field(default_factory=dict)


@dataclass
class Reference:
    """``child.column`` → ``parent.key``, how it was found, and what the sample showed."""

    child: str
    column: str
    parent: str
    key: str
    how: str
    checked: int = 0
    orphans: int = 0
    examples: list[str] = field(default_factory=list)
    problem: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The reference as the JSON report writes it."""
        return dict(self.__dict__)


def _stem(name: str) -> str:
    return name[_PREFIX:].lower() if len(name) > _PREFIX + 2 else name.lower()


def declared_references(foreign_keys: Sequence[ForeignKey], relations: Sequence[Sampled]) -> list[Reference]:
    """The catalog's foreign keys between ``relations`` as references; one of several columns is
    listed with its ``problem`` (its orphans are not looked for: the lookup is by one column)."""
    sampled = {r.name for r in relations}
    found = []
    for fk in foreign_keys:
        if fk.child not in sampled or fk.parent not in sampled:
            continue
        reference = Reference(fk.child, ", ".join(fk.columns), fk.parent, ", ".join(fk.keys), "declared")
        if len(fk.columns) != 1 or len(fk.keys) != 1:
            reference.problem = "a key of several columns: orphans not looked for"
        found.append(reference)
    return found


def infer_references(relations: Sequence[Sampled], declared: Sequence[Reference] = ()) -> list[Reference]:
    """The references among ``relations``: a column named as another relation's single-column key (the
    same name, or the same after the two-letter prefix), of a comparable kind. A view prefers a view.
    A column a ``declared`` reference already covers is left to it."""
    parents = [r for r in relations if len(r.key) == 1]
    covered = {(d.child, column.strip()) for d in declared for column in d.column.split(",")}
    found = []
    for child in relations:
        for column in child.values:
            if (column,) == child.key or (child.name, column) in covered:
                continue
            matches = [
                p
                for p in parents
                if p.name != child.name
                and (p.key[0].lower() == column.lower() or _stem(p.key[0]) == _stem(column))
                and _comparable(child.kinds.get(column), p.kinds.get(p.key[0]))
                and not _same_entity(child, p)
            ]
            if not matches:
                continue
            matches.sort(key=lambda p: (p.is_view != child.is_view, p.name))
            parent = matches[0]
            how = "same name" if parent.key[0].lower() == column.lower() else "same name after the prefix"
            found.append(Reference(child.name, column, parent.name, parent.key[0], f"inferred: {how}"))
    return found


def _comparable(a: str | None, b: str | None) -> bool:
    text, number = {"char", "varchar"}, {"integer", "decimal"}
    return a is not None and b is not None and (a == b or {a, b} <= text or {a, b} <= number)


def _same_entity(child: Sampled, parent: Sampled) -> bool:
    """A view and the table it shows (same key, same columns) do not reference each other."""
    return child.key == parent.key and set(child.values) == set(parent.values)


def check_orphans(
    db: ReadOnlyConnection, reference: Reference, child: Sampled, parent: Sampled, timeout_s: float
) -> None:
    """Look the sampled values of ``reference``'s column up in the parent's key; fills its counts."""
    sampled = [
        v for v in child.values[reference.column] if v is not None and not (isinstance(v, str) and not v.strip())
    ]
    distinct = list(dict.fromkeys(sampled))
    present: set[Any] = set()
    try:
        for i in range(0, len(distinct), CHUNK):
            chunk = distinct[i : i + CHUNK]
            marks = ", ".join("?" * len(chunk))
            sql = f"SELECT {parent.key[0]} FROM {parent.qualified} WHERE {parent.key[0]} IN ({marks})"
            with deadline_scope(Deadline(timeout_s)):
                present |= {_plain(row[0]) for row in db.query(sql, chunk, max_rows=len(chunk)).rows}
    except BridgeError as exc:
        reference.problem = exc.detail
        return
    missing = [v for v in distinct if _plain(v) not in present]
    reference.checked = len(sampled)
    reference.orphans = sum(1 for v in sampled if _plain(v) not in present)
    reference.examples = [str(v).rstrip() for v in missing[:3]]


def _plain(value: Any) -> Any:
    """A key value as compared: CHAR padding off, integral numbers as ints (drivers differ on both)."""
    if isinstance(value, str):
        return value.rstrip(" ")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    try:
        return int(value) if value == int(value) else value
    except (TypeError, ValueError):
        return value
