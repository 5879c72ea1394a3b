from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from entrypoints.settings import Settings
from tests.conftest import make_settings
from tests.e2e.rest.conftest import ADMIN_PASSWORD


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(
        tmp_path,
        admin_password=ADMIN_PASSWORD,
        cors_origins="https://app.example",
        trusted_hosts="testserver,*.example.org",
    )


def test_trusted_hosts(client: TestClient) -> None:
    assert client.get("/health/live").status_code == 200
    assert client.get("/health/live", headers={"Host": "api.example.org"}).status_code == 200
    refused = client.get("/health/live", headers={"Host": "evil.example"})
    assert refused.status_code == 400
    assert refused.headers["content-type"] == "application/problem+json"


def test_cors_for_configured_origins(client: TestClient) -> None:
    preflight = client.options(
        "/api/v1/items",
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://app.example"
    other = client.get("/health/live", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers
