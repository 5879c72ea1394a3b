"""The HTTP contract: pydantic models, separate from the domain objects they carry.

Every request model forbids unknown fields and is strict (the string ``"5"``, ``true``, ``5.5``
and even ``5.0`` are not integers). Fields that carry a domain value (SKUs, names, amounts,
usernames, passwords) are checked by the domain's own rules (``fields.py``), so the API accepts
exactly what the domain accepts and says why it refuses in the domain's words; their published
schema documents the same rules. Integers are bounded here (the one rule JSON must settle:
``5.0`` is refused, though JSON Schema counts it as an integer, as the descriptions say).
"""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, Literal, Self, TypeVar
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from application.ports import AccessToken, Page
from application.use_cases import StockChange
from application.views import ItemView, UserView
from domain.items import Item, MovementReason, StockMovement
from domain.users import Role, User
from domain.values import MAX_QUANTITY
from entrypoints.rest.fields import (
    AnyPassword,
    Description,
    Email,
    FullName,
    MoneyIn,
    Name,
    NewPassword,
    Note,
    Reference,
    Sku,
    TaxRateIn,
    Username,
)


def _plain_integer(value: object) -> object:
    """Integer fields take JSON integers only, as money takes exact decimals only: ``5.0`` and
    ``5e0`` (parsed as ``Decimal``, or as a float where the body is not parsed exactly) are
    refused, though JSON Schema counts them as integers, so a client's float arithmetic cannot
    pass for a count. ``"5"`` and ``true`` fail the strict ``int`` after this."""
    if isinstance(value, Decimal | float):
        raise PydanticCustomError(
            "int_type", "must be a whole number written without a fraction or exponent, e.g. 5"
        )
    return value


_WHOLE_NUMBER = "A JSON integer such as 5; 5.0 and 5e0 are refused."
Quantity = Annotated[
    int, Field(ge=0, le=MAX_QUANTITY, description=_WHOLE_NUMBER), BeforeValidator(_plain_integer)
]


def _not_zero(value: int) -> int:
    if value == 0:
        raise PydanticCustomError("invalid_value", "must not be zero")
    return value


Delta = Annotated[
    int,
    Field(
        ge=-MAX_QUANTITY,
        le=MAX_QUANTITY,
        description=f"Added to the stock on hand; negative removes. Never zero. {_WHOLE_NUMBER}",
        examples=[5, -2],
        json_schema_extra={"not": {"const": 0}},
    ),
    BeforeValidator(_plain_integer),
    AfterValidator(_not_zero),
]
RoleName = Literal["admin", "clerk", "viewer"]
AmountOut = Annotated[
    Decimal,
    PlainSerializer(lambda amount: f"{amount:.2f}", return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^[0-9]+\.[0-9]{2}$", "examples": ["12.50"]}),
]


def _drop_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def absent() -> Any:
    """The default of a PATCH field that may be left out but not set to ``null``: an explicit
    ``null`` fails validation, a missing field is simply not in ``model_fields_set``."""
    return Field(default=None, json_schema_extra=_drop_default)


class RequestModel(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, regex_engine="python-re")


class ResponseModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# -- auth and users ----------------------------------------------------------------------------
class TokenOut(ResponseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth2 token type
    expires_in: int = Field(description="Seconds until the token expires.")
    refresh_token: str | None = Field(
        default=None,
        description="Swaps for a new access token at `POST /api/v1/auth/refresh`, once: each"
        " refresh returns the next one.",
    )

    @classmethod
    def of(cls, token: AccessToken) -> Self:
        return cls(
            access_token=token.token,
            expires_in=token.expires_in,
            refresh_token=token.refresh_token,
        )


class UserOut(ResponseModel):
    id: UUID
    username: str
    role: Role
    active: bool
    email: str | None
    full_name: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, user: User | UserView) -> Self:
        return cls(
            id=user.id,
            username=user.username.value,
            role=user.role,
            active=user.active,
            email=user.email,
            full_name=user.full_name,
            created_at=user.created_at,
            updated_at=user.updated_at,
        )


class UserCreate(RequestModel):
    username: Username
    password: NewPassword
    role: RoleName = "viewer"
    email: Email | None = None
    full_name: FullName | None = None


class UserPatch(RequestModel):
    """Only the fields sent change; ``null`` clears ``email`` or ``full_name``."""

    role: RoleName = absent()
    active: bool = absent()
    email: Email | None = None
    full_name: FullName | None = None


class PasswordChange(RequestModel):
    current_password: AnyPassword
    new_password: NewPassword


# -- items -------------------------------------------------------------------------------------
class ItemCreate(RequestModel):
    sku: Sku
    name: Name
    unit_price: MoneyIn
    description: Description | None = None
    tax_rate: TaxRateIn | None = Field(default=None, description="Percent, e.g. 20.00 for 20 %.")
    quantity: Quantity = Field(default=0, description="Initial stock, recorded as 'received'.")
    reorder_level: Quantity = 0


class ItemReplace(RequestModel):
    """PUT: every descriptive field; a given ``quantity`` is recorded as a stock count."""

    sku: Sku
    name: Name
    unit_price: MoneyIn
    description: Description | None = None
    tax_rate: TaxRateIn | None = None
    reorder_level: Quantity = 0
    quantity: Quantity | None = None


class ItemPatch(RequestModel):
    """PATCH: only the fields sent change; ``null`` clears ``description`` or ``tax_rate``."""

    sku: Sku = absent()
    name: Name = absent()
    unit_price: MoneyIn = absent()
    description: Description | None = None
    tax_rate: TaxRateIn | None = None
    reorder_level: Quantity = absent()
    quantity: Quantity = absent()


class ItemOut(ResponseModel):
    id: UUID
    sku: str
    name: str
    description: str | None
    unit_price: AmountOut
    tax_rate: AmountOut | None
    price_with_tax: AmountOut
    quantity: int
    held: int = Field(description="What active reservations hold (see docs/reservations.md).")
    available: int = Field(description="quantity - held: what may still be sold or reserved.")
    reorder_level: int
    low_stock: bool
    has_image: bool
    version: int
    created_at: datetime
    updated_at: datetime
    archived_at: datetime | None = Field(
        description="When the item was archived (DELETE); null while it is in use."
    )

    @classmethod
    def of(cls, item: Item | ItemView) -> Self:
        return cls(
            id=item.id,
            sku=item.sku.value,
            name=item.name,
            description=item.description,
            unit_price=item.unit_price.amount,
            tax_rate=None if item.tax_rate is None else item.tax_rate.percent,
            price_with_tax=item.price_with_tax.amount,
            quantity=item.quantity,
            held=item.held,
            available=item.available,
            reorder_level=item.reorder_level,
            low_stock=item.low_stock,
            has_image=item.image is not None,
            version=item.version,
            created_at=item.created_at,
            updated_at=item.updated_at,
            archived_at=item.archived_at,
        )


T = TypeVar("T")


class PageOut(ResponseModel, Generic[T]):
    items: list[T]
    total: int
    offset: int
    limit: int

    @classmethod
    def of(cls, page: Page[Any], items: list[T]) -> Self:
        return cls(items=items, total=page.total, offset=page.offset, limit=page.limit)


# -- stock movements ---------------------------------------------------------------------------
AdjustReason = Literal["received", "sold", "returned", "damaged", "lost", "correction"]


#: A location's id in a JSON body, a string checked as a UUID (strict mode wants a UUID object).
LocationIdIn = Annotated[UUID, Field(strict=False)]


class MovementCreate(RequestModel):
    delta: Delta
    reason: AdjustReason
    note: Note | None = None
    reference: Reference | None = None
    location_id: LocationIdIn | None = Field(
        default=None, description="Where the stock moves; the default location when absent."
    )


class MovementOut(ResponseModel):
    id: UUID
    item_id: UUID
    delta: int
    reason: MovementReason
    quantity_after: int
    actor_id: UUID | None
    occurred_at: datetime
    note: str | None
    reference: str | None
    location_id: UUID
    transfer_id: UUID | None = Field(description="Shared by the two movements of a transfer.")
    reservation_id: UUID | None = Field(description="The reservation a `sold` movement fulfilled.")

    @classmethod
    def of(cls, movement: StockMovement) -> Self:
        return cls(
            id=movement.id,
            item_id=movement.item_id,
            delta=movement.delta,
            reason=movement.reason,
            quantity_after=movement.quantity_after,
            actor_id=movement.actor_id,
            occurred_at=movement.occurred_at,
            note=movement.note,
            reference=movement.reference,
            location_id=movement.location_id,
            transfer_id=movement.transfer_id,
            reservation_id=movement.reservation_id,
        )


class StockChangeOut(ResponseModel):
    movement: MovementOut
    quantity: int = Field(description="The quantity on hand after the movement.")
    item: ItemOut

    @classmethod
    def of(cls, change: StockChange) -> Self:
        assert change.movement is not None  # an adjustment always records a movement
        return cls(
            movement=MovementOut.of(change.movement),
            quantity=change.item.quantity,
            item=ItemOut.of(change.item),
        )


class CountCreate(RequestModel):
    """A physical count: the quantity found on the shelf, whatever the ledger says."""

    counted: Quantity = Field(
        description="The quantity counted; becomes the stock on hand at `location_id`."
    )
    reference: Reference | None = None
    note: Note | None = None
    location_id: LocationIdIn | None = Field(
        default=None, description="Where the stock was counted; the default location when absent."
    )


class CountOut(ResponseModel):
    movement: MovementOut | None = Field(
        description="The 'count' movement recording the difference; null when the count"
        " matched the stock on hand and nothing was recorded."
    )
    quantity: int = Field(description="The quantity on hand after the count.")
    item: ItemOut

    @classmethod
    def of(cls, change: StockChange) -> Self:
        return cls(
            movement=None if change.movement is None else MovementOut.of(change.movement),
            quantity=change.item.quantity,
            item=ItemOut.of(change.item),
        )


# -- service -----------------------------------------------------------------------------------
class HealthOut(ResponseModel):
    status: Literal["ok", "unavailable"]
    checks: dict[str, str] = Field(default_factory=dict)


class ServiceOut(ResponseModel):
    name: str
    version: str
    links: dict[str, str]
