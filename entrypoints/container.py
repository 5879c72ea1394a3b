"""The composition root: the one place that knows both the adapters and the use cases.

Adapters are chosen from settings (``INVENTORY_STORAGE``); every entrypoint (REST, CLI) and
every test builds one ``Container`` and takes use cases from it. Tests override providers
(``container.clock.override(...)``) instead of patching modules.
"""

from collections.abc import Awaitable, Callable
from functools import partial

from dependency_injector import containers, providers
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.clock import SystemClock
from adapters.images import FileSystemImageStore
from adapters.memory import (
    InMemoryIdempotencyStore,
    InMemoryImageStore,
    InMemoryStore,
    InMemoryUnitOfWork,
    InProcessEventBus,
)
from adapters.metrics import PrometheusDomainMetrics
from adapters.notifications import LoggingNotifier
from adapters.postgres.event_codec import process_origin
from adapters.security import BcryptPasswordHasher, JwtTokenService, load_or_create_secret
from adapters.sqlalchemy import (
    DatabaseNotReady,
    SqlAlchemyIdempotencyStore,
    SqlAlchemyUnitOfWork,
    check_schema_at_head,
    create_engine,
)
from application import use_cases as uc
from application.handlers import NotifyLowStock
from entrypoints.live_events import postgres_listener, postgres_publisher
from entrypoints.observability.metrics import new_metrics_registry
from entrypoints.settings import Settings


def _secret(settings: Settings) -> str:
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value()
    return load_or_create_secret(settings.secret_file)


def _schema_probe(engine: AsyncEngine) -> Callable[[], Awaitable[None]]:
    """Readiness also means "the schema is at the newest migration"."""
    return partial(check_schema_at_head, engine)


class Container(containers.DeclarativeContainer):
    settings = providers.Singleton(Settings)

    # -- infrastructure --------------------------------------------------------------------
    clock = providers.Singleton(SystemClock)
    notifier = providers.Singleton(LoggingNotifier)
    metrics_registry = providers.Singleton(new_metrics_registry)
    domain_metrics = providers.Singleton(PrometheusDomainMetrics, registry=metrics_registry)
    event_bus = providers.Singleton(
        InProcessEventBus,
        handlers=providers.List(
            providers.Factory(NotifyLowStock, notifier=notifier),
            domain_metrics.provided.count_event,
        ),
    )
    # -- live events across processes, chosen by INVENTORY_EVENT_FANOUT (issue 7) ------------
    # ``event_bus`` stays what WebSocket clients listen to; units of work publish through
    # ``event_publisher``, which with PostgreSQL sends to every process's ``event_listener``.
    event_origin = providers.Singleton(process_origin)
    event_publisher = providers.Selector(
        settings.provided.live_event_fanout,
        local=event_bus,
        postgres=providers.Singleton(
            postgres_publisher, settings=settings, bus=event_bus, origin=event_origin
        ),
    )
    event_listener = providers.Singleton(
        postgres_listener, settings=settings, bus=event_bus, origin=event_origin
    )
    password_hasher = providers.Singleton(
        BcryptPasswordHasher, rounds=settings.provided.bcrypt_rounds
    )
    token_service = providers.Singleton(
        JwtTokenService,
        secret=providers.Callable(_secret, settings),
        clock=clock,
        lifetime_seconds=settings.provided.token_ttl_seconds,
        issuer=settings.provided.token_issuer,
        audience=settings.provided.token_audience,
    )

    # -- storage, chosen by INVENTORY_STORAGE ------------------------------------------------
    memory_store = providers.Singleton(InMemoryStore)
    database = providers.Singleton(
        create_engine,
        url=settings.provided.resolved_database_url,
        pool_size=settings.provided.db_pool_size,
        max_overflow=settings.provided.db_max_overflow,
        pool_timeout=settings.provided.db_pool_timeout_seconds,
        connect_timeout=settings.provided.db_connect_timeout_seconds,
        sqlite_synchronous=settings.provided.sqlite_synchronous,
        sqlite_busy_timeout=settings.provided.sqlite_busy_timeout_seconds,
    )
    uow = providers.Selector(
        settings.provided.storage,
        memory=providers.Factory(InMemoryUnitOfWork, store=memory_store, publisher=event_publisher),
        sqlalchemy=providers.Factory(
            SqlAlchemyUnitOfWork, engine=database, publisher=event_publisher
        ),
    )
    read_uow = providers.Selector(
        settings.provided.storage,
        memory=providers.Factory(InMemoryUnitOfWork, store=memory_store, read_only=True),
        sqlalchemy=providers.Factory(SqlAlchemyUnitOfWork, engine=database, read_only=True),
    )
    image_store = providers.Selector(
        settings.provided.storage,
        memory=providers.Singleton(InMemoryImageStore),
        sqlalchemy=providers.Singleton(FileSystemImageStore, root=settings.provided.images_dir),
    )
    idempotency_store = providers.Selector(
        settings.provided.storage,
        memory=providers.Singleton(InMemoryIdempotencyStore),
        sqlalchemy=providers.Singleton(SqlAlchemyIdempotencyStore, engine=database),
    )

    # -- use cases ---------------------------------------------------------------------------
    login_policy = providers.Singleton(
        uc.LoginPolicy,
        free_attempts=settings.provided.login_free_attempts,
        window_seconds=settings.provided.login_window_seconds,
    )
    create_item = providers.Factory(uc.CreateItem, uow=uow, clock=clock)
    get_item = providers.Factory(uc.GetItem, uow=read_uow)
    list_items = providers.Factory(uc.ListItems, uow=read_uow)
    replace_item = providers.Factory(uc.ReplaceItem, uow=uow, clock=clock)
    update_item = providers.Factory(uc.UpdateItem, uow=uow, clock=clock)
    delete_item = providers.Factory(uc.DeleteItem, uow=uow, clock=clock, images=image_store)
    adjust_stock = providers.Factory(uc.AdjustStock, uow=uow, clock=clock)
    count_stock = providers.Factory(uc.CountStock, uow=uow, clock=clock)
    list_movements = providers.Factory(uc.ListMovements, uow=read_uow)
    import_items = providers.Factory(uc.ImportItems, uow=uow, clock=clock)
    export_items = providers.Factory(uc.ExportItems, uow=read_uow)
    attach_image = providers.Factory(
        uc.AttachImage,
        uow=uow,
        clock=clock,
        images=image_store,
        max_bytes=settings.provided.max_image_bytes,
    )
    get_image = providers.Factory(uc.GetImage, uow=read_uow, images=image_store)
    remove_image = providers.Factory(uc.RemoveImage, uow=uow, clock=clock, images=image_store)

    register_user = providers.Factory(uc.RegisterUser, uow=uow, clock=clock, hasher=password_hasher)
    bootstrap_admin = providers.Factory(uc.BootstrapAdmin, uow=uow, register=register_user)
    authenticate = providers.Factory(
        uc.Authenticate,
        uow=uow,
        clock=clock,
        hasher=password_hasher,
        tokens=token_service,
        policy=login_policy,
    )
    resolve_principal = providers.Factory(uc.ResolvePrincipal, uow=read_uow, tokens=token_service)
    change_own_password = providers.Factory(
        uc.ChangeOwnPassword, uow=uow, clock=clock, hasher=password_hasher
    )
    set_user_password = providers.Factory(
        uc.SetUserPassword, uow=uow, clock=clock, hasher=password_hasher
    )
    update_user = providers.Factory(uc.UpdateUser, uow=uow, clock=clock)
    get_user = providers.Factory(uc.GetUser, uow=read_uow)
    list_users = providers.Factory(uc.ListUsers, uow=read_uow)
    resolve_actor = providers.Factory(uc.ResolveActor, uow=read_uow)

    # -- operations --------------------------------------------------------------------------
    #: Extra readiness probes by name (an engine's schema check...); the store read is built in.
    readiness_probes = providers.Selector(
        settings.provided.storage,
        memory=providers.Dict(),
        sqlalchemy=providers.Dict(schema=providers.Callable(_schema_probe, database)),
    )
    check_readiness = providers.Factory(uc.CheckReadiness, uow=read_uow, probes=readiness_probes)


async def check_storage(container: Container) -> None:
    """Fail fast at start-up: raises ``DatabaseNotReady`` (its message says what to do) when the
    database is unreachable or its schema is not at the newest migration."""
    if container.settings().storage == "sqlalchemy":
        await check_schema_at_head(container.database())


async def close(container: Container) -> None:
    """Release what the container holds open (the database pool, the connection that sends
    live events); call it at shutdown, on the event loop that used them."""
    settings = container.settings()
    if settings.live_event_fanout == "postgres":
        publisher = container.event_publisher()
        await publisher.aclose()
    if settings.storage == "sqlalchemy":
        await container.database().dispose()
        container.database.reset()


__all__ = ["Container", "DatabaseNotReady", "build_container", "check_storage", "close"]


def build_container(settings: Settings | None = None) -> Container:
    """A container for one process; pass settings to avoid reading the environment."""
    container = Container()
    if settings is not None:
        container.settings.override(providers.Object(settings))
    return container
