"""The web bridge base: a bridge declares its login and flows; the base owns the wiring.

    class IntranetBridge(WebBridge):
        name = "intranet"
        Settings = IntranetSettings              # a WebSettings subclass
        login = LoginSpec("login.php", username=..., password=..., submit=...)   # or HttpLogin("digest")
        requests = (ignore("*/poll.php*", why="unread-count poll"),)           # kept out of cassettes

        @operation(summary="Get one order", examples=[...])
        def get_order(self, query: GetOrder) -> Order:
            return self.run(OrderFlow(), query)

The base owns the settings (:class:`WebSettings`, validated at start naming each key), the
password secret, the browser port (warm contexts, one owner thread per browser), the
declared login — never retried once refused —, HAR cassettes by configuration (record,
replay or live), failure artifacts, ping, status, reset and close.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, Field

from bridges.core.errors import ConfigError
from bridges.core.operation import Bridge, BridgeContext
from web_scrape.flow import Credential, Flow, LoginSpec
from web_scrape.launch import LaunchSettings
from web_scrape.login import HttpLogin, LoginHook
from web_scrape.port import BrowserPort, PortSettings, TraceLevel
from web_scrape.routing import RequestRule

__all__ = ["WebBridge", "WebSettings"]


class WebSettings(BaseModel):
    """The options every web bridge takes; subclass it to add a bridge's own (and to give
    ``base_url`` and ``user`` defaults)."""

    model_config = {"extra": "forbid"}

    base_url: str = Field(pattern=r"^https?://", description="The application's base URL (the folder of its pages).")
    user: str = Field(min_length=1, max_length=64, description="The user the bridge logs in as.")
    chromium_path: Path | None = Field(None, description="Chromium executable; default: the system one.")
    pool_size: int = Field(2, ge=1, le=16, description="Warm browser contexts kept per browser (with "
                           "facade.budget_store: the browser logins of every process together).")
    browsers: int = Field(1, ge=1, le=8, description="Chromium processes serving calls in parallel (one owner "
                          "thread each); recording and replay use one.")
    trace: TraceLevel = Field(TraceLevel.LIGHT, description="Playwright tracing (off, light, full); a failed "
                              "call's trace is kept, redacted, with its screenshot.")
    artifacts_dir: Path | None = Field(None, description="Where failure artifacts go; default: a temp folder.")
    ca_file: Path | None = Field(None, description="The CA certificate (PEM) that signed the application's HTTPS "
                                 "certificate, trusted by the browser besides the system's CAs.")

    def tunnel_target(self) -> tuple[str, int]:
        """The application's host and port from ``base_url``, which an SSH tunnel can stand in for."""
        url = urlsplit(self.base_url)
        return url.hostname or "", url.port or (443 if url.scheme == "https" else 80)

    def through_tunnel(self, host: str, port: int) -> WebSettings:
        """These settings with ``base_url`` pointing at ``host``:``port`` (plain HTTP only: an HTTPS
        certificate names the application's own host, not the tunnel's loopback end)."""
        url = urlsplit(self.base_url)
        if url.scheme == "https":
            raise ConfigError("an SSH tunnel to an HTTPS application is not supported (the certificate would "
                              "not match the tunnel's loopback address)")
        return self.model_copy(update={"base_url": urlunsplit(url._replace(netloc=f"{host}:{port}"))})


class WebBridge(Bridge):
    """Base of a bridge to a web application: declare ``login`` (a form, HTTP Basic or
    Digest, a hook — or None for an open application; override :meth:`login_for` to choose
    by settings) and the ``requests`` its cassettes ignore or stub; implement operations
    with :meth:`run`."""

    Settings: ClassVar[type[BaseModel]] = WebSettings
    required_secrets = ("password",)
    budget_options = ("pool_size",)
    login: ClassVar[LoginSpec | HttpLogin | LoginHook | None] = None
    requests: ClassVar[tuple[RequestRule, ...]] = ()

    def login_for(self, settings: Any) -> LoginSpec | HttpLogin | LoginHook | None:
        """The login to use with ``settings`` (default: the declared ``login``)."""
        return self.login

    def __init__(self, settings: WebSettings, context: BridgeContext) -> None:  # type: ignore[override]
        super().__init__(settings, context)
        password = context.secrets.get("password", "")
        if not password and "password" in self.required_secrets:
            raise ConfigError(f"bridges.{context.instance_name}.secrets.password is required")
        self.credential = Credential(settings.user, password)
        base_url = settings.base_url if settings.base_url.endswith("/") else settings.base_url + "/"
        self.port = BrowserPort(
            PortSettings(base_url=base_url,
                         launch=LaunchSettings(chromium_path=settings.chromium_path, ca_file=settings.ca_file),
                         pool_size=settings.pool_size, browsers=settings.browsers, trace=settings.trace,
                         artifacts_dir=settings.artifacts_dir),
            system=self.name,
            login=self.login_for(settings),
            cassette=context.cassette,
            requests=self.requests,
            secrets={name.upper(): value for name, value in context.secrets.items()},
            budget=None if context.leases is None or context.cassette is not None
            else context.leases.budget(context.instance_name, limit=settings.pool_size),
        )

    def run(self, flow: Flow, query: BaseModel) -> Any:
        """Run ``flow`` with ``query`` as the configured user (logged in as declared)."""
        return self.port.run(flow, query, self.credential)

    def ping(self) -> dict[str, Any]:
        """The application answers over HTTP (live, record) or the cassette is loaded (replay)."""
        return self.port.ping()

    def status(self) -> dict[str, Any]:
        """Browser, pool and cassette state."""
        return self.port.status()

    def reset(self) -> None:
        """An operator's reset: log in again after a refused login (once, then as needed)."""
        self.port.reset()

    def close(self) -> None:
        """Close the browser; write the recording in record mode."""
        self.port.close()
