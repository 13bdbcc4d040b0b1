"""The browser port: run a typed flow as a user, on a warm context, under the deadline.

    port = BrowserPort(PortSettings(base_url="http://127.0.0.1:8081/helpdesk/"),
                       system="helpdesk", login=HELPDESK_LOGIN, secrets={"password": pw})
    ticket = port.run(TicketFlow(), GetTicket(ticket_no="HD-2005-004711"), Credential("agent1", pw))

Live, recording and replaying are one class: with a cassette the contexts' traffic is
recorded to, or answered from, a HAR cassette (see :mod:`web_scrape.har`); everything
else — pool, login, deadline, artifacts — is the same, so a replay exercises the real
flow in real Chromium.

The login is declared (:mod:`web_scrape.login`): a form, HTTP Basic or Digest (live,
Chromium answers the challenge from the context's ``http_credentials``; recording, the
cassette's routes answer it), or a hook. Requests the bridge declares
(:mod:`web_scrape.routing`) stay out of cassettes.

A refused login (the login page again after submitting, or HTTP 401/403 at login; with
HTTP authentication, a 401 at any point) raises
:class:`~bridges.core.errors.LoginRefused` and stops logins for that user: every later
call gets the refusal at once, without a browser round trip, until :meth:`BrowserPort.reset`
(an operator's reset) or a new port (a changed configuration). Logins of one user run
one at a time, so a wrong password costs exactly one attempt.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from bridges.core.cassette import Cassette, CassetteSettings
from bridges.core.deadline import Deadline, current_deadline, deadline_scope
from bridges.core.errors import (
    BridgeError,
    CassetteMiss,
    DeadlineExceeded,
    InvalidInput,
    LegacyError,
    LoginRefused,
    NotFound,
    Unavailable,
)
from bridges.core.leases import Budget
from web_scrape.artifacts import ArtifactStore
from web_scrape.errors import translate_playwright_error
from web_scrape.flow import Credential, Flow, FlowPage, LoginSpec, SessionExpired
from web_scrape.har import TRANSPORT, HarRecorder, HarReplayer, origin_of
from web_scrape.launch import LaunchSettings
from web_scrape.login import HttpAuthenticator, HttpLogin, LoginHook, basic_token
from web_scrape.owner import BrowserOwner
from web_scrape.pool import ContextPool, Lease
from web_scrape.routing import RequestRule
from web_scrape.secrets import SecretBook

__all__ = ["BrowserPort", "Lane", "PortSettings", "TraceLevel"]

log = logging.getLogger("legacy_bridges.web_scrape")

# Answers that leave a context in a known state: it goes back to the pool.
_CONTEXT_STILL_GOOD = (NotFound, InvalidInput)


class TraceLevel(StrEnum):
    """How much of each call Playwright traces (kept, redacted, only when the call fails).

    ``light`` (actions and network) costs about a third of a warm search; ``full`` adds
    DOM snapshots and screenshots and costs about three times more."""

    OFF = "off"
    LIGHT = "light"
    FULL = "full"


@dataclass
class Lane:
    """One browser (its owner thread) and its context pool."""

    owner: BrowserOwner
    pool: ContextPool
    in_flight: int = 0


class PortSettings(BaseModel):
    """Settings of one browser port."""

    model_config = {"extra": "forbid"}

    base_url: str = Field(description="The application's base URL; relative flow paths resolve against it.")
    launch: LaunchSettings = Field(default_factory=LaunchSettings)
    pool_size: int = Field(2, ge=1, le=32, description="Warm contexts kept per user and browser.")
    browsers: int = Field(1, ge=1, le=8, description="Chromium processes, each with its owner thread: calls run in "
                          "parallel across them (recording and replay use one, to keep the order).")
    trace: TraceLevel = Field(TraceLevel.LIGHT, description="Playwright tracing of each call, kept on failure.")
    artifacts_dir: Path | None = Field(None, description="Where failure artifacts go; default: a temp folder.")
    locale: str = "en-GB"


class BrowserPort:
    """Runs flows for one web application on one browser owned by one thread."""

    def __init__(
        self,
        settings: PortSettings,
        *,
        system: str,
        login: LoginSpec | HttpLogin | LoginHook | None = None,
        cassette: CassetteSettings | None = None,
        secrets: dict[str, str] | None = None,
        requests: tuple[RequestRule, ...] | list[RequestRule] = (),
        budget: Budget | None = None,
    ) -> None:
        self.settings = settings
        self.system = system
        self.login = login
        self.requests = tuple(requests)
        self._context_user = threading.local()  # whose context the owner thread is making
        self._authenticators: dict[str, HttpAuthenticator] = {}  # recording: per user, one attempt each
        self.book = SecretBook({name: value for name, value in (secrets or {}).items()})
        directory = settings.artifacts_dir or Path(tempfile.gettempdir()) / "legacy-bridges-artifacts" / system
        self.artifacts = ArtifactStore(directory, system, self.book)
        sessions: dict[str, dict[str, Any]] = {}  # logged-in storage state, shared by every browser
        count = settings.browsers if cassette is None else 1
        self.lanes: list[Lane] = []
        for index in range(count):
            pool = ContextPool(settings.pool_size, self._new_context, states=sessions,
                               budget=budget if cassette is None else None)
            owner = BrowserOwner(settings.launch, name=system if count == 1 else f"{system}-{index + 1}",
                                 on_restart=pool.browser_restarted, redact=self.book.redact_text)
            self.lanes.append(Lane(owner, pool))
        self._lanes_lock = threading.Lock()
        self.cassette: Cassette | None = None
        self.recorder: HarRecorder | None = None
        self.replayer: HarReplayer | None = None
        if cassette is not None:
            self.cassette = Cassette(cassette, transport=TRANSPORT, system=system)
            origin = origin_of(settings.base_url)
            scheme = login.scheme if isinstance(login, HttpLogin) else None
            if self.cassette.replaying:
                self.replayer = HarReplayer(self.cassette, self.book, origin, auth_scheme=scheme, rules=self.requests)
            else:
                self.recorder = HarRecorder(self.cassette, self.book, origin, self._route_timeout_ms,
                                            rules=self.requests)
        self._job_deadline: Any = None
        self._refused: dict[str, LoginRefused] = {}  # by credential key: logins stopped
        self._login_locks: dict[str, threading.Lock] = {}
        self.login_attempts = 0
        self._scratch = Path(tempfile.mkdtemp(prefix=f"lb-{system}-trace-"))
        self._budget = budget if cassette is None else None
        self._stop = threading.Event()
        if self._budget is not None:  # idle contexts go back when another process waits for a login
            threading.Thread(target=self._budget_upkeep, name=f"{system}-budget", daemon=True).start()

    @property
    def mode(self) -> str:
        """``live``, ``record`` or ``replay``."""
        return "replay" if self.replayer else "record" if self.recorder else "live"

    # -- calls ----------------------------------------------------------------------

    def run(self, flow: Flow, data: BaseModel, credential: Credential) -> BaseModel:
        """Run ``flow`` with ``data`` as ``credential``'s user; a core error on any failure."""
        self.book.add("PASSWORD", credential.password)
        if isinstance(self.login, HttpLogin):
            name = "BASIC_AUTH_" + "".join(c if c.isalnum() else "_" for c in credential.key.upper())
            self.book.add(name, basic_token(credential.user, credential.password))
        self._raise_if_refused(credential)
        doing = f"{self.system}.{flow.name}"
        with self._lanes_lock:
            lane = min(self.lanes, key=lambda candidate: candidate.in_flight)
            lane.in_flight += 1
        try:
            result = lane.owner.call(lambda browser: self._job(lane.pool, browser, flow, data, credential, doing),
                                     doing=doing)
        except BridgeError as exc:
            if self.cassette is not None and self.recorder is not None:
                self.cassette.note_outcome(isinstance(exc, _CONTEXT_STILL_GOOD), exc.detail)
            raise
        finally:
            with self._lanes_lock:
                lane.in_flight -= 1
        if self.cassette is not None and self.recorder is not None:
            self.cassette.note_outcome(True)
        return result

    def _raise_if_refused(self, credential: Credential) -> None:
        refused = self._refused.get(credential.key)
        if refused is not None:
            raise LoginRefused(refused.detail, **refused.context)

    def reset(self) -> None:
        """An operator's reset: forget refused logins, so the next call logs in again (once)."""
        if self._refused:
            log.warning("%s: reset; logging in again", self.system)
        self._refused.clear()
        for authenticator in self._authenticators.values():
            authenticator.reset()

    def rewind(self) -> None:
        """Replay only: start the cassette again from its beginning on the same browser, with
        no warm context and no stored session (exactly as a fresh replay, without a launch)."""
        if self.replayer is None:
            raise RuntimeError(f"{self.system}: rewind is for replay mode")
        for lane in self.lanes:
            with deadline_scope(Deadline(10)):
                lane.owner.call(lambda _browser, pool=lane.pool: pool.close(), doing=f"{self.system}.rewind")
            lane.pool.states.clear()
        self.replayer.rewind()

    def _job(self, pool: ContextPool, browser: Any, flow: Flow, data: BaseModel, credential: Credential,
             doing: str) -> BaseModel:
        self._job_deadline = current_deadline()
        self._context_user.credential = credential
        lease = pool.checkout(browser, credential.key)
        tracing = self.settings.trace is not TraceLevel.OFF
        if tracing:
            lease.context.tracing.start_chunk(title=doing)
        page = FlowPage(lease.page, self.settings.base_url,
                        login_marker=self.login.marker if self.login else None,
                        after_navigation=self._check_replay)
        try:
            if self.login and not lease.logged_in:
                self._log_in(pool, lease, page, credential)
            try:
                result = flow.execute(page, data)
            except SessionExpired:
                log.info("%s: session of %s expired; logging in again", self.system, credential.user)
                pool.forget_session(credential.key)
                self._log_in(pool, lease, page, credential)
                result = flow.execute(page, data)
            self._check_replay(doing)
        except BaseException as exc:
            error = self._failure(exc, pool, lease, page, doing, tracing)
            raise error from None
        if tracing:
            lease.context.tracing.stop_chunk()
        pool.checkin(lease)
        return result

    def _failure(self, exc: BaseException, pool: ContextPool, lease: Lease, page: FlowPage, doing: str,
                 tracing: bool) -> BaseException:
        if isinstance(exc, SessionExpired):
            exc = LegacyError(f"{self.system}: the login page came back right after logging in ({exc})")
        error = translate_playwright_error(exc, page.step, self.book.redact_text)
        if (isinstance(self.login, HttpLogin) and isinstance(error, LegacyError)
                and error.context.get("http_status") == 401):
            # The browser answered the challenge with the configured credentials and got 401
            # again: the credentials are refused (a password changed meanwhile, say).
            error = self._refusal(lease.key, LoginRefused(
                f"{self.system}: the application answered HTTP 401 to the credentials of {self._user_of(lease)} "
                "(check the configured credentials)", http_status=401), self._user_of(lease))
        if self.replayer is not None:
            try:
                self.replayer.raise_on_miss(page.step)
            except CassetteMiss as miss:
                error = miss
        keep = isinstance(error, _CONTEXT_STILL_GOOD)
        trace_zip: Path | None = None
        if tracing:
            try:
                if keep:
                    lease.context.tracing.stop_chunk()
                else:
                    trace_zip = self._scratch / f"{self.artifacts.new_reference()}.zip"
                    lease.context.tracing.stop_chunk(path=str(trace_zip))
            except Exception:
                trace_zip = None
        if isinstance(error, LegacyError | DeadlineExceeded | CassetteMiss):
            shoot = not isinstance(error, DeadlineExceeded)  # the caller is already out of time
            reference = self.artifacts.capture(lease.page if shoot else None, trace_zip, error.detail)
            error.context["artifact"] = reference
            error.detail = f"{error.detail} (artifact {reference})"
        elif trace_zip is not None:
            trace_zip.unlink(missing_ok=True)
        if keep:
            pool.checkin(lease)
        else:
            pool.discard(lease)
        if isinstance(error, BridgeError) and not isinstance(exc, BridgeError):
            log.info("%s: %s", doing, error.detail)
        return error

    def _log_in(self, pool: ContextPool, lease: Lease, page: FlowPage, credential: Credential) -> None:
        assert self.login is not None
        with self._lanes_lock:
            lock = self._login_locks.setdefault(credential.key, threading.Lock())
        if not lock.acquire(timeout=max(0.001, current_deadline().remaining())):
            raise DeadlineExceeded(f"{self.system}: deadline passed waiting for another login of {credential.user}")
        try:
            self._raise_if_refused(credential)  # another lane's login was refused meanwhile
            try:
                self._submit_login(page, credential)
            except LoginRefused as exc:
                raise self._refusal(credential.key, exc, credential.user) from None
        finally:
            lock.release()
        pool.remember_session(lease)

    def _refusal(self, key: str, exc: LoginRefused, user: str) -> LoginRefused:
        """Latch a refused login of ``key``: no more logins until a reset or a new port."""
        if key not in self._refused:
            exc.detail += (f"; {self.system} logs in as {user} no more until its configuration "
                           "changes or an operator resets the bridge")
            self._refused[key] = exc
            log.error("%s: %s", self.system, exc.detail)
        return exc

    def _user_of(self, lease: Lease) -> str:
        credential = getattr(self._context_user, "credential", None)
        return credential.user if credential is not None else lease.key

    def _submit_login(self, page: FlowPage, credential: Credential) -> None:
        """Log in as declared; :class:`LoginRefused` when the application says no.

        A form is filled and submitted; HTTP authentication loads the probe page (the
        browser answers the challenge); a hook does what it does."""
        assert self.login is not None
        spec = self.login
        page.step, page.checks_login = f"{self.system}.login", False
        self.login_attempts += 1
        try:
            if isinstance(spec, HttpLogin):
                page.goto(spec.probe)
                return
            if isinstance(spec, LoginHook):
                spec.log_in(page, credential)
                return
            page.goto(spec.path)
            page.fill(spec.username, credential.user)
            page.fill(spec.password, credential.password)
            page.submit(spec.submit)
            if page.on_login_page():
                # The bridge's own credential is wrong: a fault of the configuration, not of the caller.
                raise LoginRefused(f"{self.system}: the application refused the login of {credential.user} "
                                   "(check the configured password)")
        except LegacyError as exc:
            if exc.context.get("http_status") in (401, 403):
                raise LoginRefused(f"{self.system}: the application answered HTTP {exc.context['http_status']} "
                                   f"to the login of {credential.user} (check the configured credentials)",
                                   http_status=exc.context["http_status"]) from None
            raise
        finally:
            page.checks_login = True

    def _check_replay(self, doing: str) -> None:
        if self.replayer is not None:
            self.replayer.raise_on_miss(doing)

    def _route_timeout_ms(self) -> float:
        deadline = self._job_deadline or current_deadline()
        return max(1.0, deadline.remaining() * 1000)

    def _new_context(self, browser: Any, state: dict[str, Any] | None) -> Any:
        options: dict[str, Any] = {}
        credential = getattr(self._context_user, "credential", None)
        if isinstance(self.login, HttpLogin) and credential is not None and self.cassette is None:
            # Live: Chromium answers the challenge (Basic or Digest). Recording answers it in
            # the routes (Chromium never sees a 401 there), replay from the cassette.
            options["http_credentials"] = self.login.http_credentials(credential.user, credential.password)
        context = browser.new_context(storage_state=state, locale=self.settings.locale,
                                      viewport={"width": 1024, "height": 768}, **options)
        if self.recorder is not None:
            auth = None
            if isinstance(self.login, HttpLogin) and credential is not None:
                auth = self._authenticators.setdefault(
                    credential.key, HttpAuthenticator(self.login.scheme, credential.user, credential.password))
            self.recorder.attach(context, auth)
        elif self.replayer is not None:
            self.replayer.attach(context)
        if self.settings.trace is not TraceLevel.OFF:
            full = self.settings.trace is TraceLevel.FULL
            context.tracing.start(screenshots=full, snapshots=full)
        return context

    # -- lifecycle ------------------------------------------------------------------

    def ping(self, timeout_s: float = 2.0) -> dict[str, Any]:
        """Check the application answers (live and record modes) without using the browser."""
        if self.replayer is not None:
            return {"mode": self.mode}
        try:
            with urllib.request.urlopen(self.settings.base_url, timeout=timeout_s) as response:
                return {"mode": self.mode, "http_status": response.status}
        except urllib.error.HTTPError as exc:
            return {"mode": self.mode, "http_status": exc.code}
        except OSError as exc:
            raise Unavailable(f"{self.system}: {self.settings.base_url} does not answer ({type(exc).__name__})",
                              retry_after=5) from None

    def status(self) -> dict[str, Any]:
        """Cheap state for readiness reports (no round trip)."""
        owners = [lane.owner.status() for lane in self.lanes]
        pools = [lane.pool.status() for lane in self.lanes]
        report: dict[str, Any] = {
            "mode": self.mode,
            "browser": {"browsers": len(owners), "running": sum(1 for o in owners if o["thread"]),
                        "launches": sum(o["launches"] for o in owners), "queued": sum(o["queued"] for o in owners)},
            "pool": {key: sum(p[key] for p in pools) for key in ("idle", "created", "reused", "discarded")}
            | {"sessions": pools[0]["sessions"]},
        }
        if self._budget is not None:
            report["pool"]["budget"] = self._budget.status()
        if self.replayer is not None:
            report["cassette_remaining"] = self.replayer.remaining
        return report

    def save_cassette(self) -> str | None:
        """Write the recording (record mode); return its drift diff against the previous one."""
        if self.recorder is not None and self.cassette is not None:
            return self.cassette.save()
        return None

    def _budget_upkeep(self) -> None:
        """Each second: when another process was turned away, close this port's idle contexts."""
        assert self._budget is not None
        while not self._stop.wait(1.0):
            if not self._budget.wanted():
                continue
            for lane in self.lanes:
                if lane.owner.alive:
                    try:
                        with deadline_scope(Deadline(5)):
                            lane.owner.call(lambda _browser, pool=lane.pool: pool.release_idle(),
                                            doing=f"{self.system}.release_idle")
                    except BridgeError as exc:  # the next tick tries again
                        log.info("%s: could not release idle contexts: %s", self.system, exc.detail)

    def close(self) -> None:
        """Close contexts, the browser and its thread; write a recording."""
        self._stop.set()
        for lane in self.lanes:
            if lane.owner.alive:
                try:
                    with deadline_scope(Deadline(10)):
                        lane.owner.call(lambda _browser, pool=lane.pool: pool.close(), doing=f"{self.system}.close")
                except BridgeError:
                    pass
            lane.owner.close()
        self.save_cassette()
        shutil.rmtree(self._scratch, ignore_errors=True)
