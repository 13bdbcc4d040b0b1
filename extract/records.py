"""Streaming a file of fixed-length records: memory bounded by one read, whatever the file's size."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from extract.layout import DecodeError, Layout

__all__ = ["CHUNK_BYTES", "iter_records", "read_rows"]

CHUNK_BYTES = 1 << 20
"""About how much is read at a time (rounded down to whole records)."""


def iter_records(stream: IO[bytes], length: int, *, chunk_bytes: int = CHUNK_BYTES) -> Iterator[bytes]:
    """The records of ``stream``, ``length`` bytes each, in order.

    A stream that stops part-way through a record raises :class:`~extract.layout.DecodeError`
    naming that record. Short reads (pipes, SFTP) are fine: bytes are gathered until a
    record is whole."""
    if length < 1:
        raise ValueError("a record has at least one byte")
    size = max(1, chunk_bytes // length) * length
    number = 0
    rest = b""
    while True:
        chunk = stream.read(size - len(rest))
        if not chunk:
            break
        data = rest + chunk if rest else chunk
        whole = len(data) - len(data) % length
        for start in range(0, whole, length):
            yield data[start : start + length]
        number += whole // length
        rest = data[whole:]
    if rest:
        raise DecodeError(number + 1, None, f"the file ends {len(rest)} bytes into a record of {length}")


def read_rows(stream: IO[bytes], layout: Layout, *, chunk_bytes: int = CHUNK_BYTES) -> Iterator[dict[str, Any]]:
    """Every record of ``stream`` decoded by ``layout`` (errors name the record number, from 1)."""
    decode = layout.decode
    for number, record in enumerate(iter_records(stream, layout.length, chunk_bytes=chunk_bytes), 1):
        yield decode(record, number)
