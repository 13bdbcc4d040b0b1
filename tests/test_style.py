"""Style gates: ruff, documented public modules."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bridges", "mainframe", "rdbms", "web_scrape", "extract", "facade_app")


def test_ruff_is_clean():
    out = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", str(ROOT)], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stdout[-4000:]


@pytest.mark.parametrize("package", PACKAGES)
def test_every_module_has_a_docstring_and_public_modules_declare_all(package):
    missing_doc, missing_all = [], []
    for path in sorted((ROOT / package).rglob("*.py")):
        text = path.read_text(encoding="utf-8")


        tree = ast.parse(text)
        if ast.get_docstring(tree) is None and text.strip():
            missing_doc.append(str(path.relative_to(ROOT)))
        defines_public = any(isinstance(n, ast.FunctionDef | ast.ClassDef) and not n.name.startswith("_")
                             for n in tree.body)
        if defines_public and "__all__" not in text and not path.name.startswith("_"):
            missing_all.append(str(path.relative_to(ROOT)))
    assert not missing_doc, f"modules without a docstring: {missing_doc}"
    assert not missing_all, f"modules with public names but no __all__: {missing_all}"


@pytest.mark.parametrize("package", PACKAGES)
def test_modules_stay_small(package):
    big = [f"{p.relative_to(ROOT)} ({n} lines)" for p in (ROOT / package).rglob("*.py")
           if (n := len(p.read_text(encoding="utf-8").splitlines())) > 700]
    assert not big, f"split these modules: {big}"
