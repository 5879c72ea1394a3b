"""Every bad setting stops ``inventory serve`` with exit 15 and a line naming its variable
(issue 12, item 8): the promise of docs/configuration.md, kept for each setting one by one.

``INVALID`` must hold a bad value for every setting: a new setting fails here until it has one.
"""

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from entrypoints.cli.errors import CONFIGURATION
from entrypoints.cli.main import build_cli
from entrypoints.settings import DATABASE_SCHEMES, ENV_PREFIX, Settings
from tests.conftest import TEST_SECRET
from tests.integration.servers import INVENTORY, START_SECONDS

#: A value each setting must refuse; ``{file}`` stands for an existing regular file.
INVALID: dict[str, str] = {
    "env": "staging",
    "data_dir": "{file}",
    "secrets_dir": "{file}",
    "storage": "mongodb",
    "database_url": "mysql://x@y/z",
    "database_read_url": "sqlite:///replica.db",
    "websocket_recheck_seconds": "0",
    "login_free_attempts_per_address": "-1",
    "trusted_proxies": "10.0.0.300",
    "db_pool_size": "0",
    "db_max_overflow": "-1",
    "db_pool_timeout_seconds": "0",
    "db_connect_timeout_seconds": "soon",
    "db_transaction_pooling": "maybe",
    "event_fanout_url": "sqlite:///events.db",
    "sqlite_busy_timeout_seconds": "-1",
    "sqlite_synchronous": "SOMETIMES",
    "secret_key": "too-short",
    "token_ttl_seconds": "59",
    "session_ttl_days": "0",
    "token_issuer": "",
    "token_audience": "",
    "bcrypt_rounds": "3",
    "login_free_attempts": "0",
    "login_window_seconds": "0",
    "max_image_bytes": "1",
    "workers": "0",
    "event_fanout": "carrier-pigeon",
    "event_channel": "Events",
    "event_retention_days": "0",
    "event_poll_seconds": "0",
    "event_broker_url": "http://rabbit:5672/",
    "event_broker_exchange": "two words",
    "webhook_allowed_hosts": "https://hooks.example.org/x",
    "webhook_timeout_seconds": "0",
    "webhook_secret_overlap_hours": "-1",
    "log_level": "LOUD",
    "log_format": "xml",
    "metrics_enabled": "maybe",
    "metrics_token": "",
    "admin_username": "two words",
    "admin_password": "short",
    "max_request_bytes": "1",
    "cors_origins": "shop.example.org",
    "trusted_hosts": "https://shop.example.org",
    "gzip_min_bytes": "-1",
    "idempotency_ttl_seconds": "1",
    "websocket_heartbeat_seconds": "0",
    "reservation_ttl_seconds": "59",
    "reservation_sweep_seconds": "-1",
    "keep_alive_timeout_seconds": "0",
    "client_header_timeout_seconds": "0",
    "client_body_timeout_seconds": "-5",
}


def variable(name: str) -> str:
    return f"{ENV_PREFIX}{name.upper()}"


@pytest.fixture
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str | None]:
    """A valid configuration, and no ``INVENTORY_*`` variable or ``.env`` of the test run."""
    monkeypatch.chdir(tmp_path)
    unset: dict[str, str | None] = {key: None for key in os.environ if key.startswith(ENV_PREFIX)}
    return unset | {
        variable("storage"): "memory",
        variable("data_dir"): str(tmp_path / "var"),
        variable("secret_key"): TEST_SECRET,
        variable("bcrypt_rounds"): "4",
    }


def serve(environment: dict[str, str | None]) -> tuple[Any, list[object]]:
    """``inventory serve`` in this process, with a server that only records that it ran."""
    served: list[object] = []
    app = build_cli(server=lambda *args, **kwargs: served.append(kwargs))
    return CliRunner(env=environment).invoke(app, ["serve"]), served


def test_the_valid_configuration_serves(environment: dict[str, str | None]) -> None:
    result, served = serve(environment)
    assert result.exit_code == 0, result.stderr
    assert len(served) == 1


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_a_bad_value_is_a_configuration_error_naming_the_variable(
    name: str, environment: dict[str, str | None], tmp_path: Path
) -> None:
    if name not in INVALID:
        pytest.fail(f"give the new setting {name} a value it refuses in INVALID")
    a_file = tmp_path / "a-file"
    a_file.write_text("not a directory")
    environment[variable(name)] = INVALID[name].format(file=a_file)

    result, served = serve(environment)

    assert result.exit_code == CONFIGURATION, (result.stdout, result.stderr, result.exception)
    assert served == []
    assert variable(name) in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "url",
    ["mysql://x@y/z", "postgresql-ish", "postgresql://u@db:port/inv", "http://db/inv", "PG://db"],
)
def test_an_unsupported_database_url_names_the_accepted_schemes(
    url: str, environment: dict[str, str | None]
) -> None:
    environment[variable("database_url")] = url
    result, _served = serve(environment)
    assert result.exit_code == CONFIGURATION
    assert "INVENTORY_DATABASE_URL" in result.stderr
    if "://" not in url or url.startswith(("mysql", "http", "PG")):
        assert all(f"{scheme}://" in result.stderr for scheme in DATABASE_SCHEMES)


def test_the_password_of_a_bad_url_is_not_shown(environment: dict[str, str | None]) -> None:
    environment[variable("database_url")] = "mysql://user:hunter2-secret@db/inv"
    result, _served = serve(environment)
    assert result.exit_code == CONFIGURATION
    assert "hunter2" not in result.stderr


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:///var/x.db",
        "sqlite+aiosqlite:///var/x.db",
        "postgresql://u:p@db:5432/inv",
        "postgresql+asyncpg://u@db/inv?ssl=require",
        "postgres://u@db/inv",
    ],
)
def test_supported_database_urls_are_accepted(url: str, tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path, database_url=url)  # type: ignore[call-arg]
    assert settings.database_url == url


def test_an_empty_database_url_means_the_default_file(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path, database_url="")  # type: ignore[call-arg]
    assert settings.resolved_database_url.endswith("inventory.db")


@pytest.mark.slow
def test_the_console_script_refuses_a_mysql_url_with_exit_15(tmp_path: Path) -> None:
    """The defect as it was found: the real ``inventory serve`` process exited 1."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
    environment |= {"INVENTORY_DATABASE_URL": "mysql://x@y/z", "INVENTORY_DATA_DIR": str(tmp_path)}
    done = subprocess.run(
        [INVENTORY, "serve", "--port", "1"],
        env=environment,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=START_SECONDS,
        check=False,
    )
    assert done.returncode == CONFIGURATION, done.stderr
    assert "INVENTORY_DATABASE_URL" in done.stderr
    assert "postgresql://" in done.stderr
    assert "sqlite://" in done.stderr
