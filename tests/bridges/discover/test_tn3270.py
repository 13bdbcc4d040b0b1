"""The discovery prompt: each screen shown with row numbers, a column ruler and its input fields named."""

from __future__ import annotations

import pytest

from bridges.discover.tn3270 import PROMPT_HELP, prompt_steps, render
from mainframe.discover import Step
from tests.mainframe.discover.buffers import captured

pytestmark = pytest.mark.unit


def test_a_screen_is_shown_with_rows_columns_and_its_named_input_fields():
    shown = render(captured("cmsign")).splitlines()
    assert shown[0].startswith("             1         2")  # a ruler every ten columns
    assert shown[1].startswith(" 1   CMSIGN                 CUSTMAST - CUSTOMER MASTER SYSTEM")
    assert shown[8].startswith(" 8           USER ID  . . . :")
    assert shown[-1] == "input fields: user_id (8,28 len 8), password (10,28 len 12, hidden)"


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
