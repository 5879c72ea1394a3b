"""The sweeper resource: runs in a serving process at its interval, never in a CLI command."""

import asyncio
from pathlib import Path

from dependency_injector import providers

from adapters.clock import FixedClock
from application.commands import CreateReservationCommand
from domain.reservations import ReservationStatus
from domain.users import Principal, Role
from entrypoints.container import Container, build_container, close, start
from tests.conftest import make_settings
from tests.unit.use_cases.conftest import create_item, principal


async def _overdue_hold(container: Container, clock: FixedClock, clerk: Principal) -> object:
    item = await create_item(container, clerk, quantity=3)
    made = await container.create_reservation().execute(
        CreateReservationCommand(
            actor=clerk, item=item.id, quantity=2, reference="SO-1", ttl_seconds=60
        )
    )
    clock.advance(seconds=60)
    return made.reservation.id


def _container(tmp_path: Path, clock: FixedClock, *, serving: bool) -> Container:
    container = build_container(make_settings(tmp_path, reservation_sweep_seconds=0.02))
    container.clock.override(providers.Object(clock))
    container.sweeps_reservations.override(providers.Object(serving))
    return container


async def test_a_serving_process_expires_overdue_holds_at_its_interval(
    tmp_path: Path, clock: FixedClock
) -> None:
    container = _container(tmp_path, clock, serving=True)
    rid = await _overdue_hold(container, clock, principal(Role.CLERK))
    await start(container)
    try:
        for _ in range(200):
            if container.memory_store().reservations[rid].status is ReservationStatus.EXPIRED:
                break
            await asyncio.sleep(0.01)
        assert container.memory_store().reservations[rid].status is ReservationStatus.EXPIRED
        assert all(item.held == 0 for item in container.memory_store().items.values())
    finally:
        await close(container)
    assert not [t for t in asyncio.all_tasks() if t.get_name() == "reservation-sweeper"]


async def test_no_sweeper_outside_a_serving_process(tmp_path: Path, clock: FixedClock) -> None:
    container = _container(tmp_path, clock, serving=False)
    rid = await _overdue_hold(container, clock, principal(Role.CLERK))
    await start(container)
    try:
        await asyncio.sleep(0.1)
        assert container.memory_store().reservations[rid].status is ReservationStatus.ACTIVE
    finally:
        await close(container)
