"""Idempotency keys for commands: a retry with the same key gets the first result back, without
the work being done twice.

The key is claimed, the work done and its result recorded in the command's one unit of work, so
a failure anywhere leaves nothing behind (the key stays free for the retry) and a replay returns
exactly the recorded result. Keys are scoped per user: two clients never see each other's
results. The same key with a different request is refused.
"""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, fields, is_dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Generic, TypeVar
from uuid import UUID

from application.errors import IdempotencyKeyReused
from application.ports import UnitOfWork
from domain.items import Held, Item, ItemImage, MovementReason, StockMovement
from domain.locations import MAIN_LOCATION_ID
from domain.reservations import Reservation, ReservationStatus
from domain.users import Principal
from domain.values import Money, Sku, TaxRate

T = TypeVar("T")
DEFAULT_TTL_SECONDS = 24 * 3600


@dataclass(frozen=True, slots=True)
class IdempotencyPolicy:
    """How long a recorded result is replayed."""

    ttl_seconds: int = DEFAULT_TTL_SECONDS


@dataclass(frozen=True, slots=True)
class Codec(Generic[T]):
    """How one kind of result is recorded (to JSON-able data) and rebuilt for a replay."""

    encode: Callable[[T], Any]
    decode: Callable[[Any], T]


def fingerprint(use_case: str, command: object) -> str:
    """What was asked: the use case and every field of its command but the actor and the key."""
    assert is_dataclass(command)
    asked = {
        f.name: getattr(command, f.name)
        for f in fields(command)
        if f.name not in ("actor", "idempotency_key")
        # A field added later (a movement's location) leaves the fingerprints of requests
        # that do not use it as they were, so their keys still replay across an upgrade.
        and not (f.name == "location" and getattr(command, f.name) is None)
    }
    return hashlib.sha256(f"{use_case} {asked!r}".encode()).hexdigest()


class Idempotent(Generic[T]):
    """The idempotency steps of one command inside its unit of work. The command's fingerprint
    is taken only when it carries a key: most commands carry none, and hashing every field
    would cost each of them for nothing."""

    def __init__(
        self,
        uow: UnitOfWork,
        actor: Principal,
        key: str | None,
        use_case: str,
        command: object,
        codec: Codec[T],
    ) -> None:
        self._uow = uow
        self._key = None if key is None else f"{actor.user_id}:{key}"
        self._fingerprint = "" if key is None else fingerprint(use_case, command)
        self._codec = codec

    async def replay(self, now: datetime, policy: IdempotencyPolicy) -> T | None:
        """The recorded result of an earlier request with this key, or None after claiming it."""
        if self._key is None:
            return None
        expires_at = now + timedelta(seconds=policy.ttl_seconds)
        found = await self._uow.idempotency.claim(
            self._key, self._fingerprint, now=now, expires_at=expires_at
        )
        if found is None:
            return None
        if found.fingerprint != self._fingerprint:
            raise IdempotencyKeyReused()
        return self._codec.decode(json.loads(found.result))

    async def record(self, result: T) -> None:
        if self._key is not None:
            encoded = json.dumps(self._codec.encode(result), separators=(",", ":"))
            await self._uow.idempotency.record(self._key, encoded)


DEFAULT_POLICY = IdempotencyPolicy()


# -- codecs of the results recorded ------------------------------------------------------------
def encode_item(item: Item) -> dict[str, Any]:
    image = item.image
    return {
        "id": str(item.id),
        "sku": item.sku.value,
        "name": item.name,
        "description": item.description,
        "unit_price": str(item.unit_price.amount),
        "tax_rate": None if item.tax_rate is None else str(item.tax_rate.percent),
        "quantity": item.quantity,
        "reorder_level": item.reorder_level,
        "image": None
        if image is None
        else [image.key, image.content_type, image.size, image.sha256],
        "version": item.version,
        "created_at": item.created_at.isoformat(),
        "updated_at": item.updated_at.isoformat(),
        "stock": {
            str(at): [held.quantity, held.version, held.reserved] for at, held in item.stock.items()
        },
        "held": item.held,
    }


def decode_item(data: dict[str, Any]) -> Item:
    image = data["image"]
    return Item(
        id=UUID(data["id"]),
        sku=Sku(data["sku"]),
        name=data["name"],
        description=data["description"],
        unit_price=Money(Decimal(data["unit_price"])),
        tax_rate=None if data["tax_rate"] is None else TaxRate(Decimal(data["tax_rate"])),
        quantity=data["quantity"],
        reorder_level=data["reorder_level"],
        image=None if image is None else ItemImage(*image),
        version=data["version"],
        created_at=datetime.fromisoformat(data["created_at"]),
        updated_at=datetime.fromisoformat(data["updated_at"]),
        # Results recorded before locations existed hold no stock per location.
        stock={UUID(at): Held(*held) for at, held in data.get("stock", {}).items()},
        # Results recorded before reservations existed held nothing.
        held=data.get("held", 0),
    )


def encode_movement(movement: StockMovement | None) -> dict[str, Any] | None:
    if movement is None:
        return None
    return {
        "id": str(movement.id),
        "item_id": str(movement.item_id),
        "delta": movement.delta,
        "reason": movement.reason.value,
        "quantity_after": movement.quantity_after,
        "actor_id": None if movement.actor_id is None else str(movement.actor_id),
        "occurred_at": movement.occurred_at.isoformat(),
        "note": movement.note,
        "reference": movement.reference,
        "location_id": str(movement.location_id),
        "transfer_id": None if movement.transfer_id is None else str(movement.transfer_id),
        "reservation_id": None if movement.reservation_id is None else str(movement.reservation_id),
        "held_after": movement.held_after,
    }


def decode_movement(data: dict[str, Any] | None) -> StockMovement | None:
    if data is None:
        return None
    return StockMovement(
        id=UUID(data["id"]),
        item_id=UUID(data["item_id"]),
        delta=data["delta"],
        reason=MovementReason(data["reason"]),
        quantity_after=data["quantity_after"],
        actor_id=None if data["actor_id"] is None else UUID(data["actor_id"]),
        occurred_at=datetime.fromisoformat(data["occurred_at"]),
        note=data["note"],
        reference=data["reference"],
        # Results recorded before locations existed name none: they were at the default one.
        location_id=UUID(data.get("location_id", str(MAIN_LOCATION_ID))),
        transfer_id=None if data.get("transfer_id") is None else UUID(data["transfer_id"]),
        reservation_id=None if data.get("reservation_id") is None else UUID(data["reservation_id"]),
        held_after=data.get("held_after"),
    )


def encode_reservation(reservation: Reservation) -> dict[str, Any]:
    return {
        "id": str(reservation.id),
        "item_id": str(reservation.item_id),
        "location_id": str(reservation.location_id),
        "quantity": reservation.quantity,
        "reference": reservation.reference,
        "note": reservation.note,
        "status": reservation.status.value,
        "fulfilled_quantity": reservation.fulfilled_quantity,
        "created_by": None if reservation.created_by is None else str(reservation.created_by),
        "created_at": reservation.created_at.isoformat(),
        "updated_at": reservation.updated_at.isoformat(),
        "expires_at": reservation.expires_at.isoformat(),
        "version": reservation.version,
    }


def decode_reservation(data: dict[str, Any]) -> Reservation:
    return Reservation(
        id=UUID(data["id"]),
        item_id=UUID(data["item_id"]),
        location_id=UUID(data["location_id"]),
        quantity=data["quantity"],
        reference=data["reference"],
        note=data["note"],
        status=ReservationStatus(data["status"]),
        fulfilled_quantity=data["fulfilled_quantity"],
        created_by=None if data["created_by"] is None else UUID(data["created_by"]),
        created_at=datetime.fromisoformat(data["created_at"]),
        updated_at=datetime.fromisoformat(data["updated_at"]),
        expires_at=datetime.fromisoformat(data["expires_at"]),
        version=data["version"],
    )
