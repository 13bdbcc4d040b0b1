"""Recorded interactions: the one cassette envelope every transport writes and replays.

A cassette is a YAML file: format version, transport, system, recorded-at, and the
ordered interactions (request → response, or request → error). Transports build their
*recording* and *replaying* port implementations on :class:`Cassette`:

    with Cassette.open(settings, transport="odbc", system="orders", secrets=...) as cas:
        if cas.replaying:
            response = cas.play(request)          # strict: a miss fails at once
        else:
            response = live(request)
            cas.record(request, response)

Secrets are stored as reversible placeholders (``<<PASSWORD>>``), so replay still
matches while no secret reaches the file; volatile values (clocks, session ids) are
masked. Re-recording over an existing cassette (mode ``all``) reports a drift diff.
"""

from __future__ import annotations

import difflib
import logging
import re
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field, PrivateAttr

from bridges.core.errors import BridgeError, CassetteMiss, ConfigError, error_for_problem

__all__ = [
    "FORMAT_VERSION",
    "Cassette",
    "CassetteEnvelope",
    "CassetteSettings",
    "Interaction",
    "RecordMode",
    "Scrubber",
]

FORMAT_VERSION = 1
log = logging.getLogger("legacy_bridges.cassette")


class RecordMode(StrEnum):
    """As pytest-recording: ``none`` replays only, ``once`` records a missing cassette,
    ``all`` re-records (and reports drift against the previous recording)."""

    NONE = "none"
    ONCE = "once"
    ALL = "all"


class CassetteSettings(BaseModel):
    """Where a bridge's cassette lives and how it is used."""

    model_config = {"extra": "forbid"}

    path: Path
    mode: RecordMode = RecordMode.NONE
    _opened: bool = PrivateAttr(default=False)
    _recording: Any = PrivateAttr(default=None)

    @property
    def opened(self) -> bool:
        """True once a :class:`Cassette` was opened on these settings: the runtime refuses
        a bridge that was given a cassette and never opened it (it would go live)."""
        return self._opened

    @property
    def recording(self) -> Cassette | None:
        """The cassette recording on these settings, if one is (the runtime tells it how each
        call ended, so a recording whose last call failed is never saved as complete)."""
        return self._recording

    @property
    def records(self) -> bool:
        """True when this mode would record (``all``, or ``once`` with no file yet)."""
        return self.mode is RecordMode.ALL or (self.mode is RecordMode.ONCE and not Path(self.path).exists())

    def incomplete_path(self) -> Path:
        """Where a recording that ended in failure is kept (never the cassette itself)."""
        path = Path(self.path)
        return path.with_name(f"{path.stem}.incomplete{path.suffix or '.yaml'}")


class Interaction(BaseModel):
    """One request and what came back: a response, or an error (as problem+json)."""

    request: dict[str, Any]
    response: Any = None
    error: dict[str, Any] | None = None


class CassetteEnvelope(BaseModel):
    """The file format shared by every transport."""

    format_version: Literal[1] = FORMAT_VERSION
    transport: str
    system: str
    recorded_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    interactions: list[Interaction] = Field(default_factory=list)


class Scrubber:
    """Replaces secrets with placeholders (reversibly) and volatile values with masks.

    ``secrets`` maps a placeholder name (``PASSWORD``) to the secret value; ``masks``
    maps a mask name (``CLOCK``) to a regular expression whose matches are volatile.
    """

    def __init__(self, secrets: dict[str, str] | None = None, masks: dict[str, str] | None = None) -> None:
        # Longest first, so a secret containing another is replaced whole.
        self._secrets = sorted(
            ((f"<<{name.upper()}>>", value) for name, value in (secrets or {}).items() if value),
            key=lambda item: -len(item[1]),
        )
        self._masks = [(f"<<{name.upper()}>>", re.compile(rx)) for name, rx in (masks or {}).items()]

    def scrub(self, data: Any) -> Any:
        """Secrets → placeholders, volatile values → masks, through any nesting."""
        return _walk(data, self._scrub_text)

    def restore(self, data: Any) -> Any:
        """Placeholders → the secrets known now (masks stay masked)."""
        return _walk(data, self._restore_text)

    def _scrub_text(self, text: str) -> str:
        for placeholder, value in self._secrets:
            text = text.replace(value, placeholder)
        for placeholder, rx in self._masks:
            text = rx.sub(placeholder, text)
        return text

    def _restore_text(self, text: str) -> str:
        for placeholder, value in self._secrets:
            text = text.replace(placeholder, value)
        return text


def _walk(data: Any, fn: Any) -> Any:
    if isinstance(data, str):
        return fn(data)
    if isinstance(data, dict):
        return {_walk(k, fn): _walk(v, fn) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [_walk(v, fn) for v in data]
    return data


class Cassette:
    """A cassette opened for recording or strict sequential replay."""

    def __init__(
        self,
        settings: CassetteSettings,
        *,
        transport: str,
        system: str,
        secrets: dict[str, str] | None = None,
        masks: dict[str, str] | None = None,
    ) -> None:
        self.settings = settings
        self.path = Path(settings.path)
        self.mode = settings.mode
        self.scrubber = Scrubber(secrets, masks)
        self.drift: str | None = None
        self._last_error: str | None = None  # the last interaction was a fault (cleared by the next one)
        self._call_failure: str | None = None  # a transport's word on its last call (see note_outcome)
        exists = self.path.exists()
        if self.mode is RecordMode.NONE and not exists:
            # Replay only, and nothing to replay: never fall through to the live system.
            raise ConfigError(
                f"cassette {self.path}: mode 'none' replays only and the file does not exist; "
                "record it with mode 'once' against the live system"
            )
        settings._opened = True
        self.replaying = self.mode is RecordMode.NONE or (self.mode is RecordMode.ONCE and exists)
        self._previous_text = self.path.read_text(encoding="utf-8") if exists else None
        if self.replaying:
            self.envelope = load_envelope(self.path)
            if (self.envelope.transport, self.envelope.system) != (transport, system):
                raise CassetteMiss(
                    f"cassette {self.path.name} holds {self.envelope.transport}/{self.envelope.system}, "
                    f"not {transport}/{system}"
                )
        else:
            self.envelope = CassetteEnvelope(transport=transport, system=system)
            settings._recording = self
        self._position = 0

    @classmethod
    def open(cls, settings: CassetteSettings, **kwargs: Any) -> Cassette:
        """Open ``settings.path`` in ``settings.mode`` (see :class:`Cassette`)."""
        return cls(settings, **kwargs)

    # -- replay ---------------------------------------------------------------------

    def play(self, request: dict[str, Any]) -> Any:
        """The recorded response to ``request``, which must be the next one recorded.

        Raises :class:`CassetteMiss` naming what was asked and what the cassette holds,
        or re-raises the recorded error as its core type.
        """
        asked = self.scrubber.scrub(request)
        interactions = self.envelope.interactions
        if self._position >= len(interactions):
            raise CassetteMiss(
                f"cassette {self.path.name} has no interaction #{self._position + 1} "
                f"(it holds {len(interactions)}); asked {_short(asked)}"
            )
        recorded = interactions[self._position]
        if recorded.request != asked:
            raise CassetteMiss(
                f"cassette {self.path.name} interaction #{self._position + 1} does not match: "
                f"asked {_short(asked)}; cassette has {_short(recorded.request)}"
            )
        self._position += 1
        if recorded.error is not None:
            raise error_for_problem(recorded.error)
        return self.scrubber.restore(recorded.response)

    @property
    def remaining(self) -> int:
        """Interactions not yet replayed."""
        return len(self.envelope.interactions) - self._position

    # -- record ---------------------------------------------------------------------

    def record(self, request: dict[str, Any], response: Any) -> None:
        """Append one interaction (scrubbed before it is kept)."""
        self.envelope.interactions.append(
            Interaction(request=self.scrubber.scrub(request), response=self.scrubber.scrub(response))
        )
        self._last_error = None

    def record_error(self, request: dict[str, Any], error: BridgeError) -> None:
        """Append an interaction that ended in a core error, replayed as the same error."""
        problem = self.scrubber.scrub(error.to_problem())
        self.envelope.interactions.append(Interaction(request=self.scrubber.scrub(request), error=problem))
        if error.status >= 500:  # a fault; an answer (not found, refused input) is a fine ending
            self._last_error = self.scrubber.scrub(error.detail)

    def note_outcome(self, ok: bool, reason: str = "") -> None:
        """A transport's word on the call it just recorded (or on a session it opened and
        that has served no call yet): a recording whose last call failed is not saved as
        complete (see :meth:`save`). A success also clears an earlier fault."""
        if ok:
            self._call_failure = self._last_error = None
        else:
            self._call_failure = self.scrubber.scrub(reason or self._last_error or "the last call failed")

    @property
    def failure(self) -> str | None:
        """Why the recording so far ended in failure; None when its last call succeeded."""
        return self._call_failure or self._last_error

    def save(self) -> str | None:
        """Write the cassette; return (and log) the drift diff against the previous one.

        A recording that ended in failure (its last call failed) or holds nothing is not
        saved as the cassette: the first goes to :meth:`CassetteSettings.incomplete_path`
        for a look, the cassette file (if any) is left as it was, and a warning says so."""
        if self.replaying:
            return None
        if not self.envelope.interactions:
            log.warning("cassette %s: nothing was recorded; not saved", self.path.name)
            return None
        if self.failure is not None:
            kept = self.settings.incomplete_path()
            kept.parent.mkdir(parents=True, exist_ok=True)
            kept.write_text(dump_envelope(self.envelope), encoding="utf-8")
            log.warning("cassette %s: the recording ended in failure (%s); kept as %s, not saved as the cassette",
                        self.path.name, self.failure, kept.name)
            return None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = dump_envelope(self.envelope)
        if self._previous_text is not None:
            self.drift = drift_diff(self._previous_text, text, self.path.name)
            if self.drift:
                log.warning("cassette %s drifted from its previous recording:\n%s", self.path.name, self.drift)
        self.path.write_text(text, encoding="utf-8")
        return self.drift

    def __enter__(self) -> Cassette:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        self.save()


def dump_envelope(envelope: CassetteEnvelope) -> str:
    """The envelope as readable YAML (multi-line strings as blocks)."""
    return yaml.dump(
        envelope.model_dump(mode="json"),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=120,
    )


def load_envelope(path: Path) -> CassetteEnvelope:
    """Read and validate a cassette file."""
    with path.open(encoding="utf-8") as fh:
        return CassetteEnvelope.model_validate(yaml.safe_load(fh))


def drift_diff(old: str, new: str, name: str) -> str:
    """A unified diff of two recordings, ignoring when each was made."""

    def lines(text: str) -> list[str]:
        return [line for line in text.splitlines(keepends=True) if not line.startswith("recorded_at:")]

    return "".join(difflib.unified_diff(lines(old), lines(new), f"{name} (before)", f"{name} (now)"))


def _short(data: Any, limit: int = 400) -> str:
    text = repr(data)
    return text if len(text) <= limit else text[:limit] + f"… ({len(text)} chars)"


class _Dumper(yaml.SafeDumper):
    pass


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value and not any(ch in value for ch in "\r\t") and value == value.rstrip(" ") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_representer)
