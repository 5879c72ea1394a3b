"""Stock as of an instant while movements are being committed: an answer, once given, never
changes (a movement committed later never counts at an instant already answered), and a
transfer's two movements are counted together or not at all."""

import asyncio
from datetime import UTC, datetime

from dependency_injector import providers

from adapters.clock import SystemClock
from application.commands import (
    AdjustStockCommand,
    CreateItemCommand,
    CreateLocationCommand,
    TransferStockCommand,
)
from application.use_cases import ItemStockAsOf
from entrypoints.container import Container
from tests.integration.conftest import ADMIN

WRITES = 12


def shape(found: ItemStockAsOf) -> tuple[int, dict[str, int]]:
    return found.quantity, {str(p.location_code): p.quantity for p in found.locations}


async def test_as_of_answers_are_final_while_movements_commit(sql_container: Container) -> None:
    with sql_container.clock.override(providers.Object(SystemClock())):
        command = CreateItemCommand(
            actor=ADMIN, sku="AS-OF", name="As of", unit_price="1", quantity=100
        )
        item = (await sql_container.create_item().execute(command)).item
        await sql_container.create_location().execute(
            CreateLocationCommand(actor=ADMIN, code="SHELF", name="Shelf")
        )
        answers: list[tuple[datetime, ItemStockAsOf]] = []

        async def sell() -> None:
            for _ in range(WRITES):
                await sql_container.adjust_stock().execute(
                    AdjustStockCommand(actor=ADMIN, item=item.id, delta=-1, reason="sold")
                )

        async def move() -> None:
            for turn in range(WRITES):
                source, target = ("MAIN", "SHELF") if turn % 2 == 0 else ("SHELF", "MAIN")
                await sql_container.transfer_stock().execute(
                    TransferStockCommand(
                        actor=ADMIN,
                        item=item.id,
                        quantity=3,
                        from_location=source,
                        to_location=target,
                    )
                )

        async def read() -> None:
            for _ in range(WRITES * 2):
                at = datetime.now(UTC)
                found = await sql_container.item_stock_as_of().execute(ADMIN, item.id, at)
                answers.append((at, found))
                await asyncio.sleep(0)

        await asyncio.gather(sell(), move(), read(), read())

        ledger = await sql_container.list_movements().execute(ADMIN, item.id, limit=100)
        assert ledger.total == 1 + WRITES + 2 * WRITES
        for at, first in answers:
            again = await sql_container.item_stock_as_of().execute(ADMIN, item.id, at)
            assert shape(again) == shape(first), at
            sold = sum(1 for m in ledger.items if m.reason.value == "sold" and m.occurred_at <= at)
            assert first.quantity == 100 - sold
            assert sum(p.quantity for p in first.locations) == first.quantity
