"""Domain events: facts about changes, recorded by aggregates and published after commit.

Every item event carries the item's ``version`` after the change so that a client that follows
the event stream can notice a gap and re-read the item. ``AccessRevoked`` is for the service
itself (it ends live sessions opened with a revoked token) and is never shown to clients.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import ClassVar
from uuid import UUID

#: Values a payload carries as their text.
_AS_TEXT = (UUID, Decimal)


@dataclass(frozen=True, kw_only=True)
class DomainEvent:
    name: ClassVar[str] = "event"
    occurred_at: datetime
    actor_id: UUID | None = None

    def payload(self) -> dict[str, object]:
        """A JSON-friendly view of the event for adapters (WebSocket, logs, notifications)."""
        data: dict[str, object] = {"type": self.name}
        for key, value in self.__dict__.items():
            if isinstance(value, _AS_TEXT):
                data[key] = str(value)
            elif isinstance(value, datetime):
                data[key] = value.isoformat()
            else:
                data[key] = value
        return data


@dataclass(frozen=True, kw_only=True)
class ItemCreated(DomainEvent):
    name: ClassVar[str] = "item.created"
    item_id: UUID
    sku: str
    version: int
    quantity: int


@dataclass(frozen=True, kw_only=True)
class ItemUpdated(DomainEvent):
    name: ClassVar[str] = "item.updated"
    item_id: UUID
    sku: str
    version: int
    changed: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True, kw_only=True)
class ItemDeleted(DomainEvent):
    name: ClassVar[str] = "item.deleted"
    item_id: UUID
    sku: str
    version: int


@dataclass(frozen=True, kw_only=True)
class StockAdjusted(DomainEvent):
    name: ClassVar[str] = "stock.adjusted"
    item_id: UUID
    sku: str
    version: int
    delta: int
    reason: str
    quantity: int
    #: Where the stock moved, and what that location holds after it.
    location_id: UUID
    location_quantity: int


@dataclass(frozen=True, kw_only=True)
class StockTransferred(DomainEvent):
    """Units moved between two locations; the item's total is unchanged."""

    name: ClassVar[str] = "stock.transferred"
    item_id: UUID
    sku: str
    version: int
    transfer_id: UUID
    from_location_id: UUID
    to_location_id: UUID
    quantity: int


@dataclass(frozen=True, kw_only=True)
class LocationChanged(DomainEvent):
    """A location was created, updated (``changed`` names the fields) or deleted."""

    name: ClassVar[str] = "location.changed"
    location_id: UUID
    code: str
    version: int
    change: str
    changed: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True, kw_only=True)
class LowStockReached(DomainEvent):
    """A change brought the quantity to or under the reorder level.

    Raised on the crossing only, not on every movement while the item stays low.
    """

    name: ClassVar[str] = "stock.low"
    item_id: UUID
    sku: str
    version: int
    quantity: int
    reorder_level: int


@dataclass(frozen=True, kw_only=True)
class ReservationEvent(DomainEvent):
    """A hold on stock changed state; ``quantity`` is what it holds (or held) afterwards,
    ``fulfilled`` what a fulfilment sold."""

    name: ClassVar[str] = "reservation"
    reservation_id: UUID
    item_id: UUID
    location_id: UUID
    reference: str
    quantity: int
    version: int


@dataclass(frozen=True, kw_only=True)
class ReservationCreated(ReservationEvent):
    name: ClassVar[str] = "reservation.created"


@dataclass(frozen=True, kw_only=True)
class ReservationUpdated(ReservationEvent):
    name: ClassVar[str] = "reservation.updated"
    changed: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True, kw_only=True)
class ReservationFulfilled(ReservationEvent):
    name: ClassVar[str] = "reservation.fulfilled"
    fulfilled: int


@dataclass(frozen=True, kw_only=True)
class ReservationReleased(ReservationEvent):
    name: ClassVar[str] = "reservation.released"


@dataclass(frozen=True, kw_only=True)
class ReservationExpired(ReservationEvent):
    name: ClassVar[str] = "reservation.expired"


@dataclass(frozen=True, kw_only=True)
class AccessRevoked(DomainEvent):
    """A user's earlier tokens stopped working: their password, role or active flag changed.

    ``token_version`` is the user's new one; every token with a lower version is void, so a live
    session opened with one (a WebSocket) must end, in whichever process it is.
    """

    name: ClassVar[str] = "user.access_revoked"
    user_id: UUID
    token_version: int
    reason: str
