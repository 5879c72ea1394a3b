"""A hypothesis state machine for the stock ledger, reusable over every storage adapter.

``make_stock_machine(container_factory)`` returns a ``RuleBasedStateMachine`` class; its
``TestCase`` attribute is a unittest class pytest collects. ``container_factory()`` returns a
ready ``Container`` (or an awaitable of one, awaited on the machine's own event loop). The
machine drives the real use cases and, after every step, reads the item and its ledger back
through the container's read-only unit of work and checks:

* quantity >= 0 and quantity == the sum of the ledger (``MovementRepository.sum_for_item`` and
  the listed movements), and the newest movement's ``quantity_after`` is the quantity;
* the version went up on every accepted change and stayed put otherwise;
* a refused operation changed nothing (quantity, version, ledger length);
* the quantity at a past instant (``GetItemStockAsOf``) is the ledger summed up to it, per
  location, for instants drawn from the ledger's own times (the clock moves on in steps);
* stock by location: Σ over the locations == the item's quantity, each location's quantity ==
  the sum of its ledger, and nothing is ever below zero. Movements that name no location (and
  counts, PATCH and PUT quantities) are at the default location ``MAIN``; the machine also
  moves stock at two locations of its own and transfers between all three.
* reservations (held at ``MAIN``): Σ active holds <= on hand at every location, available >= 0,
  the stored ``held`` counters equal the machine's active holds, each hold's stored status is
  the machine's, and every fulfilled hold equals its ``sold`` movement. Time passes through the
  injected clock: a hold past its expiry is ignored at once (a movement may take its stock)
  and expired by the next writer of the item or by the sweeper.
"""

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID, uuid4

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, precondition, rule

from application.commands import (
    UNSET,
    AdjustStockCommand,
    CountStockCommand,
    CreateItemCommand,
    CreateLocationCommand,
    CreateReservationCommand,
    FulfilReservationCommand,
    ReleaseReservationCommand,
    ReplaceItemCommand,
    TransferStockCommand,
    UpdateItemCommand,
)
from application.ports import ItemQuery
from domain.errors import (
    AlreadyExists,
    InsufficientStock,
    InvalidValue,
    ReservationClosed,
    ReservationConflict,
    VersionMismatch,
)
from domain.items import Held, Item, MovementReason, StockMovement
from domain.locations import MAIN_LOCATION_CODE, MAIN_LOCATION_ID
from domain.users import Principal, Role
from entrypoints.container import Container

T = TypeVar("T")
ContainerFactory = Callable[[], Container | Awaitable[Container]]

REASONS = ["received", "sold", "returned", "damaged", "lost", "correction"]
quantities = st.integers(min_value=0, max_value=60)
deltas = st.integers(min_value=-40, max_value=40)
names = st.sampled_from(["Widget", "Gadget", "Sprocket"])
reorder_levels = st.integers(min_value=0, max_value=20)


@dataclass(frozen=True)
class Expected:
    """What the machine believes about one item."""

    sku: str
    name: str
    quantity: int
    version: int
    ledger: int
    reorder_level: int
    #: Quantity per location code.
    stock: tuple[tuple[str, int], ...] = ()

    def at(self, code: str) -> int:
        return dict(self.stock).get(code, 0)

    def moved(self, **deltas: int) -> tuple[tuple[str, int], ...]:
        held = dict(self.stock)
        for code, delta in deltas.items():
            held[code] = held.get(code, 0) + delta
        return tuple(sorted(held.items()))


@dataclass
class Hold:
    """What the machine believes about one reservation (all are held at ``MAIN``)."""

    reference: str
    quantity: int
    expires_at: datetime
    status: str = "active"
    sold: int = 0

    def live(self, now: datetime) -> bool:
        return self.status == "active" and now < self.expires_at

    def overdue(self, now: datetime) -> bool:
        return self.status == "active" and now >= self.expires_at


@dataclass
class Holds:
    by_item: dict[UUID, dict[UUID, Hold]] = field(default_factory=dict)

    def of(self, item_id: UUID) -> dict[UUID, Hold]:
        return self.by_item.setdefault(item_id, {})

    def live_held(self, item_id: UUID, now: datetime) -> int:
        return sum(h.quantity for h in self.of(item_id).values() if h.live(now))

    def stored_held(self, item_id: UUID) -> int:
        return sum(h.quantity for h in self.of(item_id).values() if h.status == "active")

    def expire(self, item_id: UUID, now: datetime) -> int:
        """What a writer at ``MAIN`` does first: expire the item's overdue holds."""
        overdue = [h for h in self.of(item_id).values() if h.overdue(now)]
        for hold in overdue:
            hold.status = "expired"
        return len(overdue)

    def pick(self, now: datetime, *, live: bool) -> list[tuple[UUID, UUID]]:
        """In the order they were made: ids are random, so an order by id would differ when
        Hypothesis replays a run, and it could not shrink (or even report) a failure."""
        return [
            (item_id, rid)
            for item_id, holds in self.by_item.items()
            for rid, hold in holds.items()
            if (hold.live(now) if live else hold.overdue(now))
        ]


def make_stock_machine(container_factory: ContainerFactory) -> type[RuleBasedStateMachine]:
    class StockLedgerMachine(RuleBasedStateMachine):
        items = Bundle("items")

        def __init__(self) -> None:
            super().__init__()
            self.runner = asyncio.Runner()
            made = container_factory()
            self.container: Container = (
                self.run(_awaited(made)) if inspect.isawaitable(made) else made
            )
            self.actor = Principal(user_id=uuid4(), username="machine", role=Role.ADMIN)
            self.expected: dict[UUID, Expected] = {}
            self.serial = 0
            # Unique across machine instances, in case a factory hands out a shared database.
            self.sku_prefix = f"M{uuid4().hex[:10]}"
            self.places = [MAIN_LOCATION_CODE]
            self.clock = self.container.clock()
            self.holds = Holds()
            for suffix in ("A", "B"):
                code = f"{self.sku_prefix}-{suffix}".upper()
                self.run(
                    self.container.create_location().execute(
                        CreateLocationCommand(actor=self.actor, code=code, name=code)
                    )
                )
                self.places.append(code)

        def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
            return self.runner.run(coroutine)

        def teardown(self) -> None:
            try:
                bus = self.container.event_bus()
                drain = getattr(bus, "drain", None)
                if drain is not None:
                    self.run(drain())
                shutdown = self.container.shutdown_resources()
                if inspect.isawaitable(shutdown):
                    self.run(_awaited(shutdown))
            finally:
                self.runner.close()

        # -- helpers -----------------------------------------------------------------------
        def accepted(
            self,
            item_id: UUID,
            item: Item,
            *,
            changed: bool,
            ledger: int,
            stock: tuple[tuple[str, int], ...] | None = None,
        ) -> None:
            """Record an accepted operation, checking the version moved iff something did."""
            before = self.expected[item_id]
            if changed:
                assert item.version > before.version, "an accepted change must bump the version"
            else:
                assert item.version == before.version, "nothing changed, yet the version moved"
            self.expected[item_id] = replace(
                before,
                name=item.name,
                quantity=item.quantity,
                version=item.version,
                ledger=before.ledger + ledger,
                reorder_level=item.reorder_level,
                stock=before.stock if stock is None else stock,
            )

        async def read(self, item_id: UUID) -> tuple[Item, int, list[StockMovement]]:
            uow = self.container.uow()
            async with uow:
                item = await uow.items.get(item_id)
                assert item is not None
                total = await uow.movements.sum_for_item(item_id)
            movements: list[StockMovement] = []
            async with self.container.queries() as session:
                while True:
                    page = await session.movements.list_for_item(
                        item_id, offset=len(movements), limit=100
                    )
                    movements.extend(page.items)
                    if len(movements) >= page.total or not page.items:
                        break
                assert page.total == len(movements)
            return item, total, movements

        # -- rules -------------------------------------------------------------------------
        @rule(target=items, quantity=quantities, reorder=reorder_levels, name=names)
        def create(self, quantity: int, reorder: int, name: str) -> UUID:
            self.serial += 1
            item = self.run(
                self.container.create_item().execute(
                    CreateItemCommand(
                        actor=self.actor,
                        sku=f"{self.sku_prefix}-{self.serial}",
                        name=name,
                        unit_price="1.00",
                        quantity=quantity,
                        reorder_level=reorder,
                    )
                )
            ).item
            assert (item.quantity, item.version) == (quantity, 1)
            self.expected[item.id] = Expected(
                sku=item.sku.value,
                name=name,
                quantity=quantity,
                version=1,
                ledger=1 if quantity else 0,
                reorder_level=reorder,
                stock=((MAIN_LOCATION_CODE, quantity),),
            )
            return item.id

        @rule(item_id=items, quantity=quantities)
        def create_with_a_taken_sku(self, item_id: UUID, quantity: int) -> None:
            taken = self.expected[item_id].sku.lower()
            with pytest.raises(AlreadyExists):
                self.run(
                    self.container.create_item().execute(
                        CreateItemCommand(
                            actor=self.actor,
                            sku=taken,
                            name="Dup",
                            unit_price="2",
                            quantity=quantity,
                        )
                    )
                )

        @rule(item_id=items, delta=deltas, reason=st.sampled_from(REASONS), pin=st.booleans())
        def adjust(self, item_id: UUID, delta: int, reason: str, pin: bool) -> None:
            before = self.expected[item_id]
            command = AdjustStockCommand(
                actor=self.actor,
                item=item_id,
                delta=delta,
                reason=reason,
                expected_version=before.version if pin else None,
            )
            if delta == 0:
                with pytest.raises(InvalidValue, match="delta"):
                    self.run(self.container.adjust_stock().execute(command))
                return
            free = before.at(MAIN_LOCATION_CODE) - self.holds.live_held(item_id, self.now)
            if free + delta < 0:
                with pytest.raises(InsufficientStock) as refused:
                    self.run(self.container.adjust_stock().execute(command))
                assert refused.value.available == free
                assert refused.value.requested == -delta
                return
            self.holds.expire(item_id, self.now)
            change = self.run(self.container.adjust_stock().execute(command))
            assert change.item.quantity == before.quantity + delta
            self.accepted(
                item_id, change.item, changed=True, ledger=1, stock=before.moved(MAIN=delta)
            )

        @rule(item_id=items, delta=deltas, where=st.sampled_from([1, 2]))
        def adjust_at(self, item_id: UUID, delta: int, where: int) -> None:
            before, code = self.expected[item_id], self.places[where]
            command = AdjustStockCommand(
                actor=self.actor, item=item_id, delta=delta or 1, reason="correction", location=code
            )
            delta = delta or 1
            if before.at(code) + delta < 0:
                with pytest.raises(InsufficientStock) as refused:
                    self.run(self.container.adjust_stock().execute(command))
                assert (refused.value.available, refused.value.location) == (before.at(code), code)
                return
            self.holds.expire(item_id, self.now)  # a writer expires the item's overdue holds
            change = self.run(self.container.adjust_stock().execute(command))
            assert change.movement is not None
            assert change.item.quantity_at(change.movement.location_id) == before.at(code) + delta
            self.accepted(
                item_id, change.item, changed=True, ledger=1, stock=before.moved(**{code: delta})
            )

        @rule(
            item_id=items,
            origin=st.sampled_from([0, 1, 2]),
            destination=st.sampled_from([0, 1, 2]),
            quantity=st.integers(min_value=1, max_value=30),
        )
        def transfer(self, item_id: UUID, origin: int, destination: int, quantity: int) -> None:
            before = self.expected[item_id]
            source_code, target_code = self.places[origin], self.places[destination]
            command = TransferStockCommand(
                actor=self.actor,
                item=item_id,
                from_location=source_code,
                to_location=target_code,
                quantity=quantity,
            )
            if origin == destination:
                with pytest.raises(InvalidValue):
                    self.run(self.container.transfer_stock().execute(command))
                return
            free = before.at(source_code)
            if origin == 0:
                free -= self.holds.live_held(item_id, self.now)
            if free < quantity:
                with pytest.raises(InsufficientStock) as refused:
                    self.run(self.container.transfer_stock().execute(command))
                assert refused.value.available == free
                return
            self.holds.expire(item_id, self.now)
            moved = self.run(self.container.transfer_stock().execute(command))
            assert moved.outgoing.transfer_id == moved.incoming.transfer_id is not None
            assert moved.item.quantity == before.quantity
            stock = before.moved(**{source_code: -quantity, target_code: quantity})
            self.accepted(item_id, moved.item, changed=True, ledger=2, stock=stock)

        @rule(item_id=items, quantity=quantities, pin=st.booleans())
        def count(self, item_id: UUID, quantity: int, pin: bool) -> None:
            before = self.expected[item_id]
            command = CountStockCommand(
                actor=self.actor,
                item=item_id,
                quantity=quantity,
                expected_version=before.version if pin else None,
            )
            if quantity < self.holds.live_held(item_id, self.now):
                with pytest.raises(InsufficientStock):
                    self.run(self.container.count_stock().execute(command))
                return
            expired = self.holds.expire(item_id, self.now)
            change = self.run(self.container.count_stock().execute(command))
            main = before.at(MAIN_LOCATION_CODE)
            differs = quantity != main
            assert (change.movement is not None) is differs
            assert change.item.quantity == before.quantity - main + quantity
            self.accepted(
                item_id,
                change.item,
                changed=differs or bool(expired),
                ledger=int(differs),
                stock=before.moved(MAIN=quantity - main),
            )

        @rule(
            item_id=items,
            quantity=st.one_of(st.just(UNSET), quantities),
            name=st.one_of(st.just(UNSET), names),
            reorder=st.one_of(st.just(UNSET), reorder_levels),
        )
        def patch(self, item_id: UUID, quantity: Any, name: Any, reorder: Any) -> None:
            before = self.expected[item_id]
            command = UpdateItemCommand(
                actor=self.actor,
                item=item_id,
                quantity=quantity,
                name=name,
                reorder_level=reorder,
                expected_version=before.version,
            )
            expired = 0
            if quantity is not UNSET:
                if quantity < self.holds.live_held(item_id, self.now):
                    with pytest.raises(InsufficientStock):
                        self.run(self.container.update_item().execute(command))
                    return
                expired = self.holds.expire(item_id, self.now)
            item = self.run(self.container.update_item().execute(command))
            main = before.at(MAIN_LOCATION_CODE)
            counted = quantity is not UNSET and quantity != main
            details = (name is not UNSET and name != before.name) or (
                reorder is not UNSET and reorder != before.reorder_level
            )
            shift = 0 if quantity is UNSET else quantity - main
            assert item.quantity == before.quantity + shift
            self.accepted(
                item_id,
                item,
                changed=counted or details or bool(expired),
                ledger=int(counted),
                stock=before.moved(MAIN=shift),
            )

        @rule(
            item_id=items,
            quantity=st.one_of(st.none(), quantities),
            name=names,
            reorder=reorder_levels,
        )
        def replace_item(
            self, item_id: UUID, quantity: int | None, name: str, reorder: int
        ) -> None:
            before = self.expected[item_id]
            command = ReplaceItemCommand(
                actor=self.actor,
                item=item_id,
                sku=before.sku,
                name=name,
                unit_price="1.00",
                reorder_level=reorder,
                quantity=quantity,
            )
            expired = 0
            if quantity is not None:
                if quantity < self.holds.live_held(item_id, self.now):
                    with pytest.raises(InsufficientStock):
                        self.run(self.container.replace_item().execute(command))
                    return
                expired = self.holds.expire(item_id, self.now)
            item = self.run(self.container.replace_item().execute(command))
            main = before.at(MAIN_LOCATION_CODE)
            counted = quantity is not None and quantity != main
            details = name != before.name or reorder != before.reorder_level
            shift = 0 if quantity is None else quantity - main
            self.accepted(
                item_id,
                item,
                changed=counted or details or bool(expired),
                ledger=int(counted),
                stock=before.moved(MAIN=shift),
            )

        @rule(
            item_id=items,
            offset=st.sampled_from([-1, 1, 5]),
            operation=st.sampled_from(["adjust", "count", "patch", "replace"]),
            quantity=quantities,
        )
        def stale_write(self, item_id: UUID, offset: int, operation: str, quantity: int) -> None:
            stale = self.expected[item_id].version + offset
            if stale < 0:
                stale = 0
            use_case: Any
            command: Any
            if operation == "adjust":
                use_case = self.container.adjust_stock()
                command = AdjustStockCommand(
                    actor=self.actor,
                    item=item_id,
                    delta=quantity + 1,
                    reason="received",
                    expected_version=stale,
                )
            elif operation == "count":
                use_case = self.container.count_stock()
                command = CountStockCommand(
                    actor=self.actor, item=item_id, quantity=quantity, expected_version=stale
                )
            elif operation == "patch":
                use_case = self.container.update_item()
                command = UpdateItemCommand(
                    actor=self.actor,
                    item=item_id,
                    name="Stale",
                    quantity=quantity,
                    expected_version=stale,
                )
            else:
                use_case = self.container.replace_item()
                command = ReplaceItemCommand(
                    actor=self.actor,
                    item=item_id,
                    sku=self.expected[item_id].sku,
                    name="Stale",
                    unit_price="3.00",
                    quantity=quantity,
                    expected_version=stale,
                )
            with pytest.raises(VersionMismatch) as refused:
                self.run(use_case.execute(command))
            assert refused.value.actual == self.expected[item_id].version

        @precondition(lambda self: len(self.expected) >= 2)
        @rule(data=st.data())
        def rename_onto_a_taken_sku(self, data: st.DataObject) -> None:
            ids = sorted(self.expected, key=str)
            mine = data.draw(st.sampled_from(ids))
            other = data.draw(st.sampled_from([i for i in ids if i != mine]))
            with pytest.raises(AlreadyExists):
                self.run(
                    self.container.update_item().execute(
                        UpdateItemCommand(
                            actor=self.actor,
                            item=mine,
                            sku=self.expected[other].sku,
                            quantity=self.expected[mine].at(MAIN_LOCATION_CODE) + 1,
                        )
                    )
                )

        # -- reservations ------------------------------------------------------------------
        @property
        def now(self) -> datetime:
            return self.clock.now()  # type: ignore[no-any-return]

        @rule(
            item_id=items,
            quantity=st.integers(min_value=1, max_value=30),
            ttl=st.sampled_from([60, 120, 600]),
        )
        def reserve(self, item_id: UUID, quantity: int, ttl: int) -> None:
            before = self.expected[item_id]
            self.serial += 1
            reference = f"R-{self.serial}"
            command = CreateReservationCommand(
                actor=self.actor,
                item=item_id,
                quantity=quantity,
                reference=reference,
                ttl_seconds=ttl,
            )
            free = before.at(MAIN_LOCATION_CODE) - self.holds.live_held(item_id, self.now)
            if quantity > free:
                with pytest.raises(InsufficientStock) as refused:
                    self.run(self.container.create_reservation().execute(command))
                assert refused.value.available == free
                return
            self.holds.expire(item_id, self.now)
            made = self.run(self.container.create_reservation().execute(command))
            assert not made.existing
            assert made.item.stock[MAIN_LOCATION_ID].available == free - quantity
            expires_at = self.now + timedelta(seconds=ttl)
            self.holds.of(item_id)[made.reservation.id] = Hold(reference, quantity, expires_at)
            self.accepted(item_id, made.item, changed=True, ledger=0)

        @precondition(lambda self: any(self.holds.by_item.values()))
        @rule(data=st.data(), same=st.booleans())
        def reserve_again(self, data: st.DataObject, same: bool) -> None:
            pairs = sorted(
                ((i, r) for i, holds in self.holds.by_item.items() for r in holds), key=str
            )
            item_id, rid = data.draw(st.sampled_from(pairs))
            hold = self.holds.of(item_id)[rid]
            command = CreateReservationCommand(
                actor=self.actor,
                item=item_id,
                quantity=hold.quantity if same else hold.quantity + 1,
                reference=hold.reference,
            )
            if not same:
                with pytest.raises(ReservationConflict):
                    self.run(self.container.create_reservation().execute(command))
                return
            again = self.run(self.container.create_reservation().execute(command))
            assert again.existing
            assert again.reservation.id == rid
            assert again.item.version == self.expected[item_id].version

        @precondition(lambda self: bool(self.holds.pick(self.now, live=True)))
        @rule(data=st.data())
        def fulfil(self, data: st.DataObject) -> None:
            item_id, rid = data.draw(st.sampled_from(self.holds.pick(self.now, live=True)))
            hold, before = self.holds.of(item_id)[rid], self.expected[item_id]
            sold = data.draw(st.one_of(st.none(), st.integers(1, hold.quantity)))
            done = self.run(
                self.container.fulfil_reservation().execute(
                    FulfilReservationCommand(actor=self.actor, reservation_id=rid, quantity=sold)
                )
            )
            sold = hold.quantity if sold is None else sold
            assert done.movement is not None
            assert (done.movement.reason, done.movement.delta) == (MovementReason.SOLD, -sold)
            assert done.movement.reservation_id == rid
            hold.status, hold.sold = "fulfilled", sold
            stock = before.moved(MAIN=-sold)
            self.accepted(item_id, done.item, changed=True, ledger=1, stock=stock)

        @precondition(lambda self: bool(self.holds.pick(self.now, live=True)))
        @rule(data=st.data())
        def release(self, data: st.DataObject) -> None:
            item_id, rid = data.draw(st.sampled_from(self.holds.pick(self.now, live=True)))
            done = self.run(
                self.container.release_reservation().execute(
                    ReleaseReservationCommand(actor=self.actor, reservation_id=rid)
                )
            )
            self.holds.of(item_id)[rid].status = "released"
            self.accepted(item_id, done.item, changed=True, ledger=0)

        @precondition(lambda self: bool(self.holds.pick(self.now, live=False)))
        @rule(data=st.data())
        def settle_an_overdue_hold(self, data: st.DataObject) -> None:
            item_id, rid = data.draw(st.sampled_from(self.holds.pick(self.now, live=False)))
            with pytest.raises(ReservationClosed):
                self.run(
                    self.container.fulfil_reservation().execute(
                        FulfilReservationCommand(actor=self.actor, reservation_id=rid)
                    )
                )
            self.holds.expire(item_id, self.now)
            item, _total, _movements = self.run(self.read(item_id))
            self.accepted(item_id, item, changed=True, ledger=0)

        # Past a hold's expiry (30, 60, 300) or a few seconds, between movements for "as of".
        @rule(seconds=st.sampled_from([30, 60, 300]) | st.integers(min_value=1, max_value=90))
        def time_passes(self, seconds: int) -> None:
            self.clock.advance(seconds=seconds)

        @rule()
        def sweep(self) -> None:
            expired = {item_id: self.holds.expire(item_id, self.now) for item_id in self.expected}
            swept = self.run(self.container.expire_reservations().execute())
            assert swept.expired == sum(expired.values())
            for item_id, count in expired.items():
                item, _total, _movements = self.run(self.read(item_id))
                self.accepted(item_id, item, changed=bool(count), ledger=0)

        @invariant()
        def holds_never_exceed_stock(self) -> None:
            for item_id, expected in self.expected.items():
                item, _total, movements = self.run(self.read(item_id))
                main = item.stock.get(MAIN_LOCATION_ID, Held(0))
                assert 0 <= main.reserved <= main.quantity
                assert all(0 <= level.reserved <= level.quantity for level in item.stock.values())
                assert item.held == sum(level.reserved for level in item.stock.values())
                assert item.held == self.holds.stored_held(item_id)
                assert item.available >= 0
                assert (
                    expected.at(MAIN_LOCATION_CODE) - self.holds.live_held(item_id, self.now) >= 0
                )
                sold = {m.reservation_id: -m.delta for m in movements if m.reservation_id}
                holds = self.holds.of(item_id)
                assert sold == {rid: h.sold for rid, h in holds.items() if h.status == "fulfilled"}
                statuses = self.run(self.statuses(list(holds)))
                assert statuses == {rid: h.status for rid, h in holds.items()}

        @invariant()
        def reads_count_only_live_holds(self) -> None:
            """What a read shows as held leaves out an overdue hold at once, expired or not."""
            if not self.expected:
                return
            page = self.run(self.container.list_items().execute(self.actor, ItemQuery(limit=100)))
            listed = {view.id: view.held for view in page.items if view.id in self.expected}
            live = {item_id: self.holds.live_held(item_id, self.now) for item_id in self.expected}
            assert listed == {item_id: live[item_id] for item_id in listed}
            some = next(iter(self.expected))
            assert self.run(self.container.get_item().execute(self.actor, some)).held == live[some]

        async def statuses(self, ids: list[UUID]) -> dict[UUID, str]:
            found: dict[UUID, str] = {}
            async with self.container.queries() as session:
                for rid in ids:
                    reservation = await session.reservations.get(rid)
                    assert reservation is not None
                    found[rid] = reservation.status.value
            return found

        # -- invariants --------------------------------------------------------------------
        @invariant()
        def ledger_matches_every_item(self) -> None:
            for item_id, expected in self.expected.items():
                item, total, movements = self.run(self.read(item_id))
                assert item.quantity >= 0
                assert item.quantity == total == sum(m.delta for m in movements)
                assert item.quantity == expected.quantity
                assert item.version == expected.version
                assert item.sku.value == expected.sku
                assert len(movements) == expected.ledger
                if movements:
                    assert movements[0].quantity_after == item.quantity  # newest first
                running = 0
                for movement in reversed(movements):
                    running += movement.delta
                    assert movement.delta != 0
                    assert movement.quantity_after == running >= 0

        @invariant()
        def locations_sum_to_the_item_and_to_their_ledgers(self) -> None:
            for item_id, expected in self.expected.items():
                item, held = self.run(self.stock_of(item_id))
                assert all(quantity >= 0 for quantity, _ledger in held.values())
                assert sum(quantity for quantity, _ledger in held.values()) == item.quantity
                assert all(quantity == ledger for quantity, ledger in held.values())
                assert {code: q for code, (q, _ledger) in held.items() if q} == {
                    code: q for code, q in expected.stock if q
                }

        async def stock_of(self, item_id: UUID) -> tuple[Item, dict[str, tuple[int, int]]]:
            """The item, and per location code: what it holds there and its ledger's sum."""
            uow = self.container.uow()
            async with uow:
                item = await uow.items.get(item_id)
                assert item is not None
                held: dict[str, tuple[int, int]] = {}
                for location_id, level in item.stock.items():
                    location = await uow.locations.get(location_id)
                    assert location is not None
                    ledger = await uow.movements.sum_for_location(item_id, location_id)
                    held[location.code.value] = (level.quantity, ledger)
            return item, held

        @rule(item_id=items, data=st.data())
        def stock_as_of_is_the_ledger_summed_up_to_then(
            self, item_id: UUID, data: st.DataObject
        ) -> None:
            """``quantity_as_of(t)`` against a brute-force sum of the ledger, for a t drawn
            from the instants of its movements and the moments just before them."""
            item, _total, ledger = self.run(self.read(item_id))
            instants = sorted({movement.occurred_at for movement in ledger} | {item.created_at})
            moments = instants + [moment - timedelta(microseconds=1) for moment in instants]
            at = data.draw(st.sampled_from(moments))
            expected: dict[UUID, int] = {}
            for movement in ledger:
                if movement.occurred_at <= at:
                    where = movement.location_id
                    expected[where] = expected.get(where, 0) + movement.delta
            found = self.run(self.container.item_stock_as_of().execute(self.actor, item_id, at))
            assert {place.location_id: place.quantity for place in found.locations} == expected
            assert found.quantity == sum(expected.values())

        @invariant()
        def skus_stay_unique(self) -> None:
            skus = [expected.sku for expected in self.expected.values()]
            assert len(skus) == len(set(skus))

    StockLedgerMachine.TestCase.settings = settings(
        max_examples=50,
        stateful_step_count=30,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    return StockLedgerMachine


async def _awaited(awaitable: Awaitable[T]) -> T:
    return await awaitable
