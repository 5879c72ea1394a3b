"""A separate process for the reservation concurrency tests; builds only what it needs.

``python -m tests.integration.reservation_worker reserve URL ITEM_ID N PREFIX`` prints
``ready``, waits for a line on stdin (so that all workers start together), fires N concurrent
1-unit reservations (references PREFIX-0 …) and prints how many succeeded and how many found
too little available. ``sweep URL AT`` runs the sweeper once with the clock at AT (ISO 8601)
and prints how many holds it expired and how many ``reservation.expired`` events it published.
"""

import asyncio
import json
import sys
from collections.abc import Sequence
from datetime import datetime, timedelta
from uuid import UUID, uuid4

from adapters.clock import FixedClock, SystemClock
from adapters.sqlalchemy import SqlAlchemyUnitOfWork, create_engine
from application.commands import CreateReservationCommand
from application.use_cases import CreateReservation, ExpireReservations
from domain.errors import InsufficientStock
from domain.events import DomainEvent, ReservationExpired
from domain.users import Principal, Role

ACTOR = Principal(user_id=uuid4(), username="worker", role=Role.ADMIN)


class Counting:
    def __init__(self) -> None:
        self.expired = 0

    async def publish(self, events: Sequence[DomainEvent]) -> None:
        self.expired += sum(isinstance(event, ReservationExpired) for event in events)


async def reserve(url: str, item_id: UUID, count: int, prefix: str) -> None:
    engine = create_engine(url, pool_size=5, max_overflow=5, sqlite_busy_timeout=30.0)

    async def one(n: int) -> bool:
        use_case = CreateReservation(
            SqlAlchemyUnitOfWork(engine), SystemClock(), timedelta(hours=1)
        )
        command = CreateReservationCommand(
            actor=ACTOR, item=item_id, quantity=1, reference=f"{prefix}-{n}"
        )
        try:
            await use_case.execute(command)
        except InsufficientStock:
            return False
        return True

    try:
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        results = await asyncio.gather(*(one(n) for n in range(count)))
    finally:
        await engine.dispose()
    print(json.dumps({"ok": sum(results), "insufficient": results.count(False)}), flush=True)


async def sweep(url: str, at: datetime) -> None:
    engine = create_engine(url, pool_size=2, max_overflow=2, sqlite_busy_timeout=30.0)
    published = Counting()
    try:
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        uow = SqlAlchemyUnitOfWork(engine, published)
        done = await ExpireReservations(uow, FixedClock(at), batch=5).execute()
    finally:
        await engine.dispose()
    print(json.dumps({"expired": done.expired, "events": published.expired}), flush=True)


def main(argv: list[str]) -> None:
    if argv[0] == "reserve":
        asyncio.run(reserve(argv[1], UUID(argv[2]), int(argv[3]), argv[4]))
    elif argv[0] == "sweep":
        asyncio.run(sweep(argv[1], datetime.fromisoformat(argv[2])))
    else:
        raise SystemExit(f"unknown mode {argv[0]!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
