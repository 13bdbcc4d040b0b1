"""Helpers for tests of browser flows: Chromium's presence and the browser's processes."""

from __future__ import annotations

import os

import psutil

from bridges.core.testing import need
from web_scrape.launch import find_chromium

__all__ = ["browser_processes", "need_chromium"]


def need_chromium() -> str:
    """The Chromium executable, or — when there is none — a test failure under ``CI=true``
    and a skip elsewhere (a real part that cannot run is never silently skipped in CI)."""
    path = find_chromium()
    need(path is not None and path.exists(), "Chromium")
    return str(path)


def browser_processes() -> list[psutil.Process]:
    """The Chromium browser processes (not their helpers) started under this process."""
    found = []
    for child in psutil.Process().children(recursive=True):
        try:
            cmdline = child.cmdline()
        except psutil.Error:
            continue
        if cmdline and "chrom" in os.path.basename(cmdline[0]) and not any(a.startswith("--type=") for a in cmdline):
            found.append(child)
    return found
