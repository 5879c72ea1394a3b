"""Settings from Docker/Kubernetes secret files (issue 13, point 20): ``INVENTORY_SECRET_KEY``
need not sit in the environment."""

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from entrypoints.settings import Settings
from tests.conftest import TEST_SECRET

FILE_SECRET = "a-secret-from-a-file-that-is-long-enough-0123456789"


@pytest.fixture(autouse=True)
def no_inventory_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in [key for key in os.environ if key.startswith("INVENTORY_")]:
        monkeypatch.delenv(key)


@pytest.fixture
def secrets(tmp_path: Path) -> Path:
    directory = tmp_path / "secrets"
    directory.mkdir()
    # As `docker secret` and Kubernetes write them: the value, often with a final newline.
    (directory / "inventory_secret_key").write_text(FILE_SECRET + "\n")
    (directory / "inventory_admin_password").write_text("from-a-secret-file\n")
    return directory


def read(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_secrets_come_from_the_directory_named_in_the_environment(
    secrets: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INVENTORY_SECRETS_DIR", str(secrets))
    monkeypatch.setenv("INVENTORY_ENV", "production")
    settings = read()
    assert settings.secret_key is not None
    assert settings.secret_key.get_secret_value() == FILE_SECRET
    assert settings.admin_password is not None
    assert settings.admin_password.get_secret_value() == "from-a-secret-file"


def test_the_environment_wins_over_a_secret_file(
    secrets: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INVENTORY_SECRETS_DIR", str(secrets))
    monkeypatch.setenv("INVENTORY_SECRET_KEY", TEST_SECRET)
    settings = read()
    assert settings.secret_key is not None
    assert settings.secret_key.get_secret_value() == TEST_SECRET


def test_the_directory_may_be_given_as_an_argument(secrets: Path) -> None:
    settings = read(secrets_dir=secrets)
    assert settings.secrets_dir == secrets
    assert settings.secret_key is not None
    assert settings.secret_key.get_secret_value() == FILE_SECRET


def test_a_bad_secret_in_a_file_is_refused_like_one_in_the_environment(
    secrets: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (secrets / "inventory_secret_key").write_text("too-short\n")
    monkeypatch.setenv("INVENTORY_SECRETS_DIR", str(secrets))
    with pytest.raises(ValidationError, match="INVENTORY_SECRET_KEY must be at least 32 bytes"):
        read()


@pytest.mark.parametrize("kind", ["missing", "a file"])
def test_a_named_directory_that_is_not_one_is_refused(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    named = tmp_path / "nowhere"
    if kind == "a file":
        named.write_text("")
    monkeypatch.setenv("INVENTORY_SECRETS_DIR", str(named))
    with pytest.raises(ValidationError, match="secret files' directory"):
        read()


def test_without_secret_files_nothing_changes(tmp_path: Path) -> None:
    settings = read(data_dir=tmp_path)
    assert settings.secret_key is None
    assert settings.admin_password is None
