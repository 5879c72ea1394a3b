"""Settings validation and the generated development secret."""

import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from adapters.security import load_or_create_secret
from application.errors import AuthenticationFailed
from domain.users import Role, User, Username
from entrypoints.container import build_container
from entrypoints.settings import Settings
from tests.conftest import make_settings


def test_the_secret_is_created_once_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "data" / "secret_key"
    first = load_or_create_secret(path)
    assert len(first.encode()) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_secret(path) == first
    assert path.read_text() == first


def test_an_empty_secret_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "secret_key"
    path.write_text("")
    os.utime(path)
    with pytest.raises(RuntimeError, match="empty"):
        load_or_create_secret(path)


@pytest.mark.parametrize("secret", [None, "too-short", "x" * 31])
def test_production_needs_a_long_secret(tmp_path: Path, secret: str | None) -> None:
    with pytest.raises(ValidationError, match="INVENTORY_SECRET_KEY"):
        make_settings(tmp_path, env="production", secret_key=secret)


def test_production_with_a_long_secret_is_fine(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, env="production", secret_key="p" * 32)
    assert settings.secret_key is not None


def test_a_short_secret_is_refused_in_development_too(tmp_path: Path) -> None:
    with pytest.raises(ValidationError):
        make_settings(tmp_path, secret_key="short")


def test_settings_come_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INVENTORY_ENV", "production")
    monkeypatch.setenv("INVENTORY_SECRET_KEY", "e" * 40)
    monkeypatch.setenv("INVENTORY_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("INVENTORY_BCRYPT_ROUNDS", "5")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert (settings.env, settings.bcrypt_rounds, settings.data_dir) == (
        "production",
        5,
        tmp_path,
    )
    assert settings.images_dir == tmp_path / "images"
    monkeypatch.setenv("INVENTORY_BCRYPT_ROUNDS", "3")
    with pytest.raises(ValidationError):
        Settings(_env_file=None)  # type: ignore[call-arg]


async def test_development_generates_a_secret_shared_by_every_container(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, secret_key=None)
    assert settings.env == "development"
    first, second = build_container(settings), build_container(settings)
    assert not settings.secret_file.exists()

    user = User.register(
        username=Username.parse("a"), password_hash="x", role=Role.ADMIN, at=datetime.now(UTC)
    )
    token = first.token_service().issue(user).token
    assert settings.secret_file.exists()
    assert second.token_service().verify(token).user_id == user.id
    other = build_container(make_settings(tmp_path / "elsewhere", secret_key=None))
    with pytest.raises(AuthenticationFailed):
        other.token_service().verify(token)
