"""A bridge with one read and one write operation, for the guard's tests (the guard only
looks at an operation's effect and name)."""

from __future__ import annotations

from pydantic import BaseModel

from bridges.core.operation import Bridge, Effect, operation

__all__ = ["READ", "WRITE", "GuardedBridge"]


class _In(BaseModel):
    pass


class _Out(BaseModel):
    pass


class GuardedBridge(Bridge):
    """Its operations are never run: the guard is given the function to call."""

    name = "g"

    @operation(summary="read")
    def read(self, i: _In) -> _Out:
        """Read."""

    @operation(summary="write", effect=Effect.WRITE)
    def write(self, i: _In) -> _Out:
        """Write."""


READ, WRITE = GuardedBridge.operations["read"], GuardedBridge.operations["write"]
