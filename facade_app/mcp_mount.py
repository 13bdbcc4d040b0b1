"""MCP over streamable HTTP on the facade itself: ``facade.mcp_path`` (``/mcp``) beside the
HTTP routes, in every worker ``bridges serve`` starts, with the same keys, scopes, rate budgets,
audit and metrics (the tools run the facade's own pipeline).

The SDK's transport is an ASGI app (:class:`facade_app.mcp_http.McpHttpApp`) and the facade is
WSGI (Flask under gunicorn's threaded workers). a2wsgi runs the ASGI app on an event loop of its
own, on a thread of the worker process, and the worker's thread that took a request for the MCP
path waits for its answer there; every other request goes to Flask untouched. The loop and the
SDK's session managers start with the first MCP request of each process, so never before
gunicorn forks. The transport is stateless, so any worker answers any request.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import os
import threading
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from a2wsgi import ASGIMiddleware

from bridges.core.errors import PROBLEM_BASE
from facade_app.mcp_http import McpHttpApp
from facade_app.problems import PROBLEM_MEDIA_TYPE, http_slug

__all__ = ["McpMount"]

_START_S = 30.0


def _refuse(start_response: Callable[..., Any], status: int, detail: str) -> list[bytes]:
    reason = HTTPStatus(status).phrase
    problem = {"type": PROBLEM_BASE + http_slug(status), "title": reason, "status": status, "detail": detail}
    start_response(f"{status} {reason}", [("Content-Type", PROBLEM_MEDIA_TYPE)])
    return [json.dumps(problem).encode()]


class McpMount:
    """WSGI middleware: requests for ``path`` go to the MCP app ``make_mcp`` builds, the rest to
    ``wsgi_app``. A body over ``max_body_bytes`` gets 413, as on the HTTP routes."""

    def __init__(
        self,
        wsgi_app: Callable[..., Iterable[bytes]],
        make_mcp: Callable[[], McpHttpApp],
        path: str,
        max_body_bytes: int,
    ) -> None:
        self.wsgi_app = wsgi_app
        self.path = path
        self.max_body_bytes = max_body_bytes
        self._make_mcp = make_mcp
        self._lock = threading.Lock()
        self._served: tuple[int, ASGIMiddleware, asyncio.AbstractEventLoop] | None = None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path != self.path and not path.startswith(self.path + "/"):
            return self.wsgi_app(environ, start_response)
        length = environ.get("CONTENT_LENGTH") or "0"
        if "HTTP_TRANSFER_ENCODING" in environ:  # a body of unknown length is never read
            return _refuse(start_response, 411, "a request body needs its Content-Length")
        if not length.isdigit() or int(length) > self.max_body_bytes:
            return _refuse(start_response, 413, f"request bodies are limited to {self.max_body_bytes} bytes")
        return self._asgi()(environ, start_response)

    def _asgi(self) -> ASGIMiddleware:
        with self._lock:
            if self._served is None or self._served[0] != os.getpid():  # none yet, or a forked child's copy
                loop = asyncio.new_event_loop()
                threading.Thread(target=loop.run_forever, name="mcp-http", daemon=True).start()
                mcp = self._make_mcp()
                started: concurrent.futures.Future[None] = concurrent.futures.Future()
                asyncio.run_coroutine_threadsafe(self._run(mcp, started), loop)
                started.result(timeout=_START_S)
                self._served = (os.getpid(), ASGIMiddleware(mcp, loop=loop), loop)  # type: ignore[arg-type]
            return self._served[1]

    @staticmethod
    async def _run(mcp: McpHttpApp, started: concurrent.futures.Future[None]) -> None:
        """Hold the session managers open (what an ASGI server's lifespan would) for the process's life."""
        try:
            async with mcp.running():
                started.set_result(None)
                await asyncio.Event().wait()
        except BaseException as exc:
            if not started.done():
                started.set_exception(exc)
            raise

    def close(self) -> None:
        """Stop the MCP event loop (the process's exit does it too)."""
        with self._lock:
            if self._served is not None:
                self._served[2].call_soon_threadsafe(self._served[2].stop)
                self._served = None
