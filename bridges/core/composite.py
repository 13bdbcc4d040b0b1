"""Composite operations: one operation that calls other bridges' operations in parallel, under one
deadline, and answers with typed partial results.

    class Customer360Bridge(CompositeBridge):
        @operation(summary="…")
        def get_customer_360(self, query: Get360) -> Customer360:
            got = self.call_parts({"customer": PartCall("custmast", "get_customer", {"customer": cid}), …},
                                  deadline_s=3)
            # got["customer"] is custmast's output model, or a PartError saying why it is missing

A part that fails, or has not answered when the deadline passes, becomes a :class:`PartError`
(the problem type, status and reason of its core error); the others are kept, and the answer is
never later than the deadline. Who runs a part is the caller's path: the facade's pipeline sets
a :func:`part_runner` (so each part runs with the caller's scopes and has its own audit line);
in-process, the runtime the bridge was built in runs it directly.
"""

from __future__ import annotations

import contextlib
import contextvars
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, Field

from bridges.core.errors import BridgeError, Unavailable
from bridges.core.operation import Bridge

__all__ = ["CompositeBridge", "CompositeResult", "Part", "PartCall", "PartError", "PartRunner", "part_runner"]

PartRunner = Callable[[str, str, Mapping[str, Any], float], BaseModel]
"""Runs one part: ``(instance, operation, input, deadline_s)`` → the part's output, or a core error."""

_RUNNER: contextvars.ContextVar[PartRunner | None] = contextvars.ContextVar("legacy_bridges_parts", default=None)
# Parts run on these threads so that a slow one is left behind when the deadline passes; each
# still ends by its own bridge's deadline, which is never later than the composite's.
_POOL = ThreadPoolExecutor(max_workers=32, thread_name_prefix="composite-part")


@contextlib.contextmanager
def part_runner(runner: PartRunner) -> Iterator[None]:
    """Run the parts of composite operations called inside this block with ``runner``."""
    token = _RUNNER.set(runner)
    try:
        yield
    finally:
        _RUNNER.reset(token)


@dataclass(frozen=True)
class PartCall:
    """One part of a composite call: an operation of another bridge instance, and its input."""

    instance: str
    operation: str
    input: Mapping[str, Any] = field(default_factory=dict)

    @property
    def source(self) -> str:
        """``instance.operation``, as the audit names it."""
        return f"{self.instance}.{self.operation}"


class PartError(BaseModel):
    """Why a part of a composite answer is missing."""

    error_type: str = Field(description="The problem type of the part's error (timeout, unavailable, not-found…).")
    status: int = Field(description="The HTTP status the part's error has on its own route.")
    reason: str = Field(description="What went wrong, as the part's problem detail says it.")


class Part(BaseModel):
    """One part of a composite answer: ``data`` when ``available``, else ``error``."""

    source: str = Field(description="The operation that gave this part (bridge.operation).")
    available: bool = Field(description="True when the part answered in time; false: see `error`.")
    error: PartError | None = Field(None, description="Why the part is missing (null when available).")
    duration_ms: float = Field(description="How long the part took, or waited until the deadline.")


class CompositeResult(BaseModel):
    """Base of a composite operation's output: whether every part is there."""

    complete: bool = Field(description="True when every part answered; false: some are marked unavailable.")
    deadline_s: float = Field(description="The deadline the parts were called under, in seconds.")


class CompositeBridge(Bridge):
    """Base of bridges whose operations combine other bridges' operations (see the module's docstring).

    ``context.runtime`` is the runtime the bridge was built in (set by
    :func:`bridges.core.registry.build_runtime`); it runs parts when no :func:`part_runner` is set."""

    def call_parts(self, calls: Mapping[str, PartCall], deadline_s: float
                   ) -> dict[str, tuple[BaseModel | PartError, float]]:
        """Run ``calls`` in parallel; by ``deadline_s`` each name has its output or a
        :class:`PartError`, with the milliseconds it took."""
        runner = _RUNNER.get() or self._runtime_runner()
        started = time.perf_counter()
        ends = started + deadline_s
        futures = {}
        for name, call in calls.items():
            context = contextvars.copy_context()  # the caller's runner and identity go with the part
            futures[name] = _POOL.submit(context.run, _run_one, runner, call, ends)
        wait(list(futures.values()), timeout=max(0.0, ends - time.perf_counter()))
        missing = PartError(error_type="timeout", status=504,
                            reason=f"no answer within the composite deadline of {deadline_s:g} s")
        results: dict[str, tuple[BaseModel | PartError, float]] = {}
        for name, future in futures.items():
            if future.done():
                results[name] = future.result()
            else:
                future.cancel()  # not started yet: never runs; running: ends by its own deadline
                results[name] = (missing, (time.perf_counter() - started) * 1000)
        return results

    def _runtime_runner(self) -> PartRunner:
        runtime = getattr(self.context, "runtime", None)
        if runtime is None:
            raise Unavailable(f"{self.context.instance_name}: a composite bridge runs inside a runtime")

        def run(instance: str, operation: str, data: Mapping[str, Any], deadline_s: float) -> BaseModel:
            return runtime.call(instance, operation, data, deadline_s)

        return run


def _run_one(runner: PartRunner, call: PartCall, ends: float) -> tuple[BaseModel | PartError, float]:
    started = time.perf_counter()
    try:
        result: BaseModel | PartError = runner(call.instance, call.operation, call.input,
                                               max(0.001, ends - started))
    except BridgeError as exc:
        result = PartError(error_type=exc.slug, status=exc.status, reason=exc.detail)
    except Exception:  # never echo an unexpected error's text: it may hold data or secrets
        result = PartError(error_type="internal", status=500, reason="an unexpected error occurred in this part")
    return result, (time.perf_counter() - started) * 1000
