"""Recording changes in the audit trail, from the use cases that make them.

Each writing use case takes a snapshot of the entity before it changes it and hands both
states here inside its unit of work; a change that changed nothing records nothing.
``tests/unit/use_cases/test_audit_completeness.py`` drives every writing use case and fails
when one of them leaves no record.
"""

from datetime import datetime
from uuid import UUID

from application.ports import UnitOfWork
from domain.audit import (
    AuditRecord,
    Snapshot,
    audit_record,
    diff,
    item_snapshot,
    reservation_snapshot,
    session_snapshot,
    user_snapshot,
    webhook_snapshot,
)
from domain.items import Item
from domain.reservations import Reservation
from domain.sessions import LoginSession
from domain.users import User
from domain.webhooks import WebhookEndpoint


def change_record(
    uow: UnitOfWork,
    *,
    entity: str,
    entity_id: UUID,
    action: str,
    actor_id: UUID | None,
    at: datetime,
    before: Snapshot | None,
    after: Snapshot | None,
) -> AuditRecord | None:
    """The record of one change, or None when nothing audited changed."""
    changes = diff(before, after)
    if not changes:
        return None
    return audit_record(
        entity=entity,
        entity_id=entity_id,
        action=action,
        actor_id=actor_id,
        at=at,
        changes=changes,
        origin=uow.origin(),
    )


async def record(
    uow: UnitOfWork,
    *,
    entity: str,
    entity_id: UUID,
    action: str,
    actor_id: UUID | None,
    at: datetime,
    before: Snapshot | None,
    after: Snapshot | None,
) -> None:
    found = change_record(
        uow,
        entity=entity,
        entity_id=entity_id,
        action=action,
        actor_id=actor_id,
        at=at,
        before=before,
        after=after,
    )
    if found is not None:
        await uow.audit.append(found)


async def record_item(
    uow: UnitOfWork,
    item: Item,
    *,
    action: str,
    actor_id: UUID | None,
    at: datetime,
    before: Snapshot | None,
    gone: bool = False,
) -> None:
    """``before`` None: the item is new; ``gone``: it was purged (its last state stays here)."""
    after = None if gone else item_snapshot(item)
    await record(
        uow,
        entity="item",
        entity_id=item.id,
        action=action,
        actor_id=actor_id,
        at=at,
        before=before,
        after=after,
    )


async def record_user(
    uow: UnitOfWork,
    user: User,
    *,
    action: str,
    actor_id: UUID | None,
    at: datetime,
    before: Snapshot | None,
) -> None:
    await record(
        uow,
        entity="user",
        entity_id=user.id,
        action=action,
        actor_id=actor_id,
        at=at,
        before=before,
        after=user_snapshot(user),
    )


async def record_session(
    uow: UnitOfWork,
    session: LoginSession,
    before: Snapshot | None,
    *,
    actor_id: UUID | None,
    at: datetime,
) -> None:
    """A session started (``before`` None) or ended."""
    await record(
        uow,
        entity="session",
        entity_id=session.id,
        action="started" if before is None else "ended",
        actor_id=actor_id,
        at=at,
        before=before,
        after=session_snapshot(session),
    )


async def record_webhook(
    uow: UnitOfWork,
    endpoint: WebhookEndpoint,
    before: Snapshot | None,
    *,
    action: str,
    actor_id: UUID | None,
    at: datetime,
    gone: bool = False,
) -> None:
    await record(
        uow,
        entity="webhook",
        entity_id=endpoint.id,
        action=action,
        actor_id=actor_id,
        at=at,
        before=before,
        after=None if gone else webhook_snapshot(endpoint),
    )


async def record_reservation(
    uow: UnitOfWork,
    reservation: Reservation,
    before: Snapshot | None,
    *,
    action: str,
    actor_id: UUID | None,
    at: datetime,
) -> None:
    """A hold made (``before`` None), changed, fulfilled, released or expired (``actor_id``
    None: time ended it)."""
    await record(
        uow,
        entity="reservation",
        entity_id=reservation.id,
        action=action,
        actor_id=actor_id,
        at=at,
        before=before,
        after=reservation_snapshot(reservation),
    )
