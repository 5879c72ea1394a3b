"""Shared fixtures. Every test builds its own container (wiring is per process, state is not)
and overrides providers instead of patching modules."""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from dependency_injector import providers

from adapters.clock import FixedClock
from entrypoints.container import Container, build_container
from entrypoints.settings import Settings
from tests.webhook_receiver import Receiver, webhook_receiver

pytest_plugins = ["tests.databases", "tests.browser"]

TEST_SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789"


def make_settings(tmp_path: Path, **overrides: object) -> Settings:
    """Fast, isolated settings: cheap bcrypt, a private data directory, a fixed secret."""
    values: dict[str, object] = {
        "storage": "memory",
        "data_dir": tmp_path / "var",
        "bcrypt_rounds": 4,
        "secret_key": TEST_SECRET,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 1, 1, 12, 0, tzinfo=UTC))


@pytest.fixture
def container(settings: Settings, clock: FixedClock) -> Iterator[Container]:
    """A container on the in-memory adapters with a fixed clock."""
    container = build_container(settings)
    with container.clock.override(providers.Object(clock)):
        yield container
    container.unwire()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A local webhook receiver (tests allow 127.0.0.1 with INVENTORY_WEBHOOK_ALLOWED_HOSTS)."""
    with webhook_receiver() as running:
        yield running
