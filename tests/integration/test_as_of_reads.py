"""Stock as of an instant on SQLite and PostgreSQL: the one-statement read, its summed fallback,
and the barrier that a settled instant no longer needs."""

import asyncio
from datetime import timedelta

from adapters.clock import FixedClock
from application.commands import CreateItemCommand, CreateLocationCommand, TransferStockCommand
from application.use_cases import ItemStockAsOf
from entrypoints.container import Container
from tests.integration.conftest import ADMIN
from tests.integration.test_request_statements import shape

#: A guard against a read that waits forever; nothing here is expected to come near it.
PATIENCE = 30


def places(found: ItemStockAsOf) -> list[tuple[str | None, int]]:
    return [(place.location_code, place.quantity) for place in found.locations]


async def test_a_location_deleted_since_still_counts_at_the_instant(
    sql_container: Container, clock: FixedClock
) -> None:
    """The deleted location has no stock row left, so the locations no longer add up to the
    total: the ledger is summed instead, and the location shows without a code."""
    command = CreateItemCommand(actor=ADMIN, sku="A", name="A", unit_price="1", quantity=5)
    item = (await sql_container.create_item().execute(command)).item
    shelf = await sql_container.create_location().execute(
        CreateLocationCommand(actor=ADMIN, code="SHELF", name="Shelf")
    )
    for source, target in (("MAIN", "SHELF"), ("SHELF", "MAIN")):
        clock.advance(minutes=10)
        await sql_container.transfer_stock().execute(
            TransferStockCommand(
                actor=ADMIN, item=item.id, quantity=2, from_location=source, to_location=target
            )
        )
    shelved = clock.now() - timedelta(minutes=5)
    as_of = sql_container.item_stock_as_of()
    assert places(await as_of.execute(ADMIN, item.id, shelved)) == [("MAIN", 3), ("SHELF", 2)]
    clock.advance(minutes=10)
    await sql_container.delete_location().execute(ADMIN, "SHELF")
    then = await as_of.execute(ADMIN, item.id, shelved)
    assert (then.quantity, places(then)) == (5, [(None, 2), ("MAIN", 3)])
    assert then.locations[0].location_id == shelf.id


async def test_a_settled_instant_is_read_without_waiting_for_open_writes(
    sql_container: Container, clock: FixedClock
) -> None:
    """Once a read has waited for the writes open at R, nothing can be stamped at or before R
    any more: later reads up to R answer while a write is open (one SELECT for the ledger), and
    a read of a later instant still waits for that write."""
    command = CreateItemCommand(actor=ADMIN, sku="A", name="A", unit_price="1", quantity=5)
    item = (await sql_container.create_item().execute(command)).item
    settled = clock.now()
    as_of = sql_container.item_stock_as_of
    await as_of().execute(ADMIN, item.id, settled)  # waits (for nothing), settles up to now
    clock.advance(minutes=1)
    database = sql_container.database()
    async with sql_container.uow():  # a write transaction, open
        with database.trace() as sent:
            found = await asyncio.wait_for(as_of().execute(ADMIN, item.id, settled), PATIENCE)
        assert (found.quantity, shape(sent)) == (5, ["SELECT items", "SELECT stock_movements"])
        later = asyncio.create_task(as_of().execute(ADMIN, item.id, clock.now()))
        _, waiting = await asyncio.wait({later}, timeout=0.2)  # it cannot end before the write
        assert waiting == {later}
    assert (await asyncio.wait_for(later, PATIENCE)).quantity == 5
