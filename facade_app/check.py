"""``bridges check``: everything ``bridges serve`` would refuse, found without serving.

Each problem is one line naming its key (never echoing a secret): bridge classes and their
options (LU names, hosts, code pages included), required secrets, the crosswalk, cassettes
(present for mode ``none``; recording only with one worker), state several workers would not
share, API keys' secrets, write policies (their operations and CEL rules), scopes that name no
configured bridge or no effect of one, and rate-limit syntax.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bridges.core.config import Config, load_config
from bridges.core.errors import ConfigError
from bridges.core.registry import check_config, load_bridge_class
from facade_app.auth import KeyRing
from facade_app.policies import Policies
from facade_app.ratelimit import RateLimits
from facade_app.server import check_shared_state

__all__ = ["check_configuration", "scope_problems"]

_EFFECTS = ("read", "write", "review", "*")


def scope_problems(config: Config) -> list[str]:
    """Scopes of the API keys that name no enabled bridge, or no effect (operation scope) of one."""
    known: dict[str, set[str]] = {}
    for instance, entry in config.bridges.items():
        if not entry.enabled:
            continue
        try:
            operations = load_bridge_class(entry.kind or instance, config.base_dir).operations.values()
        except ConfigError:
            continue  # reported by the bridge check
        scopes = {f"{instance}:{effect}" for effect in _EFFECTS}
        scopes |= {scope for op in operations for scope in op.bound_to(instance).scopes}
        known[instance] = scopes
    problems = []
    for i, key in enumerate(config.api_keys):
        for scope in key.scopes:
            if scope == "*":
                continue
            bridge, sep, _effect = scope.partition(":")
            where = f"api_keys[{i}].scopes ({key.name})"
            if not sep or bridge not in known:
                problems.append(f"{where}: {scope!r} names no configured bridge "
                                f"(bridges: {', '.join(sorted(known)) or 'none'}; write <bridge>:<effect> or *)")
            elif scope not in known[bridge]:
                effects = sorted(s.partition(":")[2] for s in known[bridge])
                problems.append(f"{where}: {scope!r} names no effect of {bridge} ({', '.join(effects)})")
    return problems


def check_configuration(path: str | Path, workers: int = 1) -> list[str]:
    """Every problem ``bridges serve --workers N`` would meet with this file (empty: none)."""
    try:
        config = load_config(path)
    except ConfigError as exc:
        return [exc.detail]
    problems: list[str] = []

    def step(check: Callable[[], object], key: str = "") -> None:
        try:
            check()
        except ConfigError as exc:
            problems.append(f"{key}: {exc.detail}" if key and not exc.detail.startswith(key) else exc.detail)

    step(lambda: check_config(config, workers))
    step(lambda: check_shared_state(config, workers))
    step(lambda: KeyRing(config.api_keys))
    limits = RateLimits("memory://")
    step(lambda: RateLimits(config.facade.rate_limit_storage), "facade.rate_limit_storage")
    step(lambda: limits.validate(config.facade.rate_limit), "facade.rate_limit")
    for i, key in enumerate(config.api_keys):
        if key.rate_limit is not None:
            step(lambda limit=key.rate_limit: limits.validate(limit), f"api_keys[{i}].rate_limit")
    step(lambda: Policies.from_config(config, _declared(config)))
    problems += scope_problems(config)
    return problems


def _declared(config: Config) -> dict[str, dict[str, object]]:
    """Each enabled bridge's operations by name, for the policies' check (bridges that fail
    to load are reported by the bridge check)."""
    found = {}
    for instance, entry in config.bridges.items():
        if not entry.enabled:
            continue
        try:
            cls = load_bridge_class(entry.kind or instance, config.base_dir)
        except ConfigError:
            continue
        found[instance] = {name: op.bound_to(instance) for name, op in cls.operations.items()}
    return found
