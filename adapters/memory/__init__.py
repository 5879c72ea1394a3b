"""In-memory adapters: real, selectable implementations of the ports (``INVENTORY_STORAGE=memory``),
held to the same contract suite as the SQLAlchemy ones."""

from adapters.memory.events import InProcessEventBus
from adapters.memory.images import InMemoryImageStore
from adapters.memory.queries import InMemoryQuerySession
from adapters.memory.store import InMemoryStore
from adapters.memory.unit_of_work import InMemoryUnitOfWork

__all__ = [
    "InMemoryImageStore",
    "InMemoryQuerySession",
    "InMemoryStore",
    "InMemoryUnitOfWork",
    "InProcessEventBus",
]
