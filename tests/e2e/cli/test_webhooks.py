"""``inventory webhooks list|add|rotate-secret|deliveries|redeliver`` against a local receiver."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from dependency_injector import providers
from standardwebhooks import Webhook

from adapters.webhooks import DnsUrlGuard
from tests.e2e.cli.conftest import Cli
from tests.webhook_receiver import Receiver


@pytest.fixture
def hooks_cli(cli: Cli) -> Iterator[Cli]:
    """The local receiver is on 127.0.0.1: allowed here as INVENTORY_WEBHOOK_ALLOWED_HOSTS would
    (overridden before the first command builds the dispatcher)."""
    guard = providers.Object(DnsUrlGuard(["127.0.0.1"]))
    with cli.container.webhook_guard.override(guard):
        cli.create_user("root", "admin")
        yield cli


def test_add_list_deliver_rotate_and_redeliver(hooks_cli: Cli, receiver: Receiver) -> None:
    added = hooks_cli.json("webhooks", "add", receiver.url, "--type", "item.created")
    secret = added["secret"]
    assert secret.startswith("whsec_")
    assert added["event_types"] == ["item.created"]
    listed = hooks_cli.json("webhooks", "list")["items"]
    assert [hook["id"] for hook in listed] == [added["id"]]
    assert "secret" not in listed[0]

    hooks_cli.add_item("CLI-1")
    container = hooks_cli.container

    async def relay_once() -> None:
        await container.event_log().sequence(100)
        await container.webhook_dispatcher().pump()

    hooks_cli.run(relay_once)
    (delivery,) = receiver.wait_for(1)
    # Signed at the tests' fixed time, too old for ``verify``: sign it again independently.
    signed_at = datetime.fromtimestamp(int(delivery.headers["webhook-timestamp"]), UTC)
    expected = Webhook(secret).sign(
        delivery.headers["webhook-id"], signed_at, delivery.body.decode()
    )
    assert delivery.headers["webhook-signature"] == expected
    assert json.loads(delivery.body)["data"]["sku"] == "CLI-1"

    log = hooks_cli.json("webhooks", "deliveries", added["id"])
    (attempt,) = log["items"]
    assert (attempt["outcome"], attempt["status_code"]) == ("delivered", 200)
    again = hooks_cli.json("webhooks", "redeliver", added["id"], attempt["id"])
    assert (again["outcome"], again["manual"]) == ("delivered", True)

    rotated = hooks_cli.json("webhooks", "rotate-secret", added["id"])
    assert rotated["secret"] not in (secret, None)
    text = hooks_cli.ok("webhooks", "list").stdout
    assert "Webhooks" in text
    assert "active" in text


def test_a_url_into_the_own_network_is_refused_with_its_exit_code(admin_cli: Cli) -> None:
    result = admin_cli.fails(23, "webhooks", "add", "http://169.254.169.254/latest")
    assert result.stderr.startswith("error: ")
    assert len(result.stderr.strip().splitlines()) == 1
