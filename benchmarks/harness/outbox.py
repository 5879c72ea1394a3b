"""Issue 16's bound in the full run: what writing the outbox row costs a stock movement.

``benchmarks/outbox_cost.py`` measures it in process, through the AdjustStock use case, with
and without the outbox INSERT, interleaved in rounds (its docstring says why in process); this
runs it on a store of its own and reports it as a row.
"""

import asyncio

from benchmarks import outbox_cost
from benchmarks.harness.report import Row
from benchmarks.harness.scenarios import Bench


def measure_outbox_cost(bench: Bench) -> Row:
    store = bench.store("outbox")
    movements = bench.options.outbox_movements
    result = asyncio.run(outbox_cost.measure(store.database_url, movements, 5, relay=True))
    row = Row(
        "outbox INSERT's cost per movement (in process, relay running)",
        value=f"+{result['cost']:.1%} ({result['plain_ms']:.2f} → {result['outbox_ms']:.2f} ms)",
    )
    return bench.report.add(row).expect(
        f"≤ {outbox_cost.BOUND:.0%}", result["cost"] <= outbox_cost.BOUND
    )
