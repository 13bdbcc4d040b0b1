"""A configuration set up for cassettes: what the pytest plugin and ``bridges record`` /
``bridges replay`` build their runtime from."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr

from bridges.core.cassette import CassetteSettings, RecordMode
from bridges.core.config import Config

__all__ = ["REPLAY_STAND_IN", "configured_for_cassettes"]

REPLAY_STAND_IN = "Rp1-x9Qz"
"""What an unset secret becomes in replay: cassettes hold placeholders, never the secret,
so any value replays the same, and no legacy system is reached to see it. Eight characters,
so it fits the password field of any sign-on screen that takes a real one."""


def configured_for_cassettes(config: Config, mode: RecordMode, *, only: str | None = None) -> Config:
    """``config`` with every enabled bridge (or only the bridge ``only``) on its cassette in
    ``mode``; a bridge without a cassette table gets ``cassettes/<bridge>.yaml`` beside the
    configuration. Read retries are off under a cassette (a retried call would play answers
    recorded for the next one), and in replay (mode ``none``) a secret whose variable is
    unset gets a stand-in, so a tester replays without the legacy system's passwords."""
    bridges = {}
    for instance, entry in config.bridges.items():
        if only is not None and instance != only:
            entry = entry.model_copy(update={"enabled": False})
        if entry.enabled:
            path = entry.cassette.path if entry.cassette is not None else Path("cassettes") / f"{instance}.yaml"
            update = {
                "cassette": CassetteSettings(path=config.path(path), mode=mode),
                "guard": entry.guard.model_copy(update={"read_retries": 0}),
            }
            if mode is RecordMode.NONE:
                update["secrets"] = {
                    name: ref
                    if ref.default is not None
                    else ref.model_copy(update={"default": SecretStr(REPLAY_STAND_IN)})
                    for name, ref in entry.secrets.items()
                }
            entry = entry.model_copy(update=update)
        bridges[instance] = entry
    return config.model_copy(update={"bridges": bridges})
