"""The browser port's login safety, without a browser: what counts as a refused login, the latch
per user until a reset, and one login of a user at a time."""

from __future__ import annotations

import threading
import time

import pytest

from bridges.core.deadline import Deadline, deadline_scope
from bridges.core.errors import DeadlineExceeded, LegacyError, LoginRefused
from web_scrape import BrowserPort, Credential, HttpLogin, LoginHook, LoginSpec, PortSettings, Target, by_name
from web_scrape.flow import SessionExpired
from web_scrape.pool import ContextPool

pytestmark = pytest.mark.unit

LOGIN = LoginSpec(path="login", username=Target("user", by_name("u")), password=Target("pw", by_name("p")),
                  submit=Target("go", by_name("go")))
CREDENTIAL = Credential("agent", "s3cret-pw")


class _Page:
    """A login page stub: ``goto`` answers with ``status``; after submitting, it shows the form again or
    not. Like a :class:`~web_scrape.flow.FlowPage` it takes the login page for an expired session when
    ``checks_login`` is on; it notes what was filled and the step each navigation ran under."""

    def __init__(self, status: int = 200, login_page_again: bool = False, submitting: threading.Event | None = None):
        self.status = status
        self.login_page_again = login_page_again
        self.submitting = submitting  # set: submit waits until it is cleared by the test
        self.step = ""
        self.checks_login = True
        self.submitted = 0
        self.filled: list[tuple[str, str]] = []
        self.steps: list[str] = []
        self.visited: list[str] = []
        self.pressed: list[str] = []

    def goto(self, path):
        self.steps.append(self.step)
        self.visited.append(path)
        if self.status >= 400:
            raise LegacyError(f"the application answered HTTP {self.status}", http_status=self.status)
        if self.checks_login and path == "login":
            raise SessionExpired(self.step)

    def fill(self, target, value):
        self.filled.append((target.description, value))

    def submit(self, target):
        self.submitted += 1
        self.pressed.append(target.description)
        if self.submitting is not None:
            self.submitting.set()
            assert _release.wait(10), "the test never let the login finish"

    def on_login_page(self):
        return self.login_page_again


_release = threading.Event()


class _Context:
    def storage_state(self):
        return {"cookies": [{"name": "SID", "value": "s-123"}]}


def _lease(credential=CREDENTIAL):
    from web_scrape.pool import Lease

    return Lease(context=_Context(), page=None, key=credential.key, generation=0)


@pytest.fixture
def port():
    made = BrowserPort(PortSettings(base_url="http://app.invalid/"), system="app", login=LOGIN)
    yield made
    made.close()


@pytest.mark.parametrize("status", [401, 403])
def test_http_401_or_403_at_login_is_a_refused_login(port, status):
    with pytest.raises(LoginRefused, match=f"HTTP {status}") as err:
        port._submit_login(_Page(status), CREDENTIAL)
    assert err.value.status == 502 and "s3cret" not in err.value.detail
    assert err.value.context["http_status"] == status and "(check the configured credentials)" in err.value.detail


def test_the_login_form_again_is_a_refused_login_and_other_errors_are_not(port):
    with pytest.raises(LoginRefused) as err:
        port._submit_login(_Page(login_page_again=True), CREDENTIAL)
    assert err.value.detail == "app: the application refused the login of agent (check the configured password)"
    with pytest.raises(LegacyError) as err:
        port._submit_login(_Page(500), CREDENTIAL)
    assert not isinstance(err.value, LoginRefused)


def test_a_refused_login_stops_logins_for_that_user_until_reset(port):
    pool = ContextPool(1, lambda browser, state: None)
    lease = _lease()
    page = _Page(login_page_again=True)
    with pytest.raises(LoginRefused):
        port._log_in(pool, lease, page, CREDENTIAL)
    with pytest.raises(LoginRefused, match="no more"):
        port._log_in(pool, lease, page, CREDENTIAL)
    with pytest.raises(LoginRefused):  # run() refuses before any browser work
        port.run(None, None, CREDENTIAL)
    assert page.submitted == 1 and port.login_attempts == 1
    port.reset()
    with pytest.raises(LoginRefused):
        port._log_in(pool, lease, page, CREDENTIAL)
    assert page.submitted == 2


def test_http_and_hook_logins_are_declared_and_refused_alike():
    probe = BrowserPort(PortSettings(base_url="http://app.invalid/"), system="app", login=HttpLogin("digest", "nav"))
    calls = []

    def sso(page, credential):
        calls.append(credential.user)
        page.goto("sso")  # an HTTP 401 the hook meets is a refusal too

    hook = BrowserPort(PortSettings(base_url="http://app.invalid/"), system="app", login=LoginHook(sso))
    try:
        page = _Page(200)
        probe._submit_login(page, CREDENTIAL)  # the probe page answers: logged in
        assert page.visited == ["nav"] and page.filled == []
        for port in (probe, hook):
            with pytest.raises(LoginRefused, match="HTTP 401") as err:
                port._submit_login(_Page(401), CREDENTIAL)
            assert "s3cret" not in err.value.detail
        assert calls == ["agent"] and probe.login_attempts == 2 and hook.login_attempts == 1
    finally:
        probe.close()
        hook.close()


def test_a_form_login_fills_the_user_and_password_under_its_own_step(port):
    page = _Page()
    port._submit_login(page, CREDENTIAL)  # the login page itself is no sign of an expired session …
    assert page.visited == ["login"] and page.filled == [("user", "agent"), ("pw", "s3cret-pw")]
    assert page.pressed == ["go"]
    assert page.steps == ["app.login"]  # failures and artifacts name the login step
    assert page.checks_login  # … and afterwards the login page is one again
    with pytest.raises(LoginRefused):
        port._submit_login(_Page(login_page_again=True), CREDENTIAL)
    assert port.login_attempts == 2


def test_a_login_that_succeeds_is_kept_for_new_contexts_and_refusals_are_per_user(port):
    pool = ContextPool(1, lambda browser, state: None)
    with pytest.raises(LoginRefused) as first:
        port._log_in(pool, _lease(), _Page(403), CREDENTIAL)
    assert first.value.detail == (
        "app: the application answered HTTP 403 to the login of agent (check the configured credentials); "
        "app logs in as agent no more until its configuration changes or an operator resets the bridge")
    with pytest.raises(LoginRefused) as again:  # the stored refusal, as it was: not extended twice
        port.run(None, None, CREDENTIAL)
    assert again.value.detail == first.value.detail and again.value is not first.value
    assert again.value.context == {"http_status": 403}
    other = Credential("clerk", "an0ther-pw")
    lease = _lease(other)
    port._log_in(pool, lease, _Page(), other)  # another user still logs in
    assert lease.logged_in and pool.states[other.key] == _Context().storage_state()
    assert CREDENTIAL.key not in pool.states


def _login_in_thread(port, page, credential=CREDENTIAL):
    outcome: list[object] = []

    def log_in():
        try:
            with deadline_scope(Deadline(20)):
                port._log_in(ContextPool(1, lambda browser, state: None), _lease(credential), page, credential)
            outcome.append("logged in")
        except Exception as exc:  # the test looks at what it was
            outcome.append(exc)

    thread = threading.Thread(target=log_in)
    thread.start()
    return thread, outcome


def test_logins_of_one_user_run_one_at_a_time_and_others_do_not_wait(port):
    _release.clear()
    submitting = threading.Event()
    first, outcome = _login_in_thread(port, _Page(submitting=submitting))
    try:
        assert submitting.wait(10)  # the first login is under way, holding the user's turn
        waiting = _Page()
        started = time.monotonic()
        with deadline_scope(Deadline(0.2)), pytest.raises(DeadlineExceeded, match="another login of agent"):
            port._log_in(ContextPool(1, lambda browser, state: None), _lease(), waiting, CREDENTIAL)
        assert time.monotonic() - started < 0.2 + 0.5  # the caller's deadline, plus 0.5 s for a loaded machine
        assert waiting.submitted == 0
        other = Credential("clerk", "an0ther-pw")
        with deadline_scope(Deadline(5)):  # another user's login does not wait for it
            port._log_in(ContextPool(1, lambda browser, state: None), _lease(other), _Page(), other)
    finally:
        _release.set()
        first.join(10)
    assert outcome == ["logged in"]


def test_a_login_waiting_for_a_refused_one_is_refused_without_trying(port):
    _release.clear()
    submitting = threading.Event()
    first, first_outcome = _login_in_thread(port, _Page(login_page_again=True, submitting=submitting))
    assert submitting.wait(10)
    waiting = _Page()
    second, second_outcome = _login_in_thread(port, waiting)
    try:
        assert not second_outcome  # it waits for the user's turn …
    finally:
        _release.set()
        first.join(10)
        second.join(10)
    assert isinstance(first_outcome[0], LoginRefused) and isinstance(second_outcome[0], LoginRefused)
    assert waiting.submitted == 0 and port.login_attempts == 1  # … and never tries: one attempt


def test_a_reset_lets_the_recorders_http_authenticator_answer_again(tmp_path):
    from bridges.core.cassette import CassetteSettings

    port = BrowserPort(PortSettings(base_url="http://app.invalid/", trace="off"), system="app",
                       login=HttpLogin("digest"), cassette=CassetteSettings(path=tmp_path / "c.yaml", mode="all"))

    class _Browser:
        def new_context(self, **options):
            return type("Ctx", (), {"route": lambda self, pattern, handler: None})()

    try:
        port._context_user.credential = CREDENTIAL
        port._new_context(_Browser(), None)
        (authenticator,) = port._authenticators.values()
        authenticator.refused = True  # the recorder's answer was refused
        port.reset()
        assert not authenticator.refused
    finally:
        port.close()
