import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from dependency_injector import providers
from fastapi.testclient import TestClient

from entrypoints.container import Container, build_container
from entrypoints.rest.app import create_app
from tests.conftest import make_settings


def test_root_live_and_ready(client: TestClient) -> None:
    root = client.get("/").json()
    assert root["name"] == "inventory-service"
    assert root["links"]["docs"] == "/docs"
    assert client.get("/health/live").json() == {"status": "ok", "checks": {}}
    ready = client.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "checks": {"store": "ok"}}


async def _broken() -> None:
    raise ConnectionError("database down")


@pytest.fixture
def broken_probe(container: Container) -> Iterator[None]:
    with container.readiness_probes.override(providers.Dict(database=providers.Object(_broken))):
        yield


@pytest.mark.usefixtures("broken_probe")
def test_ready_is_503_when_a_probe_fails(client: TestClient) -> None:
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"store": "ok", "database": "failed"},
    }
    assert "database down" not in response.text


def test_docs_and_their_assets_are_served_locally(client: TestClient) -> None:
    for page in ("/docs", "/redoc"):
        html = client.get(page)
        assert html.status_code == 200
        urls = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html.text)
        urls += re.findall(r"""url: ?['"]([^'"]+)['"]""", html.text)
        assert urls
        for url in urls:
            assert url.startswith("/"), f"{page} loads {url} from elsewhere"
            assert client.get(url).status_code == 200, url
        assert "cdn" not in html.text.lower()
        assert "fonts.googleapis" not in html.text
    assert client.get("/docs/oauth2-redirect").status_code == 200


def test_openapi_has_stable_ids_problem_responses_and_the_security_scheme(
    client: TestClient,
) -> None:
    spec = client.get("/openapi.json").json()
    ids = {
        operation["operationId"] for path in spec["paths"].values() for operation in path.values()
    }
    assert {
        "items-create",
        "items-list",
        "items-get",
        "items-replace",
        "items-update",
        "items-delete",
        "items-restore",
        "movements-create",
        "movements-list",
        "images-put",
        "images-get",
        "images-delete",
        "auth-token",
        "users-me",
        "users-create",
        "users-list",
        "users-get",
        "users-update",
        "users-change-password",
        "health-ready",
        "health-live",
        "service-info",
    } <= ids
    scheme = spec["components"]["securitySchemes"]["OAuth2PasswordBearer"]
    assert scheme["flows"]["password"]["tokenUrl"] == "/api/v1/auth/token"
    create = spec["paths"]["/api/v1/items"]["post"]
    assert {"201", "401", "403", "409", "413", "422"} <= set(create["responses"])
    assert "application/problem+json" in create["responses"]["409"]["content"]
    price = spec["components"]["schemas"]["ItemCreate"]["properties"]["unit_price"]
    # A decimal string only, so generated clients do not offer floats (issue 13, point 7).
    assert price["type"] == "string"
    assert re.fullmatch(price["pattern"], price["examples"][0])
    assert spec["components"]["schemas"]["ItemCreate"]["additionalProperties"] is False


def test_first_start_prints_a_generated_admin_password_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    container = build_container(make_settings(tmp_path))
    try:
        with TestClient(create_app(container)) as client:
            printed = capsys.readouterr().err
            password = re.search(r"password:\s+(\S+)", printed)
            assert password is not None
            assert "PUT /api/v1/users/me/password" in printed
            token = client.post(
                "/api/v1/auth/token", data={"username": "admin", "password": password.group(1)}
            )
            assert token.status_code == 200
        with TestClient(create_app(container)):
            assert "password" not in capsys.readouterr().err
    finally:
        container.unwire()
