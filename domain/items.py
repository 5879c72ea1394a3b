"""The item aggregate and its stock-movement ledger.

Quantity on hand changes only through ``StockMovement`` records, so the quantity always equals
the sum of the item's ledger and can never go below zero. The aggregate collects the movements
and events it produced; the unit of work persists the movements with the item in one
transaction and publishes the events after commit.

Stock is held per location (``Item.stock``): every movement names its location, a transfer is
two movements (``transfer_out`` and ``transfer_in``) sharing a ``transfer_id``, and
``Item.quantity`` is the sum over the locations, changed together with them. Requests that name
no location use the default one (``MAIN``).
"""

from collections.abc import Set
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from uuid import UUID, uuid4

from domain.errors import (
    InsufficientStock,
    InvalidValue,
    ItemArchived,
    ItemHasStock,
    ItemNotArchived,
)
from domain.events import (
    DomainEvent,
    ItemCreated,
    ItemDeleted,
    ItemUpdated,
    LowStockReached,
    StockAdjusted,
    StockTransferred,
)
from domain.ids import ledger_id
from domain.locations import MAIN_LOCATION_CODE, MAIN_LOCATION_ID, Location
from domain.values import (
    MAX_QUANTITY,
    DecimalInput,
    Money,
    Sku,
    TaxRate,
    bounded_int,
    clean_text,
    optional_text,
)
from domain.versions import check_version

NAME_MAX = 200
DESCRIPTION_MAX = 2_000
NOTE_MAX = 500
REFERENCE_MAX = 100


class MovementReason(StrEnum):
    RECEIVED = "received"
    SOLD = "sold"
    RETURNED = "returned"
    DAMAGED = "damaged"
    LOST = "lost"
    CORRECTION = "correction"
    COUNT = "count"
    TRANSFER_OUT = "transfer_out"
    TRANSFER_IN = "transfer_in"

    @classmethod
    def parse(cls, raw: "str | MovementReason") -> "MovementReason":
        try:
            return cls(raw)
        except ValueError:
            choices = ", ".join(reason.value for reason in cls)
            raise InvalidValue("reason", f"must be one of {choices}") from None


def is_low_stock(quantity: int, reorder_level: int) -> bool:
    """An item is low when its stock is at or under its reorder level (the rule of the
    ``stock.low`` event and of the ``low_stock`` filter)."""
    return quantity <= reorder_level


@dataclass(frozen=True, slots=True)
class ItemImage:
    """Where an item's picture is kept; the bytes live behind the ``ImageStore`` port."""

    key: str
    content_type: str
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class StockMovement:
    id: UUID
    item_id: UUID
    delta: int
    reason: MovementReason
    quantity_after: int
    actor_id: UUID | None
    occurred_at: datetime
    note: str | None = None
    reference: str | None = None
    location_id: UUID = MAIN_LOCATION_ID
    #: Shared by the two movements of a transfer.
    transfer_id: UUID | None = None
    #: The reservation a ``sold`` movement fulfilled.
    reservation_id: UUID | None = None
    #: What the item holds at ``location_id`` after this movement (``quantity_after`` is the
    #: item's total): stock at a past instant is then one lookup, not a sum over the ledger.
    held_after: int | None = None


#: Reasons a caller may not give to ``adjust``: other operations record them.
_RECORDED_ONLY = {
    MovementReason.COUNT: "'count' is recorded by setting the quantity, not by a delta",
    MovementReason.TRANSFER_OUT: "transfers are recorded by a transfer, not by a delta",
    MovementReason.TRANSFER_IN: "transfers are recorded by a transfer, not by a delta",
}


@dataclass(frozen=True, slots=True)
class Held:
    """What an item holds at one location. ``version`` moves on every change there, so a
    stocktake can tell that a line it counted changed meanwhile. ``reserved`` is what active
    reservations hold there (``domain.reservations``): never more than ``quantity``."""

    quantity: int
    version: int = 0
    reserved: int = 0

    @property
    def available(self) -> int:
        return self.quantity - self.reserved


def _where(location: Location | None) -> tuple[UUID, str]:
    if location is None:
        return MAIN_LOCATION_ID, MAIN_LOCATION_CODE
    return location.id, location.code.value


@dataclass(frozen=True, slots=True)
class ItemDetails:
    """The descriptive, client-settable fields of an item, validated as a whole."""

    sku: Sku
    name: str
    unit_price: Money
    description: str | None = None
    tax_rate: TaxRate | None = None
    reorder_level: int = 0

    @classmethod
    def parse(
        cls,
        *,
        sku: str | Sku,
        name: str,
        unit_price: DecimalInput | Money,
        description: str | None = None,
        tax_rate: DecimalInput | TaxRate | None = None,
        reorder_level: int = 0,
    ) -> "ItemDetails":
        return cls(
            sku=sku if isinstance(sku, Sku) else Sku.parse(sku),
            name=clean_text("name", name, max_length=NAME_MAX),
            unit_price=Money.parse(unit_price),
            description=optional_text("description", description, max_length=DESCRIPTION_MAX),
            tax_rate=None if tax_rate is None else TaxRate.parse(tax_rate),
            reorder_level=bounded_int("reorder_level", reorder_level),
        )


@dataclass(eq=False)
class Item:
    id: UUID
    sku: Sku
    name: str
    unit_price: Money
    created_at: datetime
    updated_at: datetime
    description: str | None = None
    tax_rate: TaxRate | None = None
    quantity: int = 0
    reorder_level: int = 0
    image: ItemImage | None = None
    version: int = 1
    #: What reservations hold, in all: the sum of ``Held.reserved`` over the locations.
    held: int = 0
    #: When the first of those holds expires, or earlier (a freed hold's expiry may linger),
    #: never later; None when nothing is held. Once it has passed, ``held`` may still count
    #: an expired hold: writers expire the overdue holds first, readers recount the live ones.
    hold_expires_at: datetime | None = None
    #: Stock per location id; the quantities sum to ``quantity``.
    stock: dict[UUID, Held] = field(default_factory=dict, repr=False)
    #: Set while the item is archived: out of lists, no changes, its SKU still taken.
    archived_at: datetime | None = None
    events: list[DomainEvent] = field(default_factory=list, repr=False)
    new_movements: list[StockMovement] = field(default_factory=list, repr=False)

    # -- construction -------------------------------------------------------------------------
    @classmethod
    def create(
        cls,
        details: ItemDetails,
        *,
        quantity: int = 0,
        at: datetime,
        by: UUID | None,
        item_id: UUID | None = None,
        location: Location | None = None,
    ) -> "Item":
        """A new item; an initial quantity is recorded as a ``received`` movement at
        ``location`` (the default location when None)."""
        quantity = bounded_int("quantity", quantity)
        if quantity and location is not None:
            location.check_receives()
        item = cls(
            id=item_id or uuid4(),
            sku=details.sku,
            name=details.name,
            unit_price=details.unit_price,
            description=details.description,
            tax_rate=details.tax_rate,
            reorder_level=details.reorder_level,
            created_at=at,
            updated_at=at,
        )
        if quantity:
            item._record(
                quantity,
                MovementReason.RECEIVED,
                location_id=_where(location)[0],
                at=at,
                by=by,
                note="initial stock",
            )
        item.version = 1
        item.events.append(
            ItemCreated(
                occurred_at=at,
                actor_id=by,
                item_id=item.id,
                sku=str(item.sku),
                version=item.version,
                quantity=item.quantity,
            )
        )
        return item

    # -- derived values ----------------------------------------------------------------------
    @property
    def price_with_tax(self) -> Money:
        return self.unit_price.with_tax(self.tax_rate)

    @property
    def low_stock(self) -> bool:
        return is_low_stock(self.quantity, self.reorder_level)

    @property
    def available(self) -> int:
        """On hand minus what reservations hold."""
        return self.quantity - self.held

    def quantity_at(self, location_id: UUID) -> int:
        held = self.stock.get(location_id)
        return 0 if held is None else held.quantity

    def reserved_at(self, location_id: UUID) -> int:
        held = self.stock.get(location_id)
        return 0 if held is None else held.reserved

    @property
    def details(self) -> ItemDetails:
        return ItemDetails(
            sku=self.sku,
            name=self.name,
            unit_price=self.unit_price,
            description=self.description,
            tax_rate=self.tax_rate,
            reorder_level=self.reorder_level,
        )

    # -- behaviour ---------------------------------------------------------------------------
    def check_version(self, expected: int | Set[int] | None) -> None:
        """Optimistic locking (``domain.versions.check_version``)."""
        check_version("item", self.version, expected)

    def adjust(
        self,
        delta: int,
        reason: MovementReason | str,
        *,
        at: datetime,
        by: UUID | None,
        note: str | None = None,
        reference: str | None = None,
        location: Location | None = None,
    ) -> StockMovement:
        """Add ``delta`` (negative removes) to the stock at ``location`` (the default location
        when None).

        Going below zero there is refused with ``InsufficientStock`` and changes nothing; an
        inactive location takes no new stock.
        """
        self._require_active()
        reason = MovementReason.parse(reason)
        if isinstance(delta, bool) or not isinstance(delta, int):
            raise InvalidValue("delta", "must be a whole number")
        if delta == 0:
            raise InvalidValue("delta", "must not be zero")
        if abs(delta) > MAX_QUANTITY:
            raise InvalidValue("delta", f"must be between -{MAX_QUANTITY} and {MAX_QUANTITY}")
        if reason in _RECORDED_ONLY:
            raise InvalidValue("reason", _RECORDED_ONLY[reason])
        note = optional_text("note", note, max_length=NOTE_MAX)
        reference = optional_text("reference", reference, max_length=REFERENCE_MAX)
        location_id, code = _where(location)
        if delta > 0 and location is not None:
            location.check_receives()
        self._check_removal(location_id, code, -delta, named=location is not None)
        if self.quantity + delta > MAX_QUANTITY:
            raise InvalidValue("quantity", f"would exceed {MAX_QUANTITY}")
        movement = self._record(
            delta,
            reason,
            location_id=location_id,
            at=at,
            by=by,
            note=note,
            reference=reference,
        )
        self._touch(at)
        self._announce_stock(movement, by)
        return movement

    def count(
        self,
        quantity: int,
        *,
        at: datetime,
        by: UUID | None,
        note: str | None = None,
        location: Location | None = None,
        reference: str | None = None,
    ) -> StockMovement | None:
        """A stock count sets the quantity at ``location`` (the default location when None);
        the difference is recorded as ``count``."""
        self._require_active()
        quantity = bounded_int("quantity", quantity)
        note = optional_text("note", note, max_length=NOTE_MAX)
        reference = optional_text("reference", reference, max_length=REFERENCE_MAX)
        location_id, code = _where(location)
        delta = quantity - self.quantity_at(location_id)
        if delta == 0:
            return None
        if quantity < (reserved := self.reserved_at(location_id)):
            raise InsufficientStock(
                str(self.sku), available=quantity, requested=reserved, location=code
            )
        if delta > 0 and location is not None:
            location.check_receives()
        if self.quantity + delta > MAX_QUANTITY:
            raise InvalidValue("quantity", f"would exceed {MAX_QUANTITY}")
        movement = self._record(
            delta,
            MovementReason.COUNT,
            location_id=location_id,
            at=at,
            by=by,
            note=note,
            reference=reference,
        )
        self._touch(at)
        self._announce_stock(movement, by)
        return movement

    def transfer(
        self,
        quantity: int,
        *,
        source: Location,
        target: Location,
        transfer_id: UUID,
        at: datetime,
        by: UUID | None,
        note: str | None = None,
        reference: str | None = None,
    ) -> tuple[StockMovement, StockMovement]:
        """Move ``quantity`` units from ``source`` to ``target``: two movements sharing
        ``transfer_id``; the total is unchanged. The target must be active, the source may be
        inactive (it is being emptied)."""
        self._require_active()
        quantity = bounded_int("quantity", quantity, minimum=1)
        note = optional_text("note", note, max_length=NOTE_MAX)
        reference = optional_text("reference", reference, max_length=REFERENCE_MAX)
        if source.id == target.id:
            raise InvalidValue("to_location_id", "must differ from from_location_id")
        target.check_receives()
        self._check_removal(source.id, source.code.value, quantity, named=True)
        moved = tuple(
            self._record(
                delta,
                reason,
                location_id=location_id,
                at=at,
                by=by,
                note=note,
                reference=reference,
                transfer_id=transfer_id,
            )
            for delta, reason, location_id in (
                (-quantity, MovementReason.TRANSFER_OUT, source.id),
                (quantity, MovementReason.TRANSFER_IN, target.id),
            )
        )
        self._touch(at)
        self.events.append(
            StockTransferred(
                occurred_at=at,
                actor_id=by,
                item_id=self.id,
                sku=str(self.sku),
                version=self.version,
                transfer_id=transfer_id,
                from_location_id=source.id,
                to_location_id=target.id,
                quantity=quantity,
            )
        )
        return moved[0], moved[1]

    def hold(
        self,
        quantity: int,
        *,
        location: Location | None,
        until: datetime,
        at: datetime,
        by: UUID | None,
    ) -> None:
        """Reserve ``quantity`` more at ``location`` (the default one when None) for a hold
        that expires at ``until``; refused with ``InsufficientStock``, naming what is
        available there, when fewer units are free. An archived item takes no new holds."""
        self._require_active()
        quantity = bounded_int("quantity", quantity, minimum=1)
        location_id, code = _where(location)
        here = self.stock.get(location_id, Held(0))
        if quantity > here.available:
            named = location is not None or here.quantity != self.quantity
            raise InsufficientStock(
                str(self.sku),
                available=here.available,
                requested=quantity,
                location=code if named else None,
            )
        before = self.available
        self._reserve(location_id, quantity)
        self.hold_expiring(until)
        self._touch(at)
        self._announce_if_low(before, at, by)

    def hold_expiring(self, expires_at: datetime) -> None:
        """A hold of this item expires at ``expires_at`` (a new one, or one moved earlier):
        ``hold_expires_at`` must not be later."""
        if self.hold_expires_at is None or expires_at < self.hold_expires_at:
            self.hold_expires_at = expires_at

    def holds_expire_at(self, earliest: datetime | None) -> None:
        """Set ``hold_expires_at`` to the earliest expiry of the active holds, as recounted
        after expiring the overdue ones (None when nothing is held)."""
        self.hold_expires_at = earliest if self.held else None

    def unhold(self, quantity: int, *, location_id: UUID, at: datetime) -> None:
        """Free ``quantity`` reserved units at a location (a release, an expiry, a shrink)."""
        if not 0 < quantity <= self.reserved_at(location_id):
            raise InvalidValue("quantity", "cannot free more than is reserved")
        self._reserve(location_id, -quantity)
        self._touch(at)

    def sell_held(
        self,
        held: int,
        sold: int,
        *,
        location_id: UUID,
        reservation_id: UUID,
        reference: str,
        at: datetime,
        by: UUID | None,
    ) -> StockMovement:
        """Fulfil a reservation: free the ``held`` units and record ``sold`` of them as one
        ``sold`` movement naming the reservation (``sold <= held``: the rest is released).
        An archived item takes no movements: restore it first (a release still frees it)."""
        self._require_active()
        if not 0 < sold <= held <= self.reserved_at(location_id):
            raise InvalidValue("quantity", "cannot sell more than the reservation holds")
        self._reserve(location_id, -held)
        movement = self._record(
            -sold,
            MovementReason.SOLD,
            location_id=location_id,
            at=at,
            by=by,
            reference=reference,
            reservation_id=reservation_id,
        )
        self._touch(at)
        self.events.append(
            StockAdjusted(
                occurred_at=at,
                actor_id=by,
                item_id=self.id,
                sku=str(self.sku),
                version=self.version,
                delta=movement.delta,
                reason=movement.reason.value,
                quantity=self.quantity,
                location_id=location_id,
                location_quantity=self.quantity_at(location_id),
            )
        )
        # Selling held units leaves what is available as it was, unless some were released.
        return movement

    def _reserve(self, location_id: UUID, delta: int) -> None:
        here = self.stock.get(location_id, Held(0))
        # The version stays: a stocktake compares counted quantities, which this leaves alone.
        self.stock[location_id] = Held(here.quantity, here.version, here.reserved + delta)
        self.held += delta
        if not self.held:
            self.hold_expires_at = None

    def update(self, details: ItemDetails, *, at: datetime, by: UUID | None) -> tuple[str, ...]:
        """Replace the descriptive fields; returns the names of the fields that changed."""
        self._require_active()
        changed = tuple(
            name
            for name in ItemDetails.__dataclass_fields__
            if getattr(details, name) != getattr(self, name)
        )
        if not changed:
            return ()
        was_low = self.low_stock
        for name in changed:
            setattr(self, name, getattr(details, name))
        self._touch(at)
        self.events.append(
            ItemUpdated(
                occurred_at=at,
                actor_id=by,
                item_id=self.id,
                sku=str(self.sku),
                version=self.version,
                changed=changed,
            )
        )
        if self.low_stock and not was_low:
            self._announce_low(at, by)
        return changed

    def set_image(self, image: ItemImage | None, *, at: datetime, by: UUID | None) -> None:
        self._require_active()
        self.image = image
        self._touch(at)
        self.events.append(
            ItemUpdated(
                occurred_at=at,
                actor_id=by,
                item_id=self.id,
                sku=str(self.sku),
                version=self.version,
                changed=("image",),
            )
        )

    @property
    def archived(self) -> bool:
        return self.archived_at is not None

    def archive(self, *, at: datetime, by: UUID | None) -> None:
        """Take the item out of use without losing anything: its ledger and SKU stay. Archiving
        an archived item changes nothing (a retried DELETE is not an error)."""
        if self.archived:
            return
        self.archived_at = at
        self._touch(at)
        self._announce_change(("archived_at",), at, by)

    def restore(self, *, at: datetime, by: UUID | None) -> None:
        if not self.archived:
            raise ItemNotArchived(str(self.sku))
        self.archived_at = None
        self._touch(at)
        self._announce_change(("archived_at",), at, by)

    def purge(self, *, at: datetime, by: UUID | None) -> None:
        """Remove the item for good; only with nothing on hand, so that no goods vanish from
        the stock and valuation reports. Its ledger stays (the repository keeps it)."""
        if self.quantity:
            raise ItemHasStock(str(self.sku), self.quantity)
        self.mark_deleted(at=at, by=by)

    def mark_deleted(self, *, at: datetime, by: UUID | None) -> None:
        self.events.append(
            ItemDeleted(
                occurred_at=at,
                actor_id=by,
                item_id=self.id,
                sku=str(self.sku),
                version=self.version,
            )
        )

    # -- internals ---------------------------------------------------------------------------
    def _require_active(self) -> None:
        if self.archived:
            raise ItemArchived(str(self.sku))

    def _announce_change(self, changed: tuple[str, ...], at: datetime, by: UUID | None) -> None:
        self.events.append(
            ItemUpdated(
                occurred_at=at,
                actor_id=by,
                item_id=self.id,
                sku=str(self.sku),
                version=self.version,
                changed=changed,
            )
        )

    def _check_removal(self, location_id: UUID, code: str, requested: int, *, named: bool) -> None:
        """Refuse taking ``requested`` units from a location that holds fewer. The location is
        named in the error when the caller named it or the item holds stock elsewhere (a client
        that never uses locations keeps seeing "on hand")."""
        here = self.stock.get(location_id, Held(0))
        if requested > here.available:
            where = code if named or here.quantity != self.quantity else None
            raise InsufficientStock(
                str(self.sku), available=here.available, requested=requested, location=where
            )

    def _record(
        self,
        delta: int,
        reason: MovementReason,
        *,
        location_id: UUID,
        at: datetime,
        by: UUID | None,
        note: str | None = None,
        reference: str | None = None,
        transfer_id: UUID | None = None,
        reservation_id: UUID | None = None,
    ) -> StockMovement:
        held = self.stock.get(location_id, Held(0))
        self.stock[location_id] = Held(held.quantity + delta, held.version + 1, held.reserved)
        self.quantity += delta
        # An item's ledger never goes back in time: a writer that read the clock before it
        # waited for the item's lock is stamped no earlier than the change it waited for, so
        # "the last movement at or before T" is always the state at T.
        at = max(at, self.updated_at)
        movement = StockMovement(
            id=ledger_id(),
            item_id=self.id,
            delta=delta,
            reason=reason,
            quantity_after=self.quantity,
            actor_id=by,
            occurred_at=at,
            note=note,
            reference=reference,
            location_id=location_id,
            transfer_id=transfer_id,
            reservation_id=reservation_id,
            held_after=held.quantity + delta,
        )
        self.new_movements.append(movement)
        return movement

    def _touch(self, at: datetime) -> None:
        self.version += 1
        self.updated_at = max(at, self.updated_at)

    def _announce_stock(self, movement: StockMovement, by: UUID | None) -> None:
        self.events.append(
            StockAdjusted(
                occurred_at=movement.occurred_at,
                actor_id=by,
                item_id=self.id,
                sku=str(self.sku),
                version=self.version,
                delta=movement.delta,
                reason=movement.reason.value,
                quantity=self.quantity,
                location_id=movement.location_id,
                location_quantity=self.quantity_at(movement.location_id),
            )
        )
        self._announce_if_low(self.available - movement.delta, movement.occurred_at, by)

    def _announce_if_low(self, available_before: int, at: datetime, by: UUID | None) -> None:
        """``stock.low`` when what is available crosses the reorder level (with nothing
        reserved that is the quantity on hand, as before reservations)."""
        low = is_low_stock(self.available, self.reorder_level)
        if low and not is_low_stock(available_before, self.reorder_level):
            self._announce_low(at, by)

    def _announce_low(self, at: datetime, by: UUID | None) -> None:
        self.events.append(
            LowStockReached(
                occurred_at=at,
                actor_id=by,
                item_id=self.id,
                sku=str(self.sku),
                version=self.version,
                quantity=self.quantity,
                reorder_level=self.reorder_level,
            )
        )
