"""Declaring operations: one declaration per operation, every face generated from it.

A per-system bridge subclasses :class:`Bridge` and marks its methods with
:func:`operation`. The method's type hints give the pydantic input and output models;
the decorator adds summary, description, effect, scopes and examples. From that the
facade derives the route, OpenAPI, AI-tool JSON, audit event and cassette name.

    class OrdersBridge(Bridge):
        name = "orders"
        title = "ORDERS order database"

        @operation(summary="Get one order", examples=[Example({"order_no": "0000100001"})])
        def get_order(self, query: GetOrder) -> Order:
            \"\"\"Longer description, shown in the docs and to AI tools.\"\"\"
"""

from __future__ import annotations

import inspect
import re
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, ClassVar

from pydantic import BaseModel

from bridges.core.streaming import RowStream

__all__ = [
    "Bridge",
    "BridgeContext",
    "Effect",
    "Example",
    "NoSettings",
    "Operation",
    "operation",
]

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


class Effect(StrEnum):
    """Whether an operation only reads the legacy system or changes it."""

    READ = "read"
    WRITE = "write"


@dataclass(frozen=True)
class Example:
    """A worked example: an input, and optionally the output it gives."""

    input: Mapping[str, Any]
    output: Mapping[str, Any] | None = None
    summary: str = ""


@dataclass(frozen=True)
class Operation:
    """Everything declared about one operation; the single source of its faces."""

    bridge: str
    name: str
    summary: str
    description: str
    input_model: type[BaseModel]
    output_model: type[BaseModel]
    effect: Effect
    scopes: tuple[str, ...]
    examples: tuple[Example, ...]
    retry_safe: bool
    method_name: str = field(repr=False)
    streaming: bool = False
    """True when the method returns a :class:`~bridges.core.streaming.RowStream` of
    ``output_model`` rows instead of one ``output_model``."""

    def bound_to(self, instance: str) -> Operation:
        """This operation as served by a bridge instance of another name
        (``orders_pg`` of kind ``orders``): path, tool name and default scopes follow."""
        if instance == self.bridge:
            return self
        scopes = tuple(
            f"{instance}:{s.partition(':')[2]}" if s.partition(":")[0] == self.bridge else s for s in self.scopes
        )
        return replace(self, bridge=instance, scopes=scopes)

    @property
    def qualified_name(self) -> str:
        """``bridge.operation``: the audit event name and the cassette name."""
        return f"{self.bridge}.{self.name}"

    @property
    def tool_name(self) -> str:
        """The AI-tool name (tool names allow no dots)."""
        return f"{self.bridge}_{self.name}"

    @property
    def http_method(self) -> str:
        """Reads are GET, writes are POST."""
        return "GET" if self.effect is Effect.READ else "POST"

    @property
    def path(self) -> str:
        """The facade route of this operation."""
        return f"/v1/{self.bridge}/{self.name}"


@dataclass(frozen=True)
class _Spec:
    summary: str
    description: str | None
    effect: Effect
    scopes: tuple[str, ...] | None
    examples: tuple[Example, ...]
    retry_safe: bool | None
    row_model: type[BaseModel] | None


def operation(
    *,
    summary: str,
    description: str | None = None,
    effect: Effect | str = Effect.READ,
    scopes: tuple[str, ...] | list[str] | None = None,
    examples: list[Example] | tuple[Example, ...] = (),
    retry_safe: bool | None = None,
    row_model: type[BaseModel] | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark a bridge method as an operation.

    ``description`` defaults to the method's docstring; ``scopes`` to
    ``("<bridge>:read",)`` or ``("<bridge>:write",)``; ``retry_safe`` to True for reads
    and is always False for writes (a write is never retried behind the caller's back).
    A method returning :class:`~bridges.core.streaming.RowStream` names its ``row_model``.
    """
    spec = _Spec(
        summary=summary,
        description=description,
        effect=Effect(effect),
        scopes=tuple(scopes) if scopes is not None else None,
        examples=tuple(examples),
        retry_safe=retry_safe,
        row_model=row_model,
    )

    def mark(fn: Callable[..., Any]) -> Callable[..., Any]:
        fn.__legacy_bridges_operation__ = spec  # type: ignore[attr-defined]
        return fn

    return mark


class NoSettings(BaseModel):
    """Settings of a bridge that takes none."""

    model_config = {"extra": "forbid"}


@dataclass
class BridgeContext:
    """What the runtime hands a bridge when it builds it.

    ``cassette`` (a :class:`bridges.core.cassette.CassetteSettings` or None) says whether
    the bridge talks to the live system, records, or replays; ``crosswalk`` maps customer
    identifiers between systems; ``secrets`` are the resolved credentials the bridge's
    recordings must store as placeholders; ``leases`` (a :class:`bridges.core.leases.LeaseStore`
    or None) is where a live bridge leases its session or connection budget, shared with every
    other process serving it (None: the budget is this process's alone); ``runtime`` is the
    :class:`bridges.core.runtime.Runtime` the bridge was built in (composite bridges call the
    other bridges' operations through it).
    """

    instance_name: str
    cassette: Any = None
    crosswalk: Any = None
    secrets: dict[str, str] = field(default_factory=dict)
    leases: Any = None
    runtime: Any = None


class Bridge:
    """Base of every per-system bridge: the operations of one legacy system.

    Subclasses set ``name``, ``title``, ``description`` and optionally a pydantic
    ``Settings`` model (validated from the ``options`` table of the configuration), and
    override :meth:`ping`, :meth:`status` and :meth:`close` as their transport needs.
    """

    name: ClassVar[str]
    title: ClassVar[str] = ""
    description: ClassVar[str] = ""
    Settings: ClassVar[type[BaseModel]] = NoSettings
    operations: ClassVar[dict[str, Operation]] = {}
    budget_options: ClassVar[tuple[str, ...]] = ()
    """Options that size a budget of the legacy system (sessions, connections, LU names), which
    a live bridge leases from ``context.leases`` when several processes serve it."""
    required_secrets: ClassVar[tuple[str, ...]] = ()
    """Secrets the bridge cannot work without (checked at start, naming ``bridges.<name>.secrets.<secret>``)."""
    needs_crosswalk: ClassVar[bool] = False
    """True when the bridge cannot work without the configuration's crosswalk."""
    customer_listing: ClassVar[Any] = None
    """The :class:`bridges.core.customers.CustomerListing` reading the system's customers through its read
    operations (``bridges assess --customers NAME``), or None."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "name" not in cls.__dict__:
            return  # an abstract intermediate class
        if not _NAME.match(cls.name):
            raise TypeError(f"bridge name {cls.name!r} must match {_NAME.pattern}")
        cls.operations = _collect_operations(cls)

    def __init__(self, settings: BaseModel, context: BridgeContext) -> None:
        self.settings = settings
        self.context = context

    def ping(self) -> dict[str, Any]:
        """Check the legacy system can be reached; raise a core error if not.

        Returns details shown by ``/readyz`` (pool state, mode, …)."""
        return {}

    def status(self) -> dict[str, Any]:
        """Cheap state for ``/readyz`` that needs no round trip (pool sizes, mode)."""
        return {}

    def reset(self) -> None:
        """An operator's reset: forget a refused sign-on or login, so the transport tries
        again (once). Bridges on a transport override it to reset their pool."""

    def close(self) -> None:
        """Release sessions, connections and processes."""


def _collect_operations(cls: type[Bridge]) -> dict[str, Operation]:
    found: dict[str, Operation] = {}
    for attr, fn in inspect.getmembers(cls, inspect.isfunction):
        spec: _Spec | None = getattr(fn, "__legacy_bridges_operation__", None)
        if spec is None:
            continue
        hints = typing.get_type_hints(fn)
        params = [p for p in inspect.signature(fn).parameters.values() if p.name != "self"]
        if len(params) != 1 or params[0].name not in hints or "return" not in hints:
            raise TypeError(f"{cls.__name__}.{attr}: an operation takes one typed input and declares its return type")
        input_model, output_model = hints[params[0].name], hints["return"]
        streaming = output_model is RowStream
        if streaming:
            if spec.row_model is None:
                raise TypeError(f"{cls.__name__}.{attr}: a RowStream operation declares row_model")
            output_model = spec.row_model
        for role, model in (("input", input_model), ("output", output_model)):
            if not (isinstance(model, type) and issubclass(model, BaseModel)):
                raise TypeError(f"{cls.__name__}.{attr}: the {role} type must be a pydantic model")
        if not _NAME.match(attr):
            raise TypeError(f"operation name {attr!r} must match {_NAME.pattern}")
        description = spec.description if spec.description is not None else inspect.getdoc(fn) or ""
        default_scope = f"{cls.name}:{spec.effect.value}"
        found[attr] = Operation(
            bridge=cls.name,
            name=attr,
            summary=spec.summary,
            description=description,
            input_model=input_model,
            output_model=output_model,
            effect=spec.effect,
            scopes=spec.scopes if spec.scopes is not None else (default_scope,),
            examples=spec.examples,
            retry_safe=spec.effect is Effect.READ and (spec.retry_safe is None or spec.retry_safe),
            method_name=attr,
            streaming=streaming,
        )
    return found
