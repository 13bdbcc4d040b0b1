"""Configuration: one TOML (or YAML) file, validated by pydantic, secrets only by reference.

    [facade]
    rate_limit = "120/minute"

    [[api_keys]]
    name = "reporting"
    key = { env = "REPORTING_API_KEY" }
    scopes = ["orders:read"]

    [bridges.orders]
    guard = { deadline_s = 5, max_concurrency = 8 }
    options = { connection = "Driver=SQLite3;Database=orders.db" }

The same tables may be written as YAML (a ``.yaml`` or ``.yml`` file), as ``bridges new``
does. A bad file fails at start with a message naming the key (never its value); a secret is
written as ``{ env = "NAME" }`` (optionally ``default``) or ``{ file = "path" }`` and
resolved once, at load, into a :class:`pydantic.SecretStr`.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator, model_validator

from bridges.core.cassette import CassetteSettings
from bridges.core.customers import CustomerListing
from bridges.core.errors import ConfigError
from bridges.core.guard import GuardSettings
from bridges.core.tunnel import TunnelSettings

__all__ = [
    "ApiKeySettings",
    "BridgeEntry",
    "Config",
    "FacadeSettings",
    "RolloutSettings",
    "SecretRef",
    "WritePolicy",
    "format_validation_error",
    "load_config",
    "parse_config",
]


class SecretRef(BaseModel):
    """A credential named by reference: an environment variable or a file."""

    model_config = {"extra": "forbid"}

    env: str | None = None
    file: Path | None = None
    default: SecretStr | None = Field(None, description="Used when the variable is unset (demo only).")

    def resolve(self, where: str) -> SecretStr:
        """The secret's value; ``where`` names the key in any error."""
        if self.env:
            value = os.environ.get(self.env)
            if value is None and self.default is not None:
                return self.default
            if value is None:
                raise ConfigError(f"{where}: environment variable {self.env} is not set")
            if not value.strip():
                raise ConfigError(f"{where}: environment variable {self.env} is empty")
            return SecretStr(value)
        if self.file:
            try:
                value = self.file.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ConfigError(f"{where}: cannot read secret file ({exc.strerror})") from None
            if not value:
                raise ConfigError(f"{where}: secret file is empty")
            return SecretStr(value)
        raise ConfigError(f"{where}: a secret needs 'env' or 'file'")


class ApiKeySettings(BaseModel):
    """One API key and the scopes it grants (``orders:read``, ``custmast:*``, ``*``)."""

    model_config = {"extra": "forbid"}

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    key: SecretRef
    scopes: list[str] = Field(default_factory=list)
    rate_limit: str | None = Field(None, description="Overrides facade.rate_limit for this key.")


class FacadeSettings(BaseModel):
    """The HTTP facade's own settings."""

    model_config = {"extra": "forbid"}

    host: str = "127.0.0.1"
    port: int = Field(8080, ge=0, le=65535)
    rate_limit: str = Field("600/minute", description="Per-key budget, e.g. 600/minute (limits notation).")
    rate_limit_storage: str = Field("memory://", description="memory:// or redis://host:port (shared by workers).")
    audit_log: Path | None = Field(None, description="JSON-lines audit file; None logs to the 'audit' logger only.")
    audit_store: str | None = Field(None, description="SQLAlchemy URL of the hash-chained audit store "
                                    "(postgresql+psycopg://… in production); None: the SQLite file audit.db in "
                                    "state_dir; \"off\" (or empty): no chained store. Checked by bridges audit "
                                    "verify.")
    audit_personal: Literal["digest", "plain"] = Field("digest", description="How the audit file and store keep "
                                                        "inputs named like personal data (street, phone, email "
                                                        "…): digest = keyed HMAC-SHA256 (see audit_key); plain.")
    audit_key: SecretRef | None = Field(None, description="Key of the personal-data digests; None: a random key "
                                        "kept in audit.key beside the SQLite store (or in state_dir), mode 0600.")
    max_body_bytes: int = Field(1_048_576, ge=1024, description="Larger request bodies get 413.")
    max_query_bytes: int = Field(8192, ge=256, description="Longer query strings get 414.")
    body_timeout_s: float = Field(10, gt=0, le=300, description="A request body not received in full within "
                                  "this gets 408 and frees the worker.")
    state_dir: Path = Field(Path("var"), description="Folder of the facade's own state (the review queue's "
                            "database), relative to the configuration file.")
    review_store: str | None = Field(None, description="SQLAlchemy URL of the write-review queue; default: "
                                     "the SQLite file reviews.db in state_dir (shared by every worker).")
    review_ttl_s: float = Field(86_400, gt=0, description="A write waiting for review expires after this.")
    budget_store: str | None = Field(
        None, description="redis://host:port: each live bridge's sessions, connections and LU names are leased "
        "there, one budget however many workers and hosts serve; None: each process keeps its own (one worker).")
    budget_lease_ttl_s: float = Field(15, ge=1, le=600, description="A lease of a process that died expires "
                                      "after this (held leases are renewed every third of it).")
    console_secret: SecretRef | None = Field(None, description="Signs the operator console's session cookies; "
                                             "default: derived from the API keys (changing one signs everyone out).")
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        "warning", description="Level of the application logs under gunicorn (`bridges serve -v`: info).")
    metrics: bool = Field(True, description="Count calls and serve /metrics (false: neither).")
    mcp_path: str = Field("/mcp", pattern=r"^((/[A-Za-z0-9._~-]+)+)?$", description="Where the facade serves "
                          "MCP over streamable HTTP, in every worker, with the same keys; empty: not served.")
    log_format: Literal["json", "text"] = Field("json", description="How `bridges serve` writes application logs: "
                                                "JSON lines with request id, bridge and operation, or plain text.")
    readiness_ttl_s: float = Field(10, gt=0, description="How long /readyz trusts a bridge's last ping.")
    ready_requires: Literal["all", "any"] | list[str] = Field(
        "any", description="Which bridges must be ok for /readyz to answer 200: all, any, or a list of names.")
    tls_cert_file: Path | None = Field(None, description="`bridges serve` over HTTPS: the certificate chain (PEM), "
                                       "relative to the configuration file; read again for each new connection.")
    tls_key_file: Path | None = Field(None, description="The certificate's private key (PEM).")

    @model_validator(mode="after")
    def _tls_pair(self) -> FacadeSettings:
        if (self.tls_cert_file is None) != (self.tls_key_file is None):
            raise ValueError("tls_cert_file and tls_key_file go together")
        return self


PolicyMode = Literal["direct", "review", "shadow"]


class WritePolicy(BaseModel):
    """How one write operation is carried out (a ``[bridges.NAME.policies.OPERATION]`` table).

    ``policy`` applies to every call, or — with ``when``, a CEL expression over ``input`` (the
    operation's validated input) — to the calls it is true for, ``otherwise`` to the rest::

        [bridges.custmast.policies.change_address]
        policy = "review"
        when = 'input.country != null && input.country != "DE"'   # changes abroad wait for a person
    """

    model_config = {"extra": "forbid"}

    policy: PolicyMode = Field("review", description="direct: run it; review: queue it for a second person; "
                               "shadow: dry-run and record it, never run it.")
    when: str | None = Field(None, max_length=2000, description="CEL expression over `input`: `policy` applies "
                             "when it is true; a call it cannot be evaluated for is refused, never run.")
    otherwise: PolicyMode = Field("direct", description="The policy when `when` is false.")
    observe: str | None = Field(None, description="Shadow mode: the bridge's read operation showing the fields "
                                "the write sets, read to match a proposal to what a person then did.")


class RolloutSettings(BaseModel):
    """A candidate implementation of a read beside the current one (``[bridges.NAME.rollouts.OPERATION]``).

    On ``share`` of the calls the candidate — the same operation of another bridge instance — runs
    after the current one has answered; the caller always gets the current answer, and the two are
    compared. ``sticky`` picks the calls: by ``caller`` (the key's name), by an input field
    (``input.customer``), or per ``request``."""

    model_config = {"extra": "forbid"}

    candidate: str = Field(description="The bridge instance serving the candidate implementation.")
    share: float = Field(0.1, ge=0, le=1, description="Share of the calls the candidate runs on, at start "
                         "(changed while serving with PUT /v1/rollouts/<bridge>/<operation>; 0 stops it).")
    sticky: str = Field("caller", pattern=r"^(caller|request|input\.[A-Za-z_][A-Za-z0-9_]*)$",
                        description="caller, request, or input.<field>: the same value always gets the same side.")
    ignore: list[str] = Field(default_factory=list, description="Output fields left out of the comparison "
                              "(dotted paths of volatile values).")


class BridgeEntry(BaseModel):
    """One configured bridge instance (a ``[bridges.NAME]`` table)."""

    model_config = {"extra": "forbid"}

    kind: str | None = Field(None, description="Registered bridge name; defaults to the table name.")
    enabled: bool = True
    guard: GuardSettings = Field(default_factory=GuardSettings)
    cassette: CassetteSettings | None = None
    review_writes: bool = Field(False, description="Queue writes for a second person's approval (four eyes).")
    policies: dict[str, WritePolicy] = Field(
        default_factory=dict, description="Per write operation (by name): direct, review, or a rule over the "
        "input; overrides review_writes for that operation.")
    rollouts: dict[str, RolloutSettings] = Field(
        default_factory=dict, description="Per read operation (by name): a candidate implementation run on a "
        "share of the calls beside the current one, compared, never answered.")
    secrets: dict[str, SecretRef] = Field(default_factory=dict)
    options: dict[str, Any] = Field(default_factory=dict)
    tunnel: TunnelSettings | None = Field(None, description="Reach the bridge's host through an SSH jump host.")
    customer_listing: CustomerListing | None = Field(
        None, description="Which read operation lists the system's customers and how its fields map to a customer "
        "record (`bridges assess --customers NAME`); overrides the bridge's own declaration.")


class Config(BaseModel):
    """The whole configuration file."""

    model_config = {"extra": "forbid"}

    facade: FacadeSettings = Field(default_factory=FacadeSettings)
    api_keys: list[ApiKeySettings] = Field(default_factory=list)
    crosswalk: Path | None = None
    bridges: dict[str, BridgeEntry] = Field(default_factory=dict)
    base_dir: Path = Field(default_factory=Path.cwd, exclude=True)

    @field_validator("bridges")
    @classmethod
    def _names(cls, value: dict[str, BridgeEntry]) -> dict[str, BridgeEntry]:
        for name in value:
            if not name.replace("_", "").isalnum() or not name[:1].isalpha() or name != name.lower():
                raise ValueError(f"bridge name {name!r} must be lower-case letters, digits and '_'")
        return value

    @model_validator(mode="after")
    def _ready_requires_known_bridges(self) -> Config:
        if isinstance(self.facade.ready_requires, list):
            unknown = [n for n in self.facade.ready_requires if n not in self.bridges]
            if unknown:
                raise ValueError(f"facade.ready_requires names bridges not configured: {', '.join(unknown)}")
        return self

    def path(self, value: Path | str) -> Path:
        """``value`` resolved against the configuration file's folder."""
        p = Path(value)
        return p if p.is_absolute() else self.base_dir / p


def format_validation_error(exc: ValidationError, prefix: str = "") -> str:
    """One line per problem, naming the key — never echoing the value given."""
    lines = []
    for err in exc.errors(include_input=False, include_url=False):
        key = ".".join(str(p) for p in (prefix, *err["loc"]) if p != "")
        lines.append(f"{key or '(root)'}: {err['msg']}")
    return "; ".join(lines)


def parse_config(data: dict[str, Any], base_dir: Path | None = None) -> Config:
    """Validate already-parsed TOML data."""
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError("invalid configuration: " + format_validation_error(exc)) from None
    config.base_dir = base_dir or Path.cwd()
    return config


def load_config(path: Path | str) -> Config:
    """Read and validate a configuration file: TOML, or YAML when it ends in ``.yaml``/``.yml``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read configuration {path}: {exc.strerror}") from None
    if path.suffix.lower() in {".yaml", ".yml"}:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ConfigError(f"configuration {path} is not valid YAML: {exc}") from None
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise ConfigError(f"configuration {path}: the top level must be a mapping of tables")
    else:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"configuration {path} is not valid TOML: {exc}") from None
    return parse_config(data, base_dir=path.resolve().parent)
