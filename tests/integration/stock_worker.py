"""A separate process that runs the stock use case on a database (for the multi-process
test). It builds only what it needs, to start quickly.

``python -m tests.integration.stock_worker burst URL ITEM_ID N`` prints ``ready``, waits for a
line on stdin (so that all workers start together), fires N concurrent -1 adjustments and
prints how many succeeded and how many found too little stock. ``transfer URL ITEM_ID N FROM
TO`` fires N concurrent transfers of one unit from location FROM to TO instead.
"""

import asyncio
import json
import sys
from uuid import UUID, uuid4

from adapters.clock import SystemClock
from adapters.sqlalchemy import SqlAlchemyUnitOfWork, create_engine
from application.commands import AdjustStockCommand, TransferStockCommand
from application.use_cases import AdjustStock, TransferStock
from domain.errors import InsufficientStock
from domain.users import Principal, Role

ACTOR = Principal(user_id=uuid4(), username="worker", role=Role.ADMIN)


async def burst(url: str, item_id: UUID, count: int, move: tuple[str, str] | None) -> None:
    engine = create_engine(url, pool_size=5, max_overflow=5, sqlite_busy_timeout=30.0)

    async def one() -> bool:
        uow, clock = SqlAlchemyUnitOfWork(engine), SystemClock()
        try:
            if move is None:
                command = AdjustStockCommand(actor=ACTOR, item=item_id, delta=-1, reason="sold")
                await AdjustStock(uow, clock).execute(command)
            else:
                transfer = TransferStockCommand(
                    actor=ACTOR,
                    item=item_id,
                    from_location=move[0],
                    to_location=move[1],
                    quantity=1,
                )
                await TransferStock(uow, clock).execute(transfer)
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


def main(argv: list[str]) -> None:
    mode, url, item_id = argv[0], argv[1], UUID(argv[2])
    if mode not in ("burst", "transfer"):
        raise SystemExit(f"unknown mode {mode!r}")
    move = (argv[4], argv[5]) if mode == "transfer" else None
    asyncio.run(burst(url, item_id, int(argv[3]), move))


if __name__ == "__main__":
    main(sys.argv[1:])
