"""Cassette redaction and strict replay at their edges: a miss names the interaction by its
number and quotes what was asked with secrets as placeholders; a recorded fault (5xx) marks
the recording failed while an answer (4xx) does not; errors are scrubbed too."""

from __future__ import annotations

import pytest

from bridges.core.cassette import Cassette, CassetteSettings, RecordMode, Scrubber
from bridges.core.errors import BridgeError, CassetteMiss, LegacyError, NotFound

pytestmark = pytest.mark.unit

SECRET = "s3cr3t-Pw!"


def _cassette(path, mode):
    return Cassette.open(CassetteSettings(path=path, mode=mode), transport="test", system="demo",
                         secrets={"password": SECRET})


def test_a_miss_past_the_end_names_the_next_number_and_what_was_asked_scrubbed(tmp_path):
    path = tmp_path / "c.yaml"
    with _cassette(path, RecordMode.ONCE) as cas:
        cas.record({"op": "signon", "password": SECRET}, {"ok": True})
    replay = _cassette(path, RecordMode.NONE)
    assert replay.play({"op": "signon", "password": SECRET}) == {"ok": True}
    with pytest.raises(CassetteMiss) as err:
        replay.play({"op": "get", "password": SECRET})
    assert err.value.detail == ("cassette c.yaml has no interaction #2 (it holds 1); "
                                "asked {'op': 'get', 'password': '<<PASSWORD>>'}")


def test_a_mismatch_names_the_number_and_both_sides_scrubbed(tmp_path):
    path = tmp_path / "c.yaml"
    with _cassette(path, RecordMode.ONCE) as cas:
        cas.record({"op": "a"}, 1)
        cas.record({"op": "b", "password": SECRET}, 2)
    replay = _cassette(path, RecordMode.NONE)
    replay.play({"op": "a"})
    with pytest.raises(CassetteMiss) as err:
        replay.play({"op": "c", "password": SECRET})
    assert err.value.detail == ("cassette c.yaml interaction #2 does not match: asked {'op': 'c', "
                                "'password': '<<PASSWORD>>'}; cassette has {'op': 'b', 'password': '<<PASSWORD>>'}")
    assert SECRET not in str(err.value.to_problem())


@pytest.mark.parametrize(("error", "failed"), [(BridgeError(f"driver said {SECRET}"), True),
                                               (LegacyError(f"host said {SECRET}"), True),
                                               (NotFound(f"no {SECRET}"), False)])
def test_a_recorded_fault_marks_the_recording_failed_an_answer_does_not(tmp_path, error, failed):
    assert (error.status >= 500) is failed and error.status in (500, 502, 404)
    cas = _cassette(tmp_path / "c.yaml", RecordMode.ONCE)
    cas.record_error({"op": "get", "password": SECRET}, error)
    assert cas.failure == (error.detail.replace(SECRET, "<<PASSWORD>>") if failed else None)
    kept = cas.envelope.interactions[0]
    assert SECRET not in repr(kept) and "<<PASSWORD>>" in repr(kept.error)


def test_scrubbing_walks_every_nesting_and_keys_and_restores_only_secrets():
    scrubber = Scrubber({"password": SECRET, "token": "tok"}, {"clock": r"\d\d:\d\d"})
    data = {SECRET: [f"a{SECRET}b", ("tok", 12)], "n": 5, "t": "at 10:30", "none": None}
    scrubbed = scrubber.scrub(data)
    assert scrubbed == {"<<PASSWORD>>": ["a<<PASSWORD>>b", ["<<TOKEN>>", 12]], "n": 5, "t": "at <<CLOCK>>",
                        "none": None}
    assert scrubber.restore(scrubbed) == {SECRET: [f"a{SECRET}b", ["tok", 12]], "n": 5, "t": "at <<CLOCK>>",
                                          "none": None}
    assert Scrubber({"password": ""}).scrub("x") == "x"  # an empty secret replaces nothing
    assert Scrubber({"a": "ab", "b": "abc"}).scrub("abcd") == "<<B>>d"  # longest first
