"""A small typed client for the facade — what an AI service or a script imports.

    from bridges.orders import OrdersBridge
    from facade_app.client import FacadeClient

    with FacadeClient("http://127.0.0.1:8080", api_key) as client:
        orders = client.bridge(OrdersBridge)
        order = orders.get_order(order_no="0000100001")   # -> the Order model

Inputs are validated locally before anything is sent (the same pydantic models the
facade uses); problem+json answers are raised as the core error types
(:class:`~bridges.core.errors.NotFound`, :class:`~bridges.core.errors.Unavailable` …).
This module does not import Flask.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx
from pydantic import BaseModel, ValidationError

from bridges.core.errors import BridgeError, InvalidInput, LegacyError, error_for_problem
from bridges.core.operation import Bridge, Effect, Operation
from bridges.core.runtime import validation_errors

__all__ = ["BridgeClient", "FacadeClient", "ReviewQueued"]


class ReviewQueued(Exception):
    """A write was queued for a second person's approval instead of being executed.

    ``review`` is the queued review (``id``, ``status``, ``links``); follow it with
    :meth:`FacadeClient.review`."""

    def __init__(self, review: dict[str, Any]) -> None:
        super().__init__(f"queued for review {review.get('id')}")
        self.review = review


class FacadeClient:
    """HTTP client for a legacy-bridges facade.

    ``retries`` re-sends a *read* answered 429 or 503, after its Retry-After (capped by
    ``max_wait_s``); a write is never re-sent.
    """

    def __init__(self, base_url: str, api_key: str, *, timeout: float = 30.0, retries: int = 0,
                 max_wait_s: float = 5.0, http: httpx.Client | None = None) -> None:
        self.retries = retries
        self.max_wait_s = max_wait_s
        self._http = http or httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout)
        self._http.headers["Authorization"] = f"Bearer {api_key}"

    def call(self, bridge: str, operation: str, params: Mapping[str, Any] | None = None, *,
             write: bool = False, request_id: str | None = None) -> Any:
        """Call ``/v1/<bridge>/<operation>`` and return the decoded JSON body."""
        path = f"/v1/{bridge}/{operation}"
        headers = {"X-Request-ID": request_id} if request_id else {}
        attempts = 1 + (0 if write else self.retries)
        for attempt in range(1, attempts + 1):
            if write:
                response = self._http.post(path, json=dict(params or {}), headers=headers)
            else:
                query = {k: _query_value(v) for k, v in (params or {}).items() if v is not None}
                response = self._http.get(path, params=query, headers=headers)
            if response.status_code == 202 and write:
                raise ReviewQueued(response.json())
            if response.status_code < 400:
                return response.json()
            error = _error(response)
            if attempt < attempts and response.status_code in (429, 503):
                time.sleep(min(self.max_wait_s, error.retry_after or 1.0))
                continue
            raise error
        raise AssertionError("unreachable")  # pragma: no cover

    def invoke(self, op: Operation, data: BaseModel | Mapping[str, Any] | None = None, **fields: Any) -> BaseModel:
        """Call a declared operation with its typed input; return its typed output."""
        raw = data.model_dump() if isinstance(data, BaseModel) else {**(data or {}), **fields}
        try:
            parsed = op.input_model.model_validate(raw)
        except ValidationError as exc:
            raise InvalidInput(f"invalid input for {op.qualified_name}", errors=validation_errors(exc)) from None
        body = self.call(op.bridge, op.name, parsed.model_dump(mode="json", exclude_none=True),
                         write=op.effect is Effect.WRITE)
        try:
            return op.output_model.model_validate(body)
        except ValidationError as exc:
            raise LegacyError(f"the facade's answer to {op.qualified_name} does not fit its model",
                              errors=validation_errors(exc)) from None

    def bridge(self, bridge_class: type[Bridge], instance: str | None = None) -> BridgeClient:
        """Typed access to one bridge's operations (``instance`` when it is served under another name)."""
        return BridgeClient(self, bridge_class, instance or bridge_class.name)

    def review(self, review_id: str) -> dict[str, Any]:
        """A queued write's review: its status and, once executed, its result."""
        response = self._http.get(f"/v1/reviews/{review_id}")
        if response.status_code >= 400:
            raise _error(response)
        return response.json()

    def health(self) -> dict[str, Any]:
        """``/readyz``: the status, and each bridge's state when the key holds ``ops`` (does not raise on 503)."""
        return self._http.get("/readyz").json()

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._http.close()

    def __enter__(self) -> FacadeClient:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class BridgeClient:
    """The operations of one bridge as methods: ``client.bridge(OrdersBridge).get_order(order_no=…)``."""

    def __init__(self, client: FacadeClient, bridge_class: type[Bridge], instance: str) -> None:
        self._client = client
        self._ops = {name: op.bound_to(instance) for name, op in bridge_class.operations.items()}

    def __getattr__(self, name: str) -> Callable[..., BaseModel]:
        op = self._ops.get(name)
        if op is None:
            raise AttributeError(f"no operation {name!r}; known: {', '.join(sorted(self._ops))}")

        def call(data: BaseModel | Mapping[str, Any] | None = None, **fields: Any) -> BaseModel:
            return self._client.invoke(op, data, **fields)

        call.__name__ = name
        call.__doc__ = f"{op.summary}\n\n{op.description}"
        return call

    def __dir__(self) -> list[str]:
        return sorted(self._ops)


def _query_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _error(response: httpx.Response) -> BridgeError:
    retry_after = response.headers.get("Retry-After")
    try:
        problem = response.json()
    except ValueError:
        problem = {"status": response.status_code, "detail": response.text[:200]}
    if not isinstance(problem, dict):
        problem = {"status": response.status_code, "detail": str(problem)[:200]}
    return error_for_problem(problem, retry_after=float(retry_after) if retry_after else None)
