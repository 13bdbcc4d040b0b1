"""Two small bridges for the registry's checks: one that records and replays, one that never
opens the cassette it is given (as a hand-written bridge might)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from bridges.core.cassette import Cassette
from bridges.core.errors import Unavailable
from bridges.core.operation import Bridge, BridgeContext, Example, operation

__all__ = ["Echo", "LiveOnlyBridge", "TapedBridge"]


class Echo(BaseModel):
    """Something to echo."""

    text: str = Field(max_length=20, description="What to echo.")


class LooseSettings(BaseModel):
    """Settings as the README once showed them: no ``extra = "forbid"``."""

    dsn: str = "x"


class LiveOnlyBridge(Bridge):
    """Ignores its cassette: would talk to the live system."""

    name = "liveonly"
    Settings = LooseSettings
    live_calls = 0

    @operation(summary="Echo", examples=[Example({"text": "hi"})])
    def echo(self, query: Echo) -> Echo:
        """Echoes, live."""
        LiveOnlyBridge.live_calls += 1
        return query


class TapedBridge(Bridge):
    """Opens its cassette."""

    name = "taped"
    required_secrets = ("password",)

    def __init__(self, settings: BaseModel, context: BridgeContext) -> None:
        super().__init__(settings, context)
        self.cassette = Cassette.open(context.cassette, transport="test", system="taped") if context.cassette else None

    @operation(summary="Echo", examples=[Example({"text": "hi"})])
    def echo(self, query: Echo) -> Echo:
        """Echoes, through the cassette."""
        if self.cassette is not None and not self.cassette.replaying:
            self.cassette.record({"echo": query.text}, {"echo": query.text})
        if query.text == "down":
            raise Unavailable("the system is down")
        return query

    def close(self) -> None:
        """Save a recording."""
        if self.cassette is not None:
            self.cassette.save()
