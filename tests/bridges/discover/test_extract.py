"""`bridges discover extract`: from CUSTMAST's copybook and a sample extract, a ruff-clean bridge module
whose bridge serves the extract's records; a malformed sample is reported by record and field."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from bridges.core.operation import BridgeContext
from bridges.discover.extract import discover_extract
from extract import parse_copybook, read_rows
from facade_app.cli import main
from fixtures.custmast.extract import COPYBOOK, extract_name, write_extract

pytestmark = pytest.mark.unit
RUN_NAME = "CUSTBAL.D20240131.DAT"


@pytest.fixture
def sample(tmp_path) -> Path:
    folder = tmp_path / "outgoing"
    folder.mkdir()
    return write_extract(folder / RUN_NAME)


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module  # as an import would: pydantic resolves the annotations there
    spec.loader.exec_module(module)
    return module


def test_a_discovered_module_is_ruff_clean_and_serves_the_extract(sample, tmp_path, capsys):
    out = tmp_path / "pkg" / "custbal_copy.py"
    assert (
        main(
            [
                "discover",
                "extract",
                "--copybook",
                str(COPYBOOK),
                "--extract",
                str(sample),
                "--name",
                "custbal_copy",
                "--pattern",
                "CUSTBAL.D*.DAT",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    notes = capsys.readouterr().err
    assert f"{RUN_NAME}: 600 records of 150 bytes" in notes and "tr_record_count = 600 matches" in notes
    assert (out.parent / "CUSTBAL.cpy").read_bytes() == COPYBOOK.read_bytes()
    for check in (["check", "--no-cache"], ["format", "--check", "--no-cache"]):
        done = subprocess.run(
            [sys.executable, "-m", "ruff", *check, str(out)], capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stdout + done.stderr
    module = _load(out)
    bridge_cls = module.CustbalCopyBridge
    assert bridge_cls.trailer.total == "tr_balance_total" and bridge_cls.trailer.total_of == "cb_balance"
    bridge = bridge_cls(bridge_cls.Settings(folder=str(sample.parent)), BridgeContext("custbal_copy"))
    try:
        page = bridge.list_records(module.ListRecords(limit=3))
        layout = parse_copybook(COPYBOOK.read_text()).layout("CUSTBAL-DETAIL")
        with open(sample, "rb") as f:
            expected = [row for _, row in zip(range(3), read_rows(f, layout), strict=False)]
        assert [r.model_dump() for r in page.records] == expected and page.next_start == 4
        assert bridge.extract_info(module.NoInput()).records == 600
    finally:
        bridge.close()


def test_a_malformed_sample_is_reported_by_record_and_field(sample):
    data = bytearray(sample.read_bytes())
    data[41 * 150 + 41 + 5] = 0xA7  # record 42's balance: nibble A where a digit belongs
    sample.write_bytes(bytes(data))
    found = discover_extract(COPYBOOK.read_text(), extract=sample)
    assert found.notes == [
        f"{RUN_NAME}: record 42, field CB-BALANCE: packed digits expected, found "
        f"{bytes(data[41 * 150 + 41 : 41 * 150 + 47]).hex(' ').upper()}"
    ]


def test_without_a_sample_the_copybook_alone_gives_the_layout_and_trailer():
    found = discover_extract(COPYBOOK.read_text(), record="custbal-detail")
    assert found.layout.length == 150 and found.trailer.record == "CUSTBAL-TRAILER" and found.records is None
    assert extract_name  # the fixture names files as the host does
