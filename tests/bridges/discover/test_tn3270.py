"""The discovery prompt: each screen shown with row numbers, a column ruler and its input fields named."""

from __future__ import annotations

from pathlib import Path

import pytest

from bridges.discover.tn3270 import PROMPT_HELP, discover, prompt_steps, render, walk_file_steps
from mainframe.discover import Step
from mainframe.testing import demo_host, need_s3270
from tests.mainframe.discover.buffers import captured

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.unit
def test_a_screen_is_shown_with_rows_columns_and_its_named_input_fields():
    shown = render(captured("cmsign")).splitlines()
    assert shown[0].startswith("             1         2")  # a ruler every ten columns
    assert shown[1].startswith(" 1   CMSIGN                 CUSTMAST - CUSTOMER MASTER SYSTEM")
    assert shown[8].startswith(" 8           USER ID  . . . :")
    assert shown[-1] == "input fields: user_id (8,28 len 8), password (10,28 len 12, hidden)"


@pytest.mark.unit
def test_the_prompt_explains_a_bad_line_asks_again_and_ends_at_end_of_input():
    said: list[str] = []
    answers = iter(["", "help", "press ENTER", "type selection=1"])

    def ask(prompt: str) -> str:
        try:
            return next(answers)
        except StopIteration:
            raise EOFError from None

    next_step = prompt_steps(ask, said.append)
    assert next_step(captured("cmmenu")) == Step("type", values=(("selection", "1"),), line=4)
    assert said[1] == PROMPT_HELP and "line 3: 'press ENTER' is not a key" in said[2]
    assert next_step(captured("cmmenu")) is None


@pytest.mark.live
def test_discovery_claims_the_lu_name_asked_for_and_the_options_keep_it():
    need_s3270()
    steps = walk_file_steps((ROOT / "fixtures" / "custmast" / "discover-walk.txt").read_text(encoding="utf-8"))
    with demo_host(codepage="cp037") as host:
        found = discover(
            host.host, host.port, bridge="acme", user="DEMO01", password="Dem0-Pass", next_step=steps, lu_name="LU0005"
        )
    assert found.walk is not None and found.walk.sign_on is not None
    assert found.walk.sign_on.screen.contains("TERMINAL . . . :  LU0005")
    assert found.options == {
        "host": host.host,
        "port": host.port,
        "code_page": "cp037",
        "model": 2,
        "user": "DEMO01",
        "pool": {"lu_names": ["LU0005"], "min_size": 1, "max_size": 1},
    }
    assert found.screens == ["SignOn", "MainMenu", "CustomerInquiry"] and found.operation == "read_customer_inquiry"
    assert "Dem0-Pass" not in found.source + repr(found.walk)
