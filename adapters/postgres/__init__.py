from adapters.postgres.notify_events import (
    PostgresEventListener,
    PostgresNotifyPublisher,
    asyncpg_dsn,
    process_origin,
)

__all__ = ["PostgresEventListener", "PostgresNotifyPublisher", "asyncpg_dsn", "process_origin"]
