"""Logins a web bridge declares instead of coding: a form, HTTP Basic or Digest, or a hook.

    LOGIN = LoginSpec("login.php", username=..., password=..., submit=...)   # a web form
    LOGIN = HttpLogin("digest", probe="index.php")                           # HTTP Digest
    LOGIN = HttpLogin("basic")                                               # HTTP Basic
    LOGIN = LoginHook(sso_login, marker="#sso-form")                         # anything else

The port runs the declared login once per pool and user and treats a refusal the same
way for every kind: :class:`~bridges.core.errors.LoginRefused` (a 502 naming the bridge),
never retried, not a breaker fault, until an operator's reset or a new configuration.

HTTP logins: live, Chromium answers the challenge itself (Playwright's
``http_credentials`` on each context, for Basic and Digest). Recording and replaying
run every request through the cassette's routes, where Chromium never sees a 401, so the
recorder answers the challenge itself (:class:`HttpAuthenticator`, httpx's Basic and
Digest clients) and records both the 401 with its ``WWW-Authenticate`` and the answer to
the authorised request — the ``Authorization`` value itself never reaches the cassette.
The probe page's HTTP 401 (or 403) is the refusal.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

__all__ = ["HttpAuthenticator", "HttpLogin", "LoginHook", "basic_token"]


@dataclass(frozen=True)
class HttpLogin:
    """HTTP authentication (``basic`` or ``digest``): the browser sends the credentials.

    Logging in is loading ``probe`` (relative to the base URL); a 401 or 403 there — or
    anywhere later — is a refused login. The recorder answers only challenges of
    ``scheme`` (a Basic challenge to a Digest bridge is never answered, so the password
    is never sent in clear to a server that downgraded)."""

    scheme: Literal["basic", "digest"] = "digest"
    probe: str = ""
    marker: str | None = None
    """No login page to recognise: HTTP authentication has none."""

    def http_credentials(self, user: str, password: str) -> dict[str, str]:
        """Playwright's ``http_credentials`` for a live context."""
        return {"username": user, "password": password}


@dataclass(frozen=True)
class LoginHook:
    """A login the port cannot declare: ``log_in(page, credential)`` does it on a
    :class:`~web_scrape.flow.FlowPage` and raises
    :class:`~bridges.core.errors.LoginRefused` when the application says no (an HTTP
    401/403 it meets is a refusal too). ``marker`` is CSS matching only the login page,
    so an expired session mid-flow is noticed (None: never)."""

    log_in: Callable[[Any, Any], None] = field(repr=False)
    marker: str | None = None


def basic_token(user: str, password: str) -> str:
    """The credentials of an HTTP Basic ``Authorization`` header (a secret: the password, reversibly)."""
    return base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


class HttpAuthenticator:
    """Answers HTTP challenges for the recorder, as a browser would (one per port).

    Digest is httpx's client: it remembers the last challenge and answers later requests
    of the same protection space at once (with a growing ``nc``), as Chromium does. A
    second 401 to an answered challenge means the credentials are wrong: the
    authenticator stops answering (:attr:`refused`) until :meth:`reset` — one attempt."""

    def __init__(self, scheme: str, user: str, password: str) -> None:
        self.scheme = scheme
        self.user = user
        self.password = password
        self.refused = False
        self.attempts = 0
        self.reset()

    def reset(self) -> None:
        """Forget the challenge and the refusal (an operator's reset)."""
        self.refused = False
        self._auth: httpx.Auth = (httpx.DigestAuth(self.user, self.password) if self.scheme == "digest"
                                  else httpx.BasicAuth(self.user, self.password))
        self._challenged = False

    def preemptive(self, method: str, url: str) -> str | None:
        """The ``Authorization`` to send before any challenge (after a first one was answered)."""
        if self.refused or not self._challenged:
            return None
        flow = self._auth.sync_auth_flow(httpx.Request(method, url))
        return next(flow).headers.get("authorization")

    def answer(self, method: str, url: str, challenges: list[str]) -> str | None:
        """The ``Authorization`` answering a 401's ``WWW-Authenticate`` values (None: not ours)."""
        if self.refused or not any(c.strip().lower().startswith(self.scheme + " ") for c in challenges):
            return None
        request = httpx.Request(method, url)
        flow = self._auth.sync_auth_flow(request)
        first = next(flow)
        if self.scheme == "basic":
            value = first.headers.get("authorization")
        else:
            response = httpx.Response(401, headers=[("www-authenticate", c) for c in challenges], request=first)
            try:
                value = flow.send(response).headers.get("authorization")
            except StopIteration:
                return None
        self._challenged = True
        self.attempts += 1
        return value
