"""The stock-ledger state machine on the in-memory adapters."""

import tempfile
from datetime import UTC, datetime
from pathlib import Path

from dependency_injector import providers

from adapters.clock import FixedClock
from entrypoints.container import Container, build_container
from tests.conftest import make_settings
from tests.contracts.stock_machine import make_stock_machine


def memory_container() -> Container:
    # The memory adapters never touch the data directory (the secret is given).
    container = build_container(
        make_settings(Path(tempfile.gettempdir()) / "inventory-stock-machine")
    )
    container.clock.override(providers.Object(FixedClock(datetime(2026, 1, 1, tzinfo=UTC))))
    return container


TestStockLedgerOnMemory = make_stock_machine(memory_container).TestCase
