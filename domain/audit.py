"""The audit trail: who changed what, when, through which door, field by field.

Records are facts about the past: they are appended in the transaction of the change they
describe and never changed or removed afterwards (a purged item's last state stays in its
``purged`` record). Values are kept as text, as a person reads them (amounts with two decimals,
times in ISO 8601), so a record reads the same whatever the entity's schema becomes later.
A password is never recorded, not even hashed: only that it changed.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from domain.api_tokens import ApiToken
from domain.ids import ledger_id
from domain.items import Item
from domain.locations import Location
from domain.reservations import Reservation
from domain.sessions import LoginSession
from domain.users import User
from domain.webhooks import WebhookEndpoint

#: Stands for a secret's value in a change: the record says that it changed, never to what.
WITHHELD = "(withheld)"


class Channel(StrEnum):
    """How the change came in."""

    REST = "rest"
    CLI = "cli"
    #: The service itself, with no caller (a background job, a test driving use cases).
    SERVICE = "service"


@dataclass(frozen=True, slots=True)
class Origin:
    channel: Channel
    #: The REST request's ``X-Request-ID``, or the CLI invocation's id.
    request_id: str | None = None


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    old: str | None
    new: str | None


@dataclass(frozen=True, slots=True)
class AuditRecord:
    id: UUID
    entity: str
    entity_id: UUID
    action: str
    actor_id: UUID | None
    occurred_at: datetime
    changes: tuple[FieldChange, ...]
    channel: Channel
    request_id: str | None = None


Snapshot = Mapping[str, str | None]


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def item_snapshot(item: Item) -> dict[str, str | None]:
    """The audited fields of an item. Stock is not among them: the ledger records it."""
    image = item.image
    return {
        "sku": item.sku.value,
        "name": item.name,
        "description": item.description,
        "unit_price": f"{item.unit_price.amount:.2f}",
        "tax_rate": None if item.tax_rate is None else f"{item.tax_rate.percent:.2f}",
        "reorder_level": str(item.reorder_level),
        "image": None if image is None else image.sha256,
        "archived_at": _text(item.archived_at),
    }


def user_snapshot(user: User) -> dict[str, str | None]:
    """The audited fields of a user; the password only as ``WITHHELD`` (see ``diff``)."""
    return {
        "username": user.username.value,
        "role": user.role.value,
        "active": str(user.active).lower(),
        "email": user.email,
        "full_name": user.full_name,
        "password": f"{WITHHELD}{user.password_hash}",
    }


def location_snapshot(location: Location) -> dict[str, str | None]:
    return {
        "code": location.code.value,
        "name": location.name,
        "parent_id": _text(location.parent_id),
        "active": str(location.active).lower(),
    }


def api_token_snapshot(token: ApiToken) -> dict[str, str | None]:
    """Never the secret nor its hash."""
    return {
        "user_id": str(token.user_id),
        "name": token.name,
        "scopes": " ".join(sorted(token.scopes)),
        "expires_at": _text(token.expires_at),
        "revoked_at": _text(token.revoked_at),
    }


def session_snapshot(session: LoginSession) -> dict[str, str | None]:
    """Its start and end; never a refresh token (nor each rotation of one)."""
    return {
        "user_id": str(session.user_id),
        "device": session.device,
        "expires_at": _text(session.expires_at),
        "ended_at": _text(session.ended_at),
        "end_reason": session.end_reason,
    }


def reservation_snapshot(reservation: Reservation) -> dict[str, str | None]:
    """A hold's terms and state; what it sold is also a ledger movement naming it."""
    return {
        "item_id": str(reservation.item_id),
        "location_id": str(reservation.location_id),
        "reference": reservation.reference,
        "quantity": str(reservation.quantity),
        "expires_at": _text(reservation.expires_at),
        "status": reservation.status.value,
        "fulfilled_quantity": str(reservation.fulfilled_quantity),
        "note": reservation.note,
    }


def webhook_snapshot(endpoint: WebhookEndpoint) -> dict[str, str | None]:
    """Where it delivers and what; the secret only as ``WITHHELD`` (that it changed)."""
    return {
        "url": endpoint.url,
        "event_types": " ".join(sorted(endpoint.event_types)),
        "active": str(endpoint.active).lower(),
        "secret": f"{WITHHELD}{endpoint.secret}",
    }


def diff(before: Snapshot | None, after: Snapshot | None) -> tuple[FieldChange, ...]:
    """Field by field, in the order of the snapshots; a secret's values are withheld."""
    old, new = before or {}, after or {}
    changes = []
    for field in dict.fromkeys([*old, *new]):
        was, now = old.get(field), new.get(field)
        if was == now:
            continue
        if (was or now or "").startswith(WITHHELD):
            was = None if was is None else WITHHELD
            now = None if now is None else WITHHELD
        changes.append(FieldChange(field, was, now))
    return tuple(changes)


def audit_record(
    *,
    entity: str,
    entity_id: UUID,
    action: str,
    actor_id: UUID | None,
    at: datetime,
    changes: tuple[FieldChange, ...],
    origin: Origin,
) -> AuditRecord:
    return AuditRecord(
        id=ledger_id(),
        entity=entity,
        entity_id=entity_id,
        action=action,
        actor_id=actor_id,
        occurred_at=at,
        changes=changes,
        channel=origin.channel,
        request_id=origin.request_id,
    )


def values_as_of(
    stored: Sequence[AuditRecord], entity: str, fields: Sequence[str], at: datetime
) -> dict[UUID, dict[str, str | None]]:
    """Per entity, the value each of ``fields`` had at ``at``, from records oldest first: the
    newest value a record at or before then gave it (the price in force then, say)."""
    wanted = set(fields)
    found: dict[UUID, dict[str, str | None]] = {}
    for record in stored:
        if record.entity != entity or record.occurred_at > at:
            continue
        for change in record.changes:
            if change.field in wanted:
                found.setdefault(record.entity_id, {})[change.field] = change.new
    return found
