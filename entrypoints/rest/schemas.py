"""The HTTP contract: pydantic models, separate from the domain objects they carry.

Every request model forbids unknown fields and is strict (the string ``"5"``, ``true``, ``5.5``
and even ``5.0`` are not integers), and every constraint the domain enforces that JSON Schema can
express is in the published schema, so what the schema allows the service accepts and the other
way round (except ``5.0``, which JSON Schema counts as an integer: the fields' descriptions say
it is refused). Patterns use Python's ``re`` so that the schema means what the validation does. The
domain still validates everything again: these models are the contract, not the rules.
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
    PlainValidator,
    StringConstraints,
    WithJsonSchema,
)

from application.ports import AccessToken, Page
from application.use_cases import StockChange
from application.views import ItemView, UserView
from domain.items import (
    DESCRIPTION_MAX,
    NAME_MAX,
    NOTE_MAX,
    REFERENCE_MAX,
    Item,
    MovementReason,
    StockMovement,
)
from domain.users import PASSWORD_MIN_CHARS, Role, User
from domain.values import MAX_MONEY, MAX_QUANTITY, MAX_TAX_RATE

#: Exactly what Python's ``str.strip()`` removes, spelled out: ``\s`` means less in the
#: ECMAScript regexes that JSON Schema tools use.
_SPACE = r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
#: The Unicode format characters (category Cf, Unicode 14 as in Python 3.11), which the domain
#: counts as blank like whitespace (``domain.values.is_blank``); a test keeps the two in step.
#: Written into the pattern as the characters themselves (ranges of code points), since
#: escapes beyond ``\uFFFF`` differ between regex dialects.
FORMAT_CHARACTER_RANGES = (
    (0x00AD, 0x00AD), (0x0600, 0x0605), (0x061C, 0x061C), (0x06DD, 0x06DD), (0x070F, 0x070F),
    (0x0890, 0x0891), (0x08E2, 0x08E2), (0x180E, 0x180E), (0x200B, 0x200F), (0x202A, 0x202E),
    (0x2060, 0x2064), (0x2066, 0x206F), (0xFEFF, 0xFEFF), (0xFFF9, 0xFFFB), (0x110BD, 0x110BD),
    (0x110CD, 0x110CD), (0x13430, 0x13438), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A),
    (0xE0001, 0xE0001), (0xE0020, 0xE007F),
)  # fmt: skip
_FORMAT = "".join(
    chr(low) if low == high else f"{chr(low)}-{chr(high)}" for low, high in FORMAT_CHARACTER_RANGES
)
_NO_NUL = r"^[^\x00]*$"
#: At least one character that is neither NUL, whitespace nor a format character.
_NOT_BLANK = rf"^[^\x00]*[^\x00{_SPACE}{_FORMAT}][^\x00]*$"

RequiredText = Annotated[str, StringConstraints(pattern=_NOT_BLANK)]
OptionalText = Annotated[str, StringConstraints(pattern=_NO_NUL)]
Sku = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9._-]{1,64}$"),
    Field(description="Letters, digits, '-', '_' or '.'; stored upper-cased.", examples=["AB-12"]),
]
Name = Annotated[RequiredText, Field(max_length=NAME_MAX, examples=["Blue widget"])]
Description = Annotated[OptionalText, Field(max_length=DESCRIPTION_MAX)]


def _plain_integer(value: object) -> object:
    """Integer fields take JSON integers only, as money takes exact decimals only: ``5.0`` and
    ``5e0`` (parsed as ``Decimal``, or as a float where the body is not parsed exactly) are
    refused, though JSON Schema counts them as integers, so a client's float arithmetic cannot
    pass for a count. ``"5"`` and ``true`` fail the strict ``int`` after this."""
    if isinstance(value, Decimal | float):
        raise ValueError("must be a whole number written without a fraction or exponent, e.g. 5")
    return value


_WHOLE_NUMBER = "A JSON integer such as 5; 5.0 and 5e0 are refused."
Quantity = Annotated[
    int, Field(ge=0, le=MAX_QUANTITY, description=_WHOLE_NUMBER), BeforeValidator(_plain_integer)
]


def _not_zero(value: int) -> int:
    if value == 0:
        raise ValueError("delta must not be zero")
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
Username = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")]
Email = Annotated[
    str,
    StringConstraints(
        max_length=254,
        pattern=rf"^[^@\x00{_SPACE}]+@[^@\x00{_SPACE}]+\.[^@\x00{_SPACE}]+$",
    ),
]
FullName = Annotated[OptionalText, Field(max_length=200)]
NewPassword = Annotated[
    str,
    StringConstraints(min_length=PASSWORD_MIN_CHARS, max_length=72, pattern=_NO_NUL),
    Field(description=f"{PASSWORD_MIN_CHARS} characters to 72 bytes of UTF-8 (bcrypt's limit)."),
]
AnyPassword = Annotated[str, StringConstraints(max_length=1024, pattern=_NO_NUL)]
RoleName = Literal["admin", "clerk", "viewer"]

_MONEY = r"^[0-9]{1,12}(\.[0-9]{1,2})?$"
_PERCENT = r"^(1000(\.00?)?|[0-9]{1,3}(\.[0-9]{1,2})?)$"


def _amount_parser(field: str, maximum: Decimal, text: str) -> Any:
    """A validator for an exact amount: a decimal string or a JSON number, never a float.

    JSON numbers reach it as ``Decimal`` (the request body is parsed with
    ``parse_float=Decimal``) or ``int``; a ``bool`` or a Python float is refused.
    """
    import re

    pattern = re.compile(text)

    def parse(value: object) -> Decimal:
        if isinstance(value, str):
            if not pattern.fullmatch(value):
                raise ValueError(f"{field} must look like 12 or 12.50 (at most 2 decimals)")
            amount = Decimal(value)
        elif isinstance(value, Decimal | int) and not isinstance(value, bool):
            amount = Decimal(value)
            exponent = amount.as_tuple().exponent
            if not amount.is_finite() or (isinstance(exponent, int) and exponent < -2):
                raise ValueError(f"{field} must have at most 2 decimal places")
        else:
            raise ValueError(f"{field} must be a decimal string such as '12.50' or a number")
        if not 0 <= amount <= maximum:
            raise ValueError(f"{field} must be between 0 and {maximum}")
        return amount

    return parse


def _amount_schema(maximum: Decimal, text: str, example: str) -> dict[str, Any]:
    return {
        "anyOf": [
            {"type": "string", "pattern": text, "maxLength": 15},
            {"type": "number", "minimum": 0, "maximum": float(maximum), "multipleOf": 0.01},
        ],
        "description": "An exact amount with at most 2 decimals: a decimal string (recommended)"
        " or a JSON number, which is read exactly from the request text, never through a float.",
        "examples": [example],
    }


MoneyIn = Annotated[
    Decimal,
    PlainValidator(_amount_parser("unit_price", MAX_MONEY, _MONEY)),
    PlainSerializer(str, return_type=str, when_used="json"),
    WithJsonSchema(_amount_schema(MAX_MONEY, _MONEY, "12.50")),
]
TaxRateIn = Annotated[
    Decimal,
    PlainValidator(_amount_parser("tax_rate", MAX_TAX_RATE, _PERCENT)),
    PlainSerializer(str, return_type=str, when_used="json"),
    WithJsonSchema(_amount_schema(MAX_TAX_RATE, _PERCENT, "20.00")),
]
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

    @classmethod
    def of(cls, token: AccessToken) -> Self:
        return cls(access_token=token.token, expires_in=token.expires_in)


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
    reorder_level: int
    low_stock: bool
    has_image: bool
    version: int
    created_at: datetime
    updated_at: datetime

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
            reorder_level=item.reorder_level,
            low_stock=item.low_stock,
            has_image=item.image is not None,
            version=item.version,
            created_at=item.created_at,
            updated_at=item.updated_at,
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


class MovementCreate(RequestModel):
    delta: Delta
    reason: AdjustReason
    note: Annotated[OptionalText, Field(max_length=NOTE_MAX)] | None = None
    reference: Annotated[OptionalText, Field(max_length=REFERENCE_MAX)] | None = None
    location_id: Annotated[UUID, Field(strict=False)] | None = Field(
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


# -- service -----------------------------------------------------------------------------------
class HealthOut(ResponseModel):
    status: Literal["ok", "unavailable"]
    checks: dict[str, str] = Field(default_factory=dict)


class ServiceOut(ResponseModel):
    name: str
    version: str
    links: dict[str, str]
