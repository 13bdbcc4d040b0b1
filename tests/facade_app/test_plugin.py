"""A third-party bridge, installed as its own package, is served through its entry point."""

import json
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.live

PLUGIN = '''
"""An out-of-tree bridge: a company's own system."""
from pydantic import BaseModel, Field

from bridges.core.operation import Bridge, Example, operation


class Greeting(BaseModel):
    who: str = Field(max_length=20, description="Who to greet.")


class Answer(BaseModel):
    text: str


class AcmeBridge(Bridge):
    name = "acme"
    title = "ACME in-house system"

    @operation(summary="Greet someone", examples=[Example({"who": "Ada"})])
    def greet(self, g: Greeting) -> Answer:
        """Says hello, as the in-house system would."""
        return Answer(text=f"hello {g.who}")
'''

PYPROJECT = '''
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "acme-legacy-bridge"
version = "1.0"

[project.entry-points."legacy_bridges.bridges"]
acme = "acme_bridge:AcmeBridge"
'''

CHECK = '''
import json
from bridges.core.config import parse_config
from bridges.core.registry import available_bridges
from facade_app import create_app

config = parse_config({
    "api_keys": [{"name": "t", "key": {"env": "NOPE", "default": "k"}, "scopes": ["acme:read"]}],
    "bridges": {"acme": {}},
})
client = create_app(config).test_client()
r = client.get("/v1/acme/greet?who=Ada", headers={"Authorization": "Bearer k"})
doc = client.get("/openapi.json").get_json()
print(json.dumps({"registered": "acme" in available_bridges(), "status": r.status_code, "body": r.get_json(),
                  "in_openapi": "/v1/acme/greet" in doc["paths"]}))
'''


def test_out_of_tree_bridge_package_is_discovered_and_served(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "acme_bridge.py").write_text(textwrap.dedent(PLUGIN), encoding="utf-8")
    (src / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    target = tmp_path / "site"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--target", str(target),
         str(src)],
        timeout=120, capture_output=True, text=True,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    env = {"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", CHECK], env=env, timeout=60, capture_output=True, text=True,
                         cwd=str(tmp_path))
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result == {"registered": True, "status": 200, "body": {"text": "hello Ada"}, "in_openapi": True}
