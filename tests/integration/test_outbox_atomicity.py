"""The outbox row and the change are one transaction: when writing the events fails, or the
COMMIT after them does, the change is gone too (and the other way round, see the contract)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from sqlalchemy import text

from adapters.sqlalchemy.event_log import SqlAlchemyEventLog
from application.commands import CreateItemCommand
from application.outbox import EventQuery
from entrypoints.container import Container
from tests.integration.conftest import ADMIN

_SQLITE = (
    """CREATE TRIGGER outbox_refuses_boom BEFORE INSERT ON events
    WHEN NEW.payload LIKE '%"sku":"BOOM"%' BEGIN SELECT RAISE(ABORT, 'boom'); END""",
)
_SQLITE_UNDO = ("DROP TRIGGER outbox_refuses_boom",)
# PostgreSQL: a deferred constraint trigger fails the COMMIT itself, after every statement of the
# transaction (the outbox INSERT included) succeeded.
_POSTGRES = (
    """CREATE FUNCTION outbox_boom() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'boom at commit'; END $$""",
    """CREATE CONSTRAINT TRIGGER outbox_fails_commit AFTER INSERT ON events
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (NEW.payload LIKE '%"sku":"BOOM"%') EXECUTE FUNCTION outbox_boom()""",
)
_POSTGRES_UNDO = ("DROP TRIGGER outbox_fails_commit ON events", "DROP FUNCTION outbox_boom()")


@asynccontextmanager
async def failing_outbox(container: Container) -> AsyncIterator[None]:
    database = container.database()
    postgres = database.name == "postgresql"
    setup, undo = (_POSTGRES, _POSTGRES_UNDO) if postgres else (_SQLITE, _SQLITE_UNDO)
    async with database.engine.begin() as connection:
        for statement in setup:
            await connection.execute(text(statement))
    try:
        yield
    finally:
        async with database.engine.begin() as connection:
            for statement in undo:
                await connection.execute(text(statement))


def create(sku: str) -> CreateItemCommand:
    return CreateItemCommand(actor=ADMIN, sku=sku, name=sku, unit_price="1", quantity=2)


async def test_a_change_whose_events_cannot_be_written_is_not_committed(
    sql_container: Container,
) -> None:
    await sql_container.create_item().execute(create("FINE"))
    async with failing_outbox(sql_container):
        with pytest.raises(Exception, match="boom"):
            await sql_container.create_item().execute(create("BOOM"))
    async with sql_container.queries() as session:
        assert await session.items.get_by_sku("BOOM") is None
        assert await session.items.get_by_sku("FINE") is not None
    log = SqlAlchemyEventLog(sql_container.database())
    assert await log.pending() + await log.last_position() == 1  # unpositioned, or positioned
    assert await log.sequence(10) == 1
    (only,) = await log.read(EventQuery())
    assert only.data()["sku"] == "FINE"
