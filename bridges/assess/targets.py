"""What an assessment reads: the configured bridges' systems, or one given directly, with their caps.

A configured database bridge is assessed through its own settings — connection, account,
schema, TLS, ``max_rows`` (which caps the sample) and its guard's ``deadline_s`` (which bounds
every query) — so the assessment never asks more of a production system than the facade
would. A connection string can be given without a bridge (:func:`database_target`).

Each system's result carries its security posture: an account that can write, a connection
without TLS, a password written in clear in the configuration, operations that write.
"""

from __future__ import annotations

import datetime as dt
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bridges.assess.checkpoint import Checkpoint
from bridges.assess.extract import ExtractTarget, configured_extract
from bridges.assess.hosts import HostTarget, WebTarget
from bridges.core.config import load_config
from bridges.core.errors import BridgeError, Refused
from bridges.core.operation import Effect
from bridges.core.registry import load_bridge_class
from extract.bridge import ExtractBridge
from mainframe import TN3270Bridge
from rdbms import connstr
from rdbms.assess import COUNT_LIMIT, assess_database
from rdbms.assess_quoted import read_relation
from rdbms.bridge import DatabaseBridge
from rdbms.settings import RdbmsSettings
from web_scrape import WebBridge

__all__ = [
    "DatabaseTarget",
    "FacadeTarget",
    "Target",
    "assess_targets",
    "database_target",
    "facade_target",
    "targets_from_config",
]

_TLS_KEYS = {"sslmode": {"require", "verify-ca", "verify-full"}, "sslverify": {"1"}, "forcetls": {"1"}}
_SECRET_OPTIONS = ("password", "passwd", "secret", "token", "api_key")


@dataclass
class DatabaseTarget:
    """One database to assess and how: its settings, password (a secret), schema and caps."""

    name: str
    settings: RdbmsSettings
    password: str | None = None
    schema: str | None = None
    tables: str | None = None
    timeout_s: float = 10.0
    write_operations: list[str] = field(default_factory=list)
    clear_secrets: list[str] = field(default_factory=list)
    """Where the configuration holds a secret in clear (option names, never values)."""

    @property
    def transport(self) -> str:
        """The transport the target is reached by."""
        return "odbc"

    def where(self) -> str:
        """The connection string without secrets, for the report."""
        return connstr.redact(self.settings.connection, [self.password or ""])

    def security(self) -> list[dict[str, Any]]:
        """Security findings that need no connection: TLS, secrets in clear, operations that write."""
        found = []
        pairs = connstr.parse_connection_string(self.settings.connection)
        if self.settings.dialect != "sqlite" and self.settings.tls_ca_file is None:
            tls = any((connstr.get(pairs, k) or "").lower() in ok for k, ok in _TLS_KEYS.items())
            if not tls:
                found.append({"class": "no_tls", "detail": "the connection does not require TLS (set tls_ca_file)"})
        if connstr.get(pairs, "PWD") or connstr.get(pairs, "Password"):
            found.append({"class": "secret_in_clear", "detail": "a password is written in the connection string"})
        for where in self.clear_secrets:
            found.append({"class": "secret_in_clear", "detail": f"{where} is given in clear, not as a secret"})
        if self.write_operations:
            ops = ", ".join(self.write_operations)
            found.append({"class": "write_operations", "detail": f"operations that write: {ops}"})
        return found

    def _discover(self, relations: list[dict[str, Any]]) -> dict[str, Any]:
        """What ``bridges discover odbc`` can declare: the relations with a proven key (views first, as
        the readable face a DBA keeps), and the command that writes the bridge."""
        keyed = [r for r in relations if r["key"] and not r["problem"]]
        views = [r["name"] for r in keyed if r["kind"] == "view"]
        tables = views or [r["name"] for r in keyed]
        where = shlex.quote(self.where())
        schema = f" --schema {self.schema}" if self.schema else ""
        command = f"bridges discover odbc --connect {where}{schema} --tables {','.join(tables)} --package <package>"
        return {"tables": tables, "command": command if tables else ""}

    def assess(
        self, *, progress: Callable[[str], None], checkpoint: Checkpoint | None = None, **caps: Any
    ) -> dict[str, Any]:
        """Assess the database (see :func:`rdbms.assess.assess_database`); the report's ``database`` entry,
        or ``error`` (and an ``account_can_write`` security finding for a refused account). Relations the
        ``checkpoint`` holds are not assessed again; each one assessed is added to it."""
        done = checkpoint.relations(self.name) if checkpoint else {}

        def keep(relation: Any) -> None:
            if checkpoint is not None:
                checkpoint.add_relation(self.name, relation.as_dict())

        try:
            found = assess_database(
                self.settings,
                password=self.password,
                schema=self.schema,
                tables=self.tables,
                timeout_s=self.timeout_s,
                progress=progress,
                skip=set(done),
                on_done=keep,
                **caps,
            )
        except Refused as exc:
            return {"error": exc.detail, "security": [{"class": "account_can_write", "detail": exc.detail}]}
        except BridgeError as exc:
            return {"error": exc.detail}
        database = found.as_dict()
        database["relations"] = sorted([*database["relations"], *done.values()], key=lambda r: r["name"].lower())
        entry: dict[str, Any] = {"database": database, "discover": self._discover(database["relations"])}
        if found.write_findings:
            detail = "; ".join(found.write_findings[:5]) + " (allowed by allow_write_account)"
            entry["security"] = [{"class": "account_can_write", "detail": detail}]
        return entry

    def customer_rows(self, relation: dict[str, Any], columns: dict[str, str]) -> tuple[dict[str, str], list[Any]]:
        """(``columns``, their rows) of the assessed ``relation``: its first ``max_rows`` rows, read-only."""
        rows = read_relation(
            self.settings,
            password=self.password,
            schema=self.schema,
            relation=relation["name"],
            columns=list(columns.values()),
            timeout_s=self.timeout_s,
        )
        return columns, rows


def database_target(
    connection: str,
    dialect: str,
    *,
    name: str = "database",
    user: str | None = None,
    password: str | None = None,
    schema: str | None = None,
    tables: str | None = None,
    timeout_s: float = 10.0,
    allow_write_account: bool = False,
) -> DatabaseTarget:
    """A database given by its connection string, without a bridge."""
    settings = RdbmsSettings(connection=connection, dialect=dialect, user=user, allow_write_account=allow_write_account)
    return DatabaseTarget(name, settings, password, schema, tables, timeout_s)


@dataclass
class FacadeTarget:
    """The facade a configuration serves, assessed for its own encryption only (no connection made)."""

    name: str
    url: str
    tls: bool

    @property
    def transport(self) -> str:
        """``https`` or ``http``."""
        return "https" if self.tls else "http"

    def where(self) -> str:
        """The address it is served at."""
        return self.url

    def security(self) -> list[dict[str, Any]]:
        """``no_tls`` when it is served over plain HTTP."""
        if self.tls:
            return []
        detail = "the facade is served over plain HTTP: API keys and answers cross in clear (set facade.tls_cert_file)"
        return [{"class": "no_tls", "detail": detail}]

    def assess(self, **_caps: Any) -> dict[str, Any]:
        """Nothing beyond its security posture."""
        return {}


def facade_target(path: Path | str) -> FacadeTarget:
    """The facade the configuration at ``path`` serves (``bridges serve``)."""
    facade = load_config(path).facade
    tls = facade.tls_cert_file is not None
    return FacadeTarget("facade", f"{'https' if tls else 'http'}://{facade.host}:{facade.port}", tls)


Target = DatabaseTarget | HostTarget | WebTarget | FacadeTarget | ExtractTarget
"""Anything :func:`assess_targets` assesses."""


def _password(entry: Any, instance: str) -> str | None:
    if "password" not in entry.secrets:
        return None
    return entry.secrets["password"].resolve(f"bridges.{instance}.secrets.password").get_secret_value()


def targets_from_config(
    path: Path | str, tables: str | None = None, walks: dict[str, Path] | None = None
) -> tuple[list[Target], list[str]]:
    """The enabled bridges of the configuration at ``path`` that the assessment can read (database,
    TN3270, web bridges, and extract bridges reading a local folder), and the names of those it cannot;
    ``walks`` — a walk file per TN3270 bridge."""
    config = load_config(path)
    targets: list[Target] = []
    others = []
    for instance, entry in config.bridges.items():
        if not entry.enabled:
            continue
        cls = load_bridge_class(entry.kind or instance, config.base_dir)
        writes = sorted(op.name for op in cls.operations.values() if op.effect is Effect.WRITE)
        settings = cls.Settings(**entry.options)
        password = _password(entry, instance)
        deadline = entry.guard.deadline_s
        if issubclass(cls, DatabaseBridge):
            clear = [f"bridges.{instance}.options.{k}" for k in entry.options if k.lower() in _SECRET_OPTIONS]
            targets.append(
                DatabaseTarget(instance, settings, password, settings.db_schema, tables, deadline, writes, clear)
            )
        elif issubclass(cls, TN3270Bridge):
            target = HostTarget.with_walk_file(instance, settings, password, (walks or {}).get(instance))
            target.write_operations = writes
            targets.append(target)
        elif issubclass(cls, WebBridge):
            targets.append(WebTarget(instance, settings, password, write_operations=writes))
        elif issubclass(cls, ExtractBridge) and (extract := configured_extract(instance, cls, settings)):
            targets.append(extract)
        else:
            others.append(instance)
    return targets, others


def assess_targets(
    targets: list[Target],
    *,
    sample_rows: int = 1000,
    count_limit: int = COUNT_LIMIT,
    as_of: dt.date | None = None,
    progress: Callable[[str, str], None] = lambda _system, _relation: None,
    checkpoint: Checkpoint | None = None,
) -> list[dict[str, Any]]:
    """Assess each target; one system entry of the JSON report each (a system that cannot be read
    is reported with its error, and the others still are). With a ``checkpoint``, what it holds is
    reused and what is assessed is added to it, so a stopped assessment resumes where it stopped."""
    systems = []
    for target in targets:
        finished = checkpoint.system(target.name) if checkpoint else None
        if finished is not None:
            systems.append(finished)
            continue
        progress(target.name, target.transport)
        entry: dict[str, Any] = {
            "name": target.name,
            "transport": target.transport,
            "where": target.where(),
            "security": target.security(),
        }
        caps: dict[str, Any] = {"sample_rows": sample_rows, "count_limit": count_limit, "as_of": as_of}
        if isinstance(target, DatabaseTarget):
            caps["checkpoint"] = checkpoint
        found = target.assess(progress=lambda relation, name=target.name: progress(name, relation), **caps)
        entry["security"] += found.pop("security", [])
        entry.update(found)
        systems.append(entry)
        if checkpoint is not None:
            checkpoint.add_system(target.name, entry)
    return systems
