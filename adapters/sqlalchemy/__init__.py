"""The SQL store (SQLite embedded by default, PostgreSQL in production): the same ports as
``adapters.memory``, held to the same contract suite."""

from adapters.sqlalchemy.database import Database, create_engine, display_url, normalise_url
from adapters.sqlalchemy.errors import DatabaseNotReady, DatabaseUnreachable, SchemaNotAtHead
from adapters.sqlalchemy.migrate import (
    check_schema_at_head,
    create_schema_if_new,
    current,
    downgrade,
    upgrade,
)
from adapters.sqlalchemy.queries import SqlAlchemyQuerySession
from adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork

__all__ = [
    "Database",
    "DatabaseNotReady",
    "DatabaseUnreachable",
    "SchemaNotAtHead",
    "SqlAlchemyQuerySession",
    "SqlAlchemyUnitOfWork",
    "check_schema_at_head",
    "create_engine",
    "create_schema_if_new",
    "current",
    "display_url",
    "downgrade",
    "normalise_url",
    "upgrade",
]
