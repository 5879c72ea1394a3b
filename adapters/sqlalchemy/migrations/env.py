"""Alembic's environment, configured from code (``adapters.sqlalchemy.migrate``) rather than an
``alembic.ini``, so migrations run the same from a checkout, an installed wheel or the CLI.

Normally a connection is handed over in ``config.attributes["connection"]``; run from the
``alembic`` command line instead, the URL comes from ``sqlalchemy.url``.
"""

import asyncio

from alembic import context
from sqlalchemy import Connection

from adapters.sqlalchemy.database import async_engine
from adapters.sqlalchemy.tables import autogenerate_filters, metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        **autogenerate_filters(connection.dialect.name),
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_from_url(url: str) -> None:
    engine = async_engine(url, null_pool=True)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_run)
    finally:
        await engine.dispose()


def main() -> None:
    if context.is_offline_mode():
        raise RuntimeError("offline (--sql) migrations are not supported")
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
    else:
        asyncio.run(_run_from_url(context.config.get_main_option("sqlalchemy.url") or ""))


main()
