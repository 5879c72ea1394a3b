"""What the operator is told about the first admin at start-up (issue 13, points 1 and 21)."""

import logging
import stat
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
import structlog
from fastapi import FastAPI

from adapters.clock import SystemClock
from application.commands import RegisterUserCommand
from entrypoints.container import Container, build_container
from entrypoints.rest.app import create_app
from entrypoints.rest.first_admin import password_file
from entrypoints.settings import Settings
from tests.conftest import make_settings

PASSWORD = "configured-password-1"


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """``create_app`` configures logging for the process; put it back afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    structlog.reset_defaults()


def container_for(settings: Settings) -> Container:
    container = build_container(settings)
    container.clock.override(SystemClock())
    return container


async def start(app: FastAPI) -> None:
    """Run the app's start-up (the bootstrap of the admin) and its shutdown."""
    async with app.router.lifespan_context(app):
        pass


async def log_in(app: FastAPI, password: str) -> int:
    """Start the app and log in as ``admin``: the response's status."""
    transport = httpx2.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx2.AsyncClient(transport=transport, base_url="http://test") as client,
    ):
        response = await client.post(
            "/api/v1/auth/token", data={"username": "admin", "password": password}
        )
        return response.status_code


async def test_a_configured_password_creates_the_admin_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = create_app(container_for(make_settings(tmp_path, admin_password=PASSWORD)))
    assert await log_in(app, PASSWORD) == 200
    out, err = capsys.readouterr()
    assert "created admin `admin` from INVENTORY_ADMIN_PASSWORD" in out
    assert PASSWORD not in out + err


async def test_a_configured_password_on_a_store_with_users_is_ignored_in_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    container = container_for(make_settings(tmp_path, admin_password=PASSWORD))
    register = container.register_user()
    await register.execute(
        RegisterUserCommand(
            actor=None, username="admin", password="earlier-password-1", role="admin"
        )
    )
    app = create_app(container)
    assert await log_in(app, PASSWORD) == 401
    out, _err = capsys.readouterr()
    (line,) = [line for line in out.splitlines() if "INVENTORY_ADMIN_PASSWORD" in line]
    assert "ignored: the store already has users" in line
    assert "first start with an empty store" in line
    assert "created admin" not in out


async def test_no_configured_password_and_users_say_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = create_app(container_for(make_settings(tmp_path)))
    await start(app)
    capsys.readouterr()
    await start(app)  # the second start finds the admin of the first
    out, err = capsys.readouterr()
    assert "admin" not in out + err


async def test_in_development_a_generated_password_is_shown_once_on_the_console(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = make_settings(tmp_path)
    app = create_app(container_for(settings))
    await start(app)
    _out, err = capsys.readouterr()
    password = err.split("with the password:")[1].split()[0]
    assert await log_in(app, password) == 200
    assert not password_file(settings).exists()


async def test_in_production_a_generated_password_goes_to_a_private_file_never_to_the_logs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = make_settings(tmp_path, env="production")
    app = create_app(container_for(settings))
    await start(app)
    out, err = capsys.readouterr()

    path = password_file(settings)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    password = path.read_text().strip()
    assert len(password) >= 16
    assert password not in out + err
    assert str(path) in out
    assert await log_in(app, password) == 200


async def test_an_older_password_file_is_replaced_and_narrowed_to_the_owner(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = make_settings(tmp_path, env="production")
    path = password_file(settings)
    path.parent.mkdir(parents=True)
    path.write_text("left over from an earlier installation\n")
    path.chmod(0o644)
    app = create_app(container_for(settings))
    await start(app)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert await log_in(app, path.read_text().strip()) == 200
    assert "left over" not in path.read_text()
    capsys.readouterr()


async def test_a_password_file_that_cannot_be_written_is_logged_without_the_password(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = make_settings(tmp_path, env="production")
    password_file(settings).mkdir(parents=True)  # a directory where the file should go
    app = create_app(container_for(settings))
    await start(app)
    out, err = capsys.readouterr()
    assert "could not write it to" in out
    assert "inventory users set-password admin" in out
    assert "with the password" not in out + err
