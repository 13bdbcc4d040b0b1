"""Recording and replaying an extract source: SFTP sessions on a cassette, played back with no
SSH server at all.

The cassette (the one envelope every transport writes, transport ``sftp``) holds each listing
(pattern → the latest file's name, size and time) and each copy (file → its SHA-256); the copied
bytes themselves go beside it, in ``<cassette stem>.files/<name>``, byte for byte. Neither holds
anything of the SSH login: no host, user, key, passphrase or host key is ever asked of a
cassette, so none can be written to one.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Literal

from bridges.core.cassette import Cassette
from bridges.core.errors import BridgeError, CassetteMiss
from extract.source import RemoteFile, Source

__all__ = ["TRANSPORT", "RecordingSource", "ReplayingSource", "files_beside"]

TRANSPORT = "sftp"


def files_beside(cassette: Cassette) -> Path:
    """The folder of a cassette's copied files."""
    return cassette.path.with_name(f"{cassette.path.stem}.files")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


class RecordingSource(Source):
    """A live source whose listings and copies are written to a cassette."""

    def __init__(self, live: Source, cassette: Cassette) -> None:
        self.live, self.cassette = live, cassette

    def latest(self, pattern: str, by: Literal["name", "mtime"] = "name") -> RemoteFile:
        request = {"list": pattern, "latest_by": by}
        try:
            found = self.live.latest(pattern, by)
        except BridgeError as exc:
            self.cassette.record_error(request, exc)
            raise
        self.cassette.record(request, {"name": found.name, "size": found.size, "mtime": found.mtime})
        return found

    def copy(self, remote: RemoteFile, local: Path) -> None:
        request = {"copy": remote.name, "size": remote.size, "mtime": remote.mtime}
        try:
            self.live.copy(remote, local)
        except BridgeError as exc:
            self.cassette.record_error(request, exc)
            raise
        kept = files_beside(self.cassette)
        kept.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(local, kept / remote.name)
        self.cassette.record(request, {"sha256": _sha256(local)})

    def describe(self) -> str:
        return f"{self.live.describe()} (recording {self.cassette.path.name})"


class ReplayingSource(Source):
    """Listings and copies answered from a cassette: no SSH server, no network."""

    def __init__(self, cassette: Cassette) -> None:
        self.cassette = cassette

    def latest(self, pattern: str, by: Literal["name", "mtime"] = "name") -> RemoteFile:
        answer = self.cassette.play({"list": pattern, "latest_by": by})
        return RemoteFile(answer["name"], answer["size"], answer["mtime"])

    def copy(self, remote: RemoteFile, local: Path) -> None:
        answer = self.cassette.play({"copy": remote.name, "size": remote.size, "mtime": remote.mtime})
        kept = files_beside(self.cassette) / remote.name
        if not kept.is_file() or _sha256(kept) != answer["sha256"]:
            raise CassetteMiss(
                f"cassette {self.cassette.path.name}: the recorded copy of {remote.name} is missing "
                f"or changed (expected in {kept.parent.name}/)"
            )
        shutil.copyfile(kept, local)

    def describe(self) -> str:
        return f"cassette {self.cassette.path.name}"
