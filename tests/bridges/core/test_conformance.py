"""The conformance checks: what a bridge's declarations must carry."""

import pytest
from pydantic import BaseModel, Field

from bridges.core.conformance import assert_conformant, check_bridge
from bridges.core.operation import Bridge, Example, operation

pytestmark = pytest.mark.unit


class Ask(BaseModel):
    who: str = Field(max_length=5, description="Who to greet.")


class Note(BaseModel):
    text: str = Field(description="The note.")


class Answer(BaseModel):
    text: str = Field(description="The greeting.")
    notes: list[Note] = Field(default_factory=list, description="Notes on it.")


class Good(Bridge):
    name = "good"
    title = "A conformant bridge"

    @operation(summary="Greet someone", examples=[Example({"who": "Ada"}, output={"text": "hello Ada"})])
    def greet(self, query: Ask) -> Answer:
        """Says hello, as the system would say it."""
        return Answer(text=f"hello {query.who}")


class Bare(BaseModel):
    who: str


class Thin(BaseModel):
    text: str
    notes: list[Note] = []


class Bad(Bridge):
    name = "bad"

    @operation(summary=" ", examples=[Example({"who": "Ada Lovelace"}), Example({"who": 1}, output={"x": 1})])
    def greet(self, query: Ask) -> Thin:
        """Short."""
        return Thin(text="")

    @operation(summary="No examples")
    def shout(self, query: Bare) -> Answer:
        """Says hello loudly, as the system would say it."""
        return Answer(text="")


def test_a_conformant_bridge_has_no_problems():
    assert check_bridge(Good) == []
    assert_conformant(Good)


def test_every_missing_piece_is_named():
    problems = check_bridge(Bad)
    expected = [
        "bridge bad: no title",
        "bad.greet: no summary",
        "bad.greet: no description",
        "bad.greet: example 1's input is not valid: who",
        "bad.greet: example 2's input is not valid: who",
        "bad.greet: example 2's output is not valid",
        "bad.greet: output field 'text' of Thin has no description",
        "bad.greet: output field 'notes' of Thin has no description",
        "bad.shout: no examples",
        "bad.shout: input field 'who' of Bare has no description",
    ]
    for start in expected:
        assert any(p.startswith(start) for p in problems), (start, problems)
    assert not any("notes.text" in p for p in problems)  # Note's own field is described
    with pytest.raises(AssertionError, match="conformance problem"):
        assert_conformant(Bad)


def test_a_class_that_is_no_bridge_is_a_problem():
    assert check_bridge(Ask) == [f"{Ask!r} is not a Bridge subclass"]
