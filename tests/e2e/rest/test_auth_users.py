from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.e2e.rest.conftest import ADMIN_PASSWORD, Headers, login

TOKEN = "/api/v1/auth/token"


def test_token_response_shape(client: TestClient) -> None:
    response = client.post(TOKEN, data={"username": "admin", "password": ADMIN_PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 1800
    assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token"}


def test_unknown_user_and_wrong_password_look_the_same(client: TestClient) -> None:
    wrong = client.post(TOKEN, data={"username": "admin", "password": "nope-nope"})
    unknown = client.post(TOKEN, data={"username": "ghost", "password": "nope-nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.content == unknown.content
    assert wrong.headers["www-authenticate"] == "Bearer"
    assert wrong.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("password", ["\x00", "x" * 500, "é" * 40])
def test_odd_passwords_fail_cleanly(client: TestClient, password: str) -> None:
    response = client.post(TOKEN, data={"username": "admin", "password": password})
    assert response.status_code == 401


def test_missing_form_fields_are_422(client: TestClient) -> None:
    response = client.post(TOKEN, data={"username": "admin"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["location"] == ["body", "password"]


def test_repeated_failures_are_throttled_with_retry_after(client: TestClient) -> None:
    for _ in range(5):
        client.post(TOKEN, data={"username": "admin", "password": "wrong-one"})
    response = client.post(TOKEN, data={"username": "admin", "password": ADMIN_PASSWORD})
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) >= 1
    assert response.json()["code"] == "too_many_attempts"


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer", "Bearer not-a-jwt", "Basic YWRtaW46eA==", "Bearer " + "a" * 5000],
)
def test_api_routes_need_a_valid_token(client: TestClient, authorization: str | None) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    for method, url in [
        ("GET", "/api/v1/items"),
        ("GET", "/api/v1/users/me"),
        ("POST", "/api/v1/items"),
    ]:
        response = client.request(method, url, headers=headers)
        assert response.status_code == 401, (method, url)
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.headers["content-type"] == "application/problem+json"


def test_me_never_shows_a_password_hash(client: TestClient, admin: Headers) -> None:
    response = client.get("/api/v1/users/me", headers=admin)
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "admin"
    assert body["role"] == "admin"
    assert "hash" not in response.text
    assert "password" not in response.text


def test_admin_manages_users(client: TestClient, admin: Headers) -> None:
    created = client.post(
        "/api/v1/users",
        json={"username": "bob", "password": "bob-password", "role": "clerk", "email": "b@x.org"},
        headers=admin,
    )
    assert created.status_code == 201, created.text
    user = created.json()
    assert created.headers["location"] == f"/api/v1/users/{user['id']}"
    assert "password" not in created.text
    duplicate = client.post(
        "/api/v1/users", json={"username": "BOB", "password": "bob-password"}, headers=admin
    )
    assert duplicate.status_code == 409
    listing = client.get("/api/v1/users", headers=admin).json()
    assert [u["username"] for u in listing["items"]] == ["admin", "bob"]
    url = f"/api/v1/users/{user['id']}"
    assert client.get(url, headers=admin).json() == user
    patched = client.patch(url, json={"role": "viewer", "email": None}, headers=admin)
    assert patched.status_code == 200
    assert (patched.json()["role"], patched.json()["email"]) == ("viewer", None)
    bob = login(client, "bob", "bob-password")
    assert client.get(url, headers=bob).status_code == 200
    deactivated = client.patch(url, json={"active": False}, headers=admin)
    assert deactivated.json()["active"] is False
    assert client.get("/api/v1/users/me", headers=bob).status_code == 401


def test_last_admin_cannot_be_demoted(client: TestClient, admin: Headers) -> None:
    me = client.get("/api/v1/users/me", headers=admin).json()
    response = client.patch(f"/api/v1/users/{me['id']}", json={"role": "clerk"}, headers=admin)
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"


def test_users_routes_are_for_admins(client: TestClient, auth: Callable[[str], Headers]) -> None:
    clerk = auth("clerk")
    admin_id = client.get("/api/v1/users/me", headers=auth("admin")).json()["id"]
    assert client.get("/api/v1/users", headers=clerk).status_code == 403
    assert client.get(f"/api/v1/users/{admin_id}", headers=clerk).status_code == 403
    assert client.patch(f"/api/v1/users/{admin_id}", json={}, headers=clerk).status_code == 403
    body = {"username": "eve", "password": "eve-password"}
    assert client.post("/api/v1/users", json=body, headers=clerk).status_code == 403
    assert (
        client.get(
            "/api/v1/users/00000000-0000-4000-8000-000000000000", headers=auth("admin")
        ).status_code
        == 404
    )


@pytest.mark.parametrize(
    "body",
    [
        {"username": "x y", "password": "long-enough"},
        {"username": "ok", "password": "short"},
        {"username": "ok", "password": "long-enough", "role": "root"},
        {"username": "ok", "password": "long-enough", "email": "nope"},
        {"username": "ok", "password": "long-enough", "password_hash": "x"},
        {"username": "ok", "password": "é" * 40},
    ],
)
def test_bad_users_are_422(client: TestClient, admin: Headers, body: dict[str, object]) -> None:
    response = client.post("/api/v1/users", json=body, headers=admin)
    assert response.status_code == 422
    assert response.json()["errors"]


def test_change_own_password_revokes_old_tokens(
    client: TestClient, auth: Callable[[str], Headers]
) -> None:
    clerk = auth("clerk")
    url = "/api/v1/users/me/password"
    wrong = client.put(
        url, json={"current_password": "nope", "new_password": "brand-new-1"}, headers=clerk
    )
    assert wrong.status_code == 401
    response = client.put(
        url,
        json={"current_password": "clerk-password-1", "new_password": "brand-new-1"},
        headers=clerk,
    )
    assert response.status_code == 204
    assert client.get("/api/v1/users/me", headers=clerk).status_code == 401
    assert (
        client.get("/api/v1/users/me", headers=login(client, "clerk", "brand-new-1")).status_code
        == 200
    )
