"""The CUSTBAL entry of the demo configuration: the extract folder the demo writes, read locally
(the demo has no SSH server; a real configuration names its `sftp` server)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

__all__ = ["demo_bridge_config"]


def demo_bridge_config(folder: str | os.PathLike[str]) -> dict[str, Any]:
    """``[bridges.custbal]`` for the demo: the latest extract in ``folder``, cached beside it."""
    folder = Path(folder).resolve()
    return {
        "kind": "custbal",
        "guard": {"deadline_s": 10, "max_concurrency": 8},
        "options": {"folder": str(folder), "cache_dir": str(folder.parent / "custbal-cache")},
    }
