"""The public surface of ``mainframe`` is what its package docstring and ``__all__`` say."""

from __future__ import annotations

import importlib
import inspect

import pytest

import mainframe

pytestmark = pytest.mark.unit

MODULES = ["mainframe.cassette", "mainframe.live", "mainframe.pool", "mainframe.port", "mainframe.s3270",
           "mainframe.screens", "mainframe.snapshot", "mainframe.testing"]


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
    assert sorted(mainframe.__all__) == list(mainframe.__all__)
