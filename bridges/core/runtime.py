"""Calling operations: input validation, the guard, output validation.

:class:`Runtime` is what the facade (and any in-process caller) uses: it knows the
built bridges and their guards, and nothing of HTTP.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from bridges.core.errors import BridgeError, InvalidInput, LegacyError, LoginRefused, NotFound
from bridges.core.guard import Guard
from bridges.core.operation import Bridge, Operation
from bridges.core.streaming import RowStream

__all__ = ["BridgeRuntime", "Runtime", "validation_errors"]


def validation_errors(exc: ValidationError) -> list[dict[str, Any]]:
    """Field-level problems, without echoing the values given (they may be huge or secret)."""
    return [
        {"field": ".".join(str(p) for p in err["loc"]) or "(body)", "message": err["msg"], "type": err["type"]}
        for err in exc.errors(include_input=False, include_url=False, include_context=False)
    ]


@dataclass
class BridgeRuntime:
    """One built bridge and the guard its calls run under."""

    bridge: Bridge
    guard: Guard
    instance: str = ""
    tunnel: Any = None
    """The bridge's :class:`~bridges.core.tunnel.SshTunnel`, when it is reached through one."""

    def __post_init__(self) -> None:
        self.instance = self.instance or self.bridge.context.instance_name
        self.operations = {name: op.bound_to(self.instance) for name, op in self.bridge.operations.items()}

    @staticmethod
    def parse_input(operation: Operation, raw_input: Mapping[str, Any] | BaseModel) -> BaseModel:
        """``raw_input`` validated into the operation's input model, or :class:`InvalidInput`."""
        if isinstance(raw_input, operation.input_model):
            return raw_input
        data = raw_input.model_dump() if isinstance(raw_input, BaseModel) else raw_input
        try:
            return operation.input_model.model_validate(data)
        except ValidationError as exc:
            raise InvalidInput(f"invalid input for {operation.qualified_name}",
                               errors=validation_errors(exc)) from None

    def close(self) -> None:
        """Close the bridge, then its tunnel."""
        try:
            self.bridge.close()
        finally:
            if self.tunnel is not None:
                self.tunnel.close()

    def call(self, operation: Operation, raw_input: Mapping[str, Any] | BaseModel,
             deadline_s: float | None = None) -> BaseModel | RowStream:
        """Validate ``raw_input``, run the operation under the guard, validate its output.

        A streaming operation returns its :class:`RowStream` (rows are validated by the
        consumer as they are pulled)."""
        parsed = self.parse_input(operation, raw_input)
        method = getattr(self.bridge, operation.method_name)
        recording = getattr(self.bridge.context.cassette, "recording", None)
        try:
            result = self.guard.run(operation, lambda: method(parsed), deadline_s)
        except BridgeError as exc:
            if isinstance(exc, LoginRefused):
                # Whatever transport refused, the caller learns which bridge's login it was.
                exc.context.setdefault("bridge", self.instance)
                if not exc.detail.startswith(f"bridge {self.instance}:"):
                    exc.detail = f"bridge {self.instance}: the legacy system refused its login: {exc.detail}"
            if recording is not None:  # whatever the transport, a recording ending in a fault is not complete
                recording.note_outcome(exc.status < 500, exc.detail)
            raise
        if recording is not None:
            recording.note_outcome(True)
        if operation.streaming:
            return result
        if result is None:
            raise NotFound(f"{operation.qualified_name}: no such record")
        try:
            return operation.output_model.model_validate(result)
        except ValidationError as exc:
            # The bridge produced something its own declaration does not allow:
            # the legacy system answered in a shape nobody mapped.
            raise LegacyError(f"{operation.qualified_name} returned data that does not fit its output model",
                              errors=validation_errors(exc)) from None


class Runtime:
    """The built bridges of one configuration, by instance name."""

    def __init__(self, bridges: dict[str, BridgeRuntime], leases: Any = None) -> None:
        self.bridges = bridges
        self.leases = leases
        """The :class:`bridges.core.leases.LeaseStore` the bridges lease their budgets from (or None)."""

    def operations(self) -> Iterator[tuple[str, Operation]]:
        """(instance name, operation) for every operation served."""
        for instance, runtime in self.bridges.items():
            for op in runtime.operations.values():
                yield instance, op

    def find(self, instance: str, name: str) -> tuple[BridgeRuntime, Operation]:
        """The runtime and operation for ``instance.name``, or :class:`NotFound`."""
        runtime = self.bridges.get(instance)
        op = runtime.operations.get(name) if runtime else None
        if runtime is None or op is None:
            raise NotFound(f"no operation {instance}.{name}")
        return runtime, op

    def call(self, instance: str, name: str, raw_input: Mapping[str, Any] | BaseModel,
             deadline_s: float | None = None) -> BaseModel | RowStream:
        """Call one operation by name (what in-process callers use)."""
        runtime, op = self.find(instance, name)
        return runtime.call(op, raw_input, deadline_s)

    def readiness(self) -> dict[str, dict[str, Any]]:
        """Each bridge's ping and state, for ``/readyz``."""
        report: dict[str, dict[str, Any]] = {}
        for instance, runtime in self.bridges.items():
            entry: dict[str, Any] = {"guard": runtime.guard.status()}
            try:
                entry.update(runtime.bridge.ping() or {})
                entry["status"] = "ok"
            except BridgeError as exc:
                entry.update(status="failing", error=exc.detail)
            except Exception as exc:  # a ping must never take /readyz down with it
                entry.update(status="failing", error=type(exc).__name__)
            entry.update(runtime.bridge.status() or {})
            if runtime.tunnel is not None:
                entry["tunnel"] = runtime.tunnel.status()
            report[instance] = entry
        return report

    def reset(self, instance: str) -> None:
        """An operator's reset of one bridge: its transport may sign on again after a
        refused login, and its breaker closes. :class:`NotFound` for an unknown bridge."""
        runtime = self.bridges.get(instance)
        if runtime is None:
            raise NotFound(f"no bridge {instance}")
        runtime.bridge.reset()
        runtime.guard.reset()
        if runtime.tunnel is not None:
            runtime.tunnel.reset()

    def close(self) -> None:
        """Close every bridge (and its tunnel, giving back its leases), then stop renewing leases."""
        for runtime in self.bridges.values():
            runtime.close()
        if self.leases is not None:
            self.leases.close()
