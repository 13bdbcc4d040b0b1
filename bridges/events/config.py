"""The watcher's configuration file (``bridges watch --config watch.toml``).

It names the facade configuration whose bridges it reads through, where its state
and broker are, and its sources::

    bridges_config = "bridges.toml"        # the bridge instances (connection, secrets, schema)
    store = "sqlite:///var/watch.db"       # offsets, versions, leases (default: watch.db in facade.state_dir)
    nats_url = "nats://127.0.0.1:4222"

    [sources.orders]
    bridge = "orders"                      # a database bridge of bridges_config
    relation = "VORDHDR"                   # a relation the bridge reads (qualified by its db_schema) …
    key = ["OHORNO"]
    columns = ["OHORNO", "OHCUSN", "OHSTAT", "OHTOTL", "OHORDT", "OHORTM"]
    change_date = "OHORDT"                 # … with the CYYMMDD + HHMMSS change stamp
    change_time = "OHORTM"
    settle_s = 5

    [sources.products]
    bridge = "orders"
    view = "products"                      # a declared view: its fields, codecs and key; no change column:
    interval_s = 30                        # snapshot-diffed by key and content hash
    start = "now"                          # first start: a baseline, nothing published (default "beginning")

    [sources.customers]
    bridge = "custmast"
    operation = "browse_customers"         # a list any bridge serves (screens, web pages): snapshot-diffed
    input = {limit = 50}
    rows_field = "customers"
    next_field = "next_start_at"           # the answer's field that continues the list …
    cursor_input = "start_at"              # … passed back as this input field
    key = ["custmast_no"]
    interval_s = 60
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import BaseModel, Field, ValidationError, model_validator

from bridges.core.config import format_validation_error
from bridges.core.errors import ConfigError

__all__ = ["SourceSettings", "WatchConfig", "load_watch_config"]


class SourceSettings(BaseModel):
    """One watched source (a ``[sources.NAME]`` table)."""

    model_config = {"extra": "forbid"}

    bridge: str = Field(description="The bridge instance (of bridges_config) the source is read through.")
    view: str | None = Field(None, description="A declared view of a database bridge.")
    relation: str | None = Field(None, description="A relation the database bridge can read (not a declared view).")
    columns: list[str] = Field(default_factory=list, description="The relation's columns to read (CHAR trimmed).")
    operation: str | None = Field(None, description="A read operation listing rows (screens, web pages).")
    input: dict[str, Any] = Field(default_factory=dict, description="The operation's input.")
    rows_field: str = Field("rows", description="The field of the operation's answer holding the rows.")
    next_field: str = Field("next_cursor", description="The answer's field that continues the list.")
    cursor_input: str = Field("cursor", description="The input field the next page is asked for with.")
    max_pages: int = Field(20, ge=1, le=1000, description="Pages read per snapshot (a cut list finds no deletes).")
    key: list[str] = Field(default_factory=list, description="Key columns (relation) or fields (operation).")
    change: str | None = Field(None, description="A TIMESTAMP/DATETIME change column.")
    change_date: str | None = Field(None, description="A CYYMMDD change date column (with change_time).")
    change_time: str | None = Field(None, description="An HHMMSS change time column (with change_date).")
    timezone: str | None = Field(None, description="The zone change stamps are written in (default: local).")
    settle_s: float = Field(5.0, ge=0, le=86_400, description="How long a writer may take to commit.")
    overlap_s: float = Field(60.0, ge=0, le=86_400, description="How far each poll re-reads before its offset.")
    page_rows: int = Field(1000, ge=2, le=100_000, description="Rows per query.")
    interval_s: float = Field(1.0, gt=0, le=86_400, description="Time between polls.")
    delete_scan_every: int = Field(0, ge=0, description="With a change column: look for deletes every N polls.")
    start: Literal["beginning", "now"] = Field(
        "beginning",
        description="On a first start: publish every existing row (beginning) or record them as a baseline and "
        "publish only later changes (now).",
    )

    @model_validator(mode="after")
    def _one_way(self) -> Self:
        ways = [w for w in (self.view, self.relation, self.operation) if w]
        if len(ways) != 1:
            raise ValueError("name exactly one of view, relation or operation")
        if (self.relation or self.operation) and not self.key:
            raise ValueError("a relation or an operation needs its key")
        if self.relation and not self.columns:
            raise ValueError("a relation needs its columns")
        if (self.change_date is None) != (self.change_time is None):
            raise ValueError("change_date and change_time go together")
        if self.change and self.change_date:
            raise ValueError("either change or change_date/change_time")
        if self.operation and (self.change or self.change_date):
            raise ValueError("an operation's list is snapshot-diffed: it has no change column")
        return self


class WatchConfig(BaseModel):
    """The whole watch file."""

    model_config = {"extra": "forbid"}

    bridges_config: Path = Field(description="The facade configuration holding the bridge instances.")
    store: str | None = Field(
        None,
        description="SQLAlchemy URL of the watcher's state; default: watch.db in the "
        "facade's state_dir (shared by the watchers of a host).",
    )
    nats_url: str = Field("nats://127.0.0.1:4222", description="The NATS server (JetStream enabled).")
    stream: str = Field("LEGACY_EVENTS", pattern=r"^[A-Za-z0-9_-]{1,64}$", description="The JetStream stream.")
    prefix: str = Field("legacy", pattern=r"^[a-z0-9_-]{1,32}$", description="Subjects: <prefix>.<source>.<kind>.")
    duplicate_window_s: float = Field(600.0, gt=0, description="The stream's dedupe window (Nats-Msg-Id).")
    lease_ttl_s: float = Field(15.0, ge=1, le=600, description="A dead watcher's sources are taken over after this.")
    metrics_host: str = "127.0.0.1"
    metrics_port: int | None = Field(None, ge=0, le=65535, description="Serve /metrics and /healthz here.")
    sources: dict[str, SourceSettings] = Field(min_length=1)
    base_dir: Path = Field(default_factory=Path.cwd, exclude=True)

    def path(self, value: Path | str) -> Path:
        """``value`` resolved against the watch file's folder."""
        p = Path(value)
        return p if p.is_absolute() else self.base_dir / p


def load_watch_config(path: Path | str) -> WatchConfig:
    """Read and validate a watch file (ConfigError naming the key)."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    try:
        config = WatchConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"invalid watch configuration: {format_validation_error(exc)}") from None
    config.base_dir = path.resolve().parent
    return config
