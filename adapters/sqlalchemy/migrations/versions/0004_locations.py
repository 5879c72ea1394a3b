"""Stock by location: locations, per-location stock, located movements, transfers, stocktakes.

The default location ``MAIN`` is created with a fixed id; every item's stock moves to it and
every ledger line names it, so each location's quantity is still exactly the sum of its ledger.
Downgrading folds everything back into the items' totals (which always held the sum): the two
lines of each transfer cancel out per item and are dropped, so the ledger still sums exactly.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from uuid import UUID

import sqlalchemy as sa
from alembic import op

from adapters.sqlalchemy.tables import UtcDateTime

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: ``domain.locations.MAIN_LOCATION_ID``, written out: a migration must not change with the code.
MAIN = UUID("00000000-0000-4000-8000-000000000001")

_items = sa.table("items", sa.column("id", sa.Uuid()), sa.column("quantity", sa.BigInteger()))
_movements = sa.table(
    "stock_movements", sa.column("location_id", sa.Uuid()), sa.column("transfer_id", sa.Uuid())
)
_locations = sa.table(
    "locations",
    sa.column("id", sa.Uuid()),
    sa.column("code", sa.String()),
    sa.column("name", sa.String()),
    sa.column("name_key", sa.String()),
    sa.column("parent_id", sa.Uuid()),
    sa.column("active", sa.Boolean()),
    sa.column("version", sa.BigInteger()),
    sa.column("created_at", UtcDateTime()),
    sa.column("updated_at", UtcDateTime()),
)
_stock = sa.table(
    "location_stock",
    sa.column("item_id", sa.Uuid()),
    sa.column("location_id", sa.Uuid()),
    sa.column("quantity", sa.BigInteger()),
    sa.column("version", sa.BigInteger()),
)


def _create_tables() -> None:
    op.create_table(
        "locations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "code",
            sa.String(length=64).with_variant(sa.String(length=64, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_key", sa.String(length=600), nullable=False),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["locations.id"], name=op.f("fk_locations_parent_id_locations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_locations")),
        sa.UniqueConstraint("code", name=op.f("uq_locations_code")),
    )
    op.create_index(op.f("ix_locations_parent_id"), "locations", ["parent_id"])
    op.create_table(
        "location_stock",
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("location_id", sa.Uuid(), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("quantity >= 0", name=op.f("ck_location_stock_quantity_nonnegative")),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["items.id"],
            name=op.f("fk_location_stock_item_id_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["location_id"], ["locations.id"], name=op.f("fk_location_stock_location_id_locations")
        ),
        sa.PrimaryKeyConstraint("item_id", "location_id", name=op.f("pk_location_stock")),
    )
    op.create_index(
        "ix_location_stock_location_id_item_id", "location_stock", ["location_id", "item_id"]
    )
    op.create_table(
        "stocktakes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("location_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("committed_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stocktakes")),
    )
    op.create_table(
        "stocktake_lines",
        sa.Column("stocktake_id", sa.Uuid(), nullable=False),
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("location_id", sa.Uuid(), nullable=False),
        sa.Column("expected", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("counted", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["stocktake_id"],
            ["stocktakes.id"],
            name=op.f("fk_stocktake_lines_stocktake_id_stocktakes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "stocktake_id", "item_id", "location_id", name=op.f("pk_stocktake_lines")
        ),
    )


def _locate_the_ledger() -> None:
    """Every existing ledger line is at ``MAIN``. SQLite adds a NOT NULL column only with a
    default, which fills the existing rows in place (no copy of the ledger); the code always
    writes the column, so the default is never used afterwards. PostgreSQL fills the rows and
    then requires the column."""
    if op.get_bind().dialect.name == "sqlite":
        default = sa.text(f"'{MAIN.hex}'")
        op.add_column(
            "stock_movements",
            sa.Column("location_id", sa.Uuid(), nullable=False, server_default=default),
        )
        return
    op.add_column("stock_movements", sa.Column("location_id", sa.Uuid(), nullable=True))
    op.execute(_movements.update().values(location_id=MAIN))
    op.alter_column("stock_movements", "location_id", nullable=False)


def upgrade() -> None:
    _create_tables()
    now = datetime.now(UTC)
    op.execute(
        _locations.insert().values(
            id=MAIN,
            code="MAIN",
            name="Main",
            name_key="main",
            parent_id=None,
            active=True,
            version=1,
            created_at=now,
            updated_at=now,
        )
    )
    op.execute(
        _stock.insert().from_select(
            ["item_id", "location_id", "quantity", "version"],
            sa.select(
                _items.c.id,
                sa.literal(MAIN, sa.Uuid()),
                _items.c.quantity,
                sa.literal(1, sa.BigInteger()),
            ).where(_items.c.quantity > 0),
        )
    )
    _locate_the_ledger()
    op.add_column("stock_movements", sa.Column("transfer_id", sa.Uuid(), nullable=True))
    op.create_index(op.f("ix_stock_movements_transfer_id"), "stock_movements", ["transfer_id"])


def downgrade() -> None:
    op.execute(_movements.delete().where(_movements.c.transfer_id.is_not(None)))
    op.drop_index(op.f("ix_stock_movements_transfer_id"), table_name="stock_movements")
    for column in ("transfer_id", "location_id"):
        # SQLite (3.35+) drops a column in place; Alembic's batch mode would copy the ledger.
        op.execute(f"ALTER TABLE stock_movements DROP COLUMN {column}")
    op.drop_table("stocktake_lines")
    op.drop_table("stocktakes")
    op.drop_index("ix_location_stock_location_id_item_id", table_name="location_stock")
    op.drop_table("location_stock")
    op.drop_index(op.f("ix_locations_parent_id"), table_name="locations")
    op.drop_table("locations")
