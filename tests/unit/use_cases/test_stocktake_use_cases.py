"""Stocktakes through the use cases (memory adapters)."""

import pytest

from application.commands import (
    AdjustStockCommand,
    CommitStocktakeCommand,
    CountLinesCommand,
    CreateLocationCommand,
    LineCount,
    OpenStocktakeCommand,
    UpdateLocationCommand,
)
from domain.errors import (
    InvalidValue,
    LocationInactive,
    NotFound,
    PermissionDenied,
    StocktakeClosed,
    StocktakeConflicts,
)
from domain.locations import MAIN_LOCATION_ID
from domain.stocktakes import LineStatus, StocktakeStatus
from domain.users import Principal
from entrypoints.container import Container
from tests.unit.use_cases.conftest import create_item, ledger_sum, store


async def test_counts_set_the_stock_and_uncounted_lines_stay(
    container: Container, clerk: Principal
) -> None:
    counted = await create_item(container, clerk, sku="C-1", quantity=5)
    untouched = await create_item(container, clerk, sku="C-2", quantity=2)
    take = await container.open_stocktake().execute(
        OpenStocktakeCommand(actor=clerk, location="MAIN")
    )
    assert {line.expected for line in take.lines.values()} == {5, 2}
    await container.count_stocktake().execute(
        CountLinesCommand(actor=clerk, stocktake_id=take.id, counts=(LineCount("C-1", 8),))
    )
    report = await container.commit_stocktake().execute(
        CommitStocktakeCommand(actor=clerk, stocktake_id=take.id)
    )
    assert [(m.delta, m.reason.value) for m in report.movements] == [(3, "count")]
    assert report.stocktake.status is StocktakeStatus.COMMITTED
    statuses = {line.item_id: line.status for line in report.stocktake.lines.values()}
    assert statuses == {counted.id: LineStatus.APPLIED, untouched.id: LineStatus.PENDING}
    items = store(container).items
    assert (items[counted.id].quantity, items[untouched.id].quantity) == (8, 2)
    assert ledger_sum(container, counted.id) == 8
    with pytest.raises(StocktakeClosed):
        await container.commit_stocktake().execute(
            CommitStocktakeCommand(actor=clerk, stocktake_id=take.id)
        )


async def test_a_line_that_changed_is_refused_or_skipped(
    container: Container, clerk: Principal
) -> None:
    item = await create_item(container, clerk, quantity=5)
    take = await container.open_stocktake().execute(
        OpenStocktakeCommand(actor=clerk, lines=((item.id, MAIN_LOCATION_ID),))
    )
    await container.count_stocktake().execute(
        CountLinesCommand(actor=clerk, stocktake_id=take.id, counts=(LineCount(item.id, 1),))
    )
    await container.adjust_stock().execute(
        AdjustStockCommand(actor=clerk, item=item.id, delta=-1, reason="sold")
    )
    with pytest.raises(StocktakeConflicts):
        await container.commit_stocktake().execute(
            CommitStocktakeCommand(actor=clerk, stocktake_id=take.id)
        )
    assert store(container).stocktakes[take.id].status is StocktakeStatus.OPEN
    report = await container.commit_stocktake().execute(
        CommitStocktakeCommand(actor=clerk, stocktake_id=take.id, skip_conflicts=True)
    )
    assert report.conflicts == {(item.id, MAIN_LOCATION_ID)}
    assert store(container).items[item.id].quantity == 4


async def test_a_one_shot_dry_run_changes_nothing(
    container: Container, clerk: Principal, admin: Principal
) -> None:
    item = await create_item(container, clerk, quantity=5)
    report = await container.take_stock().execute(
        clerk, "MAIN", (LineCount(item.sku.value, 2),), dry_run=True
    )
    (line,) = report.stocktake.lines.values()
    assert (line.difference, report.committed) == (-3, False)
    assert store(container).items[item.id].quantity == 5
    assert store(container).stocktakes == {}
    await container.create_location().execute(
        CreateLocationCommand(actor=admin, code="OFF", name="Off")
    )
    with pytest.raises(NotFound):
        await container.take_stock().execute(clerk, "MAIN", (LineCount("NOPE", 1),))


async def test_refusals(
    container: Container, clerk: Principal, viewer: Principal, admin: Principal
) -> None:
    item = await create_item(container, clerk, quantity=1)
    with pytest.raises(PermissionDenied):
        await container.open_stocktake().execute(
            OpenStocktakeCommand(actor=viewer, location="MAIN")
        )
    with pytest.raises(InvalidValue):
        await container.open_stocktake().execute(OpenStocktakeCommand(actor=clerk))
    take = await container.open_stocktake().execute(
        OpenStocktakeCommand(actor=clerk, lines=((item.id, "MAIN"),))
    )
    other = await create_item(container, clerk, sku="OTHER")
    with pytest.raises(InvalidValue, match="location"):
        await container.count_stocktake().execute(
            CountLinesCommand(actor=clerk, stocktake_id=take.id, counts=(LineCount(other.id, 1),))
        )
    await container.create_location().execute(
        CreateLocationCommand(actor=admin, code="OFF", name="Off")
    )
    await container.update_location().execute(
        UpdateLocationCommand(actor=admin, location="OFF", active=False)
    )
    with pytest.raises(LocationInactive):
        await container.take_stock().execute(clerk, "OFF", (LineCount(item.id, 3),))
    found = await container.get_stocktake().execute(viewer, take.id)
    assert found.id == take.id
