"""The README documents every setting, and CI runs the README's test command."""

from pathlib import Path

import pytest

from bridges.core.config import ApiKeySettings, BridgeEntry, Config, FacadeSettings
from bridges.core.guard import GuardSettings
from bridges.core.registry import available_bridges, load_bridge_class

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("prefix", "model"),
    [("", Config), ("facade.", FacadeSettings), ("api_keys[].", ApiKeySettings), ("bridges.<name>.", BridgeEntry),
     ("bridges.<name>.guard.", GuardSettings)],
)
def test_every_core_setting_is_in_the_reference(prefix, model):
    fields = [f for f, info in model.model_fields.items() if not info.exclude]
    missing = [prefix + f for f in fields if f"`{prefix}{f}" not in README and f"[{f}" not in README]
    assert not missing, f"README's configuration reference lacks {missing}"


@pytest.mark.parametrize("kind", sorted(available_bridges()))
def test_every_bridge_option_is_in_the_reference(kind):
    settings = load_bridge_class(kind).Settings
    missing = [f for f in settings.model_fields if f"`{kind}.options.{f}`" not in README]
    assert not missing, f"README lacks options of the {kind} bridge: {missing}"


def test_ci_runs_the_readme_test_command():
    assert "./run demo" in README and "./run test" in README
    assert "./run test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
