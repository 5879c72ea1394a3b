"""Refresh, logout, sessions and API tokens through the ASGI app (issue 17)."""

import base64
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from tests.e2e.rest.conftest import ADMIN_PASSWORD, Headers, new_item

TOKEN = "/api/v1/auth/token"
REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"
MINE = "/api/v1/users/me/api-tokens"


def log_in(client: TestClient, agent: str = "curl/8.5") -> dict[str, str]:
    body = {"username": "admin", "password": ADMIN_PASSWORD}
    response = client.post(TOKEN, data=body, headers={"User-Agent": agent})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def bearer(token: str) -> Headers:
    return {"Authorization": f"Bearer {token}"}


def basic(username: str, secret: str) -> Headers:
    encoded = base64.b64encode(f"{username}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {encoded}"}


def test_refresh_rotates_and_reuse_ends_the_session(client: TestClient) -> None:
    first = log_in(client)
    second = client.post(REFRESH, json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200, second.text
    rotated = second.json()
    assert rotated["refresh_token"] != first["refresh_token"]
    assert (
        client.get("/api/v1/users/me", headers=bearer(rotated["access_token"])).status_code == 200
    )
    reused = client.post(REFRESH, json={"refresh_token": first["refresh_token"]})
    assert reused.status_code == 401
    assert "reused" in reused.json()["detail"]
    ended = client.post(REFRESH, json={"refresh_token": rotated["refresh_token"]})
    assert ended.status_code == 401


def test_bad_refresh_bodies_are_4xx(client: TestClient) -> None:
    assert client.post(REFRESH, json={"refresh_token": "nope"}).status_code == 401
    assert client.post(REFRESH, json={"refresh_token": "x" * 300}).status_code == 422
    assert client.post(REFRESH, json={"token": "x"}).status_code == 422
    assert client.post(LOGOUT, json={"refresh_token": "nope"}).status_code == 204


def test_sessions_are_listed_ended_and_logged_out(client: TestClient) -> None:
    phone, laptop = log_in(client, "phone\x07app"), log_in(client, "laptop")
    headers = bearer(laptop["access_token"])
    listed = client.get("/api/v1/users/me/sessions", headers=headers).json()
    assert [s["device"] for s in listed] == ["laptop", "phoneapp"]
    assert client.post(LOGOUT, json={"refresh_token": laptop["refresh_token"]}).status_code == 204
    assert client.post(REFRESH, json={"refresh_token": laptop["refresh_token"]}).status_code == 401
    [left] = client.get("/api/v1/users/me/sessions", headers=headers).json()
    ended = client.delete(f"/api/v1/users/me/sessions/{left['id']}", headers=headers)
    assert ended.status_code == 204
    assert client.post(REFRESH, json={"refresh_token": phone["refresh_token"]}).status_code == 401
    again = client.delete(f"/api/v1/users/me/sessions/{left['id']}", headers=headers)
    assert again.status_code == 404


def test_admins_list_and_end_anyones_sessions(
    client: TestClient, auth: Callable[[str], Headers], admin: Headers
) -> None:
    auth("clerk")
    clerk_id = client.get("/api/v1/users/me", headers=auth("clerk")).json()["id"]
    [session] = client.get(f"/api/v1/users/{clerk_id}/sessions", headers=admin).json()
    admin_id = client.get("/api/v1/users/me", headers=admin).json()["id"]
    refused = client.get(f"/api/v1/users/{admin_id}/sessions", headers=auth("clerk"))
    assert refused.status_code == 403
    [own] = client.get("/api/v1/users/me/sessions", headers=admin).json()
    foreign = f"/api/v1/users/{admin_id}/sessions/{own['id']}"
    assert client.delete(foreign, headers=auth("clerk")).status_code == 403
    url = f"/api/v1/users/{clerk_id}/sessions/{session['id']}"
    assert client.delete(url, headers=admin).status_code == 204
    assert client.get(f"/api/v1/users/{clerk_id}/sessions", headers=admin).json() == []


def test_an_api_token_is_shown_once_and_works_as_bearer_and_basic(
    client: TestClient, admin: Headers
) -> None:
    item = new_item(client, admin)
    created = client.post(MINE, json={"name": "shop", "scopes": ["items:read"]}, headers=admin)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["token"].startswith("inv_")
    assert created.headers["cache-control"] == "no-store"
    secret = body.pop("token")
    [listed] = client.get(MINE, headers=admin).json()
    assert "token" not in listed
    assert listed["id"] == body["id"]
    assert listed["scopes"] == ["items:read"]
    url = f"/api/v1/items/{item['id']}"
    assert client.get(url, headers=bearer(secret)).status_code == 200
    assert client.get(url, headers=basic("admin", secret)).status_code == 200
    assert client.get(url, headers=basic("someone", secret)).status_code == 401
    password = client.get(url, headers=basic("admin", ADMIN_PASSWORD))
    assert password.status_code == 401
    assert "never a password" in password.json()["detail"]
    denied = client.post(
        f"{url}/movements", json={"delta": 1, "reason": "received"}, headers=bearer(secret)
    )
    assert denied.status_code == 403
    assert "scope" in denied.json()["detail"]
    assert client.get(MINE, headers=bearer(secret)).status_code == 403  # no token mints tokens
    assert client.delete(f"{MINE}/{body['id']}", headers=admin).status_code == 204
    assert client.get(url, headers=bearer(secret)).status_code == 401
    assert client.delete(f"{MINE}/{body['id']}", headers=admin).status_code == 404


def test_demoting_the_user_narrows_their_token_and_deactivating_stops_it_at_once(
    client: TestClient, auth: Callable[[str], Headers], admin: Headers
) -> None:
    item = new_item(client, admin)
    clerk = auth("clerk")
    clerk_id = client.get("/api/v1/users/me", headers=clerk).json()["id"]
    created = client.post(
        MINE, json={"name": "scanner", "scopes": ["stock:write", "items:read"]}, headers=clerk
    )
    secret = created.json()["token"]
    adjust = f"/api/v1/items/{item['id']}/movements"
    body = {"delta": 1, "reason": "received"}
    assert client.post(adjust, json=body, headers=bearer(secret)).status_code in (200, 201)
    demoted = client.patch(f"/api/v1/users/{clerk_id}", json={"role": "viewer"}, headers=admin)
    assert demoted.status_code == 200
    assert client.post(adjust, json=body, headers=bearer(secret)).status_code == 403
    assert client.get(f"/api/v1/items/{item['id']}", headers=bearer(secret)).status_code == 200
    deactivated = client.patch(f"/api/v1/users/{clerk_id}", json={"active": False}, headers=admin)
    assert deactivated.status_code == 200
    assert client.get(f"/api/v1/items/{item['id']}", headers=bearer(secret)).status_code == 401


def test_bad_token_requests_are_4xx(client: TestClient, admin: Headers) -> None:
    for body in (
        {"name": "x", "scopes": []},
        {"name": "x", "scopes": ["items:eat"]},
        {"name": "", "scopes": ["items:read"]},
        {"name": "x", "scopes": ["items:read"], "expires_in_days": 0},
        {"name": "x", "scopes": ["items:read"], "expires_in_days": 1.5},
        {"name": "x", "scopes": ["items:read"], "extra": 1},
    ):
        response = client.post(MINE, json=body, headers=admin)
        assert response.status_code in (400, 422), (body, response.text)
    assert client.get(MINE, headers=bearer("inv_" + "x" * 200)).status_code == 401
    assert client.get(MINE, headers={"Authorization": "Basic !!!"}).status_code == 401


def test_openapi_shows_both_schemes(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    schemes = spec["components"]["securitySchemes"]
    assert schemes["OAuth2PasswordBearer"]["type"] == "oauth2"
    assert schemes["ApiToken"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "inv_…",
        "description": schemes["ApiToken"]["description"],
    }
    assert schemes["ApiTokenBasic"]["scheme"] == "basic"
    security = spec["paths"]["/api/v1/items/{item_id}"]["get"]["security"]
    assert {name for requirement in security for name in requirement} == set(schemes)


def test_live_events_take_an_api_token_with_events_read(client: TestClient, admin: Headers) -> None:
    def token(scopes: list[str]) -> str:
        created = client.post(MINE, json={"name": "feed", "scopes": scopes}, headers=admin)
        return created.json()["token"]  # type: ignore[no-any-return]

    with client.websocket_connect("/api/v1/events", headers=bearer(token(["events:read"]))) as ws:
        new_item(client, admin)
        assert ws.receive_json()["type"] == "item.created"
    with (
        client.websocket_connect(f"/api/v1/events?token={token(['items:read'])}") as ws,
        pytest.raises(WebSocketDisconnect) as closed,
    ):
        ws.receive_json()
    assert closed.value.code == 1008
    assert "events:read" in (closed.value.reason or "")
