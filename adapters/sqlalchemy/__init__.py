"""The SQL store (SQLite embedded by default, PostgreSQL in production): the same ports as
``adapters.memory``, held to the same contract suite."""

from adapters.sqlalchemy.engine import create_engine, display_url, normalise_url
from adapters.sqlalchemy.errors import DatabaseNotReady, DatabaseUnreachable, SchemaNotAtHead
from adapters.sqlalchemy.idempotency import SqlAlchemyIdempotencyStore
from adapters.sqlalchemy.migrate import check_schema_at_head, current, downgrade, upgrade
from adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork

__all__ = [
    "DatabaseNotReady",
    "DatabaseUnreachable",
    "SchemaNotAtHead",
    "SqlAlchemyIdempotencyStore",
    "SqlAlchemyUnitOfWork",
    "check_schema_at_head",
    "create_engine",
    "current",
    "display_url",
    "downgrade",
    "normalise_url",
    "upgrade",
]
