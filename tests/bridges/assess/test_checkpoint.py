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
