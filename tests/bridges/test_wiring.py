"""The demo bridges declare and implement operations; their transport bases own the wiring: no
bridge module names a pool, a connection opener, a cassette, a terminal or a browser port."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
WIRING = {
    "Cassette",
    "CassetteSettings",
    "RecordMode",
    "SessionPool",
    "PoolSettings",
    "LiveTerminal",
    "RecordingTerminal",
    "ReplayingTerminal",
    "open_connection",
    "OdbcConnection",
    "RecordingConnection",
    "ReplayingConnection",
    "BrowserPort",
    "BrowserOwner",
    "ContextPool",
    "HarRecorder",
    "HarReplayer",
    "launch_browser",
    "PortSettings",
}


@pytest.mark.parametrize("system", ["custmast", "orders", "helpdesk"])
def test_a_demo_bridge_names_no_pool_cassette_or_sign_on_machinery(system):
    found = []
    for path in sorted((ROOT / "bridges" / system).glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None
            if isinstance(node, ast.ImportFrom):
                found += [f"{path.name}: imports {a.name}" for a in node.names if a.name in WIRING]
            elif name in WIRING or (isinstance(node, ast.FunctionDef) and node.name in {"_open_session", "_sign_on"}):
                found.append(f"{path.name}:{node.lineno}: {name or node.name}")
    assert not found, f"{system} wires its own transport:\n" + "\n".join(found)
