"""s3270 wire traces (the ``trace_dir`` option) never hold what is typed into a hidden field."""

import pytest

from tests.bridges.custmast.conftest import CODE_PAGE, PASSWORD, custmast_config

pytestmark = pytest.mark.live


def test_trace_pauses_around_the_password(host, make_runtime, tmp_path):
    runtime = make_runtime(custmast_config(host, trace_dir=str(tmp_path)))
    assert runtime.call("custmast", "get_customer", {"customer": "C-00001"}).customer_id == "C-00001"
    runtime.close()
    traces = list(tmp_path.glob("*.trc"))
    assert traces
    text = "".join(t.read_text(encoding="utf-8", errors="replace") for t in traces)
    assert "84603489" in text  # the trace goes on after sign-on: the lookup is in it
    encoded = PASSWORD.encode(CODE_PAGE).hex()
    for needle in (PASSWORD, PASSWORD[:4], PASSWORD[-5:], encoded, encoded[:12], encoded[-12:]):
        assert needle not in text, needle
