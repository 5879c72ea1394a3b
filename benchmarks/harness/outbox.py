"""Issue 16's bound in the full run: what writing the outbox row costs a stock movement.

``benchmarks/outbox_cost.py`` measures it in process, through the AdjustStock use case, with
and without the outbox INSERT, interleaved in rounds (its docstring says why in process). The
bound is on writing the row (the issue's words); the same comparison with the relay running,
as in a server, is reported beside it: the relay's own work (positioning in a short write
transaction of its own, at most twenty times a second) comes on top, and on a shared machine
that figure moves by several points from one run to the next.
"""

import asyncio

from benchmarks import outbox_cost
from benchmarks.harness.report import Row
from benchmarks.harness.scenarios import Bench

ROUNDS = 9


def measure_outbox_cost(bench: Bench) -> Row:
    store = bench.store("outbox")
    movements = bench.options.outbox_movements
    alone = asyncio.run(outbox_cost.measure(store.database_url, movements, ROUNDS, relay=False))
    relayed = asyncio.run(outbox_cost.measure(store.database_url, movements, ROUNDS, relay=True))
    row = Row(
        "outbox INSERT's cost per movement (in process)",
        value=f"+{alone['cost']:.1%} ({alone['plain_ms']:.2f} → {alone['outbox_ms']:.2f} ms);"
        f" with the relay running +{relayed['cost']:.1%}",
    )
    return bench.report.add(row).expect(
        f"≤ {outbox_cost.BOUND:.0%}", alone["cost"] <= outbox_cost.BOUND
    )
