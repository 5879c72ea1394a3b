"""Expiry in real time over HTTP, with the app's own sweeper running (its lifespan starts it).

TTLs are at least a minute, so the clock is real time shifted forward: after the hold is made
the test jumps to one second before its expiry, then lets that last second pass for real."""

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from entrypoints.settings import Settings
from tests.conftest import make_settings
from tests.e2e.rest.conftest import ADMIN_PASSWORD, Headers, new_item


class ShiftedClock:
    """Real time plus a shift the test may add."""

    def __init__(self) -> None:
        self.shift = timedelta()

    def now(self) -> datetime:
        return datetime.now(UTC) + self.shift


@pytest.fixture
def clock() -> ShiftedClock:  # type: ignore[override]
    return ShiftedClock()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path, admin_password=ADMIN_PASSWORD, reservation_sweep_seconds=0.1)


@pytest.mark.slow
def test_a_hold_expires_on_time_and_the_sweeper_marks_it(
    client: TestClient, auth: Callable[[str], Headers], clock: ShiftedClock
) -> None:
    clerk = auth("clerk")
    item = new_item(client, clerk, quantity=2)
    body = {"item_id": item["id"], "quantity": 2, "reference": "SO-1", "ttl_seconds": 60}
    made = client.post("/api/v1/reservations", json=body, headers=clerk)
    assert made.status_code == 201, made.text
    url = f"/api/v1/reservations/{made.json()['reservation']['id']}"
    clock.shift = timedelta(seconds=59)  # one second left
    started = time.monotonic()
    sale = {"delta": -1, "reason": "sold"}
    refused = client.post(f"/api/v1/items/{item['id']}/movements", json=sale, headers=clerk)
    assert refused.status_code == 409, refused.text
    assert client.get(url, headers=clerk).json()["status"] == "active"
    while client.get(url, headers=clerk).json()["status"] == "active":
        assert time.monotonic() - started < 5, "the sweeper did not expire the hold"
        time.sleep(0.05)
    assert time.monotonic() - started >= 0.9
    shown = client.get(f"/api/v1/items/{item['id']}", headers=clerk).json()
    assert (shown["held"], shown["available"]) == (0, 2)
    sold = client.post(f"/api/v1/items/{item['id']}/movements", json=sale, headers=clerk)
    assert sold.status_code == 201, sold.text
