"""Stock and its value at a past instant, computed from the ledger.

Exact under concurrent writes. A movement's ``occurred_at`` is read from the clock inside its
write transaction, which commits a little later; a read "as of T" that ran while such a
transaction (stamped at or before T) was still open would miss the movement that a later read
counts. So a read takes the time first, then waits until every write transaction open at that
moment has ended (``QuerySession.settle``), then reads: a transaction still open then has
committed, and one that opens later reads the clock later, after T. An ``as_of`` later than
the time taken is refused as in the future. Once a wait has returned, the past up to the time
it took is final, so reads of an instant up to it (most reads are of the past) need no wait of
their own: ``settle`` remembers the latest such time. (This assumes the service's processes
share one clock, as NTP-synchronised hosts do; with a read replica, reads may also lag: see
docs/history.md.)

The price in force at T is the newest ``unit_price`` the audit trail gave the item by then; an
item without one (created before the audit trail existed) is valued at its current price.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from application.actors import Actor, acting
from application.commands import ItemKey
from application.history import LocationQuantity
from application.ports import Clock, Page, QuerySession
from application.use_cases._lookup import check_page, find_item
from domain.errors import InvalidValue
from domain.users import Permission


@dataclass(frozen=True, slots=True)
class ItemStockAsOf:
    item_id: UUID
    sku: str
    name: str
    reorder_level: int
    as_of: datetime
    quantity: int
    locations: tuple[LocationQuantity, ...]


@dataclass(frozen=True, slots=True)
class StockLine:
    item_id: UUID
    sku: str
    name: str
    quantity: int


@dataclass(frozen=True, slots=True)
class ValuationLine:
    item_id: UUID
    sku: str
    name: str
    quantity: int
    unit_price: Decimal
    value: Decimal


@dataclass(frozen=True, slots=True)
class Valuation:
    as_of: datetime
    lines: tuple[ValuationLine, ...]
    total: Decimal


def _check_instant(as_of: datetime, now: datetime) -> None:
    if not isinstance(as_of, datetime) or as_of.tzinfo is None:
        raise InvalidValue("as_of", "must be a time with a time zone (e.g. 2026-03-31T23:59:59Z)")
    if as_of > now:
        raise InvalidValue("as_of", "must not be in the future: the ledger is not written yet")


class GetItemStockAsOf:
    """An item's quantity at ``as_of``, per location and in total."""

    def __init__(self, queries: QuerySession, clock: Clock) -> None:
        self.queries = queries
        self.clock = clock

    async def execute(self, actor: Actor, item: ItemKey, as_of: datetime) -> ItemStockAsOf:
        now = self.clock.now()
        _check_instant(as_of, now)
        async with self.queries as session:
            principal = await acting(actor, session.users)
            principal.require(Permission.READ_ITEMS)
            found = await find_item(session.items, item)
            await session.settle(as_of, now)
            held = await session.ledger.item_as_of(found.id, as_of)
        locations = sorted(
            held, key=lambda entry: (entry.location_code or "", str(entry.location_id))
        )
        return ItemStockAsOf(
            item_id=found.id,
            sku=found.sku.value,
            name=found.name,
            reorder_level=found.reorder_level,
            as_of=as_of,
            quantity=sum(entry.quantity for entry in held),
            locations=tuple(locations),
        )


async def _lines(session: QuerySession, as_of: datetime, now: datetime) -> list[ValuationLine]:
    """Every item with a movement by ``as_of`` (archived and purged ones too), by SKU, with
    its quantity, the price then and the value (``now``: the clock read before)."""
    await session.settle(as_of, now)
    totals = await session.ledger.totals_as_of(as_of)
    labels = await session.ledger.describe(list(totals))
    then = await session.audit.values_as_of("item", ("sku", "name", "unit_price"), as_of)
    lines = []
    for item_id, quantity in totals.items():
        known, current = then.get(item_id, {}), labels.get(item_id)
        sku = known.get("sku") or (current.sku if current else str(item_id))
        name = known.get("name") or (current.name if current else "")
        price_text = known.get("unit_price")
        price = Decimal(price_text) if price_text else (current.unit_price if current else None)
        price = Decimal("0.00") if price is None else price
        value = (price * quantity).quantize(Decimal("0.01"))
        lines.append(ValuationLine(item_id, sku, name, quantity, price, value))
    lines.sort(key=lambda line: (line.sku, str(line.item_id)))
    return lines


class StockReportAsOf:
    """Every item's quantity at ``as_of``, by SKU, a page at a time."""

    def __init__(self, queries: QuerySession, clock: Clock) -> None:
        self.queries = queries
        self.clock = clock

    async def execute(
        self, actor: Actor, as_of: datetime, *, offset: int = 0, limit: int = 50
    ) -> Page[StockLine]:
        check_page(offset, limit)
        now = self.clock.now()
        _check_instant(as_of, now)
        async with self.queries as session:
            principal = await acting(actor, session.users)
            principal.require(Permission.READ_ITEMS)
            lines = await _lines(session, as_of, now)
        window = [
            StockLine(line.item_id, line.sku, line.name, line.quantity)
            for line in lines[offset : offset + limit]
        ]
        return Page(items=window, total=len(lines), offset=offset, limit=limit)


class ValueStockAsOf:
    """Sum of quantity times unit price at ``as_of``, per item and in total, as exact decimals."""

    def __init__(self, queries: QuerySession, clock: Clock) -> None:
        self.queries = queries
        self.clock = clock

    async def execute(self, actor: Actor, as_of: datetime) -> Valuation:
        now = self.clock.now()
        _check_instant(as_of, now)
        async with self.queries as session:
            principal = await acting(actor, session.users)
            principal.require(Permission.READ_ITEMS)
            lines = [line for line in await _lines(session, as_of, now) if line.quantity]
        total = sum((line.value for line in lines), Decimal("0.00"))
        return Valuation(as_of=as_of, lines=tuple(lines), total=total)
