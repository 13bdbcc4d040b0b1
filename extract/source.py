"""Where extract files come from: a folder on an SFTP server (paramiko), or a local folder.

Both list the files matching a pattern, pick the latest (by name — extract names carry their
run date — or by modification time), and copy it into a local cache file in chunks, so a
file of any size passes with bounded memory. An SFTP source opens one SSH session per
listing or copy: nothing stays connected between nightly extracts.
"""

from __future__ import annotations

import fnmatch
import shutil
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Literal

from pydantic import Field

from bridges.core.errors import NotFound, Unavailable
from bridges.core.tunnel import SshLogin, open_ssh

__all__ = ["FolderSource", "RemoteFile", "SftpSettings", "SftpSource", "Source"]


class SftpSettings(SshLogin):
    """An SFTP server holding the extracts (login and host keys as for SSH tunnels)."""

    host: str = Field(min_length=1, max_length=253, pattern=r"^[A-Za-z0-9.\-]+$", description="The SFTP server.")
    port: int = Field(22, ge=1, le=65535, description="Its SSH port.")


@dataclass(frozen=True)
class RemoteFile:
    """One extract file as listed: name, size in bytes, modification time (epoch seconds)."""

    name: str
    size: int
    mtime: int


def _latest(files: list[RemoteFile], pattern: str, by: str, where: str) -> RemoteFile:
    matching = [f for f in files if fnmatch.fnmatchcase(f.name, pattern)]
    if not matching:
        raise NotFound(f"{where}: no file matches {pattern}")
    return max(matching, key=(lambda f: (f.name, f.mtime)) if by == "name" else (lambda f: (f.mtime, f.name)))


class Source:
    """The port: list the latest matching file, copy a file into a local path."""

    def latest(self, pattern: str, by: Literal["name", "mtime"] = "name") -> RemoteFile:
        """The latest file matching ``pattern`` (NotFound when none)."""
        raise NotImplementedError

    def copy(self, remote: RemoteFile, local: Path) -> None:
        """Copy ``remote`` to ``local`` (written to a temporary name first, renamed when whole)."""
        raise NotImplementedError

    def describe(self) -> str:
        """Where files come from, for status and errors (no secret)."""
        raise NotImplementedError


class FolderSource(Source):
    """Extracts in a local (or mounted) folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def latest(self, pattern: str, by: Literal["name", "mtime"] = "name") -> RemoteFile:
        if not self.folder.is_dir():
            raise Unavailable(f"{self.describe()}: not a folder")
        files = [
            RemoteFile(p.name, (st := p.stat()).st_size, int(st.st_mtime)) for p in self.folder.iterdir() if p.is_file()
        ]
        return _latest(files, pattern, by, self.describe())

    def copy(self, remote: RemoteFile, local: Path) -> None:
        partial = local.with_name(local.name + ".part")
        with open(self.folder / remote.name, "rb") as src, open(partial, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        partial.replace(local)

    def describe(self) -> str:
        return f"folder {self.folder}"


class SftpSource(Source):
    """Extracts in a folder of an SFTP server."""

    def __init__(self, settings: SftpSettings, folder: str, *, passphrase: str | None = None) -> None:
        self.settings, self.folder, self._passphrase = settings, PurePosixPath(folder), passphrase

    def _open(self):
        client = open_ssh(
            self.settings.host, self.settings.port, self.settings, passphrase=self._passphrase, where=self.describe()
        )
        try:
            return client, client.open_sftp()
        except Exception as exc:
            client.close()
            raise Unavailable(f"{self.describe()}: the server offers no SFTP ({type(exc).__name__})") from None

    def latest(self, pattern: str, by: Literal["name", "mtime"] = "name") -> RemoteFile:
        client, sftp = self._open()
        try:
            try:
                entries = sftp.listdir_attr(str(self.folder))
            except OSError as exc:
                raise Unavailable(f"{self.describe()}: cannot list the folder ({exc.strerror or 'error'})") from None
            files = [
                RemoteFile(e.filename, e.st_size or 0, e.st_mtime or 0)
                for e in entries
                if e.st_mode is None or not (e.st_mode & 0o040000)
            ]
            return _latest(files, pattern, by, self.describe())
        finally:
            sftp.close()
            client.close()

    def copy(self, remote: RemoteFile, local: Path) -> None:
        client, sftp = self._open()
        partial = local.with_name(local.name + ".part")
        try:
            with sftp.open(str(self.folder / remote.name), "rb") as src, open(partial, "wb") as dst:
                # Pipelined reads (SFTP's round trips would otherwise bound the speed), at most 64 x 32 KiB
                # in flight: memory stays bounded whatever the file's size.
                src.prefetch(remote.size, max_concurrent_requests=64)
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
        except OSError as exc:
            raise Unavailable(f"{self.describe()}: cannot read {remote.name} ({exc.strerror or 'error'})") from None
        finally:
            sftp.close()
            client.close()
        partial.replace(local)

    def describe(self) -> str:
        return f"sftp://{self.settings.user}@{self.settings.host}:{self.settings.port}{self.folder}"
