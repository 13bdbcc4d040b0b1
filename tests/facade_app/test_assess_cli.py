"""``bridges assess``: a database given directly or the configured bridges → JSON and Markdown reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from bridges.assess.report import schema_errors
from facade_app.cli import main
from fixtures.orders.load_sqlite import build_sqlite
from tests.rdbms.databases import need_driver

pytestmark = pytest.mark.live

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def orders_db(tmp_path_factory: pytest.TempPathFactory):
    need_driver("SQLite3")
    return build_sqlite(tmp_path_factory.mktemp("assess") / "orders.sqlite")


def test_assess_a_connection_string_into_json_and_markdown(orders_db, tmp_path, capsys):
    out = tmp_path / "report"
    args = [
        "assess",
        "--connect",
        f"Driver=SQLite3;Database={orders_db}",
        "--tables",
        "VORD*",
        "--sample",
        "50",
        "--as-of",
        "2025-06-30",
        "--out",
        str(out),
    ]
    assert main(args) == 0
    report = json.loads((out / "assessment.json").read_text(encoding="utf-8"))
    assert report["schema_version"] == 1 and report["as_of"] == "2025-06-30" and schema_errors(report) == []
    assert [r["name"] for r in report["systems"][0]["database"]["relations"]] == ["VORDHDR", "VORDLIN"]
    assert report["systems"][0]["discover"]["tables"] == ["VORDHDR", "VORDLIN"]  # what discover can declare
    assert "bridges discover odbc --connect" in report["systems"][0]["discover"]["command"]
    assert "| VORDHDR | view | 20,000 | 50 | OHORNO |" in (out / "assessment.md").read_text(encoding="utf-8")
    err = capsys.readouterr().err
    assert "assessing database: VORDHDR" in err and "2 relation(s)" in err


def test_assess_the_configured_bridges_to_standard_output(orders_db, tmp_path, capsys):
    config = tmp_path / "bridges.yaml"
    options = {"connection": f"Driver=SQLite3;Database={orders_db}", "dialect": "sqlite"}
    config.write_text(yaml.safe_dump({"bridges": {"orders": {"options": options}}}), encoding="utf-8")
    assert main(["assess", "--config", str(config), "--tables", "VPRDMST"]) == 0
    assert "## orders (odbc)" in capsys.readouterr().out


def test_an_unreachable_database_is_reported_and_fails_the_command(tmp_path, capsys):
    need_driver("SQLite3")
    missing = tmp_path / "missing.sqlite"
    assert main(["assess", "--connect", f"Driver=SQLite3;Database={missing}"]) == 1
    assert "Not assessed:" in capsys.readouterr().out


def test_assess_the_demo_world_orders_custmast_and_helpdesk(orders_db, tmp_path, monkeypatch):
    from fixtures.helpdesk import DEMO_PASSWORD, start_app
    from mainframe.testing import demo_host, need_s3270
    from web_scrape.testing import need_chromium

    need_s3270()
    need_chromium()
    walk = ROOT / "fixtures" / "custmast" / "discover-walk.txt"
    monkeypatch.setenv("CUSTMAST_PW", "Dem0-Pass")
    monkeypatch.setenv("HELPDESK_PW", DEMO_PASSWORD)
    with demo_host(codepage="cp037") as host, start_app() as app:
        bridges = {
            "orders": {"options": {"connection": f"Driver=SQLite3;Database={orders_db}", "dialect": "sqlite"}},
            "custmast": {
                "options": {"host": host.host, "port": host.port},
                "secrets": {"password": {"env": "CUSTMAST_PW"}},
            },
            "helpdesk": {
                "options": {"base_url": app.entry_url, "user": "agent1"},
                "secrets": {"password": {"env": "HELPDESK_PW"}},
            },
        }
        config = tmp_path / "bridges.yaml"
        config.write_text(yaml.safe_dump({"bridges": bridges}), encoding="utf-8")
        out = tmp_path / "report"
        args = ["assess", "--config", str(config), "--tables", "VCUSMST", "--walk", f"custmast={walk}"]
        assert main([*args, "--as-of", "2025-06-30", "--out", str(out)]) == 0
    report = json.loads((out / "assessment.json").read_text(encoding="utf-8"))
    assert schema_errors(report) == []  # the documented schema, with a host, a web app and the facade
    systems = {s["name"]: s for s in report["systems"]}
    assert set(systems) == {"orders", "custmast", "helpdesk", "facade"}
    assert not any("error" in s for s in systems.values())
    assert report["summary"]["screens"] == 3 and report["summary"]["pages"] == 3
    # Every connection without encryption is named: TN3270 in clear, an http:// web app, the facade on HTTP.
    assert {"no_tls", "write_operations"} <= {f["class"] for f in systems["custmast"]["security"]}
    assert "no_tls" in {f["class"] for f in systems["helpdesk"]["security"]}
    assert systems["facade"]["transport"] == "http" and [f["class"] for f in systems["facade"]["security"]] == [
        "no_tls"
    ]
    assert "no_tls" not in {f["class"] for f in systems["orders"]["security"]}  # a local SQLite file
    text = (out / "assessment.md").read_text(encoding="utf-8")
    assert "## custmast (tn3270)" in text and "| CustomerInquiry |" in text and "## helpdesk (web)" in text
    assert "Dem0-Pass" not in text and DEMO_PASSWORD not in text


def test_assess_a_tn3270_host_given_directly(monkeypatch, capsys):
    from mainframe.testing import demo_host, need_s3270

    need_s3270()
    monkeypatch.setenv("CUSTMAST_PW", "Dem0-Pass")
    walk = ROOT / "fixtures" / "custmast" / "discover-walk.txt"
    with demo_host(codepage="cp037") as host:
        args = ["assess", "--tn3270", f"{host.host}:{host.port}", "--user", "DEMO01", "--password-env", "CUSTMAST_PW"]
        assert main([*args, "--walk", str(walk)]) == 0
    out = capsys.readouterr().out
    assert "## host (tn3270)" in out and "TN3270E offered: True" in out and "| CustomerInquiry | 2 |" in out


def test_assess_compares_systems_through_the_crosswalk(orders_db, tmp_path):
    from bridges.linkage import write_records
    from fixtures.linkage import custmast_records, helpdesk_records

    write_records(tmp_path / "custmast.csv", custmast_records())
    write_records(tmp_path / "helpdesk.csv", helpdesk_records())
    crosswalk = ROOT / "fixtures" / "crosswalk-v1.csv"
    args = ["assess", "--connect", f"Driver=SQLite3;Database={orders_db}", "--tables", "VPRDMST", "--crosswalk"]
    args += [str(crosswalk), "--records", f"custmast={tmp_path / 'custmast.csv'}", "--out", str(tmp_path / "report")]
    assert main([*args, "--records", f"helpdesk={tmp_path / 'helpdesk.csv'}"]) == 0
    assert schema_errors(json.loads((tmp_path / "report" / "assessment.json").read_text(encoding="utf-8"))) == []
    out = (tmp_path / "report" / "assessment.md").read_text(encoding="utf-8")
    assert (
        "## Across systems" in out
        and "| custmast & helpdesk | 524 |" in out
        and "| helpdesk | 524 | 524 | 0 | 0 |" in out
    )


def test_a_stopped_assessment_resumes_where_it_stopped(orders_db, tmp_path, monkeypatch, capsys):
    from rdbms import assess

    out = tmp_path / "report"
    args = ["assess", "--connect", f"Driver=SQLite3;Database={orders_db}", "--tables", "V*", "--sample", "50"]
    args += ["--as-of", "2025-06-30", "--out", str(out)]
    seen: list[str] = []
    real = assess.assess_with

    def stop_after_three(*a, **kw):  # Ctrl-C while the fourth relation is being assessed
        def progress(name):
            seen.append(name)
            if len(seen) == 4:
                raise KeyboardInterrupt

        return real(*a, **{**kw, "progress": progress})

    monkeypatch.setattr(assess, "assess_with", stop_after_three)
    assert main(args) == 130
    assert "rerun with --resume" in capsys.readouterr().err and (out / "assessment.partial.json").is_file()
    monkeypatch.setattr(assess, "assess_with", real)
    assert main([*args, "--resume", "--sample", "60"]) == 2  # other options: not mixed in
    assert "is of another assessment" in capsys.readouterr().err
    assert main([*args, "--resume"]) == 0
    err = capsys.readouterr().err
    assessed_again = [line.split(": ")[1] for line in err.splitlines() if line.startswith("assessing database: V")]
    assert assessed_again == ["VMEASUR", "VORDHDR", "VORDLIN", "VPRDMST", "VSHIPLG"]  # the first three are kept
    report = json.loads((out / "assessment.json").read_text(encoding="utf-8"))
    assert len(report["systems"][0]["database"]["relations"]) == 8 and not (out / "assessment.partial.json").exists()


def test_the_demo_prints_assessments_that_run(tmp_path, monkeypatch, capsys):
    import shlex

    from facade_app.demo import assess_lines, demo_world
    from mainframe.testing import need_s3270
    from web_scrape.testing import need_chromium

    need_s3270()
    need_chromium()
    monkeypatch.chdir(ROOT)  # the walk file is named relative to the checkout, as the demo prints it
    with demo_world(tmp_path / "demo") as world:
        lines = assess_lines(world)
        assert lines[0].startswith("Assess the demo systems first")
        for line in lines[1:]:
            words = shlex.split(line)
            while "=" in words[0]:
                name, _, value = words.pop(0).partition("=")
                monkeypatch.setenv(name, value)
            assert words[:2] == ["bridges", "assess"]
            assert main(words[1:]) == 0, line
    assert (tmp_path / "demo" / "assessment" / "assessment.html").is_file()
    # The README's excerpt of the report on the demo's ORDERS is what the code prints, line for line.
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    excerpt = readme.split("An excerpt\nof the report on the demo's ORDERS database:", 1)[1].split("```text\n", 1)[1]
    excerpt_lines = [line for line in excerpt.split("```", 1)[0].splitlines() if line]
    printed = (tmp_path / "demo" / "assessment" / "assessment.md").read_text(encoding="utf-8").splitlines()
    assert len(excerpt_lines) > 8 and [line for line in excerpt_lines if line not in printed] == []
    out = capsys.readouterr().out
    assert "| CustomerInquiry |" in out and "login: form; CSRF field: csrf_token" in out


def test_a_server_database_without_ssl_and_a_facade_over_https(tmp_path):
    from bridges.assess import facade_target, targets_from_config

    (tmp_path / "facade.pem").write_text("", encoding="utf-8")
    connection = "Driver=PostgreSQL Unicode;Server=db.example;Database=orders"
    bridges = {"orders": {"options": {"connection": connection, "dialect": "postgresql"}}}
    facade = {"tls_cert_file": "facade.pem", "tls_key_file": "facade.pem", "port": 8443}
    config = tmp_path / "bridges.yaml"
    config.write_text(yaml.safe_dump({"bridges": bridges, "facade": facade}), encoding="utf-8")
    (orders,), _ = targets_from_config(config)
    assert [f["class"] for f in orders.security()] == ["no_tls"]  # ODBC without SSL
    served = facade_target(config)
    assert (served.transport, served.where(), served.security()) == ("https", "https://127.0.0.1:8443", [])
    bridges["orders"]["options"]["tls_ca_file"] = "facade.pem"
    config.write_text(yaml.safe_dump({"bridges": bridges}), encoding="utf-8")
    (orders,), _ = targets_from_config(config)
    assert orders.security() == []


def test_assess_an_extract_file_by_its_copybook(tmp_path, capsys):
    import datetime as dt

    from fixtures.custmast.extract import COPYBOOK, extract_name, write_extract

    path = write_extract(tmp_path / extract_name(dt.date(2024, 1, 31)))
    out = tmp_path / "report"
    args = ["assess", "--extract", str(path), "--copybook", str(COPYBOOK), "--as-of", "2024-01-31"]
    assert main([*args, "--out", str(out)]) == 0
    report = json.loads((out / "assessment.json").read_text(encoding="utf-8"))
    (system,) = report["systems"]
    assert schema_errors(report) == []
    assert system["transport"] == "extract" and system["database"]["relations"][0]["count"]["rows"] == 600
    assert "## CUSTBAL.D20240131.DAT (extract)" in (out / "assessment.md").read_text(encoding="utf-8")
    assert main(["assess", "--extract", str(path)]) == 2 and "--copybook" in capsys.readouterr().err


def test_customers_read_from_a_database_relation_are_compared_through_the_crosswalk(tmp_path):
    from bridges.linkage import write_records
    from fixtures.linkage import custmast_records
    from fixtures.orders.planted import plant_problems
    from fixtures.world import CROSSWALK_PATH

    need_driver("SQLite3")
    planted = tmp_path / "planted.sqlite"
    truth = plant_problems(build_sqlite(tmp_path / "orders.sqlite"), planted)
    write_records(tmp_path / "custmast.csv", custmast_records())
    out = tmp_path / "report"
    args = ["assess", "--connect", f"Driver=SQLite3;Database={planted}", "--tables", "CUSMST", "--out", str(out)]
    args += ["--customers", "orders=CUSMST", "--records", f"custmast={tmp_path / 'custmast.csv'}"]
    assert main([*args, "--crosswalk", str(CROSSWALK_PATH), "--as-of", "2025-06-30"]) == 0
    report = json.loads((out / "assessment.json").read_text(encoding="utf-8"))
    assert schema_errors(report) == []
    across = report["across"]
    # The planted customers read through the database's read-only connection: its 5 new keys unmapped,
    # its 6 changed streets disagreeing with CUSTMAST's (masked), and the rest held by both.
    assert across["systems"]["orders"]["records"] == 600 + truth["duplicate_records"] // 2
    assert across["systems"]["orders"]["unmapped"] == truth["unmapped"]
    assert across["disagreements"]["street"]["count"] == truth["conflicting_addresses"]
    assert across["overlap"] == {"custmast & orders": 600}


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--tn3270", "127.0.0.1:1", "--walk", "missing-walk.txt"], "missing-walk.txt: No such file or directory"),
        (["--connect", "Driver=SQLite3;Database=x.db", "--as-of", "2025-13-01"], "--as-of '2025-13-01': give a date"),
        (["--url", "ftp://example.invalid/"], "base_url: String should match pattern"),
        (["--connect", "Driver=SQLite3;Database=x.db", "--records", "a=missing.csv"], "say --crosswalk FILE"),
        (
            ["--url", "http://x.invalid/", "--records", "a=missing.csv", "--crosswalk", "."],
            "--crosswalk .: no such file",
        ),
    ],
    ids=["missing-walk", "bad-date", "not-http", "records-without-crosswalk", "no-crosswalk-file"],
)
def test_bad_input_is_a_clear_error_not_a_traceback(args, said, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["assess", *args]) == 2
    err = capsys.readouterr().err
    assert said in err and "Traceback" not in err


def test_customers_read_through_the_custmast_and_helpdesk_bridges_match_the_crosswalk(tmp_path, monkeypatch):
    from fixtures.helpdesk import DEMO_PASSWORD, start_app
    from fixtures.helpdesk.data import search_tickets
    from fixtures.world import CROSSWALK_PATH
    from mainframe.testing import demo_host, need_s3270
    from web_scrape.testing import need_chromium

    need_s3270()
    need_chromium()
    monkeypatch.setenv("CUSTMAST_PW", "Dem0-Pass")
    monkeypatch.setenv("HELPDESK_PW", DEMO_PASSWORD)
    helpdesk_read = 40  # all 600 CUSTMAST customers (3 s), HELPDESK bounded: every account costs a ticket page
    with demo_host(codepage="cp037") as host, start_app() as app:
        bridges = {
            "custmast": {
                "options": {"host": host.host, "port": host.port},
                "secrets": {"password": {"env": "CUSTMAST_PW"}},
            },
            "helpdesk": {
                "options": {"base_url": app.entry_url, "user": "agent1"},
                "secrets": {"password": {"env": "HELPDESK_PW"}},
            },
        }
        config = tmp_path / "bridges.yaml"
        config.write_text(yaml.safe_dump({"crosswalk": str(CROSSWALK_PATH), "bridges": bridges}), encoding="utf-8")
        out = tmp_path / "report"
        args = ["assess", "--config", str(config), "--customers", "custmast", "--customers", "helpdesk"]
        assert main([*args, "--max-customers", f"helpdesk={helpdesk_read}", "--out", str(out)]) == 0
    report = json.loads((out / "assessment.json").read_text(encoding="utf-8"))
    assert schema_errors(report) == []
    across = report["across"]
    newest: dict[str, object] = {}
    for ticket in search_tickets():  # the listing's order: every customer's tickets, newest first
        newest.setdefault(ticket.account, ticket)
    accounts = list(newest)[:helpdesk_read]
    custmast, helpdesk = across["systems"]["custmast"], across["systems"]["helpdesk"]
    assert (custmast["records"], custmast["canonical_customers"], custmast["unmapped"]) == (600, 600, 0)
    assert custmast["read"]["complete"] and custmast["read"]["calls"] == 3 + 600  # three browses, 600 inquiries
    assert (helpdesk["records"], helpdesk["canonical_customers"], helpdesk["unmapped"]) == (40, 40, 0)
    assert helpdesk["mapped_twice"] == custmast["mapped_twice"] == 0
    assert not helpdesk["read"]["complete"] and helpdesk["read"]["operations"] == [
        "helpdesk.list_tickets",
        "helpdesk.get_ticket",
    ]
    assert across["overlap"] == {"custmast": 600 - len(accounts), "custmast & helpdesk": len(accounts)}
    # The same customers agree everywhere in the demo world; the phones compared are those the newest
    # ticket's contact line gives (a quarter of the accounts have none on file).
    assert {f: d["count"] for f, d in across["disagreements"].items()} == dict.fromkeys(
        ("name", "street", "postcode", "phone"), 0
    )
    text = (out / "assessment.md").read_text(encoding="utf-8")
    assert "- helpdesk: read through helpdesk.list_tickets and helpdesk.get_ticket" in text
    assert f"stopped at {helpdesk_read:,} (not all)" in text and "- custmast: read through" in text
    assert "Dem0-Pass" not in text and DEMO_PASSWORD not in text
