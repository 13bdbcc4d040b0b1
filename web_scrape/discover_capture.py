"""Discovery in the browser: find the login, log in, visit pages, submit their search forms.

    plan = discover(DiscoverSettings(base_url="http://host/helpdesk/", user="agent1"), password, name="desk")
    print(bridge_source(plan))

It runs on the project's own :class:`~web_scrape.port.BrowserPort` (Debian's Chromium, the
declared login — never retried once refused —, the deadline, the secret book that redacts
failure artifacts): first without a login, to see what the application asks for (an HTTP
``401`` and its scheme, or a page with a password field), then logged in as declared. The
password goes only to the port; nothing here prints or stores it.

Only forms that read are submitted — method GET, or a submit button or form name saying
search, find, filter… — and only with their defaults, so discovery changes nothing in the
application; a form with required fields is described but not submitted.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field

from bridges.core.deadline import Deadline, deadline_scope
from bridges.core.errors import LegacyError, LoginRefused
from web_scrape.discover import DataTable, PageForm, PageReading, read_page
from web_scrape.discover_detail import DetailLink, detail_link, plan_detail
from web_scrape.discover_plan import (
    BridgePlan,
    LoginPlan,
    identifier,
    login_of,
    plan_search,
    relative_path,
    target_of,
)
from web_scrape.flow import Credential, Flow, FlowPage, FlowRun, LoginSpec
from web_scrape.launch import LaunchSettings
from web_scrape.login import HttpLogin
from web_scrape.port import BrowserPort, PortSettings, TraceLevel

__all__ = [
    "CapturedPage",
    "DiscoverSettings",
    "detect_http_auth",
    "discover",
    "search_forms",
    "visit_pages_as_declared",
]

LoginKind = Literal["auto", "form", "basic", "digest", "none"]
LOGIN_ACTION = "login form action"
DETAIL = "detail of"


class DiscoverSettings(BaseModel):
    """What discovery visits and how it logs in."""

    model_config = {"extra": "forbid"}

    base_url: str = Field(pattern=r"^https?://", description="The application's base URL (the folder of its pages).")
    user: str = Field("", max_length=64, description="The user to log in as (empty: no login).")
    login: LoginKind = Field("auto", description="form, basic, digest, none, or auto: what the application asks.")
    start: list[str] = Field(default_factory=lambda: [""], description="Pages to visit, relative to the base URL.")
    login_path: str = Field("", description="Where the login form is (default: found from the start page).")
    submit_searches: bool = Field(True, description="Submit search forms with their defaults to see their results.")
    chromium_path: Path | None = None
    deadline_s: float = Field(60.0, gt=0, description="How long the whole capture may take.")


class CapturedPage(BaseModel):
    """One page or frame as the browser showed it."""

    url: str
    html: str
    frame: str = Field("", description="The frame's name ('' for the top page).")
    form: str = Field("", description="The form (name @ page URL) whose submission showed this page.")


class _Visit(BaseModel):
    base_url: str
    paths: list[str]
    probe_login: bool = False
    submit_searches: bool = False


class _Captured(BaseModel):
    pages: list[CapturedPage]


def _snapshot(page: FlowPage, form: str = "") -> list[CapturedPage]:
    """The top page and each of its frames (a frameset's pages), as HTML."""
    shots = []
    for frame in page.page.frames:
        if frame.url.startswith(("about:", "data:", "chrome")):
            continue
        shots.append(CapturedPage(url=frame.url, html=page.content(frame), frame=frame.name, form=form))
    return shots


class _VisitFlow(Flow):
    """Visit each start page; then load the page a login form posts to, or submit the search forms seen."""

    name = "discover"
    input_model = _Visit
    output_model = _Captured
    steps: ClassVar[tuple[str, ...]] = ("visit", "follow_login", "submit")

    def visit(self, page: FlowPage, run: FlowRun) -> None:
        run.state["pages"] = []
        for path in run.input.paths:
            page.goto(path)
            run.state["pages"] += _snapshot(page)

    def follow_login(self, page: FlowPage, run: FlowRun) -> None:
        if not run.input.probe_login:
            return
        for shot in list(run.state["pages"]):
            form = next((f for f in read_page(shot.html, shot.url).forms if f.has_password), None)
            if form is not None and form.method == "post" and form.action != shot.url:
                page.goto(form.action)  # usually the login page itself (GET shows the form)
                run.state["pages"] += _snapshot(page, form=LOGIN_ACTION)
                return

    def submit(self, page: FlowPage, run: FlowRun) -> dict[str, Any]:
        readings = [read_page(s.html, s.url) for s in run.state["pages"]]
        for reading, form, index in search_forms(readings, run.input.base_url) if run.input.submit_searches else []:
            page.goto(reading.url)
            scope = page.page.locator("form").nth(index)
            page.submit(target_of(f"{form.submit} button", button=form.submit, name=form.submit_name), scope=scope)
            answer = _snapshot(page, form=f"{form.name} @ {reading.url}")
            run.state["pages"] += answer
            link = _detail_of(answer)
            if link is not None:
                page.goto(link.url)  # a GET of one record's page, as a click on the first row's link
                run.state["pages"] += _snapshot(page, form=f"{DETAIL} {form.name} @ {reading.url}")
        return {"pages": run.state["pages"]}


def _results_table(shots: list[CapturedPage]) -> tuple[DataTable, PageReading] | None:
    """The biggest data table a form's answer showed, with its page."""
    tables = [(t, r) for r in (read_page(s.html, s.url) for s in shots) for t in r.tables]
    return max(tables, key=lambda pair: (len(pair[0].rows), len(pair[0].columns))) if tables else None


def _detail_of(shots: list[CapturedPage]) -> DetailLink | None:
    found = _results_table(shots)
    return detail_link(found[0], found[1].url) if found else None


def detect_http_auth(url: str, timeout_s: float = 10.0) -> Literal["basic", "digest"] | None:
    """The HTTP authentication scheme ``url`` challenges with (``401`` + ``WWW-Authenticate``), if any."""
    try:
        with urllib.request.urlopen(url, timeout=timeout_s):
            return None
    except urllib.error.HTTPError as exc:
        if exc.code != 401:
            return None
        schemes = [c.split(" ", 1)[0].lower() for c in exc.headers.get_all("WWW-Authenticate") or []]
        return "digest" if "digest" in schemes else "basic" if "basic" in schemes else None
    except OSError as exc:
        raise LegacyError(f"{url} does not answer ({type(exc).__name__})") from None


def _port(settings: DiscoverSettings, login: LoginSpec | HttpLogin | None, password: str) -> BrowserPort:
    return BrowserPort(
        PortSettings(
            base_url=settings.base_url,
            launch=LaunchSettings(chromium_path=settings.chromium_path),
            pool_size=1,
            trace=TraceLevel.OFF,
        ),
        system="discover",
        login=login,
        secrets={"password": password} if password else {},
    )


def _run(port: BrowserPort, visit: _Visit, user: str, password: str, deadline_s: float) -> list[CapturedPage]:
    try:
        with deadline_scope(Deadline(deadline_s)):
            result = port.run(_VisitFlow(), visit, Credential(user or "anonymous", password))
    except LoginRefused as exc:
        # One attempt, never retried (the port latches it); say so in discovery's terms.
        status = exc.context.get("http_status")
        raise LoginRefused(
            f"the application refused the login of {user}"
            + (f" (HTTP {status})" if status else "")
            + ": check --user and the password; discovery does not try again",
            **exc.context,
        ) from None
    finally:
        port.close()
    return result.pages  # type: ignore[attr-defined]


def _find_login(settings: DiscoverSettings) -> LoginPlan:
    """Visit the start (or login) page without logging in and read its password form."""
    first = settings.login_path or settings.start[0]
    visit = _Visit(base_url=settings.base_url, paths=[first], probe_login=not settings.login_path)
    shots = _run(_port(settings, None, ""), visit, "", "", settings.deadline_s)
    forms = [(shot, form) for shot in shots for form in read_page(shot.html, shot.url).forms if form.has_password]
    if not forms:
        raise LegacyError(
            f"no login form (a form with a password field) at {settings.base_url}{first}; "
            "give --login-path, or --login basic|digest|none"
        )
    shot, form = next(((s, f) for s, f in forms if s.form == LOGIN_ACTION), forms[0])
    return LoginPlan("form", relative_path(shot.url, settings.base_url), form)


def _login_plan(settings: DiscoverSettings) -> LoginPlan:
    kind = settings.login
    if kind == "auto":
        kind = detect_http_auth(settings.base_url + settings.start[0]) or ("form" if settings.user else "none")
    if kind in ("basic", "digest"):
        return LoginPlan(kind, settings.start[0])  # type: ignore[arg-type]
    if kind == "none":
        return LoginPlan("none")
    return _find_login(settings)


def search_forms(pages: list[PageReading], base_url: str) -> list[tuple[PageReading, PageForm, int]]:
    """The forms discovery submits: search-like (they only read), with a submit button and no
    required field, once per (page, form name); with each, its page and its index there."""
    found, seen = [], set()
    for reading in pages:
        for index, form in enumerate(reading.forms):
            key = (relative_path(reading.url, base_url).split("?")[0], form.name)
            usable = form.looks_like_search and form.submit and not any(f.required for f in form.fields)
            if usable and key not in seen:
                seen.add(key)
                found.append((reading, form, index))
    return found


def _title(readings: list[PageReading], base_url: str) -> str:
    for reading in readings:
        if " - " in reading.title:
            return reading.title.rsplit(" - ", 1)[0].strip()[:60]
    titles = [r.title for r in readings if r.title]
    return titles[0][:60] if titles else base_url.split("//", 1)[-1].split("/", 1)[0]


def _op_name(form: PageForm, taken: set[str]) -> str:
    stem = re.sub(r"^(frm|form)_?|_?(frm|form)$", "", form.name.casefold())
    if not re.search(r"[a-z]", stem) or re.fullmatch(r"form\d*", form.name.casefold()):
        stem = form.submit or "search"
    return identifier(stem, taken, fallback="search")


def discover(settings: DiscoverSettings, password: str, *, name: str) -> BridgePlan:
    """Log in as declared, visit the start pages, submit their search forms and plan the bridge."""
    if not settings.base_url.endswith("/"):
        settings = settings.model_copy(update={"base_url": settings.base_url + "/"})
    login = _login_plan(settings)
    port_login = login_of(login)
    visit = _Visit(base_url=settings.base_url, paths=settings.start, submit_searches=settings.submit_searches)
    shots = _run(_port(settings, port_login, password), visit, settings.user, password, settings.deadline_s)
    readings = [read_page(s.html, s.url) for s in shots if not s.form]
    results = [s for s in shots if s.form]
    forms = search_forms(readings, settings.base_url) if settings.submit_searches else []
    plan = BridgePlan(
        name=name,
        title=_title(readings, settings.base_url),
        base_url=settings.base_url,
        user=settings.user,
        login=login,
    )
    taken: set[str] = set()
    for reading, form, _ in forms:
        found = _results_table([s for s in results if s.form == f"{form.name} @ {reading.url}"])
        if found is None:
            continue
        table, answer = found
        plan.searches.append(
            plan_search(
                _op_name(form, taken),
                form,
                relative_path(reading.url, settings.base_url),
                reading.title,
                table,
                answer.next_link,
            )
        )
        link = detail_link(table, answer.url)
        shown = [s for s in results if s.form == f"{DETAIL} {form.name} @ {reading.url}" and not s.frame]
        detail = plan_detail(link, shown[0].html, settings.base_url, taken) if link and shown else None
        if detail is not None:
            plan.details.append(detail)
    pages = [login.path] if login.kind == "form" else []
    pages += [relative_path(s.url, settings.base_url) for s in shots]
    plan.pages = list(dict.fromkeys(p.split("?")[0] for p in pages if p))
    return plan


def visit_pages_as_declared(settings: DiscoverSettings, password: str) -> list[CapturedPage]:
    """Log in as declared and visit the start pages, submitting no form: the pages an assessment reads."""
    if not settings.base_url.endswith("/"):
        settings = settings.model_copy(update={"base_url": settings.base_url + "/"})
    login = _login_plan(settings)
    visit = _Visit(base_url=settings.base_url, paths=settings.start, submit_searches=False)
    return _run(_port(settings, login_of(login), password), visit, settings.user, password, settings.deadline_s)
