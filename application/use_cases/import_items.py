"""Bulk upsert of items by SKU, the engine behind ``inventory items import FILE.csv``.

Rows arrive as raw text keyed by column name (the CSV reader lives in the adapter) and are
validated by the domain exactly like items created one by one. Each batch is one unit of work:
one bulk SKU lookup, then every new or changed item written once, then one commit. That keeps a
100,000-row import to a few hundred statements per thousand rows instead of per-row round trips.
"""

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from itertools import islice

from application.audit import change_record
from application.ports import Clock, UnitOfWork
from application.use_cases._holds import expire_overdue
from domain.audit import Snapshot, item_snapshot
from domain.errors import DomainError, InvalidValue, NotFound
from domain.items import Item, ItemDetails
from domain.locations import Location, LocationCode
from domain.users import Permission, Principal
from domain.values import bounded_int

#: The columns a file may have, in the order an export writes them.
IMPORT_COLUMNS = ("sku", "name", "description", "price", "tax", "quantity", "reorder_level")
#: An optional column: the code of the location a row's quantity is at (the default location
#: when absent or blank). Several rows of one SKU may name several locations.
LOCATION_COLUMN = "location"
ACCEPTED_COLUMNS = (*IMPORT_COLUMNS, LOCATION_COLUMN)
REQUIRED_COLUMNS = ("sku", "name", "price")
#: The domain's names for the columns whose header says something shorter: a rejection names
#: the column the person fixing the file sees.
_COLUMN_OF_FIELD = {"unit_price": "price", "tax_rate": "tax"}
DEFAULT_BATCH_SIZE = 5_000
IMPORT_NOTE = "csv import"

_WHOLE = re.compile(r"[+-]?[0-9]{1,20}")


class RowStatus(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class ImportRow:
    """One data row: its line in the file and its cells by column name.

    ``problem`` is set when the reader could not even split the row into the header's columns;
    such a row is rejected with that reason.
    """

    line: int
    values: Mapping[str, str]
    problem: str | None = None


@dataclass(frozen=True, slots=True)
class RowOutcome:
    line: int
    sku: str
    status: RowStatus
    code: str | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class ImportReport:
    rows: tuple[RowOutcome, ...]
    dry_run: bool

    def count(self, status: RowStatus) -> int:
        return sum(1 for row in self.rows if row.status == status)

    @property
    def rejected(self) -> tuple[RowOutcome, ...]:
        return tuple(row for row in self.rows if row.status is RowStatus.REJECTED)


@dataclass(frozen=True, slots=True)
class _ParsedRow:
    line: int
    details: ItemDetails
    quantity: int | None
    location: LocationCode | None = None


def _cell(row: ImportRow, column: str) -> str | None:
    """A cell's text, or None when the column is absent or the cell blank."""
    raw = row.values.get(column)
    if raw is None or not raw.strip():
        return None
    return raw


def _whole(field: str, raw: str | None) -> int | None:
    if raw is None:
        return None
    text = raw.strip()
    if not _WHOLE.fullmatch(text):
        raise InvalidValue(field, "must be a whole number")
    return bounded_int(field, int(text))


def parse_row(row: ImportRow) -> tuple[ItemDetails, int | None]:
    """The row as validated item details and an optional absolute quantity; a bad cell raises
    ``InvalidValue`` named by its CSV column (``price``, not ``unit_price``)."""
    if row.problem is not None:
        raise InvalidValue("row", row.problem)
    try:
        return _parse_cells(row)
    except InvalidValue as error:
        column = _COLUMN_OF_FIELD.get(error.field)
        if column is None:
            raise
        raise InvalidValue(column, error.reason) from None


def _parse_cells(row: ImportRow) -> tuple[ItemDetails, int | None]:
    details = ItemDetails.parse(
        sku=row.values.get("sku", ""),
        name=row.values.get("name", ""),
        unit_price=(_cell(row, "price") or "").strip(),
        description=_cell(row, "description"),
        tax_rate=(tax.strip() if (tax := _cell(row, "tax")) is not None else None),
        reorder_level=_whole("reorder_level", _cell(row, "reorder_level")) or 0,
    )
    return details, _whole("quantity", _cell(row, "quantity"))


def _batches(rows: Iterable[ImportRow], size: int) -> Iterator[list[ImportRow]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


class ImportItems:
    """Upserts items by SKU: a row whose SKU is new creates the item (its quantity is received
    stock); a known SKU gets the row's details and, when the quantity cell is filled, a stock
    count. A row that changes nothing writes nothing, so importing the same file twice is
    idempotent: no movement, no version bump. A bad row is rejected with its line number and
    the domain's reason; the other rows still go in. A dry run does all of it in one
    transaction and rolls it back.
    """

    def __init__(self, uow: UnitOfWork, clock: Clock, batch_size: int = DEFAULT_BATCH_SIZE) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.uow = uow
        self.clock = clock
        self.batch_size = batch_size

    async def execute(
        self,
        actor: Principal,
        rows: Iterable[ImportRow],
        *,
        dry_run: bool = False,
        progress: Callable[[int], None] | None = None,
    ) -> ImportReport:
        actor.require(Permission.WRITE_ITEMS)
        actor.require(Permission.ADJUST_STOCK)
        outcomes: list[RowOutcome] = []
        done = 0
        if dry_run:
            async with self.uow:
                for batch in _batches(rows, self.batch_size):
                    outcomes += await self._apply(actor, batch)
                    done += len(batch)
                    if progress is not None:
                        progress(done)
                await self.uow.rollback()
        else:
            for batch in _batches(rows, self.batch_size):
                async with self.uow:
                    outcomes += await self._apply(actor, batch)
                    await self.uow.commit()
                done += len(batch)
                if progress is not None:
                    progress(done)
        outcomes.sort(key=lambda outcome: outcome.line)
        return ImportReport(rows=tuple(outcomes), dry_run=dry_run)

    async def _apply(self, actor: Principal, batch: Sequence[ImportRow]) -> list[RowOutcome]:
        outcomes: list[RowOutcome] = []
        parsed: list[_ParsedRow] = []
        for row in batch:
            try:
                details, quantity = parse_row(row)
                code = _cell(row, LOCATION_COLUMN)
                location = None if code is None else LocationCode.parse(code)
            except DomainError as error:
                sku = str(row.values.get("sku", "")).strip()
                outcomes.append(
                    RowOutcome(row.line, sku, RowStatus.REJECTED, error.code, error.message)
                )
                continue
            parsed.append(_ParsedRow(row.line, details, quantity, location))
        places = await self._locations(parsed)
        skus = list(dict.fromkeys(entry.details.sku.value for entry in parsed))
        existing = await self.uow.items.get_many_by_sku(skus, for_update=True) if skus else {}
        before = {sku: item_snapshot(item) for sku, item in existing.items()}
        created: dict[str, Item] = {}
        changed: dict[str, Item] = {}
        now = self.clock.now()  # the batch commits as one: one time for all of its rows
        for sku, item in existing.items():  # a count must not be refused by an overdue hold
            if await expire_overdue(self.uow, item, now=now):
                changed[sku] = item
        for entry in parsed:
            sku = entry.details.sku.value
            try:
                where = None if entry.location is None else places.get(entry.location.value)
                if entry.location is not None and where is None:
                    raise NotFound("location", entry.location)
                status = self._upsert(actor, entry, now, existing, created, changed, where)
            except DomainError as error:
                status = RowStatus.REJECTED
                outcomes.append(RowOutcome(entry.line, sku, status, error.code, error.message))
                continue
            outcomes.append(RowOutcome(entry.line, sku, status))
        # Each item is written once per batch, however many rows named it.
        if created:
            await self.uow.items.add_many(list(created.values()))
        if changed:
            await self.uow.items.save_many(list(changed.values()))
        await self._audit(actor, now, before, created, changed)
        return outcomes

    async def _audit(
        self,
        actor: Principal,
        now: datetime,
        before: Mapping[str, Snapshot],
        created: Mapping[str, Item],
        changed: Mapping[str, Item],
    ) -> None:
        """One record per item the batch created or changed, appended together."""
        found = [
            change_record(
                self.uow,
                entity="item",
                entity_id=item.id,
                action=action,
                actor_id=actor.user_id,
                at=now,
                before=before.get(sku),
                after=item_snapshot(item),
            )
            for action, items in (("created", created), ("updated", changed))
            for sku, item in items.items()
        ]
        await self.uow.audit.append(*(entry for entry in found if entry is not None))

    async def _locations(self, parsed: Sequence[_ParsedRow]) -> dict[str, Location]:
        """The locations the batch names, by code (read shared: they cannot go meanwhile)."""
        codes = sorted({entry.location.value for entry in parsed if entry.location is not None})
        found = [await self.uow.locations.get_by_code(code, for_share=True) for code in codes]
        return {location.code.value: location for location in found if location is not None}

    def _upsert(
        self,
        actor: Principal,
        row: _ParsedRow,
        now: datetime,
        existing: Mapping[str, Item],
        created: dict[str, Item],
        changed: dict[str, Item],
        location: Location | None = None,
    ) -> RowStatus:
        sku = row.details.sku.value
        by = actor.user_id
        item = created.get(sku) or existing.get(sku)
        if item is None:
            created[sku] = Item.create(
                row.details, quantity=row.quantity or 0, at=now, by=by, location=location
            )
            return RowStatus.CREATED
        # The count first: when it is refused (an inactive location), nothing has changed.
        counted = (
            item.count(row.quantity, at=now, by=by, note=IMPORT_NOTE, location=location)
            if row.quantity is not None
            else None
        )
        fields = item.update(row.details, at=now, by=by)
        if not fields and counted is None:
            return RowStatus.UNCHANGED
        if sku not in created:
            changed[sku] = item
        return RowStatus.UPDATED
