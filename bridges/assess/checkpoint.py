"""Stopping and resuming an assessment: what is done is kept in ``DIR/assessment.partial.json``.

After each relation (and each system, and each call listing a system's customers) the checkpoint is
rewritten (a temporary file, then a rename: a stop never leaves half a file); the customers read so far
are kept in it as read, until the report is written; as they are personal data, only the owner may read the
file (mode 0600). ``bridges assess --out DIR --resume`` reads it and
skips what it holds; a checkpoint of another assessment (other systems, other ``--as-of`` or
sampling) is refused rather than mixed in. The finished report removes it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from bridges.core.errors import ConfigError

__all__ = ["CHECKPOINT_NAME", "Checkpoint"]

CHECKPOINT_NAME = "assessment.partial.json"


class Checkpoint:
    """The relations and systems assessed so far, for one assessment (``plan`` says which)."""

    def __init__(self, out: Path, plan: dict[str, Any], *, resume: bool) -> None:
        self.path = out / CHECKPOINT_NAME
        self.plan = plan
        self.data: dict[str, Any] = {"plan": plan, "relations": {}, "systems": {}}
        if resume and self.path.is_file():
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("plan") != plan:
                raise ConfigError(f"--resume: {self.path} is of another assessment (other systems or options)")
            self.data = data
        out.mkdir(parents=True, exist_ok=True)

    def relations(self, system: str) -> dict[str, dict[str, Any]]:
        """The relations of ``system`` already assessed, by name."""
        return dict(self.data["relations"].get(system, {}))

    def system(self, name: str) -> dict[str, Any] | None:
        """The finished entry of system ``name``, if it was finished."""
        return self.data["systems"].get(name)

    def add_relation(self, system: str, relation: dict[str, Any]) -> None:
        """Keep one assessed relation."""
        self.data["relations"].setdefault(system, {})[relation["name"]] = relation
        self._save()

    def add_system(self, name: str, entry: dict[str, Any]) -> None:
        """Keep one finished system (its relations are in the entry now)."""
        self.data["systems"][name] = entry
        self.data["relations"].pop(name, None)
        self._save()

    def customers(self, system: str) -> dict[str, Any] | None:
        """The state of reading ``system``'s customers through its bridge, if it was begun."""
        return self.data.get("customers", {}).get(system)

    def add_customers(self, system: str, state: dict[str, Any]) -> None:
        """Keep how far reading ``system``'s customers got (:func:`bridges.assess.customers.read_customers`)."""
        self.data.setdefault("customers", {})[system] = state
        self._save()

    def finish(self) -> None:
        """The report is written: the checkpoint goes."""
        self.path.unlink(missing_ok=True)

    def _save(self) -> None:
        temporary = self.path.with_suffix(".tmp")
        temporary.unlink(missing_ok=True)  # a leftover might be readable by others: the new one is made 0600
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(self.data, ensure_ascii=False, default=str))
        os.replace(temporary, self.path)
