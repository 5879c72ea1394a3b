"""Builders shared by the domain tests; like the tests, they import nothing but ``domain``."""

from datetime import UTC, datetime, timedelta
from uuid import UUID

from domain.items import Item, ItemDetails

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
T1 = T0 + timedelta(minutes=5)
ACTOR = UUID("00000000-0000-0000-0000-000000000001")


def details(**overrides: object) -> ItemDetails:
    values: dict[str, object] = {"sku": "w-1", "name": "Widget", "unit_price": "9.99"}
    values.update(overrides)
    return ItemDetails.parse(**values)  # type: ignore[arg-type]


def new_item(quantity: int = 0, **overrides: object) -> Item:
    item = Item.create(details(**overrides), quantity=quantity, at=T0, by=ACTOR)
    item.events.clear()
    item.new_movements.clear()
    return item


def snapshot(item: Item) -> tuple[object, ...]:
    return (
        item.quantity,
        item.version,
        item.updated_at,
        list(item.events),
        list(item.new_movements),
        item.details,
        item.image,
    )
