"""50 replays of each HELPDESK flow — behind its login form and behind HTTP Digest — with 0
failures. The cassette is recorded here against a live app that is then stopped; replay
reuses one runtime and one browser, each round rewinding the cassette and dropping every
warm context and stored session, so each round logs in and runs the flows afresh."""

from __future__ import annotations

from collections import Counter

import pytest

from bridges.core.registry import build_runtime
from fixtures.helpdesk import search_tickets, start_app

pytestmark = [pytest.mark.replay, pytest.mark.timeout(600)]

ROUNDS = 50
TICKET = search_tickets("ACC/E-10007")[3].number
CALLS = [  # one call of each flow: the search (form post, CSRF token, results table) and the ticket page
    ("search_tickets", {"customer": "C-00001", "status": "closed"}),
    ("get_ticket", {"ticket_no": TICKET}),
]


@pytest.fixture(scope="module", params=["form", "digest"])
def recorded(request, helpdesk_config, tmp_path_factory):
    kind = request.param
    tape = tmp_path_factory.mktemp(f"rounds-{kind}") / "helpdesk.yaml"
    with start_app(auth=kind) as app:
        runtime = build_runtime(helpdesk_config(app.entry_url, login=kind, cassette={"path": str(tape), "mode": "all"}))
        try:
            answers = [runtime.call("helpdesk", name, args) for name, args in CALLS]
        finally:
            runtime.close()
        url = app.entry_url
    return kind, url, tape, answers


def test_fifty_replays_of_each_flow_with_no_failure(recorded, helpdesk_config, make_runtime):
    kind, stopped_url, tape, answers = recorded
    runtime = make_runtime(helpdesk_config(stopped_url, login=kind, trace="off",
                                           cassette={"path": str(tape), "mode": "none"}))
    port = runtime.bridges["helpdesk"].bridge.port
    failures: Counter[str] = Counter()
    for _round in range(ROUNDS):
        port.rewind()
        for (name, args), expected in zip(CALLS, answers, strict=True):
            try:
                assert runtime.call("helpdesk", name, args) == expected
            except Exception as exc:  # counted per flow: the figure is the failures, not the first one
                failures[f"{name} {type(exc).__name__}"] += 1
        if not failures:
            assert runtime.readiness()["helpdesk"]["cassette_remaining"] == 0
    assert runtime.readiness()["helpdesk"]["browser"]["launches"] == 1
    assert dict(failures) == {}
