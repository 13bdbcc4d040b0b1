"""The discovered bridge's source: ruff-clean as written, importable, and documented enough for the
conformance checks (summary, description, examples that validate, field descriptions)."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from tests.web_scrape.discover_pages import BASE, LABELLED, LOGIN, RESULTS, SEARCH, TICKET
from web_scrape import HttpLogin, LoginSpec, WebBridge
from web_scrape.discover import read_page
from web_scrape.discover_detail import detail_link, plan_detail
from web_scrape.discover_format import literal
from web_scrape.discover_plan import BridgePlan, LoginPlan, plan_search
from web_scrape.discover_source import bridge_source

pytestmark = pytest.mark.unit

PACKAGE_RUFF = '[project]\nname = "desk"\nversion = "0.1.0"\n\n[tool.ruff]\nline-length = 120\n'
RUFF = Path(sys.executable).with_name("ruff")


def _plan(login: LoginPlan) -> BridgePlan:
    page, answer = read_page(SEARCH, BASE + "search.php"), read_page(RESULTS, BASE + "results.php")
    search = plan_search("search", page.forms[0], "search.php", page.title, answer.tables[0], answer.next_link)
    labelled = read_page(LABELLED.replace(" required", ""), BASE + "find.php").forms[0]
    find = plan_search("find_customers", labelled, "find.php", "", answer.tables[0], None)
    detail = plan_detail(detail_link(answer.tables[0], answer.url), TICKET, BASE, {"search"})
    return BridgePlan("desk", "Desk 2005", BASE, "agent1", login, [search, find], ["login.php"], [detail])


LOGINS = {
    "form": LoginPlan("form", "login.php", read_page(LOGIN, BASE + "login.php").forms[0]),
    "digest": LoginPlan("digest", "index.php"),
    "none": LoginPlan("none"),
}


@pytest.fixture(params=sorted(LOGINS))
def generated(request, tmp_path, monkeypatch):
    """The source written for each login kind, as an importable package ``desk_<kind>``."""
    package = tmp_path / f"desk_{request.param}"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "bridge.py").write_text(bridge_source(_plan(LOGINS[request.param])), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield request.param, package / "bridge.py"
    sys.modules.pop(f"desk_{request.param}.bridge", None)
    sys.modules.pop(f"desk_{request.param}", None)


def test_the_source_is_ruff_clean_as_written(generated):
    """Linted as in the package ``bridges new`` makes: its pyproject sets the line length, and
    legacy-bridges is a third-party distribution there."""
    _, path = generated
    (path.parents[1] / "pyproject.toml").write_text(PACKAGE_RUFF, encoding="utf-8")
    rules = ["--extend-select", "E,W,I,B,UP,SIM,RUF", "--ignore", "RUF012"]
    checked = subprocess.run([RUFF, "check", *rules, str(path)], capture_output=True, text=True, cwd=path.parents[1])
    assert checked.returncode == 0, checked.stdout
    formatted = subprocess.run(
        [RUFF, "format", "--check", "--diff", str(path)], capture_output=True, text=True, cwd=path.parents[1]
    )
    assert formatted.returncode == 0, formatted.stdout


def test_the_bridge_declares_documented_operations_whose_examples_validate(generated):
    kind, path = generated
    module = importlib.import_module(f"{path.parent.name}.bridge")
    bridge = module.Bridge
    assert issubclass(bridge, WebBridge) and bridge.name == "desk" and bridge.title == "Desk 2005"
    assert bridge.Settings is module.Settings and module.__all__ == ["Bridge", "Settings"]
    assert set(bridge.operations) == {"search", "find_customers", "get_ticket"}
    for op in bridge.operations.values():
        assert op.summary.strip() and len(op.description) >= 20 and op.examples
        for example in op.examples:
            op.input_model.model_validate(dict(example.input))
        for model in (op.input_model, op.output_model):
            assert all(info.description for info in model.model_fields.values()), model
    row = bridge.operations["search"].output_model.model_fields["rows"].annotation.__args__[0]
    assert {name: info.annotation for name, info in row.model_fields.items()}["pri"] is int
    login = {"form": LoginSpec, "digest": HttpLogin, "none": type(None)}[kind]
    assert isinstance(bridge.login, login)
    assert bridge.required_secrets == (() if kind == "none" else ("password",))


def test_settings_default_to_what_discovery_saw_and_forbid_unknown_keys(generated):
    _, path = generated
    settings = importlib.import_module(f"{path.parent.name}.bridge").Settings
    assert (settings().base_url, settings().user) == (BASE, "agent1")
    with pytest.raises(ValueError, match="extra"):
        settings(base_ur="http://typo/")


def test_the_form_login_uses_the_login_pages_fields_and_button():
    source = bridge_source(_plan(LOGINS["form"]))
    assert 'username=Target("Username field", by_name("username")),' in source
    assert 'submit=Target("Log in button", by_role("button", "Log in"), by_name("submit")),' in source
    assert "marker='form[name=\"loginform\"] input[type=password]'," in source


@pytest.mark.parametrize(
    ("text", "source"),
    [("a", '"a"'), ('say "hi"', "'say \"hi\"'"), ("it's", '"it\'s"'), ("back\\slash", '"back\\\\slash"'), ("ü", '"ü"')],
)
def test_string_literals_are_written_as_ruff_writes_them(text, source):
    assert literal(text) == source
    assert eval(source) == text  # the literal itself, nothing else


def test_a_linked_column_names_its_page_not_the_values_seen():
    source = bridge_source(_plan(LOGINS["none"]))
    assert "The Ticket No. column (it links to ticket.php?id=…)." in source
    assert "required_secrets = ()" in source and "LOGIN" not in source  # an open application needs no password
