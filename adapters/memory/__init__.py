"""In-memory adapters: real, selectable implementations of the ports (``INVENTORY_STORAGE=memory``),
held to the same contract suite as the SQLAlchemy ones."""

from adapters.memory.events import InProcessEventBus
from adapters.memory.idempotency import InMemoryIdempotencyStore
from adapters.memory.images import InMemoryImageStore
from adapters.memory.store import InMemoryStore
from adapters.memory.unit_of_work import InMemoryUnitOfWork

__all__ = [
    "InMemoryIdempotencyStore",
    "InMemoryImageStore",
    "InMemoryStore",
    "InMemoryUnitOfWork",
    "InProcessEventBus",
]
