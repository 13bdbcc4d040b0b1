"""SQL ``load_extension()`` switched off on every SQLite connection this process opens.

sqliteodbc 0.9998 enables extension loading on each connection it opens (for its
``LoadExt`` option) and has no option to turn it off, so a statement that reached the
driver could load any shared library on the host. The driver and Python share the
system ``libsqlite3``: an auto-extension registered there (``sqlite3_auto_extension``)
runs as each connection opens and replaces the SQL function ``load_extension`` (one and
two arguments) with one that refuses. The C API stays, so a configured ``LoadExt`` still
works. ``python -c "import rdbms.sqlite_ext as s; print(s.disable_extension_loading())"``.
"""

from __future__ import annotations

import atexit
import ctypes
import ctypes.util
import threading
from typing import Any

__all__ = ["REFUSAL", "disable_extension_loading"]

REFUSAL = "load_extension is disabled on this connection"
"""The error text of the replaced function (the write probe looks for it)."""

_FUNC = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p)
_ENTRY = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p)
_SQLITE_UTF8 = 1
_lock = threading.Lock()
_state: dict[str, Any] = {}


def _library() -> Any:
    name = ctypes.util.find_library("sqlite3") or "libsqlite3.so.0"
    lib = ctypes.CDLL(name)
    lib.sqlite3_result_error.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    lib.sqlite3_result_error.restype = None
    lib.sqlite3_create_function_v2.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_int,
                                               ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p,
                                               ctypes.c_void_p]
    lib.sqlite3_auto_extension.argtypes = [ctypes.c_void_p]
    lib.sqlite3_cancel_auto_extension.argtypes = [ctypes.c_void_p]
    return lib


def disable_extension_loading() -> bool:
    """Register the auto-extension once per process; False when no shared libsqlite3
    could be loaded (then the write probe reports extension loading as a finding)."""
    with _lock:
        if "entry" in _state:
            return True
        try:
            lib = _library()
        except OSError:
            return False
        message = REFUSAL.encode()

        @_FUNC
        def refuse(context: int, argc: int, argv: int) -> None:
            lib.sqlite3_result_error(context, message, -1)

        @_ENTRY
        def entry(db: int, errmsg: int, api: int) -> int:
            for arguments in (1, 2):
                lib.sqlite3_create_function_v2(db, b"load_extension", arguments, _SQLITE_UTF8, None,
                                               ctypes.cast(refuse, ctypes.c_void_p), None, None, None)
            return 0

        if lib.sqlite3_auto_extension(ctypes.cast(entry, ctypes.c_void_p)) != 0:
            return False
        _state.update(lib=lib, refuse=refuse, entry=entry)  # the callbacks must outlive every connection
        atexit.register(lambda: lib.sqlite3_cancel_auto_extension(ctypes.cast(entry, ctypes.c_void_p)))
        return True
