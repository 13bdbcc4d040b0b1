"""Shadow mode end to end on CUSTMAST's real screens: 20 AI-proposed address changes are shadowed
(dry-run, recorded, never executed); a person makes 15 of them at another terminal, one with a
different postcode; reconciliation reports 14 matched, 1 disagreeing and 5 unmatched."""

from __future__ import annotations

import json

import pytest

from bridges.core.config import WritePolicy
from bridges.core.registry import build_runtime
from facade_app import create_app
from tests.bridges.custmast.conftest import custmast_config

pytestmark = [pytest.mark.live, pytest.mark.timeout(300)]

AGENT, OPS = "shadow-agent-key", "shadow-ops-key"


def test_twenty_proposals_fifteen_made_by_a_person_one_differently(host, tmp_path):
    config = custmast_config(host, api_keys=[
        {"name": "agent", "key": {"env": "T_SHADOW_AGENT", "default": AGENT}, "scopes": ["custmast:*"]},
        {"name": "ops", "key": {"env": "T_SHADOW_OPS", "default": OPS}, "scopes": ["ops"]}])
    config.facade.review_store = f"sqlite:///{tmp_path / 'state.db'}"
    config.facade.audit_log = tmp_path / "audit.jsonl"
    config.bridges["custmast"].policies = {"change_address": WritePolicy(policy="shadow", observe="get_customer")}
    app = create_app(config)
    person = build_runtime(custmast_config(host))  # another terminal, outside the facade
    try:
        client = app.test_client()
        agent = {"Authorization": f"Bearer {AGENT}"}
        ops = {"Authorization": f"Bearer {OPS}"}
        proposals = [{"customer": f"C-{n:05d}", "street": f"Schattenweg {n}", "postcode": f"{n:05d}"}
                     for n in range(40, 60)]
        before = {p["customer"]: person.call("custmast", "get_customer", {"customer": p["customer"]}).model_dump()
                  for p in proposals}
        for proposal in proposals:
            r = client.post("/v1/custmast/change_address", json=proposal, headers=agent)
            assert r.status_code == 202, r.get_json()
            shadow = r.get_json()
            assert shadow["status"] == "pending" and shadow["executed"] is False
            assert shadow["dry_run"]["committed"] is False and shadow["dry_run"]["changed"] is True
        for proposal in proposals:  # nothing was written by the facade
            now = person.call("custmast", "get_customer", {"customer": proposal["customer"]}).model_dump()
            assert now == before[proposal["customer"]]

        for i, proposal in enumerate(proposals[:15]):
            made = {**proposal, "postcode": "99999"} if i == 7 else proposal
            assert person.call("custmast", "change_address", made).committed

        assert client.post("/v1/shadow/reconcile", headers=agent).status_code == 403  # ops only
        counts = client.post("/v1/shadow/reconcile", headers=ops).get_json()
        assert counts == {"matched": 14, "disagreeing": 1, "pending": 5, "failed": 0}
        report = client.get("/v1/shadow/report", headers=ops).get_json()
        assert (report["total"], report["matched"], report["disagreeing"], report["unmatched"]) == (20, 14, 1, 5)
        assert report["agreement_rate"] == pytest.approx(14 / 15, abs=1e-4)
        (disagreeing,) = [s for s in report["shadows"] if s["status"] == "disagreeing"]
        assert disagreeing["input"]["customer"] == proposals[7]["customer"]
        assert disagreeing["diff"] == {"postcode": {"proposed": proposals[7]["postcode"], "actual": "99999",
                                                    "before": before[proposals[7]["customer"]]["postcode"]}}
        for proposal in proposals[15:]:  # the five nobody made are still as they were
            now = person.call("custmast", "get_customer", {"customer": proposal["customer"]}).model_dump()
            assert now == before[proposal["customer"]]
        events = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text(encoding="utf-8").splitlines()]
        assert [e["outcome"] for e in events if e["event"] == "custmast.change_address"] == ["shadowed"] * 20
    finally:
        person.close()
        app.extensions["legacy_bridges"]["runtime"].close()
