"""Read models: what queries return, shaped for the response and never an aggregate.

They are plain frozen records built straight from stored rows (``ItemView`` from an item row,
``UserView`` from a user row); the value objects they hold (``Sku``, ``Money`` ...) are the
domain's own, so an item reads the same whether it came from a query or a command. A query
never rebuilds an ``Item`` with its ledger bookkeeping only to render it.
"""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from domain.items import Item, ItemImage, is_low_stock
from domain.locations import Location, LocationCode
from domain.users import Principal, Role, User, Username
from domain.values import Money, Sku, TaxRate


@dataclass(frozen=True, slots=True)
class ItemView:
    id: UUID
    sku: Sku
    name: str
    description: str | None
    unit_price: Money
    tax_rate: TaxRate | None
    quantity: int
    reorder_level: int
    image: ItemImage | None
    version: int
    created_at: datetime
    updated_at: datetime
    #: What reservations hold (``domain.reservations``).
    held: int = 0
    #: ``Item.hold_expires_at``: once it has passed, ``held`` is recounted (``live_holds``).
    hold_expires_at: datetime | None = None
    archived_at: datetime | None = None

    @property
    def archived(self) -> bool:
        return self.archived_at is not None

    @property
    def price_with_tax(self) -> Money:
        return self.unit_price.with_tax(self.tax_rate)

    @property
    def available(self) -> int:
        return self.quantity - self.held

    @property
    def low_stock(self) -> bool:
        return is_low_stock(self.quantity, self.reorder_level)

    @classmethod
    def of(cls, item: Item) -> "ItemView":
        return cls(
            id=item.id,
            sku=item.sku,
            name=item.name,
            description=item.description,
            unit_price=item.unit_price,
            tax_rate=item.tax_rate,
            quantity=item.quantity,
            held=item.held,
            hold_expires_at=item.hold_expires_at,
            reorder_level=item.reorder_level,
            image=item.image,
            version=item.version,
            created_at=item.created_at,
            updated_at=item.updated_at,
            archived_at=item.archived_at,
        )


@dataclass(frozen=True, slots=True)
class UserView:
    """A user as others may see it, plus what authentication checks (never the hash)."""

    id: UUID
    username: Username
    role: Role
    active: bool
    token_version: int
    email: str | None
    full_name: str | None
    created_at: datetime
    updated_at: datetime

    def principal(self) -> Principal:
        return Principal(user_id=self.id, username=self.username.value, role=self.role)

    @classmethod
    def of(cls, user: User) -> "UserView":
        return cls(
            id=user.id,
            username=user.username,
            role=user.role,
            active=user.active,
            token_version=user.token_version,
            email=user.email,
            full_name=user.full_name,
            created_at=user.created_at,
            updated_at=user.updated_at,
        )


@dataclass(frozen=True, slots=True)
class LocationView:
    id: UUID
    code: LocationCode
    name: str
    parent_id: UUID | None
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, location: Location) -> "LocationView":
        return cls(
            id=location.id,
            code=location.code,
            name=location.name,
            parent_id=location.parent_id,
            active=location.active,
            version=location.version,
            created_at=location.created_at,
            updated_at=location.updated_at,
        )


@dataclass(frozen=True, slots=True)
class StockLevelView:
    """What one item holds at one location."""

    item_id: UUID
    sku: Sku
    name: str
    location_id: UUID
    location_code: LocationCode
    quantity: int
    reorder_level: int

    @property
    def low_stock(self) -> bool:
        return is_low_stock(self.quantity, self.reorder_level)


@dataclass(frozen=True, slots=True)
class TransferView:
    """A transfer, read from its two movements."""

    transfer_id: UUID
    item_id: UUID
    from_location_id: UUID
    to_location_id: UUID
    quantity: int
    actor_id: UUID | None
    occurred_at: datetime
    note: str | None
    reference: str | None
