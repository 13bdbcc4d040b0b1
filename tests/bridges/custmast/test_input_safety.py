"""Typed values reach the host exactly as given and never inject an s3270 action."""

from __future__ import annotations

import pytest

from bridges.core.errors import InvalidInput
from tests.bridges.custmast.conftest import custmast_config

pytestmark = [pytest.mark.live, pytest.mark.timeout(120)]

TRICKY = ['say "hi"', "O'Brien", "a)b", "(c", "back\\slash", "semi;colon", "Quit()", "PF(3)", "Disconnect()",
          'String("x")', "\\n", "\\pf3 \\e", "é ß € ü", "Straße Ñ ø", "a\\u0022b", ")\nPF(3)".replace("\n", " ")]


@pytest.fixture(scope="module")
def runtime(host):
    from bridges.core.registry import build_runtime

    built = build_runtime(custmast_config(host, pool={"min_size": 1, "max_size": 1}))
    yield built
    built.close()


@pytest.mark.parametrize("value", TRICKY)
def test_value_round_trips_through_the_host(runtime, value):
    changed = runtime.call("custmast", "change_address", {"customer": "C-00020", "street": value,
                                                          "city": value[:30], "postcode": "1", "country": "SE"})
    assert changed.committed, changed.message
    back = runtime.call("custmast", "get_customer", {"customer": "C-00020"})
    assert (back.street, back.city) == (value, value[:30])
    # No action was injected: the one pooled session is still the same, signed on and home.
    status = runtime.bridges["custmast"].bridge.pool.status()
    assert status["opened"] == 1 and status["discarded"] == 0


@pytest.mark.parametrize("value", ["line\nbreak", "cr\rx", "nul\x00x", "esc\x1bx", "nel\x85x", "nbsp\xa0x", "shy\xadx"])
def test_control_characters_are_refused_before_the_host(runtime, value):
    with pytest.raises(InvalidInput) as err:
        runtime.call("custmast", "change_address", {"customer": "C-00020", "street": value,
                                                    "city": "x", "postcode": "1", "country": "SE"})
    assert err.value.context["errors"][0]["field"] == "street"
    assert runtime.bridges["custmast"].bridge.pool.status()["discarded"] == 0
