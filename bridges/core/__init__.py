"""The core every layer builds on: operations, errors, deadlines, the guard, cassettes,
configuration, the crosswalk and legacy codecs. It imports nothing else of the project."""

from bridges.core.cassette import Cassette, CassetteSettings, RecordMode, Scrubber
from bridges.core.deadline import Deadline, current_deadline, deadline_scope
from bridges.core.errors import (
    BridgeError,
    CassetteMiss,
    ConfigError,
    DeadlineExceeded,
    Forbidden,
    InvalidInput,
    LayoutChanged,
    LegacyError,
    NotFound,
    RateLimited,
    Refused,
    Unauthenticated,
    Unavailable,
    UnexpectedScreen,
)
from bridges.core.guard import Guard, GuardSettings
from bridges.core.operation import Bridge, BridgeContext, Effect, Example, NoSettings, Operation, operation

__all__ = [
    "Bridge",
    "BridgeContext",
    "BridgeError",
    "Cassette",
    "CassetteMiss",
    "CassetteSettings",
    "ConfigError",
    "Deadline",
    "DeadlineExceeded",
    "Effect",
    "Example",
    "Forbidden",
    "Guard",
    "GuardSettings",
    "InvalidInput",
    "LayoutChanged",
    "LegacyError",
    "NoSettings",
    "NotFound",
    "Operation",
    "RateLimited",
    "RecordMode",
    "Refused",
    "Scrubber",
    "Unauthenticated",
    "Unavailable",
    "UnexpectedScreen",
    "current_deadline",
    "deadline_scope",
    "operation",
]
