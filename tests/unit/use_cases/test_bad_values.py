"""Issue 2's acceptance list: every bad value named there raises the matching domain error with a
clear message and changes nothing (no stored change, no event)."""

from collections.abc import Awaitable, Callable

import pytest

from application.commands import (
    AdjustStockCommand,
    CreateItemCommand,
    RegisterUserCommand,
    UpdateItemCommand,
)
from domain.errors import DomainError, InsufficientStock, InvalidValue, VersionMismatch
from domain.items import Item
from domain.users import User
from entrypoints.container import Container
from tests.unit.use_cases.conftest import PASSWORD, create_item, recorded, store

Attempt = Callable[[Container, User, Item], Awaitable[object]]


def create(**overrides: object) -> Attempt:
    async def attempt(container: Container, admin: User, item: Item) -> object:
        values: dict[str, object] = {"sku": "NEW-1", "name": "New", "unit_price": "1.00"}
        values.update(overrides)
        command = CreateItemCommand(actor=admin.principal(), **values)  # type: ignore[arg-type]
        return (await container.create_item().execute(command)).item

    return attempt


def patch(**overrides: object) -> Attempt:
    async def attempt(container: Container, admin: User, item: Item) -> object:
        command = UpdateItemCommand(actor=admin.principal(), item=item.id, **overrides)  # type: ignore[arg-type]
        return await container.update_item().execute(command)

    return attempt


async def adjust_below_zero(container: Container, admin: User, item: Item) -> object:
    command = AdjustStockCommand(actor=admin.principal(), item=item.id, delta=-6, reason="sold")
    return await container.adjust_stock().execute(command)


async def stale_adjust(container: Container, admin: User, item: Item) -> object:
    command = AdjustStockCommand(
        actor=admin.principal(), item=item.id, delta=1, reason="received", expected_version=1
    )
    return await container.adjust_stock().execute(command)


async def register_long_password(container: Container, admin: User, item: Item) -> object:
    command = RegisterUserCommand(
        actor=admin.principal(), username="eve", password="\N{GRINNING FACE}" * 19, role="clerk"
    )
    return await container.register_user().execute(command)


async def change_to_long_password(container: Container, admin: User, item: Item) -> object:
    return await container.change_own_password().execute(admin.principal(), PASSWORD, "p" * 73)


CASES: dict[str, tuple[Attempt, type[DomainError], str]] = {
    "negative price": (
        create(unit_price="-0.01"),
        InvalidValue,
        "unit_price: must not be negative",
    ),
    "negative price (patch)": (patch(unit_price="-5"), InvalidValue, "must not be negative"),
    "3-decimal price": (create(unit_price="1.005"), InvalidValue, "at most 2 decimal places"),
    "3-decimal tax": (patch(tax_rate="7.125"), InvalidValue, "tax_rate: must have at most 2"),
    "empty name": (create(name="   "), InvalidValue, "name: must not be empty"),
    "empty name (patch)": (patch(name=""), InvalidValue, "name: must not be empty"),
    "bad sku": (create(sku="no spaces!"), InvalidValue, "sku: must be 1-64 characters"),
    "empty sku": (patch(sku=" "), InvalidValue, "sku: must not be empty"),
    "negative reorder level": (create(reorder_level=-1), InvalidValue, "reorder_level: must be"),
    "negative reorder level (patch)": (patch(reorder_level=-3), InvalidValue, "at least 0"),
    "adjustment below zero": (adjust_below_zero, InsufficientStock, "only 5 on hand"),
    "too-long password": (register_long_password, InvalidValue, "at most 72 bytes"),
    "too-long new password": (change_to_long_password, InvalidValue, "at most 72 bytes"),
    "stale version": (stale_adjust, VersionMismatch, "is at version 2, not 1"),
    "stale version (patch)": (patch(name="X", expected_version=9), VersionMismatch, "re-read"),
}


def snapshot(container: Container) -> object:
    state = store(container)
    return (
        {
            item_id: (
                item.sku,
                item.name,
                item.unit_price,
                item.tax_rate,
                item.quantity,
                item.reorder_level,
                item.version,
                item.updated_at,
            )
            for item_id, item in state.items.items()
        },
        {item_id: list(ledger) for item_id, ledger in state.movements.items()},
        {
            user_id: (user.username, user.password_hash, user.token_version, user.role)
            for user_id, user in state.users.items()
        },
    )


@pytest.mark.parametrize(("attempt", "error", "message"), CASES.values(), ids=CASES.keys())
async def test_a_bad_value_is_refused_clearly_and_changes_nothing(
    container: Container,
    root: User,
    attempt: Attempt,
    error: type[DomainError],
    message: str,
) -> None:
    item = await create_item(container, root.principal(), quantity=5, tax_rate="5")
    item = await container.update_item().execute(  # version 2, so that version 1 is stale
        UpdateItemCommand(actor=root.principal(), item=item.id, name="Renamed")
    )
    before = snapshot(container)
    async with recorded(container) as events:
        with pytest.raises(error) as caught:
            await attempt(container, root, item)
    assert message in caught.value.message
    assert str(caught.value) == caught.value.message
    assert caught.value.code == error.code
    assert events == []
    assert snapshot(container) == before
