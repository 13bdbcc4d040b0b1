"""Decoding a mainframe extract: records/s through the copybook layout, and peak memory as the file grows.

Writes a CUSTBAL extract (``fixtures/custmast/CUSTBAL.cpy``: COMP-3 balances, a binary field,
zoned dates, a 12-times OCCURS group; 150-byte records) of ``--records`` records, then, in the
same run and on the same file:

* baseline: the file read in the same chunks and decoded as cp037 text (``bytes.decode``),
  the least any decoder of these bytes does;
* the layout: every record decoded into a typed row (``extract.read_rows``);
* peak RSS of a fresh process decoding a quarter of the file and the whole file (streaming:
  the two stay equal as the file grows).

Times are CPU time of the process (``time.process_time``), so that a busy machine does not
count against either side.

    .venv/bin/python bench/extract.py [--records 1000000]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from extract import iter_records, parse_copybook, read_rows
from extract.records import CHUNK_BYTES
from fixtures.custmast.extract import COPYBOOK, balances

LAYOUT = parse_copybook(COPYBOOK.read_text(encoding="ascii")).layout("CUSTBAL-DETAIL")


def write_file(path: Path, records: int) -> None:
    """``records`` detail records: the demo world's 600 customers' records, repeated."""
    block = b"".join(LAYOUT.encode(row) for row in balances())
    per_block = len(block) // LAYOUT.length
    with open(path, "wb") as out:
        left = records
        while left > 0:
            take = min(left, per_block)
            out.write(block[: take * LAYOUT.length])
            left -= take


def baseline(path: Path) -> float:
    """CPU seconds to read the file in the decoder's chunks and decode it as cp037 text."""
    start = time.process_time()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK_BYTES):
            chunk.decode("cp037")
    return time.process_time() - start


def decode(path: Path, records: int | None = None) -> tuple[float, int]:
    """CPU seconds to decode (the first ``records``, or all) records into rows, and how many."""
    start = time.process_time()
    n = 0
    with open(path, "rb") as f:
        for n, _row in enumerate(read_rows(f, LAYOUT), 1):
            if records is not None and n >= records:
                break
    return time.process_time() - start, n


def child(path: Path, records: int) -> None:
    decode(path, records)
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)


def peak_rss_mib(path: Path, records: int) -> int:
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(path), str(records)], capture_output=True, text=True, check=True
    )
    return int(out.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child[0]), int(args.child[1]))
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "CUSTBAL.DAT"
        write_file(path, args.records)
        size_mb = path.stat().st_size / 1e6
        with open(path, "rb") as f:
            assert sum(1 for _ in iter_records(f, LAYOUT.length)) == args.records
        base = min(baseline(path) for _ in range(3))
        took, n = decode(path)
        rate = n / took
        quarter, whole = peak_rss_mib(path, args.records // 4), peak_rss_mib(path, args.records)
        print(f"file: {n:,} records of {LAYOUT.length} bytes ({size_mb:.0f} MB)")
        print(f"baseline cp037 bytes.decode of the same chunks: {base:.3f} CPU s ({size_mb / base:,.0f} MB/s)")
        print(f"layout decode into typed rows: {took:.2f} CPU s ({rate:,.0f} records/s, {size_mb / took:.1f} MB/s)")
        print(f"peak RSS: {quarter} MiB decoding {args.records // 4:,} records, {whole} MiB decoding {args.records:,}")
        print(
            f"CUSTBAL decode: {rate:,.0f} records/s ({took / base:.0f}x the cp037 text-decode baseline), "
            f"peak RSS {quarter} -> {whole} MiB from {args.records // 4:,} to {args.records:,} records"
        )


if __name__ == "__main__":
    main()
