"""Finding bridges and building them from configuration.

The project's own bridges and third-party ones are found the same way: the Python
entry-point group ``legacy_bridges.bridges`` (name → ``module:BridgeClass``). A bridge
module is imported only when a configuration enables it, so a replay-only setup never
loads a driver it does not use.
"""

from __future__ import annotations

import importlib
import logging
import sys
from dataclasses import dataclass, replace
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from bridges.core.cassette import CassetteSettings, RecordMode
from bridges.core.config import Config, format_validation_error
from bridges.core.crosswalk import Crosswalk
from bridges.core.errors import ConfigError
from bridges.core.guard import Guard, GuardSettings
from bridges.core.operation import Bridge, BridgeContext
from bridges.core.runtime import BridgeRuntime, Runtime
from bridges.core.tunnel import SshTunnel, Tunnelled, TunnelSettings

__all__ = ["ENTRY_POINT_GROUP", "available_bridges", "build_runtime", "check_config", "load_bridge_class",
           "per_process_budgets", "unknown_keys"]

ENTRY_POINT_GROUP = "legacy_bridges.bridges"
log = logging.getLogger("legacy_bridges.registry")

# The project's own bridges, for a checkout used without installing it; an installed
# project declares the same names through its entry points.
_BUILTIN = {
    "customer360": "bridges.customer360:Customer360Bridge",
    "orders": "bridges.orders:OrdersBridge",
    "custmast": "bridges.custmast:CustmastBridge",
    "helpdesk": "bridges.helpdesk:HelpdeskBridge",
    "custbal": "bridges.custbal:BalancesBridge",
}


def available_bridges() -> dict[str, str]:
    """Registered bridge names → ``module:Class`` targets (built-in and entry points)."""
    found = {name: target for name, target in _BUILTIN.items() if _module_exists(target)}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        found[ep.name] = ep.value
    return dict(sorted(found.items()))


def _module_exists(target: str) -> bool:
    return importlib.util.find_spec(target.split(":")[0]) is not None


def _scaffolded(kind: str, beside: Path | None) -> str | None:
    """``<kind>.bridge:Bridge`` for a package laid out by ``bridges new`` and not installed
    yet (its entry point names the same target): importable already, or a folder ``<kind>``
    beside the configuration (``beside``), which is then put on the import path."""
    if not kind.isidentifier():
        return None
    try:
        found = importlib.util.find_spec(f"{kind}.bridge") is not None
    except ImportError:
        found = False
    if not found and beside is not None and (beside / kind / "bridge.py").is_file():
        sys.path.insert(0, str(beside))
        importlib.invalidate_caches()
        found = True
    return f"{kind}.bridge:Bridge" if found else None


def load_bridge_class(kind: str, beside: Path | None = None) -> type[Bridge]:
    """Import the bridge class registered as ``kind`` (or, for a package laid out by
    ``bridges new`` and not installed yet, ``<kind>.bridge:Bridge``, found on the import path
    or in the folder ``beside`` — the configuration's)."""
    target = available_bridges().get(kind) or _scaffolded(kind, beside)
    if target is None:
        raise ConfigError(f"no bridge named {kind!r} is registered (known: {', '.join(available_bridges())})")
    module_name, _, attr = target.partition(":")
    cls = getattr(importlib.import_module(module_name), attr)
    if not (isinstance(cls, type) and issubclass(cls, Bridge)):
        raise ConfigError(f"{target} is not a Bridge subclass")
    return cls


@dataclass(frozen=True)
class _Planned:
    instance: str
    cls: type[Bridge]
    settings: BaseModel
    context: BridgeContext
    guard: GuardSettings
    tunnel: TunnelSettings | None = None
    target: tuple[str, int] | None = None


def unknown_keys(model: type[BaseModel], data: Any, prefix: str) -> list[str]:
    """Keys of ``data`` that ``model`` (and the models nested in it) does not declare.

    Checked for every bridge whatever its Settings' ``extra`` policy, so a mistyped option
    fails at start even when a Settings model forgot ``extra = "forbid"``."""
    if not isinstance(data, dict):
        return []
    fields = model.model_fields
    names = {name: info for name, info in fields.items()}
    names.update({info.alias: info for info in fields.values() if info.alias})
    unknown = []
    for key, value in data.items():
        info = names.get(key)
        if info is None:
            unknown.append(f"{prefix}.{key}")
            continue
        nested = info.annotation
        if isinstance(nested, type) and issubclass(nested, BaseModel):
            unknown += unknown_keys(nested, value, f"{prefix}.{key}")
    return unknown


def _settings(cls: type[Bridge], instance: str, options: dict[str, Any]) -> BaseModel:
    prefix = f"bridges.{instance}.options"
    unknown = unknown_keys(cls.Settings, options, prefix)
    if unknown:
        raise ConfigError(f"invalid configuration: {', '.join(unknown)}: not an option of the {cls.name} bridge")
    try:
        return cls.Settings.model_validate(options)
    except ValidationError as exc:
        raise ConfigError("invalid configuration: " + format_validation_error(exc, prefix)) from None


def _check_cassette(instance: str, cassette: CassetteSettings | None, workers: int) -> None:
    if cassette is None:
        return
    key = f"bridges.{instance}.cassette"
    if cassette.mode is RecordMode.NONE and not Path(cassette.path).exists():
        raise ConfigError(f"{key}.path: mode 'none' replays only and {Path(cassette.path).name} does not exist "
                          "(record it with mode 'once'); the bridge never goes live in mode 'none'")
    if cassette.records and workers > 1:
        raise ConfigError(f"{key}.mode: '{cassette.mode.value}' records, and a recording is one ordered story: "
                          f"serve it with one worker, not {workers} (--workers 1)")


def _plan(config: Config, workers: int = 1) -> list[_Planned]:
    """Everything about the enabled bridges that can be checked without reaching them."""
    crosswalk = None
    if config.crosswalk:
        try:
            crosswalk = Crosswalk.load(config.path(config.crosswalk))
        except (OSError, ValueError, KeyError) as exc:
            raise ConfigError(f"crosswalk: cannot load {config.crosswalk} ({type(exc).__name__})") from None
    planned = []
    for instance, entry in config.bridges.items():
        if not entry.enabled:
            continue
        cls = load_bridge_class(entry.kind or instance, config.base_dir)
        settings = _settings(cls, instance, entry.options)
        for name in cls.required_secrets:
            if name not in entry.secrets:
                raise ConfigError(f"bridges.{instance}.secrets.{name} is required by the {cls.name} bridge")
        if cls.needs_crosswalk and crosswalk is None:
            raise ConfigError(f"crosswalk: the {cls.name} bridge of bridges.{instance} needs a crosswalk file")
        secrets = {
            name: ref.resolve(f"bridges.{instance}.secrets.{name}").get_secret_value()
            for name, ref in entry.secrets.items()
        }
        cassette = None
        if entry.cassette is not None:
            cassette = entry.cassette.model_copy(update={"path": config.path(entry.cassette.path)})
        _check_cassette(instance, cassette, workers)
        context = BridgeContext(instance_name=instance, cassette=cassette, crosswalk=crosswalk, secrets=secrets)
        target = _tunnel_target(instance, cls, settings, entry.tunnel) if entry.tunnel is not None else None
        planned.append(_Planned(instance, cls, settings, context, entry.guard, entry.tunnel, target))
    return planned


def _tunnel_target(instance: str, cls: type[Bridge], settings: BaseModel, tunnel: TunnelSettings) -> tuple[str, int]:
    """Where the tunnel of ``bridges.<instance>`` forwards to: its ``target``, or the bridge's own host."""
    if tunnel.target is not None:
        host, _, port = tunnel.target.rpartition(":")
        return host, int(port)
    if not isinstance(settings, Tunnelled):
        raise ConfigError(f"bridges.{instance}.tunnel: the {cls.name} bridge's settings name no host to tunnel to "
                          "(set tunnel.target)")
    try:
        return settings.tunnel_target()
    except ConfigError as exc:
        raise ConfigError(f"bridges.{instance}.tunnel: {exc.detail}") from None


def _open_tunnel(plan: _Planned) -> tuple[BaseModel, SshTunnel | None]:
    """The settings the bridge is built with, and its tunnel (none while replaying: nothing is reached)."""
    cassette = plan.context.cassette
    if plan.tunnel is None or plan.target is None or (cassette is not None and not cassette.records
                                                      and Path(cassette.path).exists()):
        return plan.settings, None
    if not isinstance(plan.settings, Tunnelled):
        raise ConfigError(f"bridges.{plan.instance}.tunnel: the {plan.cls.name} bridge's settings cannot be "
                          "pointed at a tunnel")
    tunnel = SshTunnel(plan.tunnel, plan.target, passphrase=plan.context.secrets.get("ssh_passphrase"),
                       name=f"bridges.{plan.instance}.tunnel")
    try:
        return plan.settings.through_tunnel("127.0.0.1", tunnel.local_port), tunnel
    except BaseException:
        tunnel.close()
        raise


def per_process_budgets(config: Config) -> list[str]:
    """The option keys of live bridges whose session or connection budget (and LU names)
    each process would keep for itself: every one when ``facade.budget_store`` is unset."""
    if config.facade.budget_store:
        return []
    return [f"bridges.{plan.instance}.options.{option}" for plan in _plan(config)
            if plan.context.cassette is None for option in plan.cls.budget_options]


def check_config(config: Config, workers: int = 1) -> None:
    """Validate what building would need — bridge classes, options, secrets, the crosswalk,
    cassettes (present for mode ``none``; recording only with one worker) — without opening
    a session, connection or browser (``bridges serve`` and ``bridges check`` run it)."""
    _plan(config, workers)


def build_runtime(config: Config) -> Runtime:
    """Build every enabled bridge of ``config`` with its guard, or fail naming the key."""
    built: dict[str, BridgeRuntime] = {}
    leases = None
    if config.facade.budget_store:
        from bridges.core.leases import LeaseStore

        leases = LeaseStore.from_url(config.facade.budget_store, ttl_s=config.facade.budget_lease_ttl_s)
    try:
        for plan in _plan(config):
            context = replace(plan.context, leases=leases) if plan.context.cassette is None else plan.context
            settings, tunnel = _open_tunnel(plan)
            try:
                bridge = plan.cls(settings, context)
            except BaseException:
                if tunnel is not None:
                    tunnel.close()
                raise
            board = leases.breaker_board(plan.instance) if leases is not None else None
            built[plan.instance] = BridgeRuntime(bridge, Guard(plan.guard, name=plan.instance, board=board),
                                                 tunnel=tunnel)
            if plan.context.cassette is not None and not plan.context.cassette.opened:
                raise ConfigError(
                    f"bridges.{plan.instance}.cassette: the {plan.cls.name} bridge never opened its cassette, so it "
                    "would talk to the live system; remove the cassette table or build the bridge on a transport "
                    "that records and replays")
            log.info("bridge %s (%s) ready, cassette mode %s", plan.instance, plan.cls.name,
                     plan.context.cassette.mode.value if plan.context.cassette else "live")
    except BaseException:
        for runtime in built.values():
            runtime.close()
        if leases is not None:
            leases.close()
        raise
    runtime = Runtime(built, leases=leases)
    for served in built.values():  # composite bridges call the others through it
        served.bridge.context.runtime = runtime
    return runtime
