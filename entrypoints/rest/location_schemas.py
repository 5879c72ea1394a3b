"""The HTTP contract of stock by location: locations, stock levels, transfers and stocktakes."""

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Literal, Self
from uuid import UUID

from pydantic import BeforeValidator, Field

from application.use_cases import Transfer
from application.views import LocationView, StockLevelView, TransferView
from domain.items import StockMovement
from domain.locations import Location
from domain.stocktakes import LineStatus, Stocktake, StocktakeStatus
from domain.values import MAX_QUANTITY
from entrypoints.rest.fields import LocationCode, LocationName, Note, Reference
from entrypoints.rest.schemas import (
    ItemOut,
    MovementOut,
    Quantity,
    RequestModel,
    ResponseModel,
    _plain_integer,
    absent,
)

#: Ids in a JSON body are strings: checked as UUIDs (strict mode would want a UUID object).
Id = Annotated[UUID, Field(strict=False)]
Positive = Annotated[
    int,
    Field(ge=1, le=MAX_QUANTITY, description="A JSON integer of at least 1."),
    BeforeValidator(_plain_integer),
]
#: Lines per stocktake request: a full one stays well under the request body limit (1 MiB);
#: a larger count is sent in several ``PUT …/lines``.
MAX_LINES_PER_REQUEST = 1_000


class LocationCreate(RequestModel):
    code: LocationCode
    name: LocationName
    parent_id: Id | None = None


class LocationPatch(RequestModel):
    """PATCH: only the fields sent change; ``parent_id: null`` makes the location a root."""

    code: LocationCode = absent()
    name: LocationName = absent()
    parent_id: Id | None = None
    active: bool = absent()


class LocationOut(ResponseModel):
    id: UUID
    code: str
    name: str
    parent_id: UUID | None
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, location: Location | LocationView) -> Self:
        return cls(
            id=location.id,
            code=location.code.value,
            name=location.name,
            parent_id=location.parent_id,
            active=location.active,
            version=location.version,
            created_at=location.created_at,
            updated_at=location.updated_at,
        )


class StockLevelOut(ResponseModel):
    item_id: UUID
    sku: str
    name: str
    location_id: UUID
    location_code: str
    quantity: int
    reorder_level: int
    low_stock: bool = Field(description="The quantity here is at or under the reorder level.")

    @classmethod
    def of(cls, level: StockLevelView) -> Self:
        return cls(
            item_id=level.item_id,
            sku=level.sku.value,
            name=level.name,
            location_id=level.location_id,
            location_code=level.location_code.value,
            quantity=level.quantity,
            reorder_level=level.reorder_level,
            low_stock=level.low_stock,
        )


class TransferCreate(RequestModel):
    item_id: Id
    from_location_id: Id
    to_location_id: Id
    quantity: Positive
    reference: Reference | None = None
    note: Note | None = None


class TransferOut(ResponseModel):
    transfer_id: UUID
    item_id: UUID
    from_location_id: UUID
    to_location_id: UUID
    quantity: int
    actor_id: UUID | None
    occurred_at: datetime
    note: str | None
    reference: str | None

    @classmethod
    def of(cls, view: TransferView) -> Self:
        return cls.model_validate(view)


class TransferCreated(ResponseModel):
    transfer: TransferOut
    movements: list[MovementOut] = Field(description="transfer_out, then transfer_in.")
    item: ItemOut

    @classmethod
    def of(cls, done: Transfer) -> Self:
        out, into = done.outgoing, done.incoming
        assert into.transfer_id is not None
        return cls(
            transfer=TransferOut(
                transfer_id=into.transfer_id,
                item_id=into.item_id,
                from_location_id=out.location_id,
                to_location_id=into.location_id,
                quantity=into.delta,
                actor_id=into.actor_id,
                occurred_at=into.occurred_at,
                note=into.note,
                reference=into.reference,
            ),
            movements=[MovementOut.of(out), MovementOut.of(into)],
            item=ItemOut.of(done.item),
        )


# -- stocktakes ----------------------------------------------------------------------------------
class StocktakeLineIn(RequestModel):
    item_id: Id
    location_id: Id


class StocktakeCreate(RequestModel):
    """Count every item held at ``location_id``, and/or the ``lines`` given."""

    model_config = RequestModel.model_config | {
        "json_schema_extra": {
            "anyOf": [
                {"required": ["location_id"], "properties": {"location_id": {"type": "string"}}},
                {"required": ["lines"], "properties": {"lines": {"minItems": 1}}},
            ]
        }
    }

    location_id: Id | None = None
    lines: list[StocktakeLineIn] = Field(default_factory=list, max_length=MAX_LINES_PER_REQUEST)


class CountIn(RequestModel):
    item_id: Id
    counted: Quantity
    location_id: Id | None = Field(
        default=None, description="The stocktake's location when absent."
    )


class CountsIn(RequestModel):
    lines: list[CountIn] = Field(min_length=1, max_length=MAX_LINES_PER_REQUEST)


class StocktakeCommitIn(RequestModel):
    conflicts: Literal["refuse", "skip"] = Field(
        default="refuse",
        description="Lines whose stock changed since they joined: refuse the whole commit"
        " (409, nothing changes) or skip them.",
    )


class StocktakeLineOut(ResponseModel):
    item_id: UUID
    location_id: UUID
    expected: int
    counted: int | None
    difference: int | None
    status: LineStatus


class StocktakeOut(ResponseModel):
    id: UUID
    location_id: UUID | None
    status: StocktakeStatus
    created_at: datetime
    committed_at: datetime | None
    lines: list[StocktakeLineOut]
    movements: list[MovementOut] = Field(
        default_factory=list, description="The count movements a commit recorded."
    )

    @classmethod
    def of(cls, stocktake: Stocktake, movements: Sequence[StockMovement] = ()) -> Self:
        return cls(
            id=stocktake.id,
            location_id=stocktake.location_id,
            status=stocktake.status,
            created_at=stocktake.created_at,
            committed_at=stocktake.committed_at,
            lines=[
                StocktakeLineOut(
                    item_id=line.item_id,
                    location_id=line.location_id,
                    expected=line.expected,
                    counted=line.counted,
                    difference=line.difference,
                    status=line.status,
                )
                for line in stocktake.lines.values()
            ],
            movements=[MovementOut.of(movement) for movement in movements],
        )
