"""The REST API through the real ASGI app on the in-memory container.

Each test gets its own container and app; ``client`` enters the lifespan (bootstrap of the
admin), so every test starts with exactly one user, ``admin``.
"""

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from adapters.clock import SystemClock
from entrypoints.container import Container
from entrypoints.rest.app import create_app
from entrypoints.settings import Settings
from tests.conftest import make_settings

ADMIN_PASSWORD = "admin-password-1"
PASSWORDS = {"admin": ADMIN_PASSWORD, "clerk": "clerk-password-1", "viewer": "viewer-password-1"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64

Headers = dict[str, str]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(
        tmp_path,
        admin_password=ADMIN_PASSWORD,
        max_request_bytes=64 * 1024,
        max_image_bytes=32 * 1024,
    )


@pytest.fixture
def clock() -> SystemClock:  # type: ignore[override]
    """Tokens are checked against real time by PyJWT, so the API tests use the real clock."""
    return SystemClock()


@pytest.fixture
def app(container: Container) -> FastAPI:
    return create_app(container)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


def login(client: TestClient, username: str, password: str) -> Headers:
    response = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture
def auth(client: TestClient) -> Callable[[str], Headers]:
    """``auth("clerk")``: headers of a logged-in user with that role (created on first use)."""
    admin = login(client, "admin", ADMIN_PASSWORD)
    cache: dict[str, Headers] = {"admin": admin}

    def for_role(role: str) -> Headers:
        if role not in cache:
            body = {"username": role, "password": PASSWORDS[role], "role": role}
            created = client.post("/api/v1/users", json=body, headers=admin)
            assert created.status_code == 201, created.text
            cache[role] = login(client, role, PASSWORDS[role])
        return cache[role]

    return for_role


@pytest.fixture
def admin(auth: Callable[[str], Headers]) -> Headers:
    return auth("admin")


def new_item(client: TestClient, headers: Headers, **fields: object) -> dict[str, object]:
    body: dict[str, object] = {"sku": "AB-1", "name": "Widget", "unit_price": "12.50"}
    body.update(fields)
    response = client.post("/api/v1/items", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]
