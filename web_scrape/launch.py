"""Launching Chromium for Playwright: which executable, which flags.

Debian's ``/usr/bin/chromium`` is used when present (``playwright install`` cannot
always download); otherwise Playwright's own browser build, where one is installed.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tempfile
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
    ca_file: Path | None = Field(
        None,
        description="A CA certificate (PEM) the browser trusts for HTTPS besides "
        "the system's: the legacy application's own CA.",
    )


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


@functools.cache
def _home_trusting(ca_file: Path, mtime: float) -> str:
    """A HOME whose NSS database (where Chromium on Linux keeps local trust anchors) trusts ``ca_file``
    for servers; one per CA file and version, for the process's life."""
    from bridges.core.errors import ConfigError

    certutil = shutil.which("certutil")
    if certutil is None:
        raise ConfigError(
            "ca_file: the browser trusts a CA through an NSS database, and certutil is missing "
            "(Debian package libnss3-tools)"
        )
    home = Path(tempfile.mkdtemp(prefix="legacy-bridges-chromium-"))
    nssdb = home / ".pki" / "nssdb"
    nssdb.mkdir(parents=True)
    for args in (["-N", "--empty-password"], ["-A", "-t", "C,,", "-n", "legacy-application-ca", "-i", str(ca_file)]):
        done = subprocess.run([certutil, "-d", f"sql:{nssdb}", *args], capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise ConfigError(f"ca_file: certutil cannot take {ca_file.name} ({done.stderr.strip()[:200]})")
    return str(home)


def launch_browser(playwright: Any, settings: LaunchSettings) -> Any:
    """Launch Chromium through a started Playwright (sync API) and return the Browser."""
    executable = find_chromium(settings.chromium_path)
    env = None
    if settings.ca_file is not None:
        ca_file = settings.ca_file.expanduser().resolve()
        env = {**os.environ, "HOME": _home_trusting(ca_file, ca_file.stat().st_mtime)}
    return playwright.chromium.launch(
        executable_path=str(executable) if executable else None,
        headless=settings.headless,
        args=[*DEFAULT_CHROMIUM_ARGS, *settings.extra_args],
        timeout=settings.launch_timeout_s * 1000,
        env=env,
    )
