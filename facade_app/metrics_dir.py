"""The folder prometheus_client's multiprocess mode shares between the workers of one
gunicorn master (chosen before prometheus_client is imported, so it imports nothing of it)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

__all__ = ["prepare_metrics_dir"]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def prepare_metrics_dir(state_dir: Path) -> Path:
    """``<state_dir>/metrics/<master pid>``, created; the folders of masters that are gone are
    removed (their counts are history: a new master starts from zero, as Prometheus expects)."""
    root = state_dir / "metrics"
    root.mkdir(parents=True, exist_ok=True)
    for old in root.iterdir():
        if old.is_dir() and old.name.isdigit() and not _alive(int(old.name)):
            shutil.rmtree(old, ignore_errors=True)
    folder = root / str(os.getppid())
    folder.mkdir(exist_ok=True)
    return folder
