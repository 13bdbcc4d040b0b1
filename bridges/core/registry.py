"""Finding bridges and building them from configuration.

The project's own bridges and third-party ones are found the same way: the Python
entry-point group ``legacy_bridges.bridges`` (name → ``module:BridgeClass``). A bridge
module is imported only when a configuration enables it, so a replay-only setup never
loads a driver it does not use.
"""

from __future__ import annotations

import importlib
import logging
from importlib.metadata import entry_points

from pydantic import ValidationError

from bridges.core.config import Config, format_validation_error
from bridges.core.crosswalk import Crosswalk
from bridges.core.errors import ConfigError
from bridges.core.guard import Guard
from bridges.core.operation import Bridge, BridgeContext
from bridges.core.runtime import BridgeRuntime, Runtime

__all__ = ["ENTRY_POINT_GROUP", "available_bridges", "build_runtime", "load_bridge_class"]

ENTRY_POINT_GROUP = "legacy_bridges.bridges"
log = logging.getLogger("legacy_bridges.registry")

# The project's own bridges, for a checkout used without installing it; an installed
# project declares the same names through its entry points.
_BUILTIN = {
    "orders": "bridges.orders:OrdersBridge",
    "custmast": "bridges.custmast:CustmastBridge",
    "helpdesk": "bridges.helpdesk:HelpdeskBridge",
}


def available_bridges() -> dict[str, str]:
    """Registered bridge names → ``module:Class`` targets (built-in and entry points)."""
    found = {name: target for name, target in _BUILTIN.items() if _module_exists(target)}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        found[ep.name] = ep.value
    return dict(sorted(found.items()))


def _module_exists(target: str) -> bool:
    return importlib.util.find_spec(target.split(":")[0]) is not None


def load_bridge_class(kind: str) -> type[Bridge]:
    """Import the bridge class registered as ``kind``."""
    target = available_bridges().get(kind)
    if target is None:
        raise ConfigError(f"no bridge named {kind!r} is registered (known: {', '.join(available_bridges())})")
    module_name, _, attr = target.partition(":")
    cls = getattr(importlib.import_module(module_name), attr)
    if not (isinstance(cls, type) and issubclass(cls, Bridge)):
        raise ConfigError(f"{target} is not a Bridge subclass")
    return cls


def build_runtime(config: Config) -> Runtime:
    """Build every enabled bridge of ``config`` with its guard, or fail naming the key."""
    crosswalk = Crosswalk.load(config.path(config.crosswalk)) if config.crosswalk else None
    built: dict[str, BridgeRuntime] = {}
    try:
        for instance, entry in config.bridges.items():
            if not entry.enabled:
                continue
            cls = load_bridge_class(entry.kind or instance)
            try:
                settings = cls.Settings.model_validate(entry.options)
            except ValidationError as exc:
                raise ConfigError(
                    "invalid configuration: " + format_validation_error(exc, f"bridges.{instance}.options")
                ) from None
            secrets = {
                name: ref.resolve(f"bridges.{instance}.secrets.{name}").get_secret_value()
                for name, ref in entry.secrets.items()
            }
            cassette = None
            if entry.cassette is not None:
                cassette = entry.cassette.model_copy(update={"path": config.path(entry.cassette.path)})
            context = BridgeContext(instance_name=instance, cassette=cassette, crosswalk=crosswalk, secrets=secrets)
            bridge = cls(settings, context)
            built[instance] = BridgeRuntime(bridge, Guard(entry.guard, name=instance))
            log.info("bridge %s (%s) ready, cassette mode %s", instance, cls.name,
                     cassette.mode.value if cassette else "live")
    except BaseException:
        for runtime in built.values():
            runtime.bridge.close()
        raise
    return Runtime(built)
