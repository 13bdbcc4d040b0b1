"""What a wheel ships besides code: py.typed in every library package, and the package data
(``bridges new`` templates) the commands read."""

import tomllib
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
SETUPTOOLS = PROJECT["tool"]["setuptools"]
LIBRARIES = [pattern.rstrip("*") for pattern in SETUPTOOLS["packages"]["find"]["include"] if pattern != "fixtures*"]


@pytest.mark.parametrize("package", LIBRARIES)
def test_every_library_package_is_typed(package):
    assert (ROOT / package / "py.typed").is_file(), f"{package}/py.typed is missing (PEP 561)"


def test_package_data_takes_py_typed_and_the_templates():
    data = SETUPTOOLS["package-data"]["*"]
    assert "py.typed" in data and "*.tmpl" in data
    assert sorted(p.name for p in (ROOT / "facade_app" / "scaffold_templates").glob("*.tmpl"))


def test_the_plugin_is_registered_for_pytest():
    assert PROJECT["project"]["entry-points"]["pytest11"] == {"legacy_bridges": "bridges.core.pytest_plugin"}
