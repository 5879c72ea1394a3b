"""The login-attempt counters behave alike on every store: what is saved is what a later
``hold`` returns, and ``hold`` serialises concurrent read-modify-writes of one counter."""

import asyncio
from datetime import UTC, datetime, timedelta

from application.ports import LoginFailures
from tests.contracts.conftest import Backend

T0 = datetime(2026, 1, 1, 12, 0, 0, 123456, tzinfo=UTC)


async def test_counters_are_saved_held_and_cleared_per_key(backend: Backend) -> None:
    alice = LoginFailures(count=2, first_at=T0, last_at=T0 + timedelta(seconds=5))
    async with backend.uow() as uow:
        assert await uow.login_attempts.hold("user:alice") is None
        await uow.login_attempts.save("user:alice", alice)
        await uow.login_attempts.save("addr:192.0.2.1", LoginFailures(1, T0, T0))
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.login_attempts.hold("user:alice") == alice
        await uow.login_attempts.save("user:alice", LoginFailures(3, T0, T0))
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.login_attempts.hold("user:alice") == LoginFailures(3, T0, T0)
        await uow.login_attempts.clear("user:alice")
        await uow.login_attempts.clear("user:nobody")  # not an error
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.login_attempts.hold("user:alice") is None
        assert await uow.login_attempts.hold("addr:192.0.2.1") == LoginFailures(1, T0, T0)


async def test_a_hold_alone_leaves_no_counter(backend: Backend) -> None:
    async with backend.uow() as uow:
        assert await uow.login_attempts.hold("user:bob") is None
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.login_attempts.hold("user:bob") is None


async def test_a_counter_saved_without_commit_is_gone(backend: Backend) -> None:
    async with backend.uow() as uow:
        await uow.login_attempts.save("user:carol", LoginFailures(1, T0, T0))
    async with backend.uow() as uow:
        assert await uow.login_attempts.hold("user:carol") is None


async def test_concurrent_increments_through_hold_lose_nothing(backend: Backend) -> None:
    """Each unit of work reads the counter, lets the others run, and writes it plus one: only
    a hold that locks makes that exact."""

    async def increment(n: int) -> None:
        async with backend.uow() as uow:
            held = await uow.login_attempts.hold("addr:198.51.100.1")
            await asyncio.sleep(0)  # the others get every chance to read the same count
            at = T0 + timedelta(seconds=n)
            counted = (
                LoginFailures(1, at, at)
                if held is None
                else LoginFailures(held.count + 1, held.first_at, at)
            )
            await uow.login_attempts.save("addr:198.51.100.1", counted)
            await uow.commit()

    await asyncio.gather(*(increment(n) for n in range(20)))
    async with backend.uow() as uow:
        final = await uow.login_attempts.hold("addr:198.51.100.1")
    assert final is not None
    assert final.count == 20
