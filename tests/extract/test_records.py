"""Streaming records: whole records whatever the reads return, bounded reads, and a file cut
short named by its record."""

from __future__ import annotations

import io

import pytest

from extract import DecodeError, iter_records, parse_copybook, read_rows

pytestmark = pytest.mark.unit

LAYOUT = parse_copybook("01 R. 05 ID PIC 9(6). 05 AMT PIC S9(5)V99 COMP-3. 05 NAME PIC X(9).").layout()


class Trickle(io.RawIOBase):
    """A stream that returns at most ``step`` bytes a read (as pipes and SFTP may), noting each read's size."""

    def __init__(self, data: bytes, step: int) -> None:
        self.data, self.step, self.asked = memoryview(data), step, []

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        self.asked.append(size)
        out, self.data = self.data[: min(size, self.step)], self.data[min(size, self.step) :]
        return bytes(out)


def _file(n: int) -> bytes:
    return b"".join(LAYOUT.encode({"id": i, "amt": i - 500, "name": f"N{i}"}) for i in range(n))


def test_short_reads_still_give_whole_records_in_order():
    stream = Trickle(_file(1000), step=7)
    rows = list(read_rows(stream, LAYOUT, chunk_bytes=100))
    assert [r["id"] for r in rows] == list(range(1000)) and rows[3] == {"id": 3, "amt": -497, "name": "N3"}
    assert max(stream.asked) <= 100  # a read never asks for more than one chunk


def test_a_file_cut_inside_a_record_names_that_record():
    data = _file(10)[:-5]
    with pytest.raises(DecodeError, match=r"^record 10: the file ends 14 bytes into a record of 19"):
        list(iter_records(io.BytesIO(data), LAYOUT.length, chunk_bytes=64))


def test_a_malformed_record_deep_in_the_file_is_named_by_its_number():
    data = bytearray(_file(5000))
    data[LAYOUT.length * 4321] = 0x40  # record 4322's first digit
    with pytest.raises(DecodeError) as caught:
        for _ in read_rows(io.BytesIO(bytes(data)), LAYOUT, chunk_bytes=4096):
            pass
    assert (caught.value.record, caught.value.field) == (4322, "ID")
