"""The hash-chained audit store: every call a row; ``bridges audit verify`` passes on a clean
store and names the first bad record after an edit, a deletion and a swap; personal inputs are
kept as digests unless configured otherwise."""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy
import tomli_w

from facade_app.audit_chain import AuditChain
from facade_app.cli import main
from tests.facade_app.conftest import KEY, auth, make_app

pytestmark = pytest.mark.unit


def _served(tmp_path, **facade):
    store = f"sqlite:///{tmp_path / 'audit.db'}"
    data = {
        "facade": {"review_store": f"sqlite:///{tmp_path / 'reviews.db'}", "audit_store": store, **facade},
        "api_keys": [{"name": "clerk", "key": {"env": "T_CHAIN_KEY", "default": KEY}, "scopes": ["shop:*"]}],
    }
    path = tmp_path / "bridges.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    from bridges.core.config import load_config

    app, _ = make_app(load_config(path))
    client = app.test_client()
    for _ in range(4):
        assert client.get("/v1/shop/get_item", query_string={"item_no": "0001"}, headers=auth()).status_code == 200
    assert client.post("/v1/shop/rename", json={"item_no": "0001", "name": "Sencha"}, headers=auth()).status_code == 200
    return path, sqlalchemy.create_engine(store)


def _verify(path, capsys) -> tuple[int, str]:
    code = main(["audit", "verify", "--config", str(path)])
    out = capsys.readouterr()
    return code, out.out + out.err


def test_a_clean_store_verifies_and_tail_prints_the_newest_records(tmp_path, capsys):
    path, _ = _served(tmp_path)
    code, said = _verify(path, capsys)
    assert code == 0 and "audit chain intact; the last is 5" in said
    assert main(["audit", "tail", "--config", str(path), "-n", "2"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["seq"], r["event"], r["caller"]) for r in lines] == [
        (4, "shop.get_item", "clerk"),
        (5, "shop.rename", "clerk"),
    ]
    assert KEY not in json.dumps(lines)


@pytest.mark.parametrize(
    ("tamper", "named"),
    [
        (
            ["UPDATE audit_events SET body = replace(body, '\"status\":200', '\"status\":404') WHERE seq = 3"],
            "record 3: its content does not match its hash (edited)",
        ),
        (["DELETE FROM audit_events WHERE seq = 3"], "record 3: missing (deleted; the next record is 4)"),
        (
            [
                "UPDATE audit_events SET seq = -1 WHERE seq = 2",
                "UPDATE audit_events SET seq = 2 WHERE seq = 3",
                "UPDATE audit_events SET seq = 3 WHERE seq = -1",
            ],
            "record 2: does not follow the record before it",
        ),
    ],
    ids=["edit", "delete", "swap"],
)
def test_verify_names_the_first_bad_record(tmp_path, capsys, tamper, named):
    path, engine = _served(tmp_path)
    with engine.begin() as conn:
        for statement in tamper:
            conn.exec_driver_sql(statement)
    code, said = _verify(path, capsys)
    assert code == 1 and named in said, said


def test_an_edit_that_recomputes_its_own_hash_still_breaks_the_next_record(tmp_path, capsys):
    from facade_app.audit_chain import digest_of

    path, engine = _served(tmp_path)
    with engine.begin() as conn:
        row = conn.exec_driver_sql("SELECT prev_hash, body FROM audit_events WHERE seq = 3").one()
        body = row.body.replace('"status":200', '"status":404')
        conn.exec_driver_sql(
            "UPDATE audit_events SET body = ?, hash = ? WHERE seq = 3", (body, digest_of(row.prev_hash, 3, body))
        )
    code, said = _verify(path, capsys)
    assert code == 1 and "record 4: does not follow the record before it" in said


def _record(log, inputs, effect="write"):
    log.record(event="crm.change_address", effect=effect, caller="c", request_id="r", status=200,
               duration_ms=1.0, outcome="ok", inputs=inputs)


def test_personal_inputs_are_keyed_digests_in_the_file_and_the_store_unless_configured_plain(tmp_path):
    from facade_app.audit import AuditLog
    from facade_app.audit_personal import PersonalDigest
    from facade_app.audit_writer import AuditWriter

    chain = AuditChain(f"sqlite:///{tmp_path / 'a.db'}")
    inputs = {"customer": "C-00001", "street": "Storgatan 1", "contact": [{"phone": "+46 8 123 45 67"}]}
    for digest in (PersonalDigest(b"k" * 32), PersonalDigest(b"l" * 32), None):
        log = AuditLog(tmp_path / "audit.jsonl", AuditWriter(chain), digest)
        _record(log, inputs)
        log.close()
    lines = [json.loads(line)["input"] for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    stored = [entry["input"] for _, _, entry in chain.tail(3)]
    assert lines == stored  # the file and the store say the same
    keyed, other_key, plain = stored
    assert keyed["customer"] == "C-00001" and keyed["street"].startswith("hmac-sha256:")
    assert keyed["contact"][0]["phone"].startswith("hmac-sha256:")
    assert "Storgatan" not in json.dumps(keyed) and "123 45" not in json.dumps(keyed)
    # not the bare SHA-256 a guesser could compute, and another key gives another digest
    assert hashlib.sha256(b"Storgatan 1").hexdigest() not in keyed["street"]
    assert keyed["street"] != other_key["street"] and keyed["street"] == PersonalDigest(b"k" * 32).of("Storgatan 1")
    assert plain == inputs


def test_without_a_configured_key_one_random_key_is_kept_beside_the_store_mode_0600(tmp_path, monkeypatch):
    from bridges.core.config import parse_config
    from facade_app.audit import audit_log

    config = parse_config({"facade": {"state_dir": "state"}}, base_dir=tmp_path)
    first, second = audit_log(config), audit_log(config)  # two workers
    key = tmp_path / "state" / "audit.key"
    assert (key.stat().st_mode & 0o777) == 0o600
    assert first.digest.of("Storgatan 1") == second.digest.of("Storgatan 1")
    monkeypatch.setenv("T_AUDIT_KEY", "a configured key of enough length")
    configured = audit_log(parse_config({"facade": {"state_dir": "state", "audit_key": {"env": "T_AUDIT_KEY"}}},
                                        base_dir=tmp_path))
    assert configured.digest.of("Storgatan 1") != first.digest.of("Storgatan 1")
    for log in (first, second, configured):
        log.close()


def test_appends_from_many_threads_make_one_unbroken_chain(tmp_path):
    url = f"sqlite:///{tmp_path / 'a.db'}"
    chains = [AuditChain(url) for _ in range(4)]  # as separate processes would: an engine each
    with ThreadPoolExecutor(8) as pool:
        seqs = list(pool.map(lambda n: chains[n % 4].append({"event": "e", "n": n}), range(80)))
    assert sorted(seqs) == list(range(1, 81))
    assert chains[0].verify() is None


@pytest.mark.live
def test_the_chain_holds_and_breaks_the_same_way_on_postgresql():
    import uuid

    import psycopg

    from fixtures.orders.connect import DEFAULT_POSTGRES_DSN
    from tests.conftest import real_part_missing

    schema = f"audit_{uuid.uuid4().hex[:8]}"  # a private schema in the shared test database
    try:
        admin = psycopg.connect(DEFAULT_POSTGRES_DSN, autocommit=True)
    except psycopg.Error as exc:
        real_part_missing(f"PostgreSQL ({type(exc).__name__})")
    admin.execute(f"CREATE SCHEMA {schema}")
    try:
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/test?options=-csearch_path%3D{schema}"
        chains = [AuditChain(url) for _ in range(2)]
        with ThreadPoolExecutor(4) as pool:
            seqs = list(pool.map(lambda n: chains[n % 2].append({"event": "e", "street": "x", "n": n}), range(20)))
        assert sorted(seqs) == list(range(1, 21)) and chains[0].verify() is None
        admin.execute(f"UPDATE {schema}.audit_events SET body = replace(body, '\"n\":', '\"m\":') WHERE seq = 7")
        assert str(chains[1].verify()) == "record 7: its content does not match its hash (edited)"
        for chain in chains:
            chain.engine.dispose()
    finally:
        admin.execute(f"DROP SCHEMA {schema} CASCADE")
        admin.close()
