"""The generated bridge module: ruff-clean, importable, and a bridge the conformance rules accept."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import BaseModel

from bridges.core.conformance import assert_conformant
from mainframe.discover.screens import discover_screens
from mainframe.discover.source import Origin, bridge_source
from mainframe.discover.walk import Capture, Typed
from tests.mainframe.discover.buffers import captured, demo_walk

pytestmark = pytest.mark.unit

ORIGIN = Origin("demo_tn", "127.0.0.1", 3270, "DEMO01")


def _source(walk=None, origin=ORIGIN) -> str:
    walk = walk or demo_walk()
    return bridge_source(walk, discover_screens(walk), origin)


def _load(tmp_path: Path, source: str):
    path = tmp_path / "bridge.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(f"discovered_{tmp_path.name}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # as an import does: pydantic resolves annotations there
    spec.loader.exec_module(module)
    return module


def test_the_source_is_ruff_clean_and_formatted(tmp_path):
    (tmp_path / "bridge.py").write_text(_source(), encoding="utf-8")
    rules = ["--isolated", "--select", "E,F,W,I,B,UP,SIM,RUF,N"]
    check = subprocess.run(
        [sys.executable, "-m", "ruff", "check", *rules, "bridge.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert check.returncode == 0, check.stdout
    fmt = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--isolated", "--diff", "bridge.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr


def test_the_bridge_declares_its_screens_sign_on_and_clock(tmp_path):
    module = _load(tmp_path, _source())
    bridge = module.Bridge
    assert all(hasattr(module, name) for name in module.__all__) and "ReadCustomerInquiryResult" in module.__all__
    assert bridge.name == "demo_tn" and issubclass(bridge.Settings, BaseModel)
    assert [s.__name__ for s in bridge.screens] == ["SignOn", "MainMenu", "CustomerInquiry"]
    assert bridge.sign_on.screen is module.SignOn and bridge.sign_on.home is module.MainMenu
    assert bridge.sign_on.sign_off == "PF3"
    assert module.SignOn.input_fields()["password"].hidden
    assert [(v.row, v.col, v.length, v.label) for v in bridge.volatile] == [(1, 72, 8, "HH:MM:SS")]
    for screen, name in zip(bridge.screens, ("cmsign", "cmmenu", "cminq"), strict=True):
        assert [s for s in bridge.screens if s.matches(captured(name))] == [screen]


def test_the_operation_meets_the_conformance_rules(tmp_path):
    bridge = _load(tmp_path, _source()).Bridge
    assert_conformant(bridge)
    (op,) = bridge.operations.values()
    assert op.name == "read_customer_inquiry" and op.effect.value == "read"
    assert op.summary and op.description and op.examples
    for example in op.examples:
        op.input_model.model_validate(example.input)
    assert list(op.input_model.model_fields) == ["customer_no"]
    assert op.input_model.model_fields["customer_no"].metadata  # max_length and pattern from the field
    for model in (op.input_model, op.output_model):
        assert all(f.description for f in model.model_fields.values()), model
    assert {"name", "credit_limit", "customer_since", "message"} <= set(op.output_model.model_fields)


def test_the_operation_reads_what_the_screen_shows(tmp_path):
    module = _load(tmp_path, _source())
    data = module.CustomerInquiry.read(captured("cminq"))
    result = module.ReadCustomerInquiryResult(**data)
    assert result.name == "Martín Distribución SL" and result.credit_limit == "10,000.00"
    assert result.message == "CM020I CUSTOMER DISPLAYED"


def test_without_input_steps_the_values_typed_last_are_the_parameters(tmp_path):
    walk = demo_walk()
    first = walk.captures[0]
    walk.captures[0] = type(first)(
        first.screen, tuple(t.__class__(t.position, t.name, t.value, False) for t in first.typed), first.key
    )
    bridge = _load(tmp_path, _source(walk, Origin("demo_tn", "h", 1, "DEMO01", operation="lookup"))).Bridge
    assert list(bridge.operations["lookup"].input_model.model_fields) == ["selection", "customer_no"]


def test_the_walk_is_replayed_step_by_step_in_the_method():
    source = _source()
    assert 'terminal, "Enter", selection="1", customer_no=query.customer_no' in source
    assert 'CustomerInquiry.press(terminal, "PF3", screen)' in source
    assert "Dem0-Pass" not in source


def test_reading_the_home_screen_needs_no_navigation_and_no_parameters(tmp_path):
    walk = demo_walk()
    walk.captures, walk.read = walk.captures[:1], None
    walk.captures[0] = type(walk.captures[0])(walk.captures[0].screen)
    module = _load(tmp_path, _source(walk))
    (op,) = module.Bridge.operations.values()
    assert op.name == "read_main_menu" and op.input_model.model_fields == {}
    assert assert_conformant(module.Bridge) is None
    assert ".press(" not in _source(walk)


def test_messages_seen_in_the_walk_are_listed_for_the_engineer():
    assert "    #   CM020I CUSTOMER DISPLAYED\n" in _source()


def test_a_host_without_a_sign_on_gets_a_bridge_that_rests_on_its_first_screen(tmp_path):
    walk = demo_walk()
    walk.sign_on, walk.captures, walk.read = None, [Capture(captured("cmsign"))], None
    source = _source(walk)
    module = _load(tmp_path, source)
    bridge = module.Bridge
    assert bridge.sign_on is None and bridge.required_secrets == ()
    assert [s.__name__ for s in bridge.home_screens] == ["CustmastCustomerMasterSystem"]
    assert bridge.Settings.model_fields["user"].default is None
    assert_conformant(bridge)
    assert "SignOnSpec" not in source and "LoginRefused" not in source


def test_the_method_goes_home_at_the_walks_first_return_home():
    walk = demo_walk()
    walk.captures[-1] = Capture(captured("cmmenu"), (Typed((10, 28), "selection", "1", False),), "Enter")
    walk.captures.append(Capture(captured("cminq")))  # the walk went on: not the operation's business
    source = _source(walk)
    assert source.count(".press(") == 2 and "pool closes this session" not in source


def test_a_value_typed_into_a_non_display_field_is_a_secret_parameter_never_written(tmp_path):
    walk = demo_walk()
    typed = (
        Typed((8, 28), "user_id", "DEMO01", True),
        Typed((10, 28), "password", "Dem0-Pass", True, hidden=True),
    )
    walk.sign_on, walk.read = None, 1
    walk.captures = [Capture(captured("cmsign"), typed, "Enter"), Capture(captured("cmmenu"))]
    source = _source(walk)
    assert "Dem0-Pass" not in source
    assert "password=query.password.get_secret_value()" in source
    op = _load(tmp_path, source).Bridge.operations["read_main_menu"]
    assert op.input_model.model_json_schema()["properties"]["password"]["writeOnly"] is True
    assert op.examples[0].input == {"user_id": "DEMO01", "password": "secret"}
    assert_conformant(_load(tmp_path, source).Bridge)
