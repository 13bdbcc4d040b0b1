"""Reading what a caller sends, so that no input can crash a worker or hold it.

    buffer_request(max_query_bytes, max_body_bytes, timeout_s)   # before each request
    data = json_object()                                          # a write's JSON body
    pending_error()                                               # before a read uses its query

The body is read once, before the view runs: at most ``max_body_bytes`` (a chunked
body over it gets 413, like a declared one), within ``timeout_s`` in total (a slow or
stalled client gets 408 and the worker is freed: at the deadline the socket's read side
is shut, which wakes the blocked read under gunicorn and Werkzeug alike). The bytes then
replace ``wsgi.input``, so whatever reads the body later reads the buffered copy.

A JSON body is decoded strictly: invalid UTF-8, lone surrogates (``"\\ud800"``), raw
control characters, ``NaN``/``Infinity`` and nesting deeper than :data:`MAX_DEPTH` are
refused with 422 naming the field, never a 500; so is a query string that is not UTF-8.
(An escaped NUL, ``"\\u0000"``, is a character like any other here: whether a field takes
it is the operation's input model's rule, stated in its schema — a generic refusal would
be a rule the OpenAPI document does not state.)

Problems found before the view are kept, not answered at once, so that an operation's
view raises them through its usual error mapping and audit (:func:`json_object`,
:func:`pending_error`); other routes answer them straight away (see ``facade_app.app``).
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import socket
import threading
import time
from typing import Any
from urllib.parse import unquote_to_bytes

from flask import g, request

from bridges.core.errors import BridgeError, InvalidInput

__all__ = [
    "MAX_DEPTH",
    "ContentTooLarge",
    "IncompleteBody",
    "RequestTimeout",
    "UriTooLong",
    "buffer_request",
    "json_object",
    "pending_error",
]

MAX_DEPTH = 32
"""The deepest nesting of arrays and objects a JSON body may have."""

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_STEP = 65_536


class ContentTooLarge(BridgeError):
    """The request body is larger than ``facade.max_body_bytes``."""

    status, slug, title = 413, "content-too-large", "Content too large"


class RequestTimeout(BridgeError):
    """The request body did not arrive within ``facade.body_timeout_s``."""

    status, slug, title = 408, "request-timeout", "Request timeout"


class IncompleteBody(BridgeError):
    """The client closed the connection before sending the body it announced."""

    status, slug, title = 400, "incomplete-body", "Incomplete body"


class UriTooLong(BridgeError):
    """The query string is longer than ``facade.max_query_bytes``."""

    status, slug, title = 414, "uri-too-long", "URI too long"


def buffer_request(max_query_bytes: int, max_body_bytes: int, timeout_s: float) -> None:
    """Check the query's length and read the body (bounded); keep any problem in ``g``."""
    g.input_error = None
    g.body = b""
    try:
        if len(request.query_string) > max_query_bytes:
            raise UriTooLong(f"the query string exceeds {max_query_bytes} bytes")
        _check_query(request.query_string)
        g.body = _read_body(request.environ, max_body_bytes, timeout_s)
    except BridgeError as exc:
        g.input_error = exc


def pending_error() -> None:
    """Raise the problem :func:`buffer_request` found, if any."""
    error = g.get("input_error")
    if error is not None:
        raise error


def json_object() -> dict[str, Any]:
    """The request's JSON object body, checked; :class:`InvalidInput` (422) otherwise."""
    pending_error()
    if not request.is_json:
        raise _invalid("(body)", "send the input as a JSON object with 'Content-Type: application/json'",
                       "content_type", "not JSON")
    try:
        text = g.get("body", b"").decode("utf-8")
    except UnicodeDecodeError:
        raise _invalid("(body)", "the request body is not valid UTF-8", "utf8", "invalid UTF-8") from None
    try:
        body = json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        raise _too_deep("(body)") from None
    except ValueError:
        raise _invalid("(body)", "the request body must be a JSON object", "json",
                       "malformed JSON or not an object") from None
    if not isinstance(body, dict):
        raise _invalid("(body)", "the request body must be a JSON object", "json", "malformed JSON or not an object")
    _check_tree(body)
    return body


def _check_query(query: bytes) -> None:
    """Refuse a query string that is not valid UTF-8 (422, naming the parameter)."""
    for part in query.split(b"&"):
        name, _, value = part.partition(b"=")
        for raw in (name, value):
            try:
                unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
            except UnicodeDecodeError:
                field = _label(unquote_to_bytes(name).decode("utf-8", "backslashreplace"))
                raise _invalid(field, "a query parameter is not valid UTF-8", "utf8", "invalid UTF-8") from None


def _read_body(environ: dict[str, Any], max_bytes: int, timeout_s: float) -> bytes:
    """The whole body (``b""`` when there is none), within the size and time limits."""
    encoding = environ.get("HTTP_TRANSFER_ENCODING", "").lower()
    chunked = bool(environ.get("wsgi.input_terminated")) and "chunked" in encoding
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if not chunked and length <= 0:
        return b""
    if length > max_bytes:
        raise ContentTooLarge(f"the request body exceeds {max_bytes} bytes")
    stream = environ["wsgi.input"]
    sock = environ.get("gunicorn.socket") or environ.get("werkzeug.socket")
    expired = threading.Event()
    watchdog = None
    if isinstance(sock, socket.socket):
        watchdog = threading.Timer(timeout_s, _cut, (sock, expired))
        watchdog.daemon = True
        watchdog.start()
    started = time.monotonic()
    parts: list[bytes] = []
    size = 0
    want = max_bytes + 1 if chunked else length
    try:
        while size < want:
            data = stream.read(min(_STEP, want - size))
            if not data:
                break
            parts.append(data)
            size += len(data)
            if time.monotonic() - started > timeout_s:  # a source with no socket to cut
                expired.set()
                break
    except Exception:  # the server's reader fails on a cut or broken body: judged below
        if not expired.is_set():
            raise IncompleteBody("the request body ended before its announced length") from None
    finally:
        if watchdog is not None:
            watchdog.cancel()
    if expired.is_set():
        raise RequestTimeout(f"the request body did not arrive within {timeout_s:g} s")
    if size > max_bytes:
        raise ContentTooLarge(f"the request body exceeds {max_bytes} bytes")
    if not chunked and size < length:
        raise IncompleteBody("the request body ended before its announced length")
    body = b"".join(parts)
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    environ.pop("HTTP_TRANSFER_ENCODING", None)
    return body


def _cut(sock: socket.socket, expired: threading.Event) -> None:
    """The deadline passed: wake the blocked read by shutting the socket's read side."""
    expired.set()
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RD)


def _check_tree(body: dict[str, Any]) -> None:
    """Depth and lone surrogates anywhere in a parsed body (iteratively: no recursion)."""
    stack: list[tuple[Any, str, int]] = [(body, "", 1)]
    while stack:
        item, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise _too_deep(path or "(body)")
        if isinstance(item, dict):
            for key, value in item.items():
                field = f"{path}.{_label(key)}" if path else _label(key)
                _check_text(key, field)
                stack.append((value, field, depth + 1))
        elif isinstance(item, list):
            stack.extend((value, f"{path}[{i}]", depth + 1) for i, value in enumerate(item))
        elif isinstance(item, str):
            _check_text(item, path or "(body)")


def _check_text(text: str, field: str) -> None:
    if _LONE_SURROGATE.search(text) is None:
        return
    raise _invalid(field, "the input holds a lone surrogate (not a Unicode character)", "surrogate",
                   "lone surrogates are not accepted")


def _label(name: str) -> str:
    """A field name safe to echo: UTF-8 encodable, at most 64 characters."""
    return name.encode("utf-8", "backslashreplace").decode("utf-8")[:64]


def _too_deep(field: str) -> InvalidInput:
    return _invalid(field, f"the JSON body is nested deeper than {MAX_DEPTH} levels", "depth",
                    f"nested deeper than {MAX_DEPTH} levels")


def _invalid(field: str, detail: str, kind: str, message: str) -> InvalidInput:
    return InvalidInput(detail, errors=[{"field": field, "message": message, "type": kind}])


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")
