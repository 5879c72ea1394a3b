"""The web page's session through the ASGI app: the refresh token in an HttpOnly cookie scoped
to /api/v1/auth, and the Origin check on everything that uses the cookie (issue 19)."""

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from entrypoints.rest.refresh_cookie import COOKIE_NAME, same_origin
from tests.e2e.rest.conftest import ADMIN_PASSWORD

SESSION = "/api/v1/auth/session"
REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"
PAGE = {"Origin": "https://testserver"}
CREDENTIALS = {"username": "admin", "password": ADMIN_PASSWORD}
#: The default session lifetime, 14 days, in seconds.
SESSION_SECONDS = 14 * 24 * 3600


@pytest.fixture
def browser(app: FastAPI) -> Iterator[TestClient]:
    """Over HTTPS, as a browser keeps ``Secure`` cookies for HTTPS (and localhost) only."""
    with TestClient(app, base_url="https://testserver") as client:
        yield client


def cookie_attributes(set_cookie: str) -> tuple[str, set[str]]:
    pair, *attributes = (part.strip() for part in set_cookie.split(";"))
    return pair, {attribute.lower() for attribute in attributes}


def log_in(browser: TestClient) -> str:
    response = browser.post(SESSION, data=CREDENTIALS, headers=PAGE)
    assert response.status_code == 200, response.text
    return response.cookies[COOKIE_NAME]


def me(browser: TestClient, access_token: str) -> int:
    headers = {"Authorization": f"Bearer {access_token}"}
    return browser.get("/api/v1/users/me", headers=headers).status_code


def test_the_login_sets_the_cookie_exactly_and_shows_no_refresh_token(
    browser: TestClient,
) -> None:
    response = browser.post(SESSION, data=CREDENTIALS, headers=PAGE)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert me(browser, body["access_token"]) == 200
    [set_cookie] = response.headers.get_list("set-cookie")
    pair, attributes = cookie_attributes(set_cookie)
    name, _, value = pair.partition("=")
    assert name == COOKIE_NAME
    assert len(value) >= 43
    assert value not in response.text
    assert attributes == {
        "httponly",
        "secure",
        "samesite=strict",
        "path=/api/v1/auth",
        f"max-age={SESSION_SECONDS}",
    }
    assert response.headers["cache-control"] == "no-store"


def test_a_cookie_refresh_rotates_the_cookie(browser: TestClient) -> None:
    first = log_in(browser)
    response = browser.post(REFRESH, headers=PAGE)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert me(browser, body["access_token"]) == 200
    second = response.cookies[COOKIE_NAME]
    assert second != first
    _, attributes = cookie_attributes(response.headers["set-cookie"])
    assert {"httponly", "secure", "samesite=strict", "path=/api/v1/auth"} <= attributes
    assert browser.post(REFRESH, headers=PAGE).status_code == 200


def test_a_replayed_cookie_ends_the_whole_session(browser: TestClient) -> None:
    stolen = log_in(browser)
    assert browser.post(REFRESH, headers=PAGE).status_code == 200
    current = browser.cookies[COOKIE_NAME]
    browser.cookies.set(COOKIE_NAME, stolen, domain="testserver.local", path="/api/v1/auth")
    replayed = browser.post(REFRESH, headers=PAGE)
    assert replayed.status_code == 401
    assert "reused" in replayed.json()["detail"]
    # The dead cookie is cleared, so that it is not sent again with every visit.
    pair, attributes = cookie_attributes(replayed.headers["set-cookie"])
    assert pair in (f"{COOKIE_NAME}=", f'{COOKIE_NAME}=""')
    assert {"max-age=0", "path=/api/v1/auth"} <= attributes
    browser.cookies.clear()
    browser.cookies.set(COOKIE_NAME, current, domain="testserver.local", path="/api/v1/auth")
    assert browser.post(REFRESH, headers=PAGE).status_code == 401


@pytest.mark.parametrize(
    "origin",
    [
        None,
        "null",
        "https://evil.example",
        "https://testserver.evil.example",
        "https://testserver/x",
    ],
)
def test_the_cookie_is_refused_from_anywhere_but_the_page(
    browser: TestClient, origin: str | None
) -> None:
    headers = {} if origin is None else {"Origin": origin}
    log_in(browser)
    for path in (REFRESH, LOGOUT):
        refused = browser.post(path, headers=headers)
        assert refused.status_code == 403, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert "Origin" in refused.json()["detail"]
        assert "set-cookie" not in refused.headers
    login = browser.post(SESSION, data=CREDENTIALS, headers=headers)
    assert login.status_code == 403
    assert "set-cookie" not in login.headers
    # Nothing changed: the page's session still refreshes.
    assert browser.post(REFRESH, headers=PAGE).status_code == 200


def test_logging_out_ends_the_session_and_clears_the_cookie(browser: TestClient) -> None:
    cookie = log_in(browser)
    access = browser.post(REFRESH, headers=PAGE).json()["access_token"]
    cookie = browser.cookies[COOKIE_NAME]
    headers = {"Authorization": f"Bearer {access}"}
    assert len(browser.get("/api/v1/users/me/sessions", headers=headers).json()) == 1
    response = browser.post(LOGOUT, headers=PAGE)
    assert response.status_code == 204
    pair, attributes = cookie_attributes(response.headers["set-cookie"])
    assert pair in (f"{COOKIE_NAME}=", f'{COOKIE_NAME}=""')
    assert {"max-age=0", "path=/api/v1/auth", "httponly", "secure"} <= attributes
    assert COOKIE_NAME not in browser.cookies
    assert browser.get("/api/v1/users/me/sessions", headers=headers).json() == []
    refused = browser.post(REFRESH, json={"refresh_token": cookie})
    assert refused.status_code == 401
    assert browser.post(LOGOUT, headers=PAGE).status_code == 204


def test_without_a_cookie_the_page_is_told_to_log_in(browser: TestClient) -> None:
    for _ in range(3):
        response = browser.post(REFRESH, headers=PAGE)
        assert response.status_code == 401
        assert response.json()["code"] == "authentication_failed"
        assert "set-cookie" not in response.headers


def test_a_failed_page_login_counts_as_a_failed_login(browser: TestClient) -> None:
    wrong = browser.post(SESSION, data={"username": "admin", "password": "nope!"}, headers=PAGE)
    assert wrong.status_code == 401
    assert "set-cookie" not in wrong.headers
    metrics = browser.get("/metrics").text
    assert 'inventory_login_failures_total{reason="bad_credentials"} 1.0' in metrics


def test_password_flow_clients_keep_the_refresh_token_in_the_body(client: TestClient) -> None:
    login = client.post("/api/v1/auth/token", data=CREDENTIALS)
    assert login.status_code == 200
    assert "set-cookie" not in login.headers
    token = login.json()["refresh_token"]
    refreshed = client.post(REFRESH, json={"refresh_token": token})
    assert refreshed.status_code == 200
    assert set(refreshed.json()) == {"access_token", "token_type", "expires_in", "refresh_token"}
    assert "set-cookie" not in refreshed.headers


_HOSTS = st.from_regex(
    r"[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?(\.[a-z]{2,6})?(:[0-9]{1,5})?", fullmatch=True
)


@given(host=_HOSTS, scheme=st.sampled_from(["http", "https"]))
def test_an_origin_is_the_page_exactly_when_it_names_the_host(host: str, scheme: str) -> None:
    assert same_origin(f"{scheme}://{host}", host)
    assert same_origin(f"{scheme}://{host.upper()}", host)
    assert not same_origin(f"{scheme}://{host}.evil.example", host)
    assert not same_origin(f"{scheme}://{host}/", host)
    assert not same_origin(f"{scheme}://user@{host}", host)
    assert not same_origin(f"ftp://{host}", host)
    assert not same_origin(None, host)
    assert not same_origin(f"{scheme}://{host}", None)
