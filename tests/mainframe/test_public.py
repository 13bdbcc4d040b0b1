"""The public surface of ``mainframe`` is what its package docstring and ``__all__`` say."""

from __future__ import annotations

import importlib
import inspect

import pytest

import mainframe

pytestmark = pytest.mark.unit

MODULES = ["mainframe.bridge", "mainframe.cassette", "mainframe.live", "mainframe.pool", "mainframe.port",
           "mainframe.rejection", "mainframe.s3270", "mainframe.screens", "mainframe.settings", "mainframe.snapshot",
           "mainframe.testing"]


@pytest.mark.parametrize("name", MODULES)
def test_every_public_name_is_documented(name):
    module = importlib.import_module(name)
    assert module.__doc__, name
    for public in module.__all__:
        obj = getattr(module, public)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            assert inspect.getdoc(obj), f"{name}.{public} lacks a docstring"


def test_the_package_exports_the_port_and_its_implementations():
    for public in ("Terminal", "LiveTerminal", "RecordingTerminal", "ReplayingTerminal", "SessionPool", "Screen",
                   "ScreenDef", "Navigator"):
        assert public in mainframe.__all__ and getattr(mainframe, public)
    assert len(set(mainframe.__all__)) == len(mainframe.__all__)  # ruff (RUF022) keeps it sorted


def test_the_package_exports_what_a_bridge_author_needs():
    for public in ("LabelField", "redacted_snapshot", "TRANSPORT", "Rejection", "ConnectionRejected", "HostName",
                   "LuName", "CodePage", "PoolSettings", "Volatile", "codec_for", "untypeable"):
        assert public in mainframe.__all__ and getattr(mainframe, public) is not None


def test_the_demo_tn3270_bridge_needs_nothing_but_the_package():
    """CUSTMAST, written as a bridge author would, imports ``mainframe`` and nothing under it."""
    from pathlib import Path

    root = Path(mainframe.__file__).resolve().parent.parent / "bridges" / "custmast"
    deep = [f"{p.name}: {line.strip()}" for p in root.glob("*.py") for line in p.read_text().splitlines()
            if line.startswith(("from mainframe.", "import mainframe."))]
    assert not deep, deep
