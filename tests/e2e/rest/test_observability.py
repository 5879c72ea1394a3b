"""The product app under production settings: one JSON log line per request with its request
id and user, and the named Prometheus series at /metrics."""

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog
from fastapi.testclient import TestClient

from entrypoints.container import build_container
from entrypoints.rest.app import create_app
from tests.conftest import make_settings
from tests.e2e.rest.conftest import ADMIN_PASSWORD, login


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    structlog.reset_defaults()


@pytest.mark.usefixtures("restore_logging")
def test_production_logs_json_lines_with_request_ids_and_serves_metrics(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Built here, not in a fixture: the log handler binds the stdout capsys has replaced.
    settings = make_settings(tmp_path, env="production", admin_password=ADMIN_PASSWORD)
    with TestClient(create_app(build_container(settings))) as client:
        _exercise_and_check(client, capsys)


def _exercise_and_check(client: TestClient, capsys: pytest.CaptureFixture[str]) -> None:
    admin = login(client, "admin", ADMIN_PASSWORD)
    created = client.post(
        "/api/v1/items",
        json={
            "sku": "OBS-1",
            "name": "Observed",
            "unit_price": "1.00",
            "quantity": 5,
            "reorder_level": 2,
        },
        headers=admin,
    )
    assert created.status_code == 201
    item = created.json()["id"]
    moved = client.post(
        f"/api/v1/items/{item}/movements", json={"delta": -4, "reason": "sold"}, headers=admin
    )
    assert moved.status_code == 201
    refused = client.post(
        f"/api/v1/items/{item}/movements", json={"delta": -4, "reason": "sold"}, headers=admin
    )
    assert refused.status_code == 409
    bad_login = client.post("/api/v1/auth/token", data={"username": "admin", "password": "nope!"})
    assert bad_login.status_code == 401

    metrics = client.get("/metrics")
    assert metrics.status_code == 200
    text = metrics.text
    assert 'inventory_stock_movements_total{reason="sold"} 1.0' in text
    assert 'inventory_stock_movements_total{reason="received"} 1.0' in text
    assert "inventory_insufficient_stock_refusals_total 1.0" in text
    assert "inventory_low_stock_events_total 1.0" in text
    assert 'inventory_login_failures_total{reason="bad_credentials"} 1.0' in text
    assert 'http_requests_total{handler="/api/v1/items/{item_id}/movements"' in text
    assert 'http_request_duration_seconds_bucket{handler="/api/v1/items"' in text

    captured = capsys.readouterr()
    lines = [json.loads(line) for line in captured.out.splitlines() if line.startswith("{")]
    requests = [line for line in lines if line.get("event") == "request"]
    movement_lines = [r for r in requests if r["route"] == "/api/v1/items/{item_id}/movements"]
    assert [r["status"] for r in movement_lines] == [201, 409]
    assert movement_lines[0]["request_id"] == moved.headers["X-Request-ID"]
    assert movement_lines[0]["user_id"]  # who did it
    serialised = json.dumps(requests)
    assert admin["Authorization"].split()[1] not in serialised
    assert ADMIN_PASSWORD not in serialised
