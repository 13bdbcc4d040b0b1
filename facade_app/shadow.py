"""Shadow mode: a write under the ``shadow`` policy is dry-run and recorded, never executed; later
reconciliation reads the legacy record again and matches each proposal to what a person did.

    [bridges.custmast.policies.change_address]
    policy = "shadow"
    observe = "get_customer"     # the read that shows the fields the write sets

For each proposal the record is read (``observe``) when it is shadowed (the baseline) and at each
reconciliation. The proposed fields are the write's input fields the read also shows (less the
ones that name the record). When they all now hold the proposed values the proposal is *matched*;
when any of them changed to something else it is *disagreeing*, with a diff per field; when none
changed it stays *unmatched* (pending). The report's agreement rate is matched / (matched +
disagreeing).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from bridges.core.errors import BridgeError
from bridges.core.operation import Operation
from bridges.core.runtime import Runtime
from facade_app.policies import Policies
from facade_app.shadow_store import Shadow, ShadowStore

__all__ = ["ShadowMode", "compare"]


def _names(model: type[BaseModel]) -> set[str]:
    from facade_app.pipeline import parameter_names  # (the pipeline imports this module)

    return set(parameter_names(model))


def compare(proposal: dict[str, Any], baseline: dict[str, Any] | None, now: dict[str, Any],
            ignore: set[str]) -> tuple[str, dict[str, Any] | None]:
    """``("matched" | "disagreeing" | "pending", diff)`` of a proposal against the record ``now``."""
    proposed = {k: v for k, v in proposal.items() if k in now and k not in ignore and v is not None}
    if all(now[k] == v for k, v in proposed.items()):
        return "matched", None
    before = baseline or {}
    if all(now[k] == before.get(k) for k in proposed):
        return "pending", None  # nobody has made the change (yet)
    diff = {k: {"proposed": v, "actual": now[k], "before": before.get(k)} for k, v in proposed.items()
            if now[k] != v}
    return "disagreeing", diff


class ShadowMode:
    """Records shadowed writes and reconciles them (see the module's docstring)."""

    def __init__(self, runtime: Runtime, store: ShadowStore, policies: Policies) -> None:
        self.runtime = runtime
        self.store = store
        self.policies = policies
        self.settled: Callable[[str, str, str], None] | None = None  # (bridge, operation, outcome): the metrics

    def _observe(self, instance: str, op: Operation, data: dict[str, Any]) -> tuple[dict[str, Any], set[str]] | None:
        name = self.policies.observer(instance, op)
        if name is None:
            return None
        bridge, read = self.runtime.find(instance, name)
        keys = _names(read.input_model)
        result = bridge.call(read, {k: v for k, v in data.items() if k in keys})
        return result.model_dump(mode="json"), keys  # type: ignore[union-attr]

    def shadow(self, instance: str, op: Operation, parsed: BaseModel, requested_by: str) -> Shadow:
        """Dry-run the write when it can be (``dry_run`` in its input), read the record, keep both."""
        bridge = self.runtime.bridges[instance]
        data = parsed.model_dump(mode="json", by_alias=True)
        dry = None
        if "dry_run" in op.input_model.model_fields:
            dry = bridge.call(op, parsed.model_copy(update={"dry_run": True})).model_dump(mode="json")  # type: ignore[union-attr]
        observed = self._observe(instance, op, data)
        return self.store.record(instance, op.name, data, requested_by, dry_run=dry,
                                 baseline=observed[0] if observed else None)

    def reconcile(self) -> dict[str, int]:
        """Read each pending proposal's record again and settle what a person did; counts by result."""
        counts = {"matched": 0, "disagreeing": 0, "pending": 0, "failed": 0}
        for shadow in self.store.list("pending"):
            try:
                _, op = self.runtime.find(shadow.bridge, shadow.operation)
                observed = self._observe(shadow.bridge, op, shadow.input)
            except BridgeError:
                counts["failed"] += 1  # tried again at the next reconciliation
                continue
            if observed is None:
                counts["pending"] += 1
                continue
            now, keys = observed
            status, diff = compare(shadow.input, shadow.baseline, now, keys | {"dry_run"})
            if status != "pending":
                self.store.settle(shadow.id, status=status, observed=now, diff=diff)
                if self.settled is not None:
                    self.settled(shadow.bridge, shadow.operation, status)
            counts[status] += 1
        return counts

    def report(self) -> dict[str, Any]:
        """Agreement between proposals and what people did, and every record."""
        shadows = self.store.list()
        matched = sum(1 for s in shadows if s.status == "matched")
        disagreeing = sum(1 for s in shadows if s.status == "disagreeing")
        decided = matched + disagreeing
        return {
            "total": len(shadows), "matched": matched, "disagreeing": disagreeing,
            "unmatched": len(shadows) - decided,
            "agreement_rate": round(matched / decided, 4) if decided else None,
            "shadows": [s.public() for s in shadows],
        }
