from pathlib import Path

import pytest

from entrypoints.settings import Settings

REFERENCE = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_setting_is_in_the_configuration_reference(name: str) -> None:
    assert f"| `INVENTORY_{name.upper()}` |" in REFERENCE.read_text()
