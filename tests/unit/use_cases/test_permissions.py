"""Who may write what, for every writing use case: viewers read, clerks also create, update and
adjust, admins also archive (restore, purge: tests/unit/use_cases/test_archive_use_cases.py) and
manage users. A refused write changes nothing."""

from collections.abc import Awaitable, Callable

import pytest

from application.commands import (
    AdjustStockCommand,
    AttachImageCommand,
    CountStockCommand,
    CreateItemCommand,
    RegisterUserCommand,
    ReplaceItemCommand,
    UpdateItemCommand,
    UpdateUserCommand,
)
from application.ports import ItemQuery
from domain.errors import PermissionDenied
from domain.items import Item
from domain.users import Principal, Role, User
from entrypoints.container import Container
from tests.unit.use_cases.conftest import create_item, principal, recorded, register, store

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
Write = Callable[[Container, Principal, Item, User], Awaitable[object]]


async def create(c: Container, actor: Principal, item: Item, user: User) -> object:
    return (
        await c.create_item().execute(
            CreateItemCommand(actor=actor, sku="NEW", name="New", unit_price="1")
        )
    ).item


async def replace(c: Container, actor: Principal, item: Item, user: User) -> object:
    return await c.replace_item().execute(
        ReplaceItemCommand(actor=actor, item=item.id, sku="W-1", name="Other", unit_price="2")
    )


async def update(c: Container, actor: Principal, item: Item, user: User) -> object:
    return await c.update_item().execute(UpdateItemCommand(actor=actor, item=item.id, name="Z"))


async def adjust(c: Container, actor: Principal, item: Item, user: User) -> object:
    return await c.adjust_stock().execute(
        AdjustStockCommand(actor=actor, item=item.id, delta=1, reason="received")
    )


async def count(c: Container, actor: Principal, item: Item, user: User) -> object:
    return await c.count_stock().execute(CountStockCommand(actor=actor, item=item.id, quantity=9))


async def attach(c: Container, actor: Principal, item: Item, user: User) -> object:
    return await c.attach_image().execute(AttachImageCommand(actor=actor, item=item.id, data=PNG))


async def remove_image(c: Container, actor: Principal, item: Item, user: User) -> object:
    return await c.remove_image().execute(actor, item.id)


async def archive(c: Container, actor: Principal, item: Item, user: User) -> object:
    return await c.archive_item().execute(actor, item.id)


async def register_user(c: Container, actor: Principal, item: Item, user: User) -> object:
    return await c.register_user().execute(
        RegisterUserCommand(
            actor=actor, username="newbie", password="long enough pw", role="viewer"
        )
    )


async def update_user(c: Container, actor: Principal, item: Item, user: User) -> object:
    return await c.update_user().execute(
        UpdateUserCommand(actor=actor, user_id=user.id, role="clerk")
    )


async def set_password(c: Container, actor: Principal, item: Item, user: User) -> object:
    return await c.set_user_password().execute(actor, str(user.id), "another long pw")


async def list_users(c: Container, actor: Principal, item: Item, user: User) -> object:
    return await c.list_users().execute(actor)


async def read_everything(c: Container, actor: Principal, item: Item, user: User) -> object:
    await c.get_item().execute(actor, item.id)
    await c.get_item_by_sku().execute(actor, item.sku.value)
    await c.list_items().execute(actor, ItemQuery())
    await c.list_movements().execute(actor, item.id)
    return await c.get_image().execute(actor, item.id)


WRITES: dict[str, tuple[Write, set[Role]]] = {
    "create item": (create, {Role.CLERK, Role.ADMIN}),
    "replace item": (replace, {Role.CLERK, Role.ADMIN}),
    "update item": (update, {Role.CLERK, Role.ADMIN}),
    "adjust stock": (adjust, {Role.CLERK, Role.ADMIN}),
    "count stock": (count, {Role.CLERK, Role.ADMIN}),
    "attach image": (attach, {Role.CLERK, Role.ADMIN}),
    "remove image": (remove_image, {Role.CLERK, Role.ADMIN}),
    "archive item": (archive, {Role.ADMIN}),
    "register user": (register_user, {Role.ADMIN}),
    "update user": (update_user, {Role.ADMIN}),
    "set a user's password": (set_password, {Role.ADMIN}),
    "list users": (list_users, {Role.ADMIN}),
    "read items": (read_everything, set(Role)),
}


def snapshot(container: Container) -> object:
    state = store(container)
    return (
        {i: (x.name, x.quantity, x.version, x.image) for i, x in state.items.items()},
        {i: len(ledger) for i, ledger in state.movements.items()},
        {i: (u.role, u.password_hash, u.token_version) for i, u in state.users.items()},
        dict(container.image_store().blobs),
    )


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize(("write", "allowed"), WRITES.values(), ids=WRITES.keys())
async def test_permissions(
    container: Container, root: User, write: Write, allowed: set[Role], role: Role
) -> None:
    item = await create_item(container, root.principal(), sku="W-1", quantity=2)
    await attach(container, root.principal(), item, root)
    user = await register(container, "someone", "viewer", actor=root.principal())
    actor = principal(role)
    before = snapshot(container)
    if role in allowed:
        await write(container, actor, item, user)
        return
    async with recorded(container) as events:
        with pytest.raises(PermissionDenied) as caught:
            await write(container, actor, item, user)
    assert role.value in caught.value.message
    assert events == []
    assert snapshot(container) == before
