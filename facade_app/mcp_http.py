"""MCP over streamable HTTP, for agents that do not run the server as their own subprocess.

    bridges mcp --http --config bridges.toml --port 8090     # tools at http://127.0.0.1:8090/mcp

Once it accepts connections (its app started, its socket listening) it prints one line,
``MCP over streamable HTTP at http://127.0.0.1:8090/mcp``; with ``--port 0`` the system picks
a free port and that line names it, so a script never guesses a port that may be taken.

Every request is authenticated by itself, with the facade's keys (``Authorization: Bearer
<key>`` or ``X-API-Key``): the key picks the tool server built for it, which lists only the
operations its scopes allow (:func:`facade_app.mcp_tools.build_mcp_server`). A request
without a valid key is answered ``401`` (``429`` once its address's budget is spent) and
audited, like an HTTP call. Tool calls run the one pipeline of every caller path — scopes,
rate budget, validation, write policy, guard, one audit line — so they are answered and
audited exactly as the same calls over HTTP.

The transport is stateless with JSON answers: no MCP session is kept between requests, so
any process serving the same configuration can answer any request.
"""

from __future__ import annotations

import contextlib
import json
import math
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import anyio
import uvicorn
from mcp.server.mcpserver import MCPServer

from bridges.core.errors import BridgeError
from facade_app.auth import KeyRing, presented_key
from facade_app.mcp_tools import build_mcp_server
from facade_app.pipeline import Attempt, Pipeline

__all__ = ["McpHttpApp", "serve_mcp_http"]

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class McpHttpApp:
    """An ASGI app serving the operations as MCP tools at ``path``, one tool server per key.

    ``host`` is where it listens: on a loopback address the SDK's DNS-rebinding protection
    accepts only loopback ``Host`` and ``Origin`` headers."""

    def __init__(self, pipeline: Pipeline, keyring: KeyRing, *, path: str = "/mcp", host: str = "127.0.0.1") -> None:
        self.pipeline = pipeline
        self.keyring = keyring
        self.path = path
        self._servers: dict[str, MCPServer] = {}
        self._apps: dict[str, ASGIApp] = {}
        for caller in keyring.callers():
            server = build_mcp_server(pipeline, caller)
            self._servers[caller.name] = server
            self._apps[caller.name] = server.streamable_http_app(
                streamable_http_path=path, stateless_http=True, json_response=True, host=host
            )

    @contextlib.asynccontextmanager
    async def running(self) -> Any:
        """Run every key's session manager (what the ASGI lifespan does)."""
        async with contextlib.AsyncExitStack() as stack:
            for server in self._servers.values():
                await stack.enter_async_context(server.session_manager.run())
            yield self

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        headers = {k.decode("latin-1").title(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        client = scope.get("client") or ("local", 0)
        key = presented_key(headers)
        caller, error = None, None
        if key is not None:
            try:
                caller = self.keyring.authenticate(key)
            except BridgeError as exc:  # answered through the pipeline, which audits it
                error = exc
        if caller is None:
            await self._refuse(send, error, str(client[0]))
            return
        await self._apps[caller.name](scope, receive, send)

    async def _refuse(self, send: Send, error: BridgeError | None, client: str) -> None:
        attempt = Attempt(caller=None, request_id="mcp-" + secrets.token_hex(16), client=client, auth_error=error)
        outcome = await anyio.to_thread.run_sync(self.pipeline.turn_away, attempt, f"mcp{self.path.replace('/', '.')}")
        problem = {**outcome.error.to_problem(), "request_id": attempt.request_id}  # type: ignore[union-attr]
        headers = [(b"content-type", b"application/problem+json"), (b"www-authenticate", b"Bearer")]
        retry = outcome.error.retry_after if outcome.error is not None else None
        if retry is not None:
            headers.append((b"retry-after", str(max(1, math.ceil(retry))).encode()))
        body = json.dumps(problem, ensure_ascii=False).encode()
        await send({"type": "http.response.start", "status": outcome.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        message = await receive()
        if message["type"] != "lifespan.startup":
            return
        async with self.running():
            await send({"type": "lifespan.startup.complete"})
            message = await receive()
        await send({"type": "lifespan.shutdown.complete"})


class _AnnouncingServer(uvicorn.Server):
    """uvicorn, printing its address once it listens (after the app's startup)."""

    def __init__(self, config: uvicorn.Config, path: str) -> None:
        super().__init__(config)
        self.path = path

    async def startup(self, sockets: list[Any] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            host, port = self.servers[0].sockets[0].getsockname()[:2]
            scheme = "https" if self.config.ssl else "http"
            where = f"[{host}]" if ":" in host else host
            print(f"MCP over streamable HTTP at {scheme}://{where}:{port}{self.path}", flush=True)


def serve_mcp_http(app: McpHttpApp, host: str, port: int, **tls: str) -> None:
    """Serve ``app`` until stopped (port 0: one the system picks), announcing its address."""
    config = uvicorn.Config(app, host=host, port=port, lifespan="on", log_level="warning", access_log=False, **tls)
    _AnnouncingServer(config, app.path).run()
