"""The cassette envelope: modes, placeholders, masks, strict replay, drift."""

from datetime import UTC, datetime

import pytest
import yaml

from bridges.core.cassette import Cassette, CassetteSettings, RecordMode, Scrubber
from bridges.core.errors import CassetteMiss, ConfigError, NotFound, Unavailable

pytestmark = pytest.mark.unit

SECRETS = {"password": "s3cr3t-Pw!"}
MASKS = {"clock": r"\d\d:\d\d:\d\d"}


def _open(path, mode, **kw):
    return Cassette.open(CassetteSettings(path=path, mode=mode), transport="test", system="demo",
                         secrets=kw.get("secrets", SECRETS), masks=MASKS)


def _record(path, mode=RecordMode.ONCE):
    with _open(path, mode) as cas:
        assert not cas.replaying
        cas.record({"op": "signon", "password": "s3cr3t-Pw!"}, {"screen": "WELCOME 12:00:01\nMENU"})
        cas.record({"op": "get", "id": "1"}, {"name": "Müller"})
        cas.record_error({"op": "get", "id": "2"}, NotFound("no customer 2"))


def test_recording_stores_placeholders_and_masks_never_secrets(tmp_path):
    path = tmp_path / "c.yaml"
    _record(path)
    text = path.read_text(encoding="utf-8")
    assert "s3cr3t-Pw!" not in text
    assert "<<PASSWORD>>" in text and "<<CLOCK>>" in text
    data = yaml.safe_load(text)
    assert data["format_version"] == 1 and data["transport"] == "test" and data["system"] == "demo"
    assert datetime.fromisoformat(data["recorded_at"]).tzinfo is not None
    assert [i["request"]["op"] for i in data["interactions"]] == ["signon", "get", "get"]
    assert "Müller" in text  # plain text, readable in review


def test_replay_matches_through_placeholders_and_restores_secrets(tmp_path):
    path = tmp_path / "c.yaml"
    _record(path)
    cas = _open(path, RecordMode.NONE)
    assert cas.replaying
    assert cas.play({"op": "signon", "password": "s3cr3t-Pw!"}) == {"screen": "WELCOME <<CLOCK>>\nMENU"}
    assert cas.play({"op": "get", "id": "1"}) == {"name": "Müller"}
    with pytest.raises(NotFound, match="no customer 2"):
        cas.play({"op": "get", "id": "2"})
    assert cas.remaining == 0


def test_replay_is_strict_and_names_both_sides(tmp_path):
    path = tmp_path / "c.yaml"
    _record(path)
    cas = _open(path, RecordMode.NONE)
    with pytest.raises(CassetteMiss) as err:
        cas.play({"op": "get", "id": "1"})
    assert "interaction #1" in err.value.detail
    assert "'id': '1'" in err.value.detail and "'op': 'signon'" in err.value.detail
    assert "s3cr3t" not in err.value.detail


def test_replay_past_the_end_fails_at_once(tmp_path):
    path = tmp_path / "c.yaml"
    _record(path)
    cas = _open(path, RecordMode.NONE)
    for req in ({"op": "signon", "password": "s3cr3t-Pw!"}, {"op": "get", "id": "1"}):
        cas.play(req)
    with pytest.raises(NotFound):
        cas.play({"op": "get", "id": "2"})
    with pytest.raises(CassetteMiss, match="holds 3"):
        cas.play({"op": "get", "id": "3"})


def test_wrong_secret_at_replay_is_a_miss(tmp_path):
    path = tmp_path / "c.yaml"
    _record(path)
    cas = _open(path, RecordMode.NONE, secrets={"password": "other"})
    with pytest.raises(CassetteMiss):
        cas.play({"op": "signon", "password": "s3cr3t-Pw!"})


def test_mode_none_without_cassette_fails_clearly(tmp_path):
    with pytest.raises(ConfigError, match=r"mode 'none' replays only .* does not exist"):
        _open(tmp_path / "missing.yaml", RecordMode.NONE)


def test_mode_once_replays_an_existing_cassette(tmp_path):
    path = tmp_path / "c.yaml"
    _record(path)
    assert _open(path, RecordMode.ONCE).replaying


def test_rerecord_reports_drift(tmp_path):
    path = tmp_path / "c.yaml"
    _record(path)
    with _open(path, RecordMode.ALL) as cas:
        cas.record({"op": "signon", "password": "s3cr3t-Pw!"}, {"screen": "WELCOME 12:00:09\nMENU"})
        cas.record({"op": "get", "id": "1"}, {"name": "Müller-Lüdenscheidt"})
    assert cas.drift is not None
    assert "-  response:\n-    name: Müller" in cas.drift or "Müller-Lüdenscheidt" in cas.drift
    assert "recorded_at" not in cas.drift  # the clock of the recording is not drift
    assert "CLOCK" not in cas.drift  # masked values do not drift


def test_transport_mismatch_is_refused(tmp_path):
    path = tmp_path / "c.yaml"
    _record(path)
    with pytest.raises(CassetteMiss, match="holds test/demo"):
        Cassette.open(CassetteSettings(path=path), transport="odbc", system="demo")


def test_scrubber_replaces_longest_secret_first():
    scrub = Scrubber({"a": "abc", "b": "abcdef"})
    assert scrub.scrub({"k": ["xabcdefx", "abc"]}) == {"k": ["x<<B>>x", "<<A>>"]}
    assert scrub.restore(scrub.scrub("abcdef abc")) == "abcdef abc"


def test_envelope_timestamps_are_utc(tmp_path):
    path = tmp_path / "c.yaml"
    _record(path)
    cas = _open(path, RecordMode.NONE)
    assert cas.envelope.recorded_at.utcoffset() == UTC.utcoffset(None)


def test_a_recording_that_ended_in_failure_is_not_saved_as_the_cassette(tmp_path):
    path = tmp_path / "c.yaml"
    with _open(path, RecordMode.ONCE) as cas:
        cas.record({"op": "signon", "password": "s3cr3t-Pw!"}, {"screen": "MENU"})
        cas.record_error({"op": "get", "id": "1"}, Unavailable("host dropped"))
    assert not path.exists()  # mode once records again next time, instead of replaying half a story
    kept = tmp_path / "c.incomplete.yaml"
    assert kept.exists() and "host dropped" in kept.read_text() and "s3cr3t-Pw!" not in kept.read_text()


def test_a_transport_marks_the_last_call_failed_and_an_answer_is_a_fine_ending(tmp_path):
    path = tmp_path / "c.yaml"
    _record(path)  # ends in NotFound: an answer, saved
    assert path.exists()
    before = path.read_text()
    with _open(path, RecordMode.ALL) as cas:
        cas.record({"op": "login"}, {"status": 401})
        cas.note_outcome(False, "the login was refused")
    assert path.read_text() == before  # the good cassette is kept as it was
    with _open(path, RecordMode.ALL) as cas:
        cas.record_error({"op": "get", "id": "2"}, Unavailable("down"))
        cas.record({"op": "get", "id": "1"}, {"name": "Müller"})  # … and then it worked
    assert "Müller" in path.read_text() and "down" in path.read_text()


def test_an_empty_recording_is_not_saved(tmp_path):
    path = tmp_path / "c.yaml"
    _open(path, RecordMode.ONCE).save()
    assert not path.exists()
