"""PostgreSQL-specific adapters beyond SQLAlchemy: live events through ``LISTEN/NOTIFY``.

Import the modules directly (``adapters.postgres.notify_events``): asyncpg is the optional
``postgres`` extra, and ``event_codec`` must stay importable without it.
"""
