"""Stopping and resuming across systems: a finished system is never read again, and the resumed
assessment's systems are those an uninterrupted one reports."""

from __future__ import annotations

from typing import Any

import pytest

from bridges.assess import assess_targets
from bridges.assess.checkpoint import Checkpoint

pytestmark = pytest.mark.unit


class _System:
    """A target that counts its reads and can be told to stop (Ctrl-C) while it is read."""

    transport = "tn3270"

    def __init__(self, name: str, stop: bool = False) -> None:
        self.name, self.stop, self.reads = name, stop, 0

    def where(self) -> str:
        return f"{self.name}:23"

    def security(self) -> list[dict[str, Any]]:
        return [{"class": "no_tls", "detail": "in clear"}]

    def assess(self, **_: Any) -> dict[str, Any]:
        self.reads += 1
        if self.stop:
            self.stop = False
            raise KeyboardInterrupt
        return {"probe": {"reachable": True}, "code_page": "cp037"}


def test_a_finished_system_is_not_read_again_and_the_report_is_the_same(tmp_path):
    plan = {"systems": ["a", "b", "c"]}
    first, second, third = _System("a"), _System("b", stop=True), _System("c")
    with pytest.raises(KeyboardInterrupt):  # stopped while the second system is read
        assess_targets([first, second, third], checkpoint=Checkpoint(tmp_path, plan, resume=False))
    resumed = assess_targets([first, second, third], checkpoint=Checkpoint(tmp_path, plan, resume=True))
    assert (first.reads, second.reads, third.reads) == (1, 2, 1)  # "a" was finished: kept, not read again
    uninterrupted = assess_targets([_System("a"), _System("b"), _System("c")])
    assert resumed == uninterrupted


def test_the_checkpoint_holding_customers_is_readable_by_its_owner_only(tmp_path):
    (tmp_path / "assessment.partial.tmp").write_text("left by a stop", encoding="utf-8")  # a leftover, world-readable
    (tmp_path / "assessment.partial.tmp").chmod(0o644)
    checkpoint = Checkpoint(tmp_path, {"systems": ["custmast"]}, resume=False)
    checkpoint.add_customers("custmast", {"records": [{"name": "Ana Sousa", "phone": "555-0101"}]})
    assert (tmp_path / "assessment.partial.json").stat().st_mode & 0o777 == 0o600
    resumed = Checkpoint(tmp_path, {"systems": ["custmast"]}, resume=True)
    assert resumed.customers("custmast") == {"records": [{"name": "Ana Sousa", "phone": "555-0101"}]}
