"""Mainframe extract files: COBOL copybooks, fixed-length EBCDIC records, typed rows.

A transport package usable on its own::

    from extract import parse_copybook, read_rows

    layout = parse_copybook(Path("CUSTBAL.cpy").read_text()).layout(codepage="cp037")
    with open("CUSTBAL.dat", "rb") as f:
        for row in read_rows(f, layout):          # streaming: memory bounded by one chunk
            ...

:mod:`extract.copybook` parses copybooks, :mod:`extract.layout` places fields and decodes
or encodes one record, :mod:`extract.fields` reads one item, :mod:`extract.records`
streams a file of records.
"""

from extract.copybook import Copybook, CopybookError, parse_copybook
from extract.layout import DecodeError, EncodeError, Field, Layout
from extract.records import iter_records, read_rows

__all__ = [
    "Copybook",
    "CopybookError",
    "DecodeError",
    "EncodeError",
    "Field",
    "Layout",
    "iter_records",
    "parse_copybook",
    "read_rows",
]
