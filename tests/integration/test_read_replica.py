"""Queries read from ``INVENTORY_DATABASE_READ_URL``; commands never touch it (issue 11, item 7).

The service runs on a primary and a "replica" that the test keeps in sync (``tests.replication``),
so the test decides how far the replica lags: a row only the replica holds is what queries see
and commands do not, and no command, login included, takes a single connection from the
replica's engine. The last test pins down what replica lag means for revocation: a read request
resolves its caller on the replica, so it may pass until the replica has the revocation, while
every command refuses the revoked token at once.
"""

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from dependency_injector import providers
from fastapi.testclient import TestClient

from adapters.sqlalchemy import Database, upgrade
from entrypoints.container import build_container
from entrypoints.rest.app import create_app
from tests.conftest import make_settings
from tests.databases import empty_postgres, new_postgres_database, run_in_thread
from tests.e2e.rest.conftest import ADMIN_PASSWORD, PNG, Headers, login
from tests.replication import checkouts, execute, replicate

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(120)]

ITEMS = "/api/v1/items"


@pytest.fixture(scope="module")
def databases() -> Iterator[tuple[str, str]]:
    """A migrated primary and replica for this module."""
    with (
        new_postgres_database("inventory_primary") as primary,
        new_postgres_database("inventory_replica") as replica,
    ):
        for url in (primary, replica):
            run_in_thread(lambda url=url: upgrade(url))  # type: ignore[misc]
        yield primary, replica


class Deployment:
    """The REST app on the primary with queries on the replica, and the test's replication."""

    def __init__(self, client: TestClient, primary: str, replica: str) -> None:
        self.client = client
        self.primary_url, self.replica_url = primary, replica
        self.database: Database = client.app.state.container.database()  # type: ignore[attr-defined]

    def replicate(self) -> None:
        run_in_thread(lambda: replicate(self.primary_url, self.replica_url))

    def on_replica_only(self, statement: str, *arguments: object) -> None:
        run_in_thread(lambda: execute(self.replica_url, statement, *arguments))


@pytest.fixture
def deployment(databases: tuple[str, str], tmp_path: Path) -> Iterator[Deployment]:
    primary, replica = databases
    run_in_thread(lambda: empty_postgres(primary))
    run_in_thread(lambda: replicate(primary, replica))
    settings = make_settings(
        tmp_path,
        storage="sqlalchemy",
        database_url=primary,
        database_read_url=replica,
        admin_password=ADMIN_PASSWORD,
    )
    container = build_container(settings)
    app = create_app(container)
    # These tests count every connection taken from each pool: the outbox's relay and live tail
    # (which read the primary in the background) stay off here.
    container.listens_for_live_events.override(providers.Object(False))
    with TestClient(app) as client:
        running = Deployment(client, primary, replica)
        assert running.database.has_read_replica
        running.replicate()  # the administrator the start-up created
        yield running


def _commands(client: TestClient) -> tuple[Headers, str]:
    """Every kind of change the API offers, each through its own route; the admin's headers and
    the id of the item left behind."""
    admin = login(client, "admin", ADMIN_PASSWORD)
    created = client.post(
        "/api/v1/users",
        json={"username": "clerk", "password": "clerk-password-1", "role": "clerk"},
        headers=admin,
    )
    assert created.status_code == 201, created.text
    clerk = login(client, "clerk", "clerk-password-1")
    body = {"sku": "R-1", "name": "Replicated", "unit_price": "2.50", "quantity": 5}
    keyed = {**clerk, "Idempotency-Key": "create-r-1"}
    item = client.post(ITEMS, json=body, headers=keyed)
    assert item.status_code == 201, item.text
    assert client.post(ITEMS, json=body, headers=keyed).json() == item.json()  # a replay
    item_id = item.json()["id"]
    movements = f"{ITEMS}/{item_id}/movements"
    sale = {**clerk, "Idempotency-Key": "sale-1"}
    for _ in range(2):  # the second is a replay of the first
        sold = client.post(movements, json={"delta": -2, "reason": "sold"}, headers=sale)
        assert sold.status_code == 201, sold.text
    assert client.patch(f"{ITEMS}/{item_id}", json={"name": "Renamed"}, headers=clerk).is_success
    replaced = client.put(
        f"{ITEMS}/{item_id}",
        json={"sku": "R-1", "name": "Replaced", "unit_price": "3.00", "quantity": 7},
        headers=clerk,
    )
    assert replaced.status_code == 200, replaced.text
    image = f"{ITEMS}/{item_id}/image"
    files = {"file": ("a.png", PNG, "image/png")}
    assert client.put(image, files=files, headers=clerk).is_success
    assert client.delete(image, headers=clerk).status_code == 204
    doomed = client.post(ITEMS, json={**body, "sku": "R-2"}, headers=clerk).json()["id"]
    assert client.delete(f"{ITEMS}/{doomed}", headers=admin).status_code == 204
    changed = client.put(
        "/api/v1/users/me/password",
        json={"current_password": "clerk-password-1", "new_password": "clerk-password-2"},
        headers=clerk,
    )
    assert changed.status_code == 204, changed.text
    clerk_id = created.json()["id"]
    patched = client.patch(f"/api/v1/users/{clerk_id}", json={"role": "viewer"}, headers=admin)
    assert patched.status_code == 200, patched.text
    refused = client.post(
        "/api/v1/auth/token", data={"username": "clerk", "password": "wrong-password"}
    )
    assert refused.status_code == 401
    return admin, item_id


def test_commands_never_touch_the_replica(deployment: Deployment) -> None:
    database = deployment.database
    with checkouts(database.reads) as on_replica, checkouts(database.engine) as on_primary:
        _commands(deployment.client)
    assert on_replica == []
    assert on_primary  # the watch does see connections being taken


def test_queries_read_the_replica_alone(deployment: Deployment) -> None:
    client, database = deployment.client, deployment.database
    admin, item_id = _commands(client)
    with checkouts(database.reads) as on_replica, checkouts(database.engine) as on_primary:
        # The replica has not caught up: what the commands did is not there yet.
        assert client.get(f"{ITEMS}/{item_id}", headers=admin).status_code == 404
        assert client.get(ITEMS, headers=admin).json()["total"] == 0
        deployment.replicate()
        item = client.get(f"{ITEMS}/{item_id}", headers=admin)
        assert item.status_code == 200
        assert (item.json()["name"], item.json()["quantity"]) == ("Replaced", 7)
        listed = client.get(ITEMS, headers=admin).json()
        assert [entry["id"] for entry in listed["items"]] == [item_id]
        ledger = client.get(f"{ITEMS}/{item_id}/movements", headers=admin).json()
        assert [m["delta"] for m in ledger["items"]] == [
            4,
            -2,
            5,
        ]  # counted, sold, received: newest first
        users = client.get("/api/v1/users", headers=admin).json()
        assert {u["username"] for u in users["items"]} == {"admin", "clerk"}
    assert on_primary == []  # caller and data alike: one session, on the replica
    assert len(on_replica) == 6  # one connection for each of the six requests


def test_a_row_only_the_replica_holds_is_seen_by_queries_not_by_commands(
    deployment: Deployment,
) -> None:
    client = deployment.client
    admin = login(client, "admin", ADMIN_PASSWORD)
    ghost = uuid.uuid4()
    deployment.on_replica_only(
        "INSERT INTO items (id, sku, name, name_key, description_key, unit_price, tax_rate,"
        " quantity, reorder_level, version, created_at, updated_at)"
        " VALUES ($1, 'GHOST-1', 'Ghost', 'ghost', '', 1, 0, 3, 0, 1, now(), now())",
        ghost,
    )
    seen = client.get(f"{ITEMS}/{ghost}", headers=admin)
    assert seen.status_code == 200, seen.text
    assert seen.json()["sku"] == "GHOST-1"
    assert [entry["sku"] for entry in client.get(ITEMS, headers=admin).json()["items"]] == [
        "GHOST-1"
    ]
    moved = client.post(
        f"{ITEMS}/{ghost}/movements", json={"delta": -1, "reason": "sold"}, headers=admin
    )
    assert moved.status_code == 404  # the command works on the primary, which has no such item


def test_revocation_reaches_reads_when_the_replica_catches_up(deployment: Deployment) -> None:
    """The documented bound (docs/scaling.md): a read request resolves its caller on the
    replica, so a revoked token reads on for as long as the replica lags; commands check the
    primary and refuse it at once."""
    client = deployment.client
    admin = login(client, "admin", ADMIN_PASSWORD)
    item = client.post(
        ITEMS, json={"sku": "V-1", "name": "Visible", "unit_price": "1"}, headers=admin
    ).json()
    viewer = client.post(
        "/api/v1/users",
        json={"username": "viewer", "password": "viewer-password-1", "role": "viewer"},
        headers=admin,
    ).json()
    token = login(client, "viewer", "viewer-password-1")
    deployment.replicate()
    assert client.get(f"{ITEMS}/{item['id']}", headers=token).status_code == 200
    deactivated = client.patch(
        f"/api/v1/users/{viewer['id']}", json={"active": False}, headers=admin
    )
    assert deactivated.status_code == 200
    # Within the replica's lag: reads still pass, any change is refused.
    assert client.get(f"{ITEMS}/{item['id']}", headers=token).status_code == 200
    password = {"current_password": "viewer-password-1", "new_password": "viewer-password-2"}
    assert client.put("/api/v1/users/me/password", json=password, headers=token).status_code == 401
    deployment.replicate()
    assert client.get(f"{ITEMS}/{item['id']}", headers=token).status_code == 401
