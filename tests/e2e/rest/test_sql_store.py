"""The REST app on the SQL store: start-up refuses a database it cannot use, readiness tells a
load balancer when the schema falls behind, and shutdown releases the pool."""

import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from adapters.sqlalchemy import DatabaseNotReady, downgrade
from entrypoints.container import build_container
from entrypoints.rest.app import create_app
from tests.conftest import make_settings
from tests.databases import fresh_sqlite_url, run_in_thread
from tests.e2e.rest.conftest import ADMIN_PASSWORD, login


def sql_app(tmp_path: Path, url: str) -> TestClient:
    settings = make_settings(
        tmp_path, storage="sqlalchemy", database_url=url, admin_password=ADMIN_PASSWORD
    )
    return TestClient(create_app(build_container(settings)))


def test_start_up_refuses_a_database_behind_its_migrations(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    client = sql_app(tmp_path, f"sqlite:///{tmp_path / 'never-migrated.db'}")
    with caplog.at_level(logging.ERROR), pytest.raises(DatabaseNotReady), client:
        pass  # entering runs the lifespan
    message = " ".join(record.getMessage() for record in caplog.records)
    assert "cannot start" in message
    assert "inventory db upgrade" in message


def test_start_up_refuses_an_unreachable_database(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    client = sql_app(tmp_path, "postgresql://nobody:secret@127.0.0.1:1/none")
    with caplog.at_level(logging.ERROR), pytest.raises(DatabaseNotReady), client:
        pass
    message = " ".join(record.getMessage() for record in caplog.records)
    assert "cannot reach the database" in message
    assert "secret" not in message  # the password never reaches the log


def test_ready_turns_503_when_the_schema_falls_behind(
    sqlite_template: Path, tmp_path: Path
) -> None:
    url = fresh_sqlite_url(sqlite_template, tmp_path / "db")
    with sql_app(tmp_path, url) as client:
        ready = client.get("/health/ready")
        assert ready.status_code == 200
        assert ready.json()["checks"] == {"store": "ok", "schema": "ok", "images": "ok"}
        admin = login(client, "admin", ADMIN_PASSWORD)
        created = client.post(
            "/api/v1/items",
            json={"sku": "SQL-1", "name": "Kept", "unit_price": "1.00", "quantity": 3},
            headers=admin,
        )
        assert created.status_code == 201
        run_in_thread(lambda: downgrade(url, "base"))
        behind = client.get("/health/ready")
        assert behind.status_code == 503
        assert behind.headers["content-type"].startswith("application/")
        assert client.get("/health/live").status_code == 200


def test_search_over_http_on_sqlite_finds_through_its_index(
    sqlite_template: Path, tmp_path: Path
) -> None:
    """``q=`` end to end on the embedded store: trimmed, case-folded, every character literal."""
    url = fresh_sqlite_url(sqlite_template, tmp_path / "db")
    names = ["Straße sign", 'Quote "special" item', "100% steel", *(f"Part {n}" for n in range(9))]
    with sql_app(tmp_path, url) as client:
        admin = login(client, "admin", ADMIN_PASSWORD)
        for n, name in enumerate(names):
            created = client.post(
                "/api/v1/items",
                json={"sku": f"Q-{n}", "name": name, "unit_price": "1.00"},
                headers=admin,
            )
            assert created.status_code == 201
        for needle, expected in [
            ("  STRASSE ", ["Straße sign"]),
            ('"special"', ['Quote "special" item']),
            ("0% s", ["100% steel"]),
            ("part 7", ["Part 7"]),
            ("art", [f"Part {n}" for n in range(9)]),
            ("NEAR(", []),
        ]:
            page = client.get("/api/v1/items", params={"q": needle}, headers=admin).json()
            assert [item["name"] for item in page["items"]] == expected, needle
            assert page["total"] == len(expected)
