from pathlib import Path
from uuid import uuid4

import httpx2
import pytest
from prometheus_client import CollectorRegistry

from adapters.metrics import PrometheusDomainMetrics
from application.commands import (
    AdjustStockCommand,
    CreateItemCommand,
    CreateLocationCommand,
    TransferStockCommand,
)
from application.errors import AuthenticationFailed, TooManyAttempts
from domain.errors import InsufficientStock
from domain.users import Principal, Role
from entrypoints.container import Container
from entrypoints.observability.metrics import new_metrics_registry
from tests.conftest import make_settings
from tests.unit.observability.tiny_app import tiny_app

CLERK = Principal(user_id=uuid4(), username="clerk", role=Role.CLERK)
METRICS_TOKEN = "metrics-scraper-token-0123456789"


def client_for(tmp_path: Path, **settings: object) -> tuple[httpx2.AsyncClient, CollectorRegistry]:
    registry = new_metrics_registry()
    app = tiny_app(make_settings(tmp_path, **settings), registry, PrometheusDomainMetrics(registry))
    transport = httpx2.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx2.AsyncClient(transport=transport, base_url="http://test"), registry


async def test_requests_are_counted_and_timed_per_route_template(tmp_path: Path) -> None:
    client, _registry = client_for(tmp_path)
    async with client:
        for _ in range(3):
            await client.get(f"/items/{uuid4()}")
        await client.post("/items/1/adjust")
        await client.get("/no/such/route")
        response = await client.get("/metrics")

    assert response.status_code == 200
    text = response.text
    assert 'http_requests_total{handler="/items/{item_id}",method="GET",status="200"} 3.0' in text
    assert (
        'http_requests_total{handler="/items/{item_id}/adjust",method="POST",status="409"} 1.0'
        in text
    )
    assert 'handler="none"' in text  # unknown paths share one series instead of exploding
    assert "/no/such/route" not in text
    assert (
        'http_request_duration_seconds_bucket{handler="/items/{item_id}",le="0.1",method="GET"}'
        in text
    )
    assert 'http_request_duration_seconds_count{handler="/items/{item_id}",method="GET"} 3.0' in (
        text
    )
    for series in (
        'inventory_stock_movements_total{reason="sold"} 0.0',
        "inventory_insufficient_stock_refusals_total 1.0",
        "inventory_low_stock_events_total 0.0",
        'inventory_login_failures_total{reason="bad_credentials"} 0.0',
        "process_cpu_seconds_total",
    ):
        assert series in text


async def test_metrics_can_be_turned_off(tmp_path: Path) -> None:
    client, _registry = client_for(tmp_path, metrics_enabled=False)
    async with client:
        await client.get("/items/1")
        response = await client.get("/metrics")

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"Authorization": "Bearer wrong-token"}, 401),
        ({"Authorization": f"Basic {METRICS_TOKEN}"}, 401),
        ({"Authorization": f"Bearer {METRICS_TOKEN}"}, 200),
    ],
)
async def test_a_metrics_token_protects_the_endpoint(
    tmp_path: Path, headers: dict[str, str], status: int
) -> None:
    client, _registry = client_for(tmp_path, metrics_token=METRICS_TOKEN)
    async with client:
        response = await client.get("/metrics", headers=headers)

    assert response.status_code == status
    assert ("inventory_stock_movements_total" in response.text) is (status == 200)


def test_refusals_are_counted_by_kind() -> None:
    registry = CollectorRegistry()
    metrics = PrometheusDomainMetrics(registry)

    metrics.count_refusal(InsufficientStock("A-1", available=0, requested=1))
    metrics.count_refusal(AuthenticationFailed())
    metrics.count_refusal(AuthenticationFailed())
    metrics.count_refusal(TooManyAttempts(30))

    def value(name: str, **labels: str) -> float | None:
        return registry.get_sample_value(name, labels)

    assert value("inventory_insufficient_stock_refusals_total") == 1
    assert value("inventory_login_failures_total", reason="bad_credentials") == 2
    assert value("inventory_login_failures_total", reason="throttled") == 1


async def test_committed_stock_changes_feed_the_domain_counters(container: Container) -> None:
    created = (
        await container.create_item().execute(
            CreateItemCommand(
                actor=CLERK, sku="A-1", name="Anvil", unit_price="10", quantity=5, reorder_level=2
            )
        )
    ).item
    for _ in range(2):
        await container.adjust_stock().execute(
            AdjustStockCommand(actor=CLERK, item=created.id, delta=-2, reason="sold")
        )
    with pytest.raises(InsufficientStock):
        await container.adjust_stock().execute(
            AdjustStockCommand(actor=CLERK, item=created.id, delta=-2, reason="sold")
        )
    await container.event_bus().drain()

    registry = container.metrics_registry()

    def value(name: str, **labels: str) -> float | None:
        return registry.get_sample_value(name, labels)

    assert value("inventory_stock_movements_total", reason="received") == 1
    assert value("inventory_stock_movements_total", reason="sold") == 2
    assert value("inventory_low_stock_events_total") == 1
    # Refused before commit: no event, so only the error mapping can count it.
    assert value("inventory_insufficient_stock_refusals_total") == 0


async def test_a_transfer_counts_its_two_movements(container: Container) -> None:
    admin = Principal(user_id=uuid4(), username="admin", role=Role.ADMIN)
    created = (
        await container.create_item().execute(
            CreateItemCommand(actor=admin, sku="T-1", name="Tong", unit_price="1", quantity=3)
        )
    ).item
    await container.create_location().execute(
        CreateLocationCommand(actor=admin, code="VAN", name="Van")
    )
    await container.transfer_stock().execute(
        TransferStockCommand(
            actor=admin, item=created.id, from_location="MAIN", to_location="VAN", quantity=2
        )
    )
    await container.event_bus().drain()
    registry = container.metrics_registry()
    for reason in ("transfer_out", "transfer_in"):
        assert registry.get_sample_value("inventory_stock_movements_total", {"reason": reason}) == 1
