"""The CUSTBAL extract bridge against a real OpenSSH server: the latest extract fetched over SFTP,
checked against its trailer, decoded to exactly the demo world's balances, served as pages and as
a stream, over the facade like any other bridge."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bridges.core.config import parse_config
from bridges.core.errors import ConfigError, LegacyError
from bridges.core.registry import build_runtime
from bridges.core.runtime import Runtime
from fixtures.custmast.extract import COPYBOOK, balances, extract_name, write_extract
from fixtures.world import customers
from tests.ssh_server import SshServer, ssh_server

pytestmark = pytest.mark.live
ROOT = Path(__file__).resolve().parents[3]
RUN = date(2024, 1, 31)
KEY = "custbal-test-key"


@pytest.fixture(scope="module")
def sshd(tmp_path_factory) -> Iterator[SshServer]:
    with ssh_server(tmp_path_factory.mktemp("sshd")) as server:
        yield server


@pytest.fixture
def published(tmp_path) -> Path:
    """The host's outgoing folder: last night's extract and the one before, with their copybook."""
    folder = tmp_path / "outgoing"
    folder.mkdir()
    write_extract(folder / extract_name(date(2024, 1, 30)), date(2024, 1, 30))
    write_extract(folder / extract_name(RUN), RUN)
    (folder / "CUSTBAL.cpy").write_bytes(COPYBOOK.read_bytes())
    return folder


def _config(
    sshd: SshServer | None,
    folder: Path,
    tmp_path: Path,
    cassette: dict | None = None,
    tunnel: dict | None = None,
    **options: Any,
) -> Any:
    sftp = options.pop("sftp", {})
    opts: dict[str, Any] = {"folder": str(folder), "cache_dir": str(tmp_path / "cache"), **options}
    if sshd is not None:
        opts["sftp"] = {
            "host": sshd.host,
            "port": sshd.port,
            "user": sshd.user,
            "key_file": str(sshd.key_file),
            "known_hosts": str(sshd.known_hosts),
            "agent": False,
            **sftp,
        }
    return parse_config(
        {
            "crosswalk": "fixtures/crosswalk-v1.csv",
            "api_keys": [{"name": "t", "key": {"env": "CUSTBAL_TEST_KEY", "default": KEY}, "scopes": ["custbal:read"]}],
            "bridges": {
                "custbal": {
                    "options": opts,
                    "guard": {"deadline_s": 30},
                    **({"cassette": cassette} if cassette else {}),
                    **({"tunnel": tunnel} if tunnel else {}),
                }
            },
        },
        base_dir=ROOT,
    )


@pytest.fixture
def runtime(sshd, published, tmp_path) -> Iterator[Runtime]:
    built = build_runtime(_config(sshd, published, tmp_path))
    yield built
    built.close()


def _expected() -> list[dict[str, Any]]:
    ids = {c.custmast_no: c.canonical_id for c in customers()}
    out = []
    for row in balances(RUN):
        paid = str(row["cb_last_payment"])
        out.append(
            {
                "customer_id": ids[f"{row['cb_cust_no']:08d}"],
                "custmast_no": f"{row['cb_cust_no']:08d}",
                "name": row["cb_name"],
                "country": row["cb_country"],
                "balance": row["cb_balance"],
                "credit_limit": row["cb_credit_limit"],
                "days_overdue": row["cb_days_overdue"],
                "last_payment": date(int(paid[:4]), int(paid[4:6]), int(paid[6:])),
                "status": {"A": "active", "B": "blocked"}[row["cb_status"]],
                "monthly_net": [m["cb_month_net"] for m in row["cb_month"]],
            }
        )
    return out


def test_pages_of_the_latest_extract_are_the_demo_worlds_balances(runtime):
    got, start = [], 1
    while start is not None:
        page = runtime.call("custbal", "list_balances", {"start": start, "limit": 250})
        assert page.extract.file == "CUSTBAL.D20240131.DAT"  # the latest of the two
        got += [b.model_dump() for b in page.balances]
        start = page.next_start
    assert got == _expected()
    info = runtime.call("custbal", "extract_info", {})
    assert info.records == 600 and info.control_total == sum((r["balance"] for r in got), Decimal("0.00"))


def test_the_export_streams_every_balance_and_filters_by_status(runtime):
    stream = runtime.call("custbal", "export_balances", {})
    assert [dict(r) for r in stream] == _expected()
    blocked = list(runtime.call("custbal", "export_balances", {"status": "blocked"}))
    assert blocked and len(blocked) == sum(1 for r in _expected() if r["status"] == "blocked")


def test_a_newer_extract_is_served_once_published(sshd, published, tmp_path):
    runtime = build_runtime(_config(sshd, published, tmp_path, refresh_s=0))
    try:
        assert runtime.call("custbal", "extract_info", {}).file == "CUSTBAL.D20240131.DAT"
        write_extract(published / extract_name(date(2024, 2, 1)), date(2024, 2, 1))
        assert runtime.call("custbal", "extract_info", {}).file == "CUSTBAL.D20240201.DAT"
    finally:
        runtime.close()


def test_an_extract_whose_trailer_does_not_add_up_is_refused(sshd, published, tmp_path):
    bad = published / extract_name(date(2024, 2, 1))
    write_extract(bad, date(2024, 2, 1))
    data = bytearray(bad.read_bytes())
    data[-150 + 9 + 8] = 0xF9  # the trailer's record count, last digit: 600 becomes 609
    bad.write_bytes(bytes(data))
    with pytest.raises(LegacyError, match=r"CUSTBAL\.D20240201\.DAT's trailer counts 609 records, the file holds 600"):
        build_runtime(_config(sshd, published, tmp_path))
    data[-150 + 9 + 8] = 0xF0
    data[8 * 150 + 41] ^= 0x10  # one balance digit of record 9 changed: the control total no longer matches
    bad.write_bytes(bytes(data))
    with pytest.raises(LegacyError, match=r"trailer total .* is not the sum of cb_balance"):
        build_runtime(_config(sshd, published, tmp_path))


def test_an_unknown_sftp_host_key_is_refused(sshd, published, tmp_path):
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    with pytest.raises(ConfigError, match=r"not in .* and not trusted"):
        build_runtime(_config(sshd, published, tmp_path, sftp={"known_hosts": str(empty)}))


def test_served_by_the_facade_with_openapi_and_a_streamed_export(sshd, published, tmp_path):
    from facade_app import create_app

    app = create_app(_config(sshd, published, tmp_path))
    try:
        http, auth = app.test_client(), {"Authorization": f"Bearer {KEY}"}
        paths = http.get("/openapi.json").get_json()["paths"]
        assert {"/v1/custbal/list_balances", "/v1/custbal/export_balances", "/v1/custbal/extract_info"} <= set(paths)
        page = http.get("/v1/custbal/list_balances", query_string={"limit": 2}, headers=auth)
        assert page.status_code == 200 and page.get_json()["next_start"] == 3
        nd = http.get("/v1/custbal/export_balances", headers=auth)
        rows = [json.loads(line) for line in nd.get_data(as_text=True).splitlines() if line]
        assert nd.status_code == 200 and len(rows) == 600 and rows[0]["balance"] == str(_expected()[0]["balance"])
    finally:
        app.extensions["legacy_bridges"]["runtime"].close()


def test_a_local_folder_serves_without_ssh(published, tmp_path):
    runtime = build_runtime(_config(None, published, tmp_path))
    try:
        page = runtime.call("custbal", "list_balances", {"start": 599, "limit": 50})
        assert [b.model_dump() for b in page.balances] == _expected()[598:] and page.next_start is None
    finally:
        runtime.close()


def test_through_a_tunnel_the_sftp_servers_key_is_still_checked_under_its_own_name(sshd, published, tmp_path):
    runtime = build_runtime(_config(sshd, published, tmp_path, tunnel=sshd.tunnel_table()))
    try:
        sftp = runtime.bridges["custbal"].bridge.settings.sftp
        assert sftp.port == runtime.bridges["custbal"].tunnel.local_port  # the session rides the tunnel
        assert sftp.host_key_alias == f"[127.0.0.1]:{sshd.port}"
        assert runtime.call("custbal", "extract_info", {}).records == 600
    finally:
        runtime.close()
    other = tmp_path / "other_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other)], check=True, timeout=30)
    kind, blob = (tmp_path / "other_key.pub").read_text().split()[:2]
    (tmp_path / "changed").write_text(f"[127.0.0.1]:{sshd.port} {kind} {blob}\n")
    with pytest.raises(ConfigError, match="differs"):  # the jump host's file is right, the SFTP server's is not
        build_runtime(
            _config(
                sshd, published, tmp_path, tunnel=sshd.tunnel_table(), sftp={"known_hosts": str(tmp_path / "changed")}
            )
        )
