"""Point reads on SQLite's reader go straight to the driver: the values must be exactly what
SQLAlchemy's own execution returns, column by column, types included."""

from typing import Any

import pytest
from sqlalchemy import bindparam, event, select

from adapters.sqlalchemy.engine import sqlite_engines
from adapters.sqlalchemy.point_reads import PointRead
from adapters.sqlalchemy.tables import items, users
from application.commands import CreateItemCommand, RegisterUserCommand
from domain.items import ItemImage
from entrypoints.container import Container
from tests.integration.conftest import ADMIN

ITEM_BY_ID = PointRead(select(items).where(items.c.id == bindparam("key")))
USER_BY_ID = PointRead(select(users).where(users.c.id == bindparam("key")))


def _typed(row: Any) -> dict[str, tuple[type, Any]]:
    return {name: (type(value), value) for name, value in dict(row).items()}


async def test_a_point_read_returns_what_sqlalchemy_returns(sql_container: Container) -> None:
    create = sql_container.create_item()
    plain = await create.execute(
        CreateItemCommand(actor=ADMIN, sku="P-1", name="Plain", unit_price="0.10", quantity=0)
    )
    rich = await create.execute(
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
    async with sql_container.uow() as uow:
        item = await uow.items.get(rich.id)
        assert item is not None
        image = ItemImage(key="k.png", content_type="image/png", size=12, sha256="ab" * 32)
        item.set_image(image, at=item.updated_at, by=None)
        await uow.items.save(item)
        await uow.commit()
    user = await sql_container.register_user().execute(
        RegisterUserCommand(
            actor=ADMIN, username="Reader", password="a-long-password", role="viewer"
        )
    )
    checks = [(ITEM_BY_ID, plain.id), (ITEM_BY_ID, rich.id), (USER_BY_ID, user.id)]
    async with sql_container.read_uow() as uow:
        for read, key in checks:
            direct = await uow.first(read, key)
            executed = (await uow.execute(read.statement, {"key": key})).first()
            assert executed is not None
            assert direct is not None
            assert _typed(direct) == _typed(executed._mapping)
        assert await uow.first(ITEM_BY_ID, user.id) is None


async def test_statement_listeners_still_see_point_reads(sql_container: Container) -> None:
    """Tracing hooks the engine's statement events; a point read must not slip past them."""
    engines = sqlite_engines(sql_container.database())
    if engines is None:
        pytest.skip("point reads go to the driver only on SQLite's reader")
    reader = engines.reader
    item = await sql_container.create_item().execute(
        CreateItemCommand(actor=ADMIN, sku="T-1", name="Traced", unit_price="1", quantity=1)
    )
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        seen.append(statement)

    event.listen(reader, "before_cursor_execute", record)
    try:
        await sql_container.get_item().execute(ADMIN, item.id)
    finally:
        event.remove(reader, "before_cursor_execute", record)
    assert [s for s in seen if s.lstrip().upper().startswith("SELECT")]


def test_a_point_read_binds_exactly_one_key() -> None:
    from sqlalchemy.dialects import sqlite

    two_keys = PointRead(
        select(items).where(items.c.id == bindparam("key"), items.c.sku == bindparam("sku"))
    )
    with pytest.raises(ValueError, match="exactly one parameter"):
        two_keys.compiled(sqlite.dialect())
