"""Operation declarations and the registry of bridges."""

import pytest
from pydantic import BaseModel

from bridges.core.errors import ConfigError, InvalidInput, LegacyError, NotFound
from bridges.core.guard import Guard, GuardSettings
from bridges.core.operation import Bridge, BridgeContext, Effect, Example, NoSettings, operation
from bridges.core.registry import available_bridges, load_bridge_class
from bridges.core.runtime import BridgeRuntime, Runtime

pytestmark = pytest.mark.unit


class Ask(BaseModel):
    n: int


class Answer(BaseModel):
    double: int


class Demo(Bridge):
    name = "demo"
    title = "Demo"

    @operation(summary="Double a number", examples=[Example({"n": 2}, {"double": 4})])
    def double(self, ask: Ask) -> Answer:
        """Doubles ``n``."""
        if ask.n == 404:
            return None  # type: ignore[return-value]
        if ask.n == 502:
            return {"double": "not a number"}  # type: ignore[return-value]
        return Answer(double=ask.n * 2)

    @operation(summary="Store a number", effect=Effect.WRITE, scopes=("demo:admin",))
    def store(self, ask: Ask) -> Answer:
        """Stores ``n``."""
        return Answer(double=0)


def _runtime(instance="demo"):
    return Runtime({instance: BridgeRuntime(Demo(NoSettings(), BridgeContext(instance)), Guard(GuardSettings()))})


def test_declaration_collects_models_effect_scopes_and_docs():
    op = Demo.operations["double"]
    assert (op.input_model, op.output_model) == (Ask, Answer)
    assert op.effect is Effect.READ and op.retry_safe and op.scopes == ("demo:read",)
    assert op.description == "Doubles ``n``."
    assert (op.path, op.http_method, op.tool_name, op.qualified_name) == (
        "/v1/demo/double", "GET", "demo_double", "demo.double")
    store = Demo.operations["store"]
    assert store.http_method == "POST" and not store.retry_safe and store.scopes == ("demo:admin",)


def test_instances_under_another_name_rename_path_and_default_scopes():
    names = {op.name: op for _, op in _runtime("demo_eu").operations()}
    assert names["double"].path == "/v1/demo_eu/double"
    assert names["double"].scopes == ("demo_eu:read",)
    assert names["store"].scopes == ("demo_eu:admin",)  # scopes of the bridge follow its instance


def test_runtime_validates_input_and_output():
    rt = _runtime()
    assert rt.call("demo", "double", {"n": "21"}).double == 42
    with pytest.raises(InvalidInput) as err:
        rt.call("demo", "double", {"n": "x" * 1_000_000})
    assert err.value.context["errors"][0]["field"] == "n"
    assert len(err.value.detail) < 200
    with pytest.raises(NotFound):
        rt.call("demo", "double", {"n": 404})
    with pytest.raises(LegacyError, match="does not fit"):
        rt.call("demo", "double", {"n": 502})
    with pytest.raises(NotFound, match=r"no operation demo\.nope"):
        rt.call("demo", "nope", {})


@pytest.mark.parametrize(
    "body",
    [
        "def f(self, a: Ask, b: Ask) -> Answer: ...",
        "def f(self, a: int) -> Answer: ...",
        "def f(self, a: Ask): ...",
    ],
)
def test_bad_declarations_fail_at_import(body):
    namespace = {"Ask": Ask, "Answer": Answer}
    exec(body, namespace)
    with pytest.raises(TypeError):
        type("Bad", (Bridge,), {"name": "bad", "f": operation(summary="s")(namespace["f"])})


def test_project_bridges_are_registered():
    names = available_bridges()
    for name in ("orders", "custmast", "helpdesk"):
        assert name in names


def test_unknown_bridge_kind_is_a_config_error():
    with pytest.raises(ConfigError, match="no bridge named 'nope'"):
        load_bridge_class("nope")
