"""Declarative screens, the navigator and screen cassettes, on snapshots built in memory."""

from __future__ import annotations

import pytest

from bridges.core.cassette import Cassette, CassetteSettings
from bridges.core.errors import CassetteMiss, InvalidInput, NotFound, UnexpectedScreen
from mainframe import (
    Edge,
    InputField,
    MessageRule,
    Navigator,
    OutputField,
    RecordingTerminal,
    ReplayingTerminal,
    Screen,
    ScreenDef,
    TextAt,
    Volatile,
)
from mainframe.screens import LabelField, identify
from mainframe.snapshot import Field

pytestmark = pytest.mark.unit


def make_screen(rows: dict[int, str], fields=(), size=(6, 40), cursor=(1, 1)) -> Screen:
    lines = tuple(rows.get(r, "").ljust(size[1])[: size[1]] for r in range(1, size[0] + 1))
    return Screen(rows=size[0], cols=size[1], lines=lines, fields=tuple(fields), cursor=cursor)


HOME = make_screen({1: " HOME                           12:00:01", 3: " PICK :", 6: " CM001I READY"},
                   [Field(1, 2, 4, protected=True, value="HOME"), Field(3, 9, 1), Field(3, 11, 20),
                    Field(4, 9, 8, hidden=True)])
DETAIL = make_screen({1: " DETAIL", 2: " NAME  . . :  Søren Weiß", 6: " CM016E CUSTOMER 1 NOT FOUND"},
                     [Field(1, 2, 6, protected=True, value="DETAIL"), Field(2, 14, 20, protected=True,
                                                                             value=" Søren Weiß")])


class Home(ScreenDef):
    recognise = (TextAt(1, 2, "HOME"),)
    pick = InputField(3, 9, 1, numeric=True)
    note = InputField(3, 11, 20)
    secret = InputField(4, 9, 8, hidden=True)
    keys = frozenset({"Enter"})


class Detail(ScreenDef):
    recognise = (TextAt(1, 2, "DETAIL"),)
    name = LabelField("NAME  . . :")
    name_at = OutputField(2, 15, 20)
    message = OutputField(-1, 2, 38)
    errors = (MessageRule(r"^CM016E", NotFound, "no such customer"),)
    keys = frozenset({"PF3"})


def test_identify_and_read_by_position_and_by_label():
    assert identify(DETAIL, [Home, Detail]) is Detail
    assert Detail.read(DETAIL)["name"] == "Søren Weiß" == Detail.read(DETAIL)["name_at"]
    with pytest.raises(NotFound, match="no such customer"):
        Detail.check_errors(DETAIL)


def test_an_unknown_screen_is_unexpected_with_a_redacted_snapshot():
    strange = make_screen({1: " IKJ56700A ENTER USERID -"}, [Field(2, 2, 8, value="typed")])
    with pytest.raises(UnexpectedScreen) as err:
        identify(strange, [Home, Detail])
    snapshot = err.value.context["snapshot"]
    assert "IKJ56700A" in snapshot["text"] and "value" not in snapshot["fields"][0]


def test_fill_checks_declared_lengths_and_names_the_field():
    assert Home.fill(pick="1", note="é ß") == {(3, 9): "1", (3, 11): "é ß"}
    with pytest.raises(InvalidInput) as err:
        Home.fill(note="x" * 21)
    assert err.value.context["errors"][0]["field"] == "note"
    with pytest.raises(InvalidInput, match="digits"):
        Home.fill(pick="a")
    with pytest.raises(InvalidInput, match="no input field"):
        Home.fill(nothing="x")


class FakeTerminal:
    """Answers keys from a table (an in-memory host for navigator tests)."""

    def __init__(self, screens):
        self.screens, self.last, self.broken, self.sent = screens, HOME, False, []

    def screen(self):
        return self.last

    def send(self, aid=None, fields=None):
        self.sent.append((aid, dict(fields or {})))
        self.last = self.screens[(self.last.text(1, 2, 6).strip(), aid)]
        return self.last

    def connect(self):
        return HOME

    def close(self):
        pass

    def abort(self):
        self.broken = True


def test_navigator_walks_declared_edges_and_refuses_undeclared_keys():
    nav = Navigator([Home, Detail], [Edge(Home, Detail, "Enter", {"pick": "2"}), Edge(Detail, Home, "PF3")])
    terminal = FakeTerminal({("HOME", "Enter"): DETAIL, ("DETAIL", "PF3"): HOME})
    assert nav.go(terminal, Detail) is DETAIL and terminal.sent == [("Enter", {(3, 9): "2"})]
    assert nav.go(terminal, Home) is HOME
    with pytest.raises(InvalidInput, match="does not take PF8"):
        Home.press(terminal, "PF8")


def test_recording_masks_the_clock_keeps_secrets_out_and_replays_strictly(tmp_path):
    path = tmp_path / "c.yaml"
    live = FakeTerminal({("HOME", "Enter"): HOME})
    cassette = Cassette(CassetteSettings(path=path, mode="once"), transport="tn3270", system="demo",
                        secrets={"password": "pa55"})
    recorder = RecordingTerminal(live, cassette, secrets=["pa55"], volatile=[Volatile(1, 33, 8, "HH:MM:SS")])
    recorder.connect()
    recorder.send("Enter", {(4, 9): "pa55", (3, 11): "note"})
    recorder.send("Enter", {(4, 9): "other"})
    cassette.save()
    text = path.read_text(encoding="utf-8")
    assert "pa55" not in text and "<<PASSWORD>>" in text and "<<HIDDEN>>" in text and "other" not in text
    assert "HH:MM:SS" in text and "12:00:01" not in text

    replay = Cassette(CassetteSettings(path=path, mode="none"), transport="tn3270", system="demo",
                      secrets={"password": "pa55"})
    player = ReplayingTerminal(replay, secrets=["pa55"])
    assert player.connect().text(1, 2, 4) == "HOME"
    assert player.send("Enter", {(4, 9): "pa55", (3, 11): "note"}).text(1, 33, 8) == "HH:MM:SS"
    with pytest.raises(InvalidInput):
        player.send("Enter", {(3, 11): "x" * 21})  # refused as live would, nothing played
    with pytest.raises(CassetteMiss, match="asked"):
        player.send("Enter", {(3, 11): "different"})
