"""The browser port's login safety, without a browser: what counts as a refused login, and the latch."""

from __future__ import annotations

import pytest

from bridges.core.errors import LegacyError, LoginRefused
from web_scrape import BrowserPort, Credential, HttpLogin, LoginHook, LoginSpec, PortSettings, Target, by_name

pytestmark = pytest.mark.unit

LOGIN = LoginSpec(path="login", username=Target("user", by_name("u")), password=Target("pw", by_name("p")),
                  submit=Target("go", by_name("go")))
CREDENTIAL = Credential("agent", "s3cret-pw")


class _Page:
    """A login page stub: ``goto`` answers with ``status``; after submitting, it shows the form again or not."""

    def __init__(self, status: int = 200, login_page_again: bool = False) -> None:
        self.status = status
        self.login_page_again = login_page_again
        self.step = ""
        self.checks_login = True
        self.submitted = 0

    def goto(self, path):
        if self.status >= 400:
            raise LegacyError(f"the application answered HTTP {self.status}", http_status=self.status)

    def fill(self, target, value):
        pass

    def submit(self, target):
        self.submitted += 1

    def on_login_page(self):
        return self.login_page_again


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


def test_the_login_form_again_is_a_refused_login_and_other_errors_are_not(port):
    with pytest.raises(LoginRefused, match="refused the login of agent"):
        port._submit_login(_Page(login_page_again=True), CREDENTIAL)
    with pytest.raises(LegacyError) as err:
        port._submit_login(_Page(500), CREDENTIAL)
    assert not isinstance(err.value, LoginRefused)


def test_a_refused_login_stops_logins_for_that_user_until_reset(port):
    from web_scrape.pool import ContextPool, Lease

    pool = ContextPool(1, lambda browser, state: None)
    lease = Lease(context=None, page=None, key=CREDENTIAL.key, generation=0)
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
        probe._submit_login(_Page(200), CREDENTIAL)  # the probe page answers: logged in
        for port in (probe, hook):
            with pytest.raises(LoginRefused, match="HTTP 401") as err:
                port._submit_login(_Page(401), CREDENTIAL)
            assert "s3cret" not in err.value.detail
        assert calls == ["agent"] and probe.login_attempts == 2 and hook.login_attempts == 1
    finally:
        probe.close()
        hook.close()
