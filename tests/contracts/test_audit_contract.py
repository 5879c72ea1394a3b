"""The audit trail on memory, SQLite and PostgreSQL: records commit with their unit of work,
come back as they were written, filter and page the same way; SQL refuses to rewrite them."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from application.history import AuditQuery
from domain.audit import AuditRecord, Channel, FieldChange, Origin, audit_record
from tests.contracts.conftest import Backend

T0 = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)
ITEM, OTHER, ALICE, BOB = uuid4(), uuid4(), uuid4(), uuid4()


def record(entity_id: object, actor: object, minutes: int, *changes: FieldChange) -> AuditRecord:
    return audit_record(
        entity="item",
        entity_id=entity_id,  # type: ignore[arg-type]
        action="updated",
        actor_id=actor,  # type: ignore[arg-type]
        at=T0 + timedelta(minutes=minutes),
        changes=changes or (FieldChange("name", "a", "b"),),
        origin=Origin(Channel.REST, f"req-{minutes}"),
    )


async def test_records_commit_with_the_unit_of_work_and_read_back(backend: Backend) -> None:
    kept = [
        record(ITEM, ALICE, 0, FieldChange("unit_price", "1.00", "2.50")),
        record(OTHER, BOB, 1, FieldChange("description", None, "new")),
        record(ITEM, BOB, 2, FieldChange("password", "(withheld)", "(withheld)")),
    ]
    async with backend.uow() as uow:
        await uow.audit.append(*kept)
        await uow.commit()
    async with backend.uow() as uow:  # left without commit: rolled back
        await uow.audit.append(record(ITEM, ALICE, 3))
    async with backend.queries() as session:
        everything, total = await session.audit.find(AuditQuery())
        of_item = await session.audit.for_entity("item", ITEM)
        by_bob, bob_total = await session.audit.find(AuditQuery(actor_id=BOB, limit=1))
        window, _ = await session.audit.find(
            AuditQuery(since=T0 + timedelta(minutes=1), until=T0 + timedelta(minutes=2))
        )
        none, _ = await session.audit.find(AuditQuery(entity="user"))
    assert (everything, total) == (kept[::-1], 3)
    assert of_item == [kept[0], kept[2]]
    assert (by_bob, bob_total) == ([kept[2]], 2)
    assert window == [kept[1]]
    assert none == []


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log"]
)
async def test_sql_refuses_to_change_or_remove_a_record(backend: Backend, statement: str) -> None:
    if backend.database is None:
        pytest.skip("the memory store has no statements: its port can only append")
    async with backend.uow() as uow:
        await uow.audit.append(record(ITEM, ALICE, 0))
        await uow.commit()
    with pytest.raises(DBAPIError, match="append-only"):
        async with backend.database.engine.begin() as connection:
            await connection.execute(text(statement))
    async with backend.queries() as session:
        assert (await session.audit.find(AuditQuery()))[1] == 1
