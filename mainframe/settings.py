"""Validated setting types for TN3270 connections: checked when a configuration is
loaded, so a bad value fails at start naming its key (never later, as a caller's 422).

    class MySettings(BaseModel):
        model_config = {"extra": "forbid"}
        host: HostName = "127.0.0.1"
        code_page: CodePage = "cp037"
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator

from mainframe.s3270 import codec_for

__all__ = ["HOST_PATTERN", "LU_NAME_PATTERN", "CodePage", "HostName", "LuName", "check_code_page"]

HOST_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9.\-]{0,252}|\[[0-9A-Fa-f:.]+\]")
"""A host name, IPv4 address or bracketed IPv6 address (nothing that could end an s3270 action)."""
LU_NAME_PATTERN = re.compile(r"[A-Za-z0-9#@$]{1,8}")
"""An LU name: 1 to 8 letters, digits, ``#``, ``@`` or ``$``."""


def _host(value: str) -> str:
    if not HOST_PATTERN.fullmatch(value):
        raise ValueError("not a host name or address (letters, digits, '.', '-'; IPv6 in brackets)")
    return value


def _lu_name(value: str) -> str:
    if not LU_NAME_PATTERN.fullmatch(value):
        raise ValueError("not an LU name (1 to 8 letters, digits, #, @ or $)")
    return value


def check_code_page(value: str) -> str:
    """``value`` if it names an EBCDIC code page the codecs know, else ValueError."""
    try:
        ebcdic = codec_for(value).encode("A")[0] == b"\xc1"
    except LookupError:
        ebcdic = False
    if not ebcdic or not re.fullmatch(r"cp\d{3,4}", value):
        raise ValueError("not an EBCDIC code page (cp037, cp1047, cp1140, cp1141, …)")
    return value


HostName = Annotated[str, AfterValidator(_host)]
"""A TN3270 server host, validated."""
LuName = Annotated[str, AfterValidator(_lu_name)]
"""A TN3270E LU name, validated."""
CodePage = Annotated[str, AfterValidator(check_code_page)]
"""An EBCDIC code page s3270 supports (cp037, cp1047, cp1140, …), validated."""
