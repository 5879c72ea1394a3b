"""Behind a transaction pooler the live-event fan-out needs a direct URL: a ``LISTEN`` through
PgBouncer in transaction mode is accepted and then hears nothing, so start-up refuses the
combination instead of serving without events from other processes."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from tests.conftest import make_settings

POOLER = "postgresql://inventory@pgbouncer:6432/inventory"
DIRECT = "postgresql://inventory@db:5432/inventory"


def test_the_postgres_fan_out_behind_a_pooler_needs_a_direct_url(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="INVENTORY_EVENT_FANOUT_URL"):
        make_settings(
            tmp_path, storage="sqlalchemy", database_url=POOLER, db_transaction_pooling=True
        )


def test_the_fan_out_connects_where_it_is_told(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path,
        storage="sqlalchemy",
        database_url=POOLER,
        db_transaction_pooling=True,
        event_fanout_url=DIRECT,
    )
    assert settings.live_event_fanout == "postgres"
    assert settings.event_fanout_database_url == DIRECT


def test_without_a_fan_out_url_it_uses_the_database(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, storage="sqlalchemy", database_url=DIRECT)
    assert settings.event_fanout_database_url == DIRECT


def test_a_local_fan_out_needs_no_direct_url(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path,
        storage="sqlalchemy",
        database_url=POOLER,
        db_transaction_pooling=True,
        event_fanout="local",
    )
    assert settings.live_event_fanout == "local"


@pytest.mark.parametrize("url", ["sqlite:///events.db", "mysql://x@y/z"])
def test_the_fan_out_url_is_postgres(tmp_path: Path, url: str) -> None:
    with pytest.raises(ValidationError, match="event_fanout_url"):
        make_settings(tmp_path, event_fanout_url=url)
