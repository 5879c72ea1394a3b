"""The query side reads rows through the drivers with SQL of its own: its read models must hold
exactly what the write side loads through SQLAlchemy's types, field by field, types included."""

from dataclasses import fields
from typing import Any

from application.commands import CreateItemCommand, RegisterUserCommand
from application.views import ItemView, UserView
from domain.items import ItemImage
from entrypoints.container import Container
from tests.databases import recorded_statements
from tests.integration.conftest import ADMIN


def _typed(view: Any) -> dict[str, tuple[type, Any]]:
    return {f.name: (type(getattr(view, f.name)), getattr(view, f.name)) for f in fields(view)}


async def test_read_models_hold_what_the_write_side_stored(sql_container: Container) -> None:
    create = sql_container.create_item()
    plain = (
        await create.execute(
            CreateItemCommand(actor=ADMIN, sku="P-1", name="Plain", unit_price="0.10")
        )
    ).item
    rich = (
        await sql_container.create_item().execute(
            CreateItemCommand(
                actor=ADMIN,
                sku="R-1",
                name="Rîch Straße",
                description="with everything",
                unit_price="1234567890.99",
                tax_rate="20.00",
                quantity=7,
                reorder_level=3,
            )
        )
    ).item
    async with sql_container.uow() as uow:
        item = await uow.items.get(rich.id)
        assert item is not None
        image = ItemImage(key="k.png", content_type="image/png", size=12, sha256="ab" * 32)
        item.set_image(image, at=item.updated_at, by=None)
        await uow.items.save(item)
        await uow.commit()
    user = await sql_container.register_user().execute(
        RegisterUserCommand(actor=ADMIN, username="Reader", password="a-long-pass", role="viewer")
    )
    async with sql_container.uow() as uow:
        stored_items = [await uow.items.get(plain.id), await uow.items.get(rich.id)]
        stored_user = await uow.users.get(user.id)
    async with sql_container.queries() as session:
        for stored in stored_items:
            assert stored is not None
            by_id = await session.items.get(stored.id)
            by_sku = await session.items.get_by_sku(stored.sku.value)
            assert by_id is not None
            assert _typed(by_id) == _typed(ItemView.of(stored)) == _typed(by_sku)
        assert stored_user is not None
        view = await session.users.get(user.id)
        assert view is not None
        assert _typed(view) == _typed(UserView.of(stored_user))
        assert _typed(await session.users.get_by_username(" READER ")) == _typed(view)
        listed = (await session.users.list(offset=0, limit=10)).items
        assert _typed(next(u for u in listed if u.id == user.id)) == _typed(view)
        assert await session.items.get(user.id) is None


async def test_tracing_sees_the_reads_that_skip_sqlalchemy(sql_container: Container) -> None:
    item = (
        await sql_container.create_item().execute(
            CreateItemCommand(actor=ADMIN, sku="T-1", name="Traced", unit_price="1", quantity=1)
        )
    ).item
    with recorded_statements(sql_container.database()) as seen:
        await sql_container.get_item().execute(ADMIN, item.id)
    assert [s for s, _ in seen if s.lstrip().upper().startswith("SELECT")]
