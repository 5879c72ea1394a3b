"""A separate process that runs the stock use case on a database (for the multi-process and
the kill -9 durability tests). It builds only what it needs, to start quickly.

``python -m tests.integration.stock_worker burst URL ITEM_ID N`` prints ``ready``, waits for a
line on stdin (so that all workers start together), fires N concurrent -1 adjustments and
prints how many succeeded and how many found too little stock.
``python -m tests.integration.stock_worker ack URL ITEM_ID`` adds stock one unit at a time
forever and prints each movement's id right after its commit returned.
"""

import asyncio
import json
import sys
from uuid import UUID, uuid4

from adapters.clock import SystemClock
from adapters.sqlalchemy import SqlAlchemyUnitOfWork, create_engine
from application.commands import AdjustStockCommand
from application.use_cases import AdjustStock
from domain.errors import InsufficientStock
from domain.users import Principal, Role

ACTOR = Principal(user_id=uuid4(), username="worker", role=Role.ADMIN)


async def burst(url: str, item_id: UUID, count: int) -> None:
    engine = create_engine(url, pool_size=5, max_overflow=5)

    async def one() -> bool:
        use_case = AdjustStock(SqlAlchemyUnitOfWork(engine), SystemClock())
        command = AdjustStockCommand(actor=ACTOR, item=item_id, delta=-1, reason="sold")
        try:
            await use_case.execute(command)
        except InsufficientStock:
            return False
        return True

    try:
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        results = await asyncio.gather(*(one() for _ in range(count)))
    finally:
        await engine.dispose()
    print(json.dumps({"ok": sum(results), "insufficient": results.count(False)}), flush=True)


async def acknowledge_forever(url: str, item_id: UUID) -> None:
    engine = create_engine(url)
    use_case = AdjustStock(SqlAlchemyUnitOfWork(engine), SystemClock())
    while True:
        command = AdjustStockCommand(actor=ACTOR, item=item_id, delta=1, reason="received")
        change = await use_case.execute(command)
        assert change.movement is not None
        print(change.movement.id, flush=True)


def main(argv: list[str]) -> None:
    mode, url, item_id = argv[0], argv[1], UUID(argv[2])
    if mode == "burst":
        asyncio.run(burst(url, item_id, int(argv[3])))
    else:
        asyncio.run(acknowledge_forever(url, item_id))


if __name__ == "__main__":
    main(sys.argv[1:])
