"""Login throttling per client address through the ASGI app: the address is the TCP peer, or
the right-most untrusted ``X-Forwarded-For`` hop when the peer is a trusted proxy."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from entrypoints.settings import Settings
from tests.conftest import make_settings
from tests.e2e.rest.conftest import ADMIN_PASSWORD

TOKEN = "/api/v1/auth/token"
PEER = "198.51.100.7"
PER_ADDRESS = 3


@pytest.fixture
def proxies() -> str:
    return ""


@pytest.fixture
def settings(tmp_path: Path, proxies: str) -> Settings:
    return make_settings(
        tmp_path,
        admin_password=ADMIN_PASSWORD,
        login_free_attempts_per_address=PER_ADDRESS,
        trusted_proxies=proxies,
    )


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, client=(PEER, 50000)) as client:
        yield client


def log_in(client: TestClient, username: str, password: str, forwarded: str | None = None) -> int:
    headers = {} if forwarded is None else {"X-Forwarded-For": forwarded}
    data = {"username": username, "password": password}
    response = client.post(TOKEN, data=data, headers=headers)
    if response.status_code == 429:
        assert int(response.headers["Retry-After"]) >= 1
        assert response.json()["code"] == "too_many_attempts"
    return response.status_code


def test_guesses_across_usernames_from_one_address_are_throttled(client: TestClient) -> None:
    statuses = [log_in(client, f"user{n}", "Summer2026!") for n in range(PER_ADDRESS)]
    assert statuses == [401] * PER_ADDRESS
    assert log_in(client, "admin", ADMIN_PASSWORD) == 429


def test_a_forwarded_for_header_from_an_untrusted_peer_changes_nothing(
    client: TestClient,
) -> None:
    for n in range(PER_ADDRESS):
        assert log_in(client, f"user{n}", "wrong", forwarded=f"203.0.113.{n}") == 401
    assert log_in(client, "admin", ADMIN_PASSWORD, forwarded="203.0.113.200") == 429


@pytest.mark.parametrize("proxies", ["198.51.100.0/24"])
def test_behind_a_trusted_proxy_each_forwarded_client_counts_for_itself(
    client: TestClient,
) -> None:
    for n in range(PER_ADDRESS):
        assert log_in(client, f"user{n}", "wrong", forwarded="203.0.113.1") == 401
    assert log_in(client, "admin", ADMIN_PASSWORD, forwarded="203.0.113.1") == 429
    # Whatever the client writes in front of its own address is not believed.
    assert log_in(client, "admin", ADMIN_PASSWORD, forwarded="192.0.2.9, 203.0.113.1") == 429
    # Another client behind the same proxy is not held up by that one.
    assert log_in(client, "admin", ADMIN_PASSWORD, forwarded="203.0.113.2") == 200
    # Without the header, the proxy itself is the client: not throttled either.
    assert log_in(client, "admin", ADMIN_PASSWORD) == 200
