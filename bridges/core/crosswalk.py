"""The crosswalk: one canonical customer id for the identifiers each silo uses.

The file is CSV with a version line first (``# legacy-bridges crosswalk, version 1``),
then a header ``canonical_id,<system>,<system>…`` and one row per customer.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

__all__ = ["Crosswalk"]

_VERSION = re.compile(r"^#.*version\s+(\d+)\s*$")


class Crosswalk:
    """Maps each system's local customer id to the canonical id and back."""

    def __init__(self, rows: list[dict[str, str]], version: int) -> None:
        self.version = version
        self._to_canonical: dict[str, dict[str, str]] = {}
        self._from_canonical: dict[str, dict[str, str]] = {}
        for row in rows:
            canonical = row["canonical_id"]
            for system, local in row.items():
                if system == "canonical_id" or not local:
                    continue
                self._to_canonical.setdefault(system, {})[local.strip()] = canonical
                self._from_canonical.setdefault(system, {})[canonical] = local.strip()

    @classmethod
    def load(cls, path: Path | str) -> Crosswalk:
        """Read a crosswalk file; the version line is required."""
        with Path(path).open(encoding="utf-8", newline="") as fh:
            first = fh.readline()
            match = _VERSION.match(first.strip())
            if not match:
                raise ValueError(f"{path}: the first line must name the crosswalk version")
            return cls(list(csv.DictReader(fh)), int(match.group(1)))

    @property
    def systems(self) -> list[str]:
        """The systems the crosswalk knows."""
        return sorted(self._to_canonical)

    def canonical(self, system: str, local_id: str) -> str | None:
        """The canonical id of ``system``'s ``local_id``, or None if unmapped."""
        return self._to_canonical.get(system, {}).get(local_id.strip())

    def local(self, system: str, canonical_id: str) -> str | None:
        """``system``'s id for a canonical id, or None if unmapped."""
        return self._from_canonical.get(system, {}).get(canonical_id.strip())

    def ids(self, system: str) -> dict[str, str]:
        """Every local id of ``system`` and its canonical id."""
        return dict(self._to_canonical.get(system, {}))
