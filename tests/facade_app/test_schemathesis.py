"""The OpenAPI document tells the truth: schemathesis, every check and every phase (stateful
included), against the running demo facade finds nothing.

Two runs on one demo world: the demo key over every operation (its writes queue reviews),
then the reviewer key over the review routes (deciding those reviews). Examples per
operation are bounded to keep the suite's time; the same command with a larger
``--max-examples`` is the full run (see the README).
"""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

pytestmark = [pytest.mark.live, pytest.mark.slow, pytest.mark.timeout(900)]

MAX_EXAMPLES = 20
SEED = 20261201


@pytest.fixture(scope="module")
def demo_facade(tmp_path_factory):
    """The demo world and its facade (rate limit lifted: the fuzzer is not what is being limited)."""
    from bridges.core.config import parse_config
    from facade_app.app import create_app
    from facade_app.demo import demo_config, demo_world
    from facade_app.server import make_dev_server

    workdir = tmp_path_factory.mktemp("schemathesis-demo")
    with demo_world(workdir) as world:
        raw = demo_config(world)
        raw["facade"]["rate_limit"] = "1000000/minute"
        app = create_app(parse_config(raw, base_dir=workdir))
        server = make_dev_server(app, "127.0.0.1", 0)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_port}", workdir
        finally:
            server.shutdown()
            thread.join(timeout=10)
            app.extensions["legacy_bridges"]["runtime"].close()


CONFIG = Path(__file__).with_name("schemathesis.toml")  # 408/413/414 count as rejections of negative cases


def schemathesis(base: str, workdir, key: str, *extra: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG), "run", f"{base}/openapi.json",
               "--checks", "all",
               "--phases", "examples,coverage,fuzzing,stateful", "--max-examples", str(MAX_EXAMPLES),
               "--seed", str(SEED), "--workers", "1", "--request-timeout", "30", "--generation-database", "none",
               "--no-color", "-H", f"Authorization: Bearer {key}", *extra]
    return subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=800)


def summary(result: subprocess.CompletedProcess) -> str:
    return result.stdout[result.stdout.rfind("SUMMARY"):]


def test_schemathesis_finds_nothing_on_the_demo(demo_facade):
    base, workdir = demo_facade
    everything = schemathesis(base, workdir, "demo-key-not-secret")
    print(summary(everything))
    assert everything.returncode == 0, everything.stdout[-12000:] + everything.stderr[-3000:]
    reviews = schemathesis(base, workdir, "demo-reviewer-key", "--include-path-regex", "^/v1/reviews")
    print(summary(reviews))
    assert reviews.returncode == 0, reviews.stdout[-12000:] + reviews.stderr[-3000:]
    for phase in ("Examples", "Coverage", "Fuzzing", "Stateful"):
        assert f"✅ {phase}" in summary(everything), f"the {phase} phase did not run and pass"
