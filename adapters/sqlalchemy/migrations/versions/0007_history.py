"""History that is never lost: archived items, and a ledger that outlives a purged item.

* ``items.archived_at``: archiving replaces deleting. PostgreSQL's kept item total (migration
  0003) now counts the items in use only: a row trigger follows ``archived_at`` changes, and
  the insert and delete triggers count rows that are not archived.
* ``stock_movements.item_id`` loses its ``ON DELETE CASCADE`` foreign key: a purged item's
  ledger stays. Every existing ledger row is kept (SQLite copies the table to drop the key).

Items deleted before this revision stay gone: their ledger went with them then.

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-30
"""

import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op
from alembic.operations import BatchOperations

from adapters.sqlalchemy.tables import UtcDateTime

revision: str = "0007"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FOREIGN_KEY = "fk_stock_movements_item_id_items"


@contextmanager
def _ledger_table() -> Iterator[BatchOperations]:
    """Alter the ledger; SQLite copies the table, reflecting it and the items it refers to.
    Reflection skips the expression index on items (``ix_items_stock_margin``) with a warning;
    the copy does not touch items, so the warning says nothing here."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection", sa.exc.SAWarning)
        with op.batch_alter_table("stock_movements") as batch:
            yield batch


_TOTAL_IN_USE = (
    "UPDATE item_total SET total = (SELECT count(*) FROM items WHERE archived_at IS NULL)",
    """CREATE OR REPLACE FUNCTION item_total_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE item_total
            SET total = total + (SELECT count(*) FROM inserted WHERE archived_at IS NULL);
        RETURN NULL;
    END $$""",
    """CREATE OR REPLACE FUNCTION item_total_after_delete() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE item_total
            SET total = total - (SELECT count(*) FROM deleted WHERE archived_at IS NULL);
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION item_total_after_archive() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE item_total
            SET total = total + CASE WHEN NEW.archived_at IS NULL THEN 1 ELSE -1 END;
        RETURN NULL;
    END $$""",
    # A row trigger on the one column: stock movements (the hot path) never fire it.
    """CREATE TRIGGER item_total_after_archive AFTER UPDATE OF archived_at ON items
        FOR EACH ROW WHEN ((OLD.archived_at IS NULL) <> (NEW.archived_at IS NULL))
        EXECUTE FUNCTION item_total_after_archive()""",
)
_TOTAL_OF_ALL = (
    "DROP TRIGGER item_total_after_archive ON items",
    "DROP FUNCTION item_total_after_archive()",
    """CREATE OR REPLACE FUNCTION item_total_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE item_total SET total = total + (SELECT count(*) FROM inserted);
        RETURN NULL;
    END $$""",
    """CREATE OR REPLACE FUNCTION item_total_after_delete() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE item_total SET total = total - (SELECT count(*) FROM deleted);
        RETURN NULL;
    END $$""",
    "UPDATE item_total SET total = (SELECT count(*) FROM items)",
)


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.add_column("items", sa.Column("archived_at", UtcDateTime(), nullable=True))
    archived = sa.text("archived_at IS NOT NULL")
    op.create_index(
        "ix_items_archived_at",
        "items",
        ["archived_at"],
        sqlite_where=archived,
        postgresql_where=archived,
    )
    with _ledger_table() as batch:
        batch.drop_constraint(_FOREIGN_KEY, type_="foreignkey")
    if postgresql:
        for statement in _TOTAL_IN_USE:
            op.execute(statement)


def downgrade() -> None:
    """Back to deleting: purged items' ledger rows (whose item is gone) go, as they would
    have then; archived items come back into use."""
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        for statement in _TOTAL_OF_ALL:
            op.execute(statement)
    op.execute("DELETE FROM stock_movements WHERE item_id NOT IN (SELECT id FROM items)")
    with _ledger_table() as batch:
        batch.create_foreign_key(_FOREIGN_KEY, "items", ["item_id"], ["id"], ondelete="CASCADE")
    op.drop_index("ix_items_archived_at", table_name="items")
    op.drop_column("items", "archived_at")
