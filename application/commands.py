"""Inputs of the use cases: plain frozen dataclasses, whatever adapter built them.

Values arrive raw (strings, ints, ``Decimal``) and are validated by the domain, so the REST API,
the CLI and CSV import all get the same rules and the same error messages.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Final, final
from uuid import UUID

from application.actors import Actor


@final
class Unset:
    """Marks a PATCH field the caller did not send (``None`` means "clear it")."""

    _instance: "Unset | None" = None

    def __new__(cls) -> "Unset":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Final = Unset()

#: An item is named by its id, or (from the CLI) by its SKU.
ItemKey = UUID | str
#: A location is named by its id or its code.
LocationKey = UUID | str
Amount = Decimal | int | str
#: The version a change is based on (optimistic locking), or a set of which any will do (an
#: HTTP ``If-Match`` list); None skips the check. ``Item.check_version`` compares.
ExpectedVersion = int | frozenset[int] | None


@dataclass(frozen=True, kw_only=True)
class CreateItemCommand:
    actor: Actor
    sku: str
    name: str
    unit_price: Amount
    description: str | None = None
    tax_rate: Amount | None = None
    quantity: int = 0
    reorder_level: int = 0
    #: A retry with the same key (per user) gets the first result back; see ``idempotency``.
    idempotency_key: str | None = None


@dataclass(frozen=True, kw_only=True)
class ReplaceItemCommand:
    """PUT: every descriptive field is given; ``quantity`` None leaves stock alone."""

    actor: Actor
    item: ItemKey
    sku: str
    name: str
    unit_price: Amount
    description: str | None = None
    tax_rate: Amount | None = None
    reorder_level: int = 0
    quantity: int | None = None
    expected_version: ExpectedVersion = None


@dataclass(frozen=True, kw_only=True)
class UpdateItemCommand:
    """PATCH: only fields that are not ``UNSET`` change; ``quantity`` becomes a stock count."""

    actor: Actor
    item: ItemKey
    sku: str | Unset = UNSET
    name: str | Unset = UNSET
    unit_price: Amount | Unset = UNSET
    description: str | Unset | None = UNSET
    tax_rate: Amount | Unset | None = UNSET
    reorder_level: int | Unset = UNSET
    quantity: int | Unset = UNSET
    expected_version: ExpectedVersion = None


@dataclass(frozen=True, kw_only=True)
class AdjustStockCommand:
    actor: Actor
    item: ItemKey
    delta: int
    reason: str
    note: str | None = None
    reference: str | None = None
    expected_version: ExpectedVersion = None
    #: A retry with the same key (per user) gets the first result back; see ``idempotency``.
    idempotency_key: str | None = None
    #: Where the stock moves; None is the default location.
    location: LocationKey | None = None


@dataclass(frozen=True, kw_only=True)
class CountStockCommand:
    actor: Actor
    item: ItemKey
    quantity: int
    note: str | None = None
    #: An order or document number, as on a movement.
    reference: str | None = None
    expected_version: ExpectedVersion = None
    #: A retry with the same key (per user) gets the first result back; see ``idempotency``.
    idempotency_key: str | None = None
    #: Where the stock is counted; None is the default location.
    location: LocationKey | None = None


@dataclass(frozen=True, kw_only=True)
class AttachImageCommand:
    actor: Actor
    item: ItemKey
    data: bytes
    expected_version: ExpectedVersion = None


@dataclass(frozen=True, kw_only=True)
class RegisterUserCommand:
    """``actor`` None is allowed only to create the first admin of an empty store."""

    actor: Actor | None
    username: str
    password: str
    role: str
    email: str | None = None
    full_name: str | None = None


@dataclass(frozen=True, kw_only=True)
class UpdateUserCommand:
    actor: Actor
    user_id: UUID | str
    role: str | Unset = UNSET
    active: bool | Unset = UNSET
    email: str | Unset | None = UNSET
    full_name: str | Unset | None = UNSET


@dataclass(frozen=True, kw_only=True)
class LoginCommand:
    """``client_address``: the caller's IP address as the entrypoint determined it (None when
    there is none, as in the CLI); logins are throttled per address as well as per username."""

    username: str
    password: str = field(repr=False)
    client_address: str | None = None
    #: What the session this login starts is listed as (a browser's User-Agent, say).
    device: str | None = None


@dataclass(frozen=True, kw_only=True)
class RefreshCommand:
    """A refresh token to swap; ``client_address`` as for ``LoginCommand`` (throttling)."""

    refresh_token: str = field(repr=False)
    client_address: str | None = None


@dataclass(frozen=True, kw_only=True)
class CreateApiTokenCommand:
    """``user`` None: a token for the actor; else (admins) for that user, by id or name.
    ``expires_in_days`` None: the token works until it is revoked."""

    actor: Actor
    name: str
    scopes: tuple[str, ...]
    expires_in_days: int | None = None
    user: UUID | str | None = None


@dataclass(frozen=True, kw_only=True)
class TransferStockCommand:
    actor: Actor
    item: ItemKey
    from_location: LocationKey
    to_location: LocationKey
    quantity: int
    note: str | None = None
    reference: str | None = None
    #: A retry with the same key (per user) gets the first result back; see ``idempotency``.
    idempotency_key: str | None = None


@dataclass(frozen=True, kw_only=True)
class CreateLocationCommand:
    actor: Actor
    code: str
    name: str
    parent: LocationKey | None = None


@dataclass(frozen=True, kw_only=True)
class UpdateLocationCommand:
    """PATCH: only fields that are not ``UNSET`` change; ``parent`` None makes it a root."""

    actor: Actor
    location: LocationKey
    code: str | Unset = UNSET
    name: str | Unset = UNSET
    parent: LocationKey | Unset | None = UNSET
    active: bool | Unset = UNSET
    expected_version: ExpectedVersion = None


@dataclass(frozen=True, kw_only=True)
class OpenStocktakeCommand:
    """A stocktake of every item held at ``location``, and/or of the given (item, location)
    ``lines``."""

    actor: Actor
    location: LocationKey | None = None
    lines: tuple[tuple[ItemKey, LocationKey], ...] = ()


@dataclass(frozen=True, slots=True)
class LineCount:
    item: ItemKey
    counted: int
    #: None: the stocktake's own location.
    location: LocationKey | None = None


@dataclass(frozen=True, kw_only=True)
class CountLinesCommand:
    actor: Actor
    stocktake_id: UUID
    counts: tuple[LineCount, ...]


@dataclass(frozen=True, kw_only=True)
class CommitStocktakeCommand:
    actor: Actor
    stocktake_id: UUID
    #: With conflicts: True commits the other lines and marks those; False refuses all.
    skip_conflicts: bool = False


@dataclass(frozen=True, kw_only=True)
class CreateReservationCommand:
    """Hold ``quantity`` of an item for ``reference`` (an order number) at ``location`` (the
    default one when None) for ``ttl_seconds`` (the configured default when None)."""

    actor: Actor
    item: ItemKey
    quantity: int
    reference: str
    location: LocationKey | None = None
    ttl_seconds: int | None = None
    note: str | None = None
    #: A retry with the same key (per user) gets the first result back; see ``idempotency``.
    idempotency_key: str | None = None


@dataclass(frozen=True, kw_only=True)
class UpdateReservationCommand:
    """PATCH: only fields that are not ``UNSET`` change."""

    actor: Actor
    reservation_id: UUID
    quantity: int | Unset = UNSET
    expires_at: datetime | Unset = UNSET
    expected_version: ExpectedVersion = None


@dataclass(frozen=True, kw_only=True)
class FulfilReservationCommand:
    """Sell what the reservation holds, or ``quantity`` of it (the rest is released)."""

    actor: Actor
    reservation_id: UUID
    quantity: int | None = None
    expected_version: ExpectedVersion = None


@dataclass(frozen=True, kw_only=True)
class ReleaseReservationCommand:
    actor: Actor
    reservation_id: UUID
    expected_version: ExpectedVersion = None
