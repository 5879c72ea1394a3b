"""Webhooks over the REST API against a local receiver: admin CRUD, deliveries signed by the
Standard Webhooks conventions (verified with the independent ``standardwebhooks`` package),
secret rotation with overlap, the delivery log and manual redelivery, SSRF refusals."""

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from standardwebhooks import Webhook, WebhookVerificationError

from entrypoints.settings import Settings
from tests.conftest import make_settings
from tests.e2e.rest.conftest import ADMIN_PASSWORD, Headers, new_item
from tests.webhook_receiver import Receiver


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(
        tmp_path,
        admin_password=ADMIN_PASSWORD,
        webhook_allowed_hosts=("127.0.0.1",),
        event_poll_seconds=0.05,
    )


def add_webhook(
    client: TestClient, admin: Headers, url: str, **fields: object
) -> dict[str, object]:
    response = client.post("/api/v1/webhooks", json={"url": url, **fields}, headers=admin)
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


def test_deliveries_are_signed_and_verify_with_standard_webhooks(
    client: TestClient, admin: Headers, receiver: Receiver
) -> None:
    created = add_webhook(client, admin, receiver.url, event_types=["item.created"])
    secret = created["secret"]
    assert isinstance(secret, str)
    assert secret.startswith("whsec_")
    hook = created["webhook"]
    assert isinstance(hook, dict)
    assert hook["status"] == "active"
    listed = client.get("/api/v1/webhooks", headers=admin).json()
    assert [w["id"] for w in listed] == [hook["id"]]
    assert "secret" not in listed[0]  # shown once

    new_item(client, admin, sku="HOOK-1", quantity=2)
    (delivery,) = receiver.wait_for(1)
    payload = Webhook(secret).verify(delivery.body, delivery.headers)
    assert payload["type"] == "item.created"
    assert payload["data"]["sku"] == "HOOK-1"
    assert delivery.headers["webhook-id"] == payload["event_id"]
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "A" * 43 + "=").verify(delivery.body, delivery.headers)


def test_a_rotated_secret_overlaps_then_the_log_and_redelivery(
    client: TestClient, admin: Headers, receiver: Receiver
) -> None:
    created = add_webhook(client, admin, receiver.url)
    hook_id = created["webhook"]["id"]  # type: ignore[index]
    old_secret = created["secret"]
    rotated = client.post(f"/api/v1/webhooks/{hook_id}/rotate-secret", headers=admin)
    assert rotated.status_code == 200
    new_secret = rotated.json()["secret"]
    assert new_secret != old_secret
    assert rotated.json()["webhook"]["previous_secret_valid_until"] is not None

    new_item(client, admin, sku="ROTATED")
    (delivery,) = receiver.wait_for(1)
    for secret in (old_secret, new_secret):  # both sign during the overlap
        assert Webhook(secret).verify(delivery.body, delivery.headers)["data"]["sku"] == "ROTATED"

    log = client.get(f"/api/v1/webhooks/{hook_id}/deliveries", headers=admin).json()
    (attempt,) = log["items"]
    assert (attempt["outcome"], attempt["status_code"], attempt["manual"]) == (
        "delivered",
        200,
        False,
    )
    again = client.post(
        f"/api/v1/webhooks/{hook_id}/deliveries/{attempt['id']}/redeliver", headers=admin
    )
    assert again.status_code == 200, again.text
    assert again.json()["manual"] is True
    first, second = receiver.wait_for(2)
    assert first.headers["webhook-id"] == second.headers["webhook-id"]  # receivers dedupe by it
    assert client.get(f"/api/v1/webhooks/{hook_id}/deliveries", headers=admin).json()["total"] == 2


def test_patch_and_delete(client: TestClient, admin: Headers, receiver: Receiver) -> None:
    hook_id = add_webhook(client, admin, receiver.url)["webhook"]["id"]  # type: ignore[index]
    patched = client.patch(
        f"/api/v1/webhooks/{hook_id}",
        json={"active": False, "event_types": ["stock.low"]},
        headers=admin,
    )
    assert patched.status_code == 200
    assert (patched.json()["status"], patched.json()["event_types"]) == ("disabled", ["stock.low"])
    assert client.delete(f"/api/v1/webhooks/{hook_id}", headers=admin).status_code == 204
    assert client.get(f"/api/v1/webhooks/{hook_id}", headers=admin).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/hook",
        "http://[::1]:8080/hook",
        "http://127.0.0.2/hook",
        "http://192.168.1.10/hook",
        "http://[::ffff:10.0.0.1]/hook",
        "https://\u00b8\u009e\u00d8b\u0007/hook",  # no IDNA form (found by schemathesis)
    ],
)
def test_urls_into_the_own_network_are_refused(
    client: TestClient, admin: Headers, url: str
) -> None:
    response = client.post("/api/v1/webhooks", json={"url": url}, headers=admin)
    assert response.status_code == 422
    assert response.json()["code"] == "webhook_url_refused"
    assert client.get("/api/v1/webhooks", headers=admin).json() == []


@pytest.mark.parametrize(
    "url", ["ftp://example.org/x", "/relative", "http://u:p@example.org/", "http://[::1/hook"]
)
def test_urls_that_are_not_http_are_invalid(client: TestClient, admin: Headers, url: str) -> None:
    response = client.post("/api/v1/webhooks", json={"url": url}, headers=admin)
    assert response.status_code == 422


def test_only_admins_manage_webhooks(
    client: TestClient, auth: Callable[[str], Headers], receiver: Receiver
) -> None:
    clerk = auth("clerk")
    assert client.get("/api/v1/webhooks", headers=clerk).status_code == 403
    response = client.post("/api/v1/webhooks", json={"url": receiver.url}, headers=clerk)
    assert response.status_code == 403
