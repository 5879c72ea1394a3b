"""Bad input never gives a 5xx; every error is problem+json; unexpected errors stay private."""

from collections.abc import Iterator

import pytest
from dependency_injector import providers
from fastapi.testclient import TestClient

from entrypoints.container import Container
from tests.e2e.rest.conftest import Headers, new_item

PROBLEM = "application/problem+json"

BAD_ITEM_BODIES: list[object] = [
    {"sku": "A", "name": "n", "unit_price": "1", "quantity": "5"},
    {"sku": "A", "name": "n", "unit_price": "1", "quantity": True},
    {"sku": "A", "name": "n", "unit_price": "1", "quantity": 5.5},
    {"sku": "A", "name": "n", "unit_price": "1", "quantity": 10**40},
    {"sku": "A", "name": "n", "unit_price": "1", "quantity": -1},
    {"sku": "A", "name": "n", "unit_price": "1", "reorder_level": 10**13},
    {"sku": "A", "name": "n", "unit_price": "1", "colour": "red"},
    {"sku": "A", "name": "n\x00", "unit_price": "1"},
    {"sku": "A\x00", "name": "n", "unit_price": "1"},
    {"sku": "A", "name": "   ", "unit_price": "1"},
    {"sku": "A", "name": "n" * 201, "unit_price": "1"},
    {"sku": "A", "name": "n", "unit_price": "-1"},
    {"sku": "A", "name": "n", "unit_price": "1.001"},
    {"sku": "A", "name": "n", "unit_price": "NaN"},
    {"sku": "A", "name": "n", "unit_price": 10**20},
    {"sku": "A", "name": "n", "unit_price": True},
    {"sku": "A", "name": "n", "unit_price": None},
    {"sku": "A", "name": "n", "unit_price": "1", "tax_rate": "1000.01"},
    {"sku": "A B", "name": "n", "unit_price": "1"},
    {"sku": 5, "name": "n", "unit_price": "1"},
    {"name": "n", "unit_price": "1"},
    [],
    "text",
    None,
]
RAW_BODIES = [
    b"{",
    b'{"sku": "A",}',
    b"\xff\xfe\x00",
    b'{"sku": "\\ud800", "name": "n", "unit_price": "1"}',
    b'{"sku": "A", "name": "n", "unit_price": NaN}',
    b'{"sku": "A", "name": "n", "unit_price": 1e999999}',
    b'{"sku": "A", "name": "n", "unit_price": "1", "quantity": 1' + b"0" * 5000 + b"}",
    b"[" * 100_000,
    b"",
]


@pytest.mark.parametrize("body", BAD_ITEM_BODIES)
def test_bad_json_values_are_422_and_change_nothing(
    client: TestClient, admin: Headers, body: object
) -> None:
    response = client.post("/api/v1/items", json=body, headers=admin)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert {"type", "title", "status", "detail"} <= set(problem)
    assert problem["errors"]
    assert client.get("/api/v1/items", headers=admin).json()["total"] == 0


@pytest.mark.parametrize("raw", RAW_BODIES)
def test_malformed_json_is_4xx(client: TestClient, admin: Headers, raw: bytes) -> None:
    response = client.post(
        "/api/v1/items", content=raw, headers={**admin, "Content-Type": "application/json"}
    )
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"] == PROBLEM


def test_wrong_content_type_is_4xx(client: TestClient, admin: Headers) -> None:
    response = client.post(
        "/api/v1/items", content=b"sku=A", headers={**admin, "Content-Type": "text/plain"}
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM


def test_oversized_bodies_are_413_also_when_chunked(client: TestClient, admin: Headers) -> None:
    big = b'{"sku": "A", "name": "' + b"n" * (70 * 1024) + b'", "unit_price": "1"}'
    response = client.post(
        "/api/v1/items", content=big, headers={**admin, "Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(big), 4096):
            yield big[start : start + 4096]

    chunked = client.post(
        "/api/v1/items", content=chunks(), headers={**admin, "Content-Type": "application/json"}
    )
    assert chunked.status_code == 413
    assert client.get("/api/v1/items", headers=admin).json()["total"] == 0
    garbage_length = client.post(
        "/api/v1/items", content=b"{}", headers={**admin, "Content-Length": "lots"}
    )
    assert garbage_length.status_code == 400


def test_routing_errors_are_problems(client: TestClient, admin: Headers) -> None:
    missing = client.get("/api/v1/nowhere", headers=admin)
    assert missing.status_code == 404
    assert missing.headers["content-type"] == PROBLEM
    item = new_item(client, admin)
    wrong_method = client.post(f"/api/v1/items/{item['id']}", headers=admin)
    assert wrong_method.status_code == 405
    assert wrong_method.headers["content-type"] == PROBLEM
    assert wrong_method.headers["allow"] == "DELETE, GET, HEAD, PATCH, PUT"
    assert client.patch("/api/v1/users/me", headers=admin).status_code == 405


class Boom(RuntimeError):
    pass


def _explode() -> object:
    raise Boom("secret internals: postgresql://user:pw@db")


@pytest.fixture
def exploding(container: Container) -> Iterator[None]:
    with container.list_items.override(providers.Callable(_explode)):
        yield


@pytest.mark.usefixtures("exploding")
def test_unexpected_errors_are_500_without_internals(
    client: TestClient, admin: Headers, caplog: pytest.LogCaptureFixture
) -> None:
    response = client.get("/api/v1/items", headers={**admin, "X-Request-ID": "req-123"})
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["x-request-id"] == "req-123"
    assert response.json()["request_id"] == "req-123"
    assert "secret" not in response.text
    assert "Traceback" not in response.text
    assert any("req-123" in record.getMessage() for record in caplog.records)


def test_request_id_timing_and_gzip(client: TestClient, admin: Headers) -> None:
    response = client.get("/api/v1/users/me", headers=admin)
    assert len(response.headers["x-request-id"]) >= 16
    assert response.headers["server-timing"].startswith("app;dur=")
    given = client.get("/health/live", headers={"X-Request-ID": "abc-1"})
    assert given.headers["x-request-id"] == "abc-1"
    hostile = client.get("/health/live", headers={"X-Request-ID": "evil\r\nid with spaces"})
    assert hostile.headers["x-request-id"] != "evil\r\nid with spaces"
    for index in range(30):
        new_item(client, admin, sku=f"G-{index}", description="padding " * 20)
    listing = client.get("/api/v1/items", headers={**admin, "Accept-Encoding": "gzip"})
    assert listing.headers["content-encoding"] == "gzip"
    small = client.get("/health/live", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in small.headers


def test_cors_and_trusted_hosts_are_off_by_default(client: TestClient) -> None:
    response = client.get(
        "/health/live", headers={"Origin": "https://evil.example", "Host": "evil.example"}
    )
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers


def test_a_garbage_content_length_is_a_client_error_with_metrics_on(
    client: TestClient, admin: Headers
) -> None:
    """The metrics middleware sits outside everything; it must not choke on what clients send."""
    for _ in range(2):  # twice: a second app in the process must not fall back to other metrics
        response = client.post(
            "/api/v1/items", content=b"{}", headers={**admin, "Content-Length": "-1x"}
        )
        assert response.status_code == 400
        assert response.headers["content-type"] == PROBLEM
