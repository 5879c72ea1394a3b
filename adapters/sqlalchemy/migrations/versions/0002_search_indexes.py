"""Indexed item search: an FTS5 trigram index on SQLite, pg_trgm GIN indexes on PostgreSQL.

``q=`` matches a case-folded substring of the SKU, name or description with ``LIKE '%…%'``,
which scans the whole table. Both indexes only narrow the candidates; the repository keeps the
``LIKE`` as the exact test (see ``adapters/sqlalchemy/search.py``).

SQLite: ``items_search`` is an FTS5 table with the trigram tokenizer over the same case-folded
text the query compares (``lower(sku)``, ``name_key``, ``description_key``; already folded by
Python, hence ``case_sensitive 1``). Triggers on ``items`` keep it in step with every write
path (single rows, the multi-row inserts of an import, executemany updates) without any Python
code. ``items`` has a UUID key, so its implicit rowid may change on ``VACUUM``: nothing is keyed
by it. ``items_search_rowids`` gives each item a stable ``INTEGER PRIMARY KEY`` (which ``VACUUM``
keeps) that is the item's rowid in the FTS table: triggers find an item's index row through it,
and queries turn index rowids back into item ids through it. The FTS table keeps its own copy
of the text (not contentless), so a delete never depends on being handed the indexed values.

PostgreSQL: GIN trigram indexes on exactly the three expressions the query filters, so
``LIKE '%…%'`` becomes a BitmapOr of index scans. ``pg_trgm`` is a trusted extension: the
migrating role needs the CREATE privilege on the database (or a superuser installs it first).
The downgrade leaves the extension in place: other objects may use it.

Revision ID: 0002
Revises: 0001
Create Date: 2026-02-01
"""

import sqlite3
from collections.abc import Sequence

from alembic import op
from sqlalchemy import exc

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SQLITE_UPGRADE = (
    """CREATE TABLE items_search_rowids (
        search_rowid INTEGER PRIMARY KEY,
        item_id CHAR(32) NOT NULL UNIQUE
    )""",
    "INSERT INTO items_search_rowids (item_id) SELECT id FROM items",
    """INSERT INTO items_search (rowid, sku, name, description)
        SELECT r.search_rowid, lower(i.sku), i.name_key, i.description_key
        FROM items AS i JOIN items_search_rowids AS r ON r.item_id = i.id""",
    """CREATE TRIGGER items_search_after_insert AFTER INSERT ON items BEGIN
        INSERT INTO items_search_rowids (item_id) VALUES (new.id);
        INSERT INTO items_search (rowid, sku, name, description)
        VALUES (
            (SELECT search_rowid FROM items_search_rowids WHERE item_id = new.id),
            lower(new.sku), new.name_key, new.description_key
        );
    END""",
    # Stock changes rewrite the row without touching its text: the index is left alone.
    """CREATE TRIGGER items_search_after_update AFTER UPDATE OF sku, name_key, description_key
        ON items
        WHEN old.sku IS NOT new.sku OR old.name_key IS NOT new.name_key
            OR old.description_key IS NOT new.description_key
    BEGIN
        UPDATE items_search
        SET sku = lower(new.sku), name = new.name_key, description = new.description_key
        WHERE rowid = (SELECT search_rowid FROM items_search_rowids WHERE item_id = new.id);
    END""",
    """CREATE TRIGGER items_search_after_delete AFTER DELETE ON items BEGIN
        DELETE FROM items_search
        WHERE rowid = (SELECT search_rowid FROM items_search_rowids WHERE item_id = old.id);
        DELETE FROM items_search_rowids WHERE item_id = old.id;
    END""",
)

_SQLITE_DOWNGRADE = (
    "DROP TRIGGER items_search_after_delete",
    "DROP TRIGGER items_search_after_update",
    "DROP TRIGGER items_search_after_insert",
    "DROP TABLE items_search",
    "DROP TABLE items_search_rowids",
)

# A small pending list (256 kB instead of 4 MB): GIN buffers new entries there until it is
# merged, every search reads all of it, and the planner avoids an index with a long one.
_GIN = "USING gin ({} gin_trgm_ops) WITH (gin_pending_list_limit = 256)"
_POSTGRESQL_UPGRADE = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_items_search_sku ON items " + _GIN.format("lower(sku)"),
    "CREATE INDEX ix_items_search_name ON items " + _GIN.format("name_key"),
    "CREATE INDEX ix_items_search_description ON items " + _GIN.format("description_key"),
)

_POSTGRESQL_DOWNGRADE = (
    "DROP INDEX ix_items_search_description",
    "DROP INDEX ix_items_search_name",
    "DROP INDEX ix_items_search_sku",
)

_FTS_TABLE = """CREATE VIRTUAL TABLE items_search USING fts5(
    sku, name, description, tokenize = 'trigram case_sensitive 1'
)"""


def _create_fts_table() -> None:
    """Without FTS5's trigram tokenizer (SQLite 3.34 or newer, built with FTS5) there is no
    index to build: stop with a message instead of migrating to a schema that differs."""
    try:
        op.execute(_FTS_TABLE)
    except exc.DatabaseError as error:
        raise RuntimeError(
            f"cannot create the search index ({error.orig}): item search needs SQLite's FTS5"
            " with the trigram tokenizer (SQLite 3.34 or newer built with FTS5, as Python's"
            f" own builds are); this is SQLite {sqlite3.sqlite_version}"
        ) from error


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _create_fts_table()
        statements: Sequence[str] = _SQLITE_UPGRADE
    else:
        statements = _POSTGRESQL_UPGRADE
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    is_sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in _SQLITE_DOWNGRADE if is_sqlite else _POSTGRESQL_DOWNGRADE:
        op.execute(statement)
