"""The extract bridge base: a bridge declares its copybook and trailer; the base owns the wiring.

    class BalancesBridge(ExtractBridge):
        name = "custbal"
        copybook = Path(__file__).with_name("CUSTBAL.cpy")
        record = "CUSTBAL-DETAIL"
        trailer = TrailerSpec("CUSTBAL-TRAILER", count="tr_record_count", total="tr_balance_total",
                              total_of="cb_balance")
        pattern = "CUSTBAL.D*.DAT"

The base owns the settings (:class:`ExtractSettings`: an SFTP server — through an SSH tunnel
too — or a local folder), finding the latest extract and copying it into a local cache
(bounded memory), checking its trailer (record count and control total: a file that does
not add up is refused, never served), paging by record number (random access: record ``n``
is at ``(n - 1) * length``), streaming every record, refresh every ``refresh_s``, ping, status
and close, and cassettes by configuration (:mod:`extract.cassette`: the SFTP session recorded, replayed
with no server). A per-system bridge declares operations that map decoded rows to its models.
"""

from __future__ import annotations

import logging
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field, field_validator

from bridges.core.cassette import Cassette
from bridges.core.codecs import EBCDIC_CODEPAGES
from bridges.core.errors import ConfigError, LegacyError, NotFound
from bridges.core.operation import Bridge, BridgeContext
from bridges.core.streaming import RowStream
from extract.cassette import TRANSPORT, RecordingSource, ReplayingSource
from extract.copybook import parse_copybook
from extract.layout import Layout
from extract.records import iter_records
from extract.source import FolderSource, RemoteFile, SftpSettings, SftpSource, Source

__all__ = ["ExtractBridge", "ExtractInfo", "ExtractSettings", "TrailerSpec"]

log = logging.getLogger("legacy_bridges.extract")


class ExtractSettings(BaseModel):
    """Where a bridge's extracts are and how they are read (a bridge's ``options``)."""

    model_config = {"extra": "forbid"}

    sftp: SftpSettings | None = Field(None, description="The SFTP server holding the extracts; none: a local folder.")
    folder: str = Field(
        min_length=1,
        max_length=1024,
        description="The extracts' folder (on the SFTP server, or local when there is no `sftp`).",
    )
    pattern: str | None = Field(
        None, max_length=256, description="File-name pattern of the extracts (fnmatch); default: the bridge's own."
    )
    latest_by: Literal["name", "mtime"] = Field(
        "name",
        description="Which file is the latest: the greatest name "
        "(names carrying the run date) or the newest modification time.",
    )
    codepage: str = Field("cp037", description="The extract's EBCDIC code page.")
    cache_dir: Path | None = Field(None, description="Where the latest extract is copied; default: a temp folder.")
    refresh_s: float = Field(300.0, ge=0, le=86_400, description="How often to look for a newer extract.")

    @field_validator("codepage")
    @classmethod
    def _codepage(cls, value: str) -> str:
        if value not in EBCDIC_CODEPAGES:
            raise ValueError(f"not an EBCDIC code page ({', '.join(EBCDIC_CODEPAGES)})")
        return value

    def tunnel_target(self) -> tuple[str, int]:
        """The SFTP server's host and port, which an SSH tunnel can stand in for."""
        if self.sftp is None:
            raise ConfigError("the extracts are in a local folder: there is no host to tunnel to")
        return self.sftp.host, self.sftp.port

    def through_tunnel(self, host: str, port: int) -> ExtractSettings:
        """These settings reaching the SFTP server at ``host``:``port``."""
        assert self.sftp is not None
        real = self.sftp.host if self.sftp.port == 22 else f"[{self.sftp.host}]:{self.sftp.port}"
        alias = self.sftp.host_key_alias or real  # the server's key is still looked up under its own name
        return self.model_copy(
            update={"sftp": self.sftp.model_copy(update={"host": host, "port": port, "host_key_alias": alias})}
        )


@dataclass(frozen=True)
class TrailerSpec:
    """The last record of each file is a trailer (01 ``record`` of the copybook) holding the count of
    detail records (row key ``count``) and optionally a control total (``total``) of the detail
    field ``total_of``."""

    record: str
    count: str
    total: str | None = None
    total_of: str | None = None


class ExtractInfo(BaseModel):
    """The extract being served."""

    file: str = Field(description="The extract's file name.")
    records: int = Field(description="Detail records.")
    bytes: int = Field(description="Size of the extract file in bytes.")
    control_total: Decimal | None = Field(None, description="The trailer's control total, checked against the data.")
    fetched_at: datetime = Field(description="When the file was copied from its source (UTC).")


@dataclass
class _Loaded:
    remote: RemoteFile
    path: Path
    records: int
    total: Decimal | None
    fetched_at: datetime

    def info(self) -> ExtractInfo:
        return ExtractInfo(
            file=self.remote.name,
            records=self.records,
            bytes=self.remote.size,
            control_total=self.total,
            fetched_at=self.fetched_at,
        )


class ExtractBridge(Bridge):
    """Base of a bridge serving a legacy system's extract files (see the module docstring)."""

    Settings: ClassVar[type[BaseModel]] = ExtractSettings
    copybook: ClassVar[Path]
    record: ClassVar[str | None] = None
    trailer: ClassVar[TrailerSpec | None] = None
    pattern: ClassVar[str] = "*"

    def __init__(self, settings: ExtractSettings, context: BridgeContext) -> None:  # type: ignore[override]
        super().__init__(settings, context)
        book = parse_copybook(self.copybook.read_text(encoding="utf-8"))
        self.layout: Layout = book.layout(self.record, codepage=settings.codepage)
        self.trailer_layout = book.layout(self.trailer.record, codepage=settings.codepage) if self.trailer else None
        if self.trailer_layout is not None and self.trailer_layout.length != self.layout.length:
            raise ConfigError(f"{self.name}: the trailer record is not as long as the detail record")
        self.cassette: Cassette | None = None
        if context.cassette is not None:
            self.cassette = Cassette.open(
                context.cassette, transport=TRANSPORT, system=self.name, secrets=context.secrets
            )
        self.mode = "live" if self.cassette is None else ("replay" if self.cassette.replaying else "record")
        self.source: Source = self._source(settings, context)
        self._own_cache = settings.cache_dir is None
        self.cache_dir = Path(tempfile.mkdtemp(prefix=f"{self.name}-")) if self._own_cache else settings.cache_dir
        self.cache_dir.mkdir(parents=True, exist_ok=True)  # type: ignore[union-attr]
        self._lock = threading.Lock()
        self._loaded: _Loaded | None = None
        self._checked = 0.0
        try:
            self.current()
        except NotFound as exc:  # no extract published yet: the bridge serves once one is
            log.warning("%s: %s", self.name, exc.detail)

    def _source(self, settings: ExtractSettings, context: BridgeContext) -> Source:
        if self.cassette is not None and self.cassette.replaying:
            return ReplayingSource(self.cassette)
        passphrase = context.secrets.get("ssh_passphrase")
        live: Source = (
            SftpSource(settings.sftp, settings.folder, passphrase=passphrase)
            if settings.sftp
            else FolderSource(Path(settings.folder))
        )
        return live if self.cassette is None else RecordingSource(live, self.cassette)

    # -- the current extract ---------------------------------------------------------------

    def current(self) -> _Loaded:
        """The latest extract, copied and checked (a newer one is looked for every ``refresh_s``)."""
        settings: ExtractSettings = self.settings  # type: ignore[assignment]
        with self._lock:
            # With a cassette the extract is fetched once: a recording is one ordered story.
            stale = self.cassette is None and time.monotonic() - self._checked >= settings.refresh_s
            if self._loaded is None or stale:
                remote = self.source.latest(settings.pattern or self.pattern, settings.latest_by)
                self._checked = time.monotonic()
                if self._loaded is None or self._loaded.remote != remote:
                    old, self._loaded = self._loaded, self._fetch(remote)
                    if old is not None:
                        old.path.unlink(missing_ok=True)  # readers still holding it open keep reading it
            return self._loaded  # type: ignore[return-value]

    def _fetch(self, remote: RemoteFile) -> _Loaded:
        local = self.cache_dir / f"{remote.name}.{remote.mtime}"  # type: ignore[operator]
        self.source.copy(remote, local)
        try:
            records, total = self._check(local, remote.name)
        except BaseException:
            local.unlink(missing_ok=True)
            raise
        log.info("%s: serving %s (%d records) from %s", self.name, remote.name, records, self.source.describe())
        return _Loaded(remote, local, records, total, datetime.now(UTC))

    def _check(self, path: Path, name: str) -> tuple[int, Decimal | None]:
        """The number of detail records and the control total, checked against the trailer."""
        size, length = path.stat().st_size, self.layout.length
        if size % length:
            raise LegacyError(f"{self.name}: {name} is {size} bytes, not a whole number of {length}-byte records")
        count = size // length
        if self.trailer is None or self.trailer_layout is None:
            return count, None
        spec, details = self.trailer, count - 1
        if details < 0:
            raise LegacyError(f"{self.name}: {name} is empty: its trailer record is missing")
        summed = Decimal(0)
        with open(path, "rb") as f:
            last = b""
            for number, record in enumerate(iter_records(f, length), 1):
                if number == count:
                    last = record
                elif spec.total_of:
                    summed += self.layout.value(record, spec.total_of, number)
        trailer = self.trailer_layout.decode(last, count)
        if trailer[spec.count] != details:
            raise LegacyError(
                f"{self.name}: {name}'s trailer counts {trailer[spec.count]} records, the file holds {details}: refused"
            )
        total = trailer[spec.total] if spec.total else None
        if spec.total and spec.total_of and total != summed:
            raise LegacyError(
                f"{self.name}: {name}'s trailer total {total} is not the sum of {spec.total_of} ({summed}): refused"
            )
        return details, total

    # -- for operations ----------------------------------------------------------------------

    def page(self, start: int, limit: int) -> tuple[_Loaded, list[dict[str, Any]], int | None]:
        """Detail records ``start`` … ``start + limit - 1`` (1-based) decoded, and the next start (None at the end)."""
        loaded = self.current()
        length = self.layout.length
        end = min(loaded.records, start + limit - 1)
        rows: list[dict[str, Any]] = []
        if start <= end:
            with open(loaded.path, "rb") as f:
                f.seek((start - 1) * length)
                data = f.read((end - start + 1) * length)
            rows = [self.layout.decode(data[i * length : (i + 1) * length], start + i) for i in range(end - start + 1)]
        return loaded, rows, end + 1 if end < loaded.records else None

    def rows(self) -> RowStream:
        """Every detail record decoded, streamed (the file read a chunk at a time)."""
        loaded = self.current()
        f = open(loaded.path, "rb")  # noqa: SIM115 - closed by the stream, however it ends

        def produce() -> Iterator[dict[str, Any]]:
            decode = self.layout.decode
            for number, record in enumerate(iter_records(f, self.layout.length), 1):
                if number > loaded.records:
                    return  # the trailer
                yield decode(record, number)

        return RowStream(produce(), on_close=f.close)

    # -- health ------------------------------------------------------------------------------

    def ping(self) -> dict[str, Any]:
        """List the source's folder once (live only: a cassette holds the calls' listings alone)."""
        if self.cassette is not None:
            return {"mode": self.mode}
        settings: ExtractSettings = self.settings  # type: ignore[assignment]
        latest = self.source.latest(settings.pattern or self.pattern, settings.latest_by)
        return {"mode": "live", "latest": latest.name}

    def status(self) -> dict[str, Any]:
        """The extract served, with no round trip."""
        loaded = self._loaded
        return {
            "mode": self.mode,
            "source": self.source.describe(),
            "extract": loaded.remote.name if loaded else None,
            "records": loaded.records if loaded else 0,
        }

    def close(self) -> None:
        """Remove the cached copy; save a recording."""
        if self.cassette is not None:
            self.cassette.save()
        with self._lock:
            if self._loaded is not None:
                self._loaded.path.unlink(missing_ok=True)
            if self._own_cache:
                for leftover in self.cache_dir.iterdir():  # type: ignore[union-attr]
                    leftover.unlink(missing_ok=True)
                self.cache_dir.rmdir()  # type: ignore[union-attr]
