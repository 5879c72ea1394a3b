"""The HTTP contract of reservations (``docs/reservations.md``)."""

from datetime import datetime
from typing import Annotated, Self
from uuid import UUID

from pydantic import BeforeValidator, Field

from application.use_cases import Reserved, Settled
from domain.reservations import MAX_TTL, MIN_TTL, Reservation, ReservationStatus
from domain.values import MAX_QUANTITY
from entrypoints.rest.fields import Note
from entrypoints.rest.schemas import (
    ItemOut,
    MovementOut,
    RequestModel,
    ResponseModel,
    _plain_integer,
)

Id = Annotated[UUID, Field(strict=False)]
Positive = Annotated[
    int,
    Field(ge=1, le=MAX_QUANTITY, description="A JSON integer of at least 1."),
    BeforeValidator(_plain_integer),
]
Ttl = Annotated[
    int,
    Field(
        ge=int(MIN_TTL.total_seconds()),
        le=int(MAX_TTL.total_seconds()),
        description="How long the hold lasts, 60 seconds to 30 days (default: the service's"
        " INVENTORY_RESERVATION_TTL_SECONDS).",
    ),
    BeforeValidator(_plain_integer),
]
OrderReference = Annotated[
    str,
    Field(
        min_length=1,
        max_length=100,
        pattern=r"^[^\x00]*$",
        description="The order (or other document) the stock is held for; one reference holds"
        " an item once.",
    ),
]


class ReservationCreate(RequestModel):
    item_id: Id
    quantity: Positive
    reference: OrderReference
    ttl_seconds: Ttl | None = None
    location_id: Id | None = Field(default=None, description="Default: the MAIN location.")
    note: Note | None = None


class ReservationPatch(RequestModel):
    quantity: Positive | None = None
    expires_at: Annotated[datetime, Field(strict=False)] | None = Field(
        default=None, description="1 minute to 30 days from now, with a time zone."
    )


class ReservationFulfil(RequestModel):
    quantity: Positive | None = Field(
        default=None, description="Sell fewer than held; the rest is released. Default: all."
    )


class ReservationOut(ResponseModel):
    id: UUID
    item_id: UUID
    location_id: UUID
    quantity: int
    reference: str
    note: str | None
    status: ReservationStatus
    fulfilled_quantity: int
    created_by: UUID | None
    created_at: datetime
    updated_at: datetime
    expires_at: datetime = Field(description="An active hold past this holds nothing.")
    version: int

    @classmethod
    def of(cls, reservation: Reservation) -> Self:
        return cls.model_validate(reservation)


class ReservationResult(ResponseModel):
    """A reservation with its item after the change (and the ``sold`` movement of a
    fulfilment)."""

    reservation: ReservationOut
    item: ItemOut
    movement: MovementOut | None = None

    @classmethod
    def of(cls, done: Reserved | Settled) -> Self:
        movement = getattr(done, "movement", None)
        return cls(
            reservation=ReservationOut.of(done.reservation),
            item=ItemOut.of(done.item),
            movement=None if movement is None else MovementOut.of(movement),
        )
