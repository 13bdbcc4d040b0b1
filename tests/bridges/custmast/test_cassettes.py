"""Screen cassettes: record against the host, replay with no s3270 at all."""

from __future__ import annotations

import logging
import os
import re
import shutil
from pathlib import Path

import pytest

from bridges.core.errors import BridgeError, CassetteMiss
from fixtures.world import customers
from mainframe.testing import demo_host, need_s3270
from tests.bridges.custmast.conftest import CODE_PAGE, PASSWORD, ROOT, custmast_config

COMMITTED = ROOT / "fixtures" / "cassettes" / "custmast" / "scenario.yaml"
# How test_rerecord_committed_cassette (marker ``record``, deselected by default) records:
# "all" re-records over the file, "once" records only when it is missing.
COMMITTED_MODE = os.environ.get("CUSTMAST_CASSETTE_MODE", "all")


def scenario(runtime) -> list[dict]:
    """A fixed story touching every operation and a typed error."""
    calls = [
        ("get_customer", {"customer": "C-00001"}),
        ("get_customer", {"customer": "12345674"}),
        ("browse_customers", {"limit": 20}),
        ("change_address", {"customer": "C-00001", "street": "Rue de la Paix 7 \"bis\"", "city": "Paris",
                            "postcode": "75002", "country": "FR", "dry_run": True}),
        ("get_customer", {"customer": "C-00002"}),
    ]
    results = []
    for name, body in calls:
        try:
            results.append(runtime.call("custmast", name, body).model_dump(mode="json"))
        except BridgeError as exc:
            results.append(exc.to_problem())
    return results


@pytest.fixture
def no_s3270(monkeypatch, tmp_path):
    """PATH without s3270: replay must not need it."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert shutil.which("s3270") is None


def _record(path: Path, mode: str, make_runtime, host) -> list[dict]:
    runtime = make_runtime(custmast_config(host, cassette={"path": str(path), "mode": mode}))
    assert runtime.bridges["custmast"].bridge.mode == "record"
    results = scenario(runtime)
    runtime.close()
    return results


@pytest.mark.live
@pytest.mark.timeout(60)
def test_record_then_replay_without_s3270(tmp_path, make_runtime, monkeypatch):
    need_s3270()
    cassette = tmp_path / "custmast.yaml"
    with demo_host(codepage=CODE_PAGE) as host:
        recorded = _record(cassette, "once", make_runtime, host)
    assert recorded[0]["customer_id"] == "C-00001" and recorded[1]["status"] == 404
    text = cassette.read_text(encoding="utf-8")
    assert PASSWORD not in text and "<<PASSWORD>>" in text
    assert "HH:MM:SS" in text and not re.search(r"\b\d\d:\d\d:\d\d\b", text)
    assert "transport: tn3270" in text and "system: custmast" in text

    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    runtime = make_runtime(custmast_config(cassette={"path": str(cassette), "mode": "none"}, port=1))
    assert runtime.bridges["custmast"].bridge.mode == "replay"
    assert scenario(runtime) == recorded


@pytest.mark.replay
def test_committed_cassette_replays_with_s3270_absent(make_runtime, no_s3270):
    runtime = make_runtime(custmast_config(cassette={"path": str(COMMITTED), "mode": "none"}))
    results = scenario(runtime)
    assert results[0]["name"] == "Martín Distribución SL" and results[0]["custmast_no"] == "84603489"
    assert results[1]["status"] == 404
    by_number = sorted(customers(), key=lambda c: c.custmast_no)
    assert [c["customer_id"] for c in results[2]["customers"]] == [c.canonical_id for c in by_number[:20]]
    assert results[3]["dry_run"] and not results[3]["committed"] and results[3]["new"]["street"].endswith('"bis"')
    assert results[4]["customer_id"] == "C-00002"
    cassette = runtime.bridges["custmast"].bridge.cassette
    assert cassette.remaining == 1  # the sign-off (PF12) played when the pool closes
    runtime.close()
    assert cassette.remaining == 0


@pytest.mark.replay
def test_replay_is_strict_and_names_what_was_asked(make_runtime, no_s3270):
    runtime = make_runtime(custmast_config(cassette={"path": str(COMMITTED), "mode": "none"}))
    with pytest.raises(CassetteMiss) as err:
        runtime.call("custmast", "get_customer", {"customer": "C-00002"})  # the story starts with C-00001
    assert "asked" in err.value.detail and "84603489" in err.value.detail and "cassette has" in err.value.detail


@pytest.mark.live
@pytest.mark.timeout(60)
def test_rerecording_shows_a_readable_screen_diff(tmp_path, make_runtime, caplog):
    need_s3270()
    cassette = tmp_path / "drift.yaml"
    with demo_host(codepage=CODE_PAGE) as host:
        _record(cassette, "once", make_runtime, host)
        writer = make_runtime(custmast_config(host, pool={"min_size": 0, "max_size": 1}))
        writer.call("custmast", "change_address", {"customer": "C-00002", "street": "Gran Vía 1",
                                                   "city": "Madrid", "postcode": "28013", "country": "ES"})
        with caplog.at_level(logging.WARNING, logger="legacy_bridges"):
            runtime = make_runtime(custmast_config(host, cassette={"path": str(cassette), "mode": "all"}))
            scenario(runtime)
            bridge = runtime.bridges["custmast"].bridge
            runtime.close()
    assert bridge.cassette.drift and "Gran Vía 1" in bridge.cassette.drift
    screen_diffs = [r.getMessage() for r in caplog.records if "different screen" in r.getMessage()]
    assert screen_diffs and any("+ STREET  . . . . : Gran Vía 1" in d for d in screen_diffs), screen_diffs


# Not a test of the suite: re-records the committed cassette when asked (-m record). Deliberately
# not marked live, so that `-m live` (which replaces the default `-m 'not record'`) never rewrites it.
@pytest.mark.record
def test_rerecord_committed_cassette(make_runtime):
    need_s3270()
    with demo_host(codepage=CODE_PAGE) as host:
        recorded = _record(COMMITTED, COMMITTED_MODE, make_runtime, host)
    assert recorded[0]["customer_id"] == "C-00001" and recorded[1]["status"] == 404
    assert "<<PASSWORD>>" in COMMITTED.read_text(encoding="utf-8")


@pytest.mark.replay
def test_an_unknown_screen_is_502_with_a_redacted_snapshot(tmp_path, make_runtime, no_s3270):
    from bridges.core.cassette import CassetteEnvelope, Interaction, dump_envelope
    from bridges.core.errors import UnexpectedScreen

    strange = {"size": [24, 80], "cursor": [3, 12],
               "fields": [{"at": [2, 2], "len": 24, "protected": True, "value": "IKJ56700A ENTER USERID -"},
                          {"at": [3, 12], "len": 8, "value": "TYPED99"}],
               "text": "\n IKJ56700A ENTER USERID -\n USERID:  TYPED99\n"}
    envelope = CassetteEnvelope(transport="tn3270", system="custmast",
                                interactions=[Interaction(request={"action": "connect"}, response=strange)])
    path = tmp_path / "strange.yaml"
    path.write_text(dump_envelope(envelope), encoding="utf-8")
    runtime = make_runtime(custmast_config(cassette={"path": str(path), "mode": "none"}))
    with pytest.raises(UnexpectedScreen) as err:
        runtime.call("custmast", "get_customer", {"customer": "C-00001"})
    problem = err.value.to_problem()
    # The API caller gets a reference, never the screen (host banners, what was typed) …
    assert problem["status"] == 502 and "snapshot" not in problem and problem["snapshot_ref"]
    assert "IKJ56700A" not in str(problem) and PASSWORD not in str(problem)
    # … the operator's snapshot keeps protected text and blanks every input field, in the text too.
    snapshot = err.value.context["snapshot"]
    assert "IKJ56700A" in snapshot["text"] and "TYPED99" not in snapshot["text"]
    assert "value" not in snapshot["fields"][1] and snapshot["fields"][0]["value"].startswith("IKJ56700A")
