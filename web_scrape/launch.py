"""Launching Chromium for Playwright: which executable, which flags.

Debian's ``/usr/bin/chromium`` is used when present (``playwright install`` cannot
always download); otherwise Playwright's own browser build, where one is installed.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

__all__ = ["DEFAULT_CHROMIUM_ARGS", "LaunchSettings", "find_chromium", "launch_browser"]

# Flags for a headless server: no sandbox (containers run as root), no GPU, and no
# background traffic that would reach the network or pollute HAR recordings.
DEFAULT_CHROMIUM_ARGS: tuple[str, ...] = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
)

_SYSTEM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")


class LaunchSettings(BaseModel):
    """How to start the browser."""

    model_config = {"extra": "forbid"}

    chromium_path: Path | None = Field(
        None, description="Chromium executable; None finds the system one, else Playwright's own build."
    )
    headless: bool = True
    extra_args: list[str] = Field(default_factory=list, description="Added to the default Chromium flags.")
    launch_timeout_s: float = Field(30.0, gt=0, description="How long a launch may take.")


def find_chromium(configured: Path | None = None) -> Path | None:
    """The executable to launch: the configured one, a system Chromium, or None
    (meaning Playwright's own browser build)."""
    if configured is not None:
        return Path(configured)
    for candidate in _SYSTEM_CANDIDATES:
        if Path(candidate).exists():
            return Path(candidate)
    found = shutil.which("chromium")
    return Path(found) if found else None


def launch_browser(playwright: Any, settings: LaunchSettings) -> Any:
    """Launch Chromium through a started Playwright (sync API) and return the Browser."""
    executable = find_chromium(settings.chromium_path)
    return playwright.chromium.launch(
        executable_path=str(executable) if executable else None,
        headless=settings.headless,
        args=[*DEFAULT_CHROMIUM_ARGS, *settings.extra_args],
        timeout=settings.launch_timeout_s * 1000,
    )
