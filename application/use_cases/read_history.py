"""Reading the past: the audit trail (admins) and an item's history (anyone who reads items)."""

import heapq
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from application.actors import Actor, acting
from application.commands import ItemKey
from application.history import ENTITIES, AuditQuery, MovementQuery
from application.ports import Page, QuerySession
from application.use_cases._lookup import check_page, find_item
from domain.audit import AuditRecord
from domain.errors import InvalidValue, NotFound
from domain.items import MovementReason, StockMovement
from domain.users import Permission


class ListAudit:
    """A page of the audit trail, newest first, for admins (``audit:read`` for API tokens)."""

    def __init__(self, queries: QuerySession) -> None:
        self.queries = queries

    async def execute(self, actor: Actor, query: AuditQuery) -> Page[AuditRecord]:
        check_page(query.offset, query.limit)
        if query.entity is not None and query.entity not in ENTITIES:
            raise InvalidValue("entity", f"must be one of {', '.join(ENTITIES)}")
        for name, moment in (("from", query.since), ("to", query.until)):
            if moment is not None and moment.tzinfo is None:
                raise InvalidValue(name, "needs a time zone (e.g. Z)")
        async with self.queries as session:
            principal = await acting(actor, session.users)
            principal.require(Permission.READ_AUDIT)
            records, total = await session.audit.find(query)
        return Page(items=records, total=total, offset=query.offset, limit=query.limit)


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One line of an item's history: a change of its fields, or a stock movement."""

    at: datetime
    change: AuditRecord | None = None
    movement: StockMovement | None = None


#: A history page merges the newest ``offset + limit`` lines of both sources.
MAX_HISTORY_OFFSET = 10_000


def _as_id(key: ItemKey) -> UUID | None:
    if isinstance(key, UUID):
        return key
    try:
        return UUID(key)
    except (ValueError, TypeError):
        return None


class ItemHistory:
    """An item's changes and its movements interleaved, newest first. A purged item's history
    stays readable by its id: the records are the item's last trace."""

    def __init__(self, queries: QuerySession) -> None:
        self.queries = queries

    async def execute(
        self, actor: Actor, item: ItemKey, *, offset: int = 0, limit: int = 20
    ) -> Page[HistoryEntry]:
        check_page(offset, limit)
        if offset > MAX_HISTORY_OFFSET:
            raise InvalidValue("offset", f"must be at most {MAX_HISTORY_OFFSET} in a history")
        async with self.queries as session:
            principal = await acting(actor, session.users)
            principal.require(Permission.READ_ITEMS)
            try:
                item_id = (await find_item(session.items, item)).id
                changes = await session.audit.for_entity("item", item_id)
            except NotFound:
                purged = _as_id(item)
                changes = [] if purged is None else await session.audit.for_entity("item", purged)
                if purged is None or not changes:
                    raise
                item_id = purged
            # Newest first from both; a page needs at most offset + limit of each.
            ledger = await session.movements.list_for_item(item_id, offset=0, limit=offset + limit)
        merged = heapq.merge(
            (HistoryEntry(record.occurred_at, change=record) for record in reversed(changes)),
            (HistoryEntry(m.occurred_at, movement=m) for m in ledger.items),
            key=lambda entry: entry.at,
            reverse=True,
        )
        window = list(merged)[offset : offset + limit]
        return Page(items=window, total=len(changes) + ledger.total, offset=offset, limit=limit)


@dataclass(frozen=True, slots=True)
class MovementBatch:
    """One page of the ledger export; ``next_cursor`` continues after it (None at the end)."""

    movements: tuple[StockMovement, ...]
    next_cursor: int | None


class ExportMovements:
    """The whole ledger in the order it was written, for accounting systems that sync from it:
    a cursor (the position of the last movement seen) never skips or repeats a movement,
    however many are written meanwhile."""

    def __init__(self, queries: QuerySession) -> None:
        self.queries = queries

    async def execute(self, actor: Actor, query: MovementQuery) -> MovementBatch:
        if isinstance(query.after, bool) or not isinstance(query.after, int) or query.after < 0:
            raise InvalidValue("cursor", "must be a whole number from 0")
        if not 1 <= query.limit <= MAX_EXPORT:
            raise InvalidValue("limit", f"must be a whole number from 1 to {MAX_EXPORT}")
        if query.reason is not None:
            MovementReason.parse(query.reason)
        for name, moment in (("from", query.since), ("to", query.until)):
            if moment is not None and moment.tzinfo is None:
                raise InvalidValue(name, "needs a time zone (e.g. Z)")
        async with self.queries as session:
            principal = await acting(actor, session.users)
            principal.require(Permission.READ_ITEMS)
            found = await session.ledger.movements(query)
        last = found[-1][0] if len(found) == query.limit else None
        return MovementBatch(tuple(movement for _, movement in found), last)


#: Movements per page of the ledger export.
MAX_EXPORT = 1_000
