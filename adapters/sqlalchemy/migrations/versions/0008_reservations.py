"""Reservations (issue 15): the holds, what each stock row and item holds, and the reservation
a ``sold`` ledger line fulfilled.

The new counters start at zero (nothing is reserved before this revision); SQLite adds a NOT
NULL column in place only with a default, so both dialects get ``DEFAULT 0``. An item's
``hold_expires_at`` (when its first hold expires) starts NULL: it holds nothing yet.
Downgrading drops the holds: the stock they held was never moved, so quantities and the ledger
stay exact.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from adapters.sqlalchemy.tables import UtcDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reservations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("location_id", sa.Uuid(), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("fulfilled_quantity", sa.BigInteger(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_reservations_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["items.id"],
            name=op.f("fk_reservations_item_id_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["location_id"], ["locations.id"], name=op.f("fk_reservations_location_id_locations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reservations")),
    )
    op.create_index(
        "uq_reservations_item_id_reference", "reservations", ["item_id", "reference"], unique=True
    )
    op.create_index("ix_reservations_status_expires_at", "reservations", ["status", "expires_at"])
    op.create_index("ix_reservations_reference", "reservations", ["reference"])
    op.create_index("ix_reservations_created_at_id", "reservations", ["created_at", "id"])
    zero = sa.text("0")
    op.add_column("items", sa.Column("held", sa.BigInteger(), nullable=False, server_default=zero))
    op.add_column("items", sa.Column("hold_expires_at", UtcDateTime(), nullable=True))
    op.add_column(
        "location_stock",
        sa.Column("reserved", sa.BigInteger(), nullable=False, server_default=zero),
    )
    op.add_column("stock_movements", sa.Column("reservation_id", sa.Uuid(), nullable=True))


def downgrade() -> None:
    # SQLite (3.35+) drops a column in place; Alembic's batch mode would copy the tables.
    op.execute("ALTER TABLE stock_movements DROP COLUMN reservation_id")
    op.execute("ALTER TABLE location_stock DROP COLUMN reserved")
    op.execute("ALTER TABLE items DROP COLUMN hold_expires_at")
    op.execute("ALTER TABLE items DROP COLUMN held")
    op.drop_index("ix_reservations_created_at_id", table_name="reservations")
    op.drop_index("ix_reservations_reference", table_name="reservations")
    op.drop_index("ix_reservations_status_expires_at", table_name="reservations")
    op.drop_index("uq_reservations_item_id_reference", table_name="reservations")
    op.drop_table("reservations")
