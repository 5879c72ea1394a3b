"""Idempotency keys through the use cases, on memory, SQLite and PostgreSQL: the claim, the work
and the recorded result share one transaction."""

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from types import TracebackType
from typing import Any, Self
from uuid import uuid4

import pytest

from adapters.clock import FixedClock
from application.commands import AdjustStockCommand, CreateItemCommand
from application.errors import IdempotencyKeyReused
from application.ports import IdempotencyRecord, UnitOfWork
from application.use_cases import AdjustStock, CreateItem
from domain.users import Principal, Role
from tests.contracts.conftest import Backend
from tests.contracts.test_repository_contract import T0

CLERK = Principal(user_id=uuid4(), username="clerk", role=Role.CLERK)


class RecordingFails:
    """A unit of work whose idempotency record fails after the work is done: the failure the
    old design got wrong (stock changed, the client told nothing was, the key stuck)."""

    def __init__(self, inner: UnitOfWork) -> None:
        self._inner = inner
        self.items = inner.items
        self.movements = inner.movements
        self.users = inner.users
        self.login_attempts = inner.login_attempts
        self.idempotency = self

    async def claim(
        self, key: str, fingerprint: str, *, now: datetime, expires_at: datetime
    ) -> IdempotencyRecord | None:
        return await self._inner.idempotency.claim(key, fingerprint, now=now, expires_at=expires_at)

    async def record(self, key: str, result: str) -> None:
        await self._inner.idempotency.record(key, result)
        raise OSError("the disk went away after the work was done")

    async def __aenter__(self) -> Self:
        await self._inner.__aenter__()
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._inner.__aexit__(kind, exc, tb)

    async def commit(self) -> None:
        await self._inner.commit()

    async def rollback(self) -> None:
        await self._inner.rollback()


async def new_item(backend: Backend, quantity: int = 10) -> Any:
    create = CreateItem(backend.uow(), FixedClock(T0))
    command = CreateItemCommand(actor=CLERK, sku="IDEM-1", name="Once", unit_price="1")
    return (await create.execute(replace(command, quantity=quantity))).item


def adjust(backend: Backend, uow: Callable[[], UnitOfWork] | None = None) -> AdjustStock:
    return AdjustStock((uow or backend.uow)(), FixedClock(T0))


async def quantity(backend: Backend, item_id: Any) -> int:
    async with backend.queries() as session:
        found = await session.items.get(item_id)
    assert found is not None
    return found.quantity


async def test_a_failure_after_the_work_leaves_stock_unchanged_and_the_key_free(
    backend: Backend,
) -> None:
    item = await new_item(backend)
    command = AdjustStockCommand(
        actor=CLERK, item=item.id, delta=-4, reason="sold", idempotency_key="sale-1"
    )
    failing = adjust(backend, lambda: RecordingFails(backend.uow()))  # type: ignore[arg-type, return-value]
    with pytest.raises(OSError, match="disk went away"):
        await failing.execute(command)
    assert await quantity(backend, item.id) == 10
    first = await adjust(backend).execute(command)  # the key is free: the retry does the work
    assert (first.replayed, first.item.quantity) == (False, 6)
    again = await adjust(backend).execute(command)
    assert again.replayed
    assert again.item.quantity == 6
    assert again.movement == first.movement
    assert await quantity(backend, item.id) == 6


async def test_concurrent_retries_do_the_work_once(backend: Backend) -> None:
    item = await new_item(backend)
    command = AdjustStockCommand(
        actor=CLERK, item=item.id, delta=-1, reason="sold", idempotency_key="once"
    )
    results = await asyncio.gather(*(adjust(backend).execute(command) for _ in range(6)))
    assert sorted(r.replayed for r in results) == [False] + [True] * 5
    assert {r.movement.id for r in results if r.movement} == {results[0].movement.id}  # type: ignore[union-attr]
    assert await quantity(backend, item.id) == 9


async def test_a_key_reused_for_another_request_is_refused(backend: Backend) -> None:
    item = await new_item(backend)
    sold = AdjustStockCommand(
        actor=CLERK, item=item.id, delta=-1, reason="sold", idempotency_key="k"
    )
    await adjust(backend).execute(sold)
    with pytest.raises(IdempotencyKeyReused):
        await adjust(backend).execute(replace(sold, delta=-2))
    other_user = replace(sold, actor=replace(CLERK, user_id=uuid4()))
    assert not (await adjust(backend).execute(other_user)).replayed  # keys are per user
    assert await quantity(backend, item.id) == 8


async def test_a_replayed_create_returns_the_recorded_item(backend: Backend) -> None:
    create = CreateItemCommand(
        actor=CLERK, sku="NEW-1", name="New", unit_price="2.50", idempotency_key="c"
    )
    first = await CreateItem(backend.uow(), FixedClock(T0)).execute(create)
    again = await CreateItem(backend.uow(), FixedClock(T0)).execute(create)
    assert (first.replayed, again.replayed) == (False, True)
    assert again.item.id == first.item.id
    assert again.item.unit_price == first.item.unit_price
    assert again.item.created_at == first.item.created_at
