"""Explicit translation between table rows and domain objects, in both directions.

Rows come from Core selects as ``RowMapping``; what goes back is a plain dict of column values.
Derived search and sort keys are computed here, from the domain object, so they can never
disagree with the values they index.
"""

from collections.abc import Mapping
from typing import Any

from application.ports import LoginFailures
from domain.items import Item, ItemImage, MovementReason, StockMovement
from domain.locations import Location, LocationCode
from domain.reservations import Reservation, ReservationStatus
from domain.users import Role, User, Username
from domain.values import Money, Sku, TaxRate

Row = Mapping[Any, Any]


def item_to_row(item: Item) -> dict[str, Any]:
    image = item.image
    return {
        "id": item.id,
        "sku": item.sku.value,
        "name": item.name,
        "name_key": item.name.casefold(),
        "description": item.description,
        "description_key": None if item.description is None else item.description.casefold(),
        "unit_price": item.unit_price.amount,
        "tax_rate": None if item.tax_rate is None else item.tax_rate.percent,
        "quantity": item.quantity,
        "held": item.held,
        "hold_expires_at": item.hold_expires_at,
        "reorder_level": item.reorder_level,
        "image_key": None if image is None else image.key,
        "image_content_type": None if image is None else image.content_type,
        "image_size": None if image is None else image.size,
        "image_sha256": None if image is None else image.sha256,
        "version": item.version,
        "created_at": item.created_at,
        "updated_at": item.updated_at,
        "archived_at": item.archived_at,
    }


def item_to_domain(row: Row) -> Item:
    image = None
    if row["image_key"] is not None:
        image = ItemImage(
            key=row["image_key"],
            content_type=row["image_content_type"],
            size=row["image_size"],
            sha256=row["image_sha256"],
        )
    # Values were validated when they were stored: build the value objects without re-parsing.
    return Item(
        id=row["id"],
        sku=Sku(row["sku"]),
        name=row["name"],
        description=row["description"],
        unit_price=Money(row["unit_price"]),
        tax_rate=None if row["tax_rate"] is None else TaxRate(row["tax_rate"]),
        quantity=row["quantity"],
        held=row["held"],
        hold_expires_at=row["hold_expires_at"],
        reorder_level=row["reorder_level"],
        image=image,
        version=row["version"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        archived_at=row["archived_at"],
    )


def movement_to_row(movement: StockMovement) -> dict[str, Any]:
    return {
        "id": movement.id,
        "item_id": movement.item_id,
        "delta": movement.delta,
        "reason": movement.reason.value,
        "quantity_after": movement.quantity_after,
        "actor_id": movement.actor_id,
        "occurred_at": movement.occurred_at,
        "note": movement.note,
        "reference": movement.reference,
        "location_id": movement.location_id,
        "transfer_id": movement.transfer_id,
        "reservation_id": movement.reservation_id,
        "held_after": movement.held_after,
    }


def movement_to_domain(row: Row) -> StockMovement:
    return StockMovement(
        id=row["id"],
        item_id=row["item_id"],
        delta=row["delta"],
        reason=MovementReason(row["reason"]),
        quantity_after=row["quantity_after"],
        actor_id=row["actor_id"],
        occurred_at=row["occurred_at"],
        note=row["note"],
        reference=row["reference"],
        location_id=row["location_id"],
        transfer_id=row["transfer_id"],
        reservation_id=row["reservation_id"],
        held_after=row["held_after"],
    )


def user_to_row(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username.value,
        "username_key": user.username.key,
        "password_hash": user.password_hash,
        "role": user.role.value,
        "email": user.email,
        "full_name": user.full_name,
        "active": user.active,
        "token_version": user.token_version,
        "created_at": user.created_at,
        "updated_at": user.updated_at,
    }


def user_to_domain(row: Row) -> User:
    return User(
        id=row["id"],
        username=Username(row["username"]),
        password_hash=row["password_hash"],
        role=Role(row["role"]),
        email=row["email"],
        full_name=row["full_name"],
        active=bool(row["active"]),
        token_version=row["token_version"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def login_failures_to_domain(row: Row) -> LoginFailures:
    return LoginFailures(count=row["count"], first_at=row["first_at"], last_at=row["last_at"])


def location_to_row(location: Location) -> dict[str, Any]:
    return {
        "id": location.id,
        "code": location.code.value,
        "name": location.name,
        "name_key": location.name.casefold(),
        "parent_id": location.parent_id,
        "active": location.active,
        "version": location.version,
        "created_at": location.created_at,
        "updated_at": location.updated_at,
    }


def location_to_domain(row: Row) -> Location:
    return Location(
        id=row["id"],
        code=LocationCode(row["code"]),
        name=row["name"],
        parent_id=row["parent_id"],
        active=bool(row["active"]),
        version=row["version"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def reservation_to_row(reservation: Reservation) -> dict[str, Any]:
    return {
        "id": reservation.id,
        "item_id": reservation.item_id,
        "location_id": reservation.location_id,
        "quantity": reservation.quantity,
        "reference": reservation.reference,
        "note": reservation.note,
        "status": reservation.status.value,
        "fulfilled_quantity": reservation.fulfilled_quantity,
        "created_by": reservation.created_by,
        "created_at": reservation.created_at,
        "updated_at": reservation.updated_at,
        "expires_at": reservation.expires_at,
        "version": reservation.version,
    }


def reservation_to_domain(row: Row) -> Reservation:
    return Reservation(
        id=row["id"],
        item_id=row["item_id"],
        location_id=row["location_id"],
        quantity=row["quantity"],
        reference=row["reference"],
        note=row["note"],
        status=ReservationStatus(row["status"]),
        fulfilled_quantity=row["fulfilled_quantity"],
        created_by=row["created_by"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        expires_at=row["expires_at"],
        version=row["version"],
    )
