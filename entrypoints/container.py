"""The composition root: the one place that knows both the adapters and the use cases.

Adapters are chosen from settings (``INVENTORY_STORAGE``); every entrypoint (REST, CLI) and
every test builds one ``Container`` and takes use cases from it. Tests override providers
(``container.clock.override(...)``) instead of patching modules.
"""

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING, cast

from dependency_injector import containers, providers

from adapters.clock import SystemClock
from adapters.images import FileSystemImageStore
from adapters.memory import (
    InMemoryImageStore,
    InMemoryQuerySession,
    InMemoryStore,
    InMemoryUnitOfWork,
    InProcessEventBus,
)
from adapters.memory.event_log import InMemoryEventLog
from adapters.metrics import PrometheusDomainMetrics
from adapters.notifications import LoggingNotifier
from adapters.origin import FixedOrigin
from adapters.postgres import fanout
from adapters.postgres.event_codec import process_origin
from adapters.relay.leadership import for_store as leadership_for_store
from adapters.security import (
    BcryptPasswordHasher,
    HmacOpaqueTokens,
    JwtTokenService,
    load_or_create_secret,
)
from adapters.sqlalchemy import (
    Database,
    DatabaseNotReady,
    SqlAlchemyQuerySession,
    SqlAlchemyUnitOfWork,
    check_schema_at_head,
    create_engine,
    create_schema_if_new,
    current,
    display_url,
    downgrade,
    upgrade,
)
from adapters.sqlalchemy.event_log import SqlAlchemyEventLog
from adapters.sqlalchemy.webhook_claims import webhook_claims as sql_webhook_claims
from adapters.webhooks import DnsUrlGuard, HttpxWebhookSender, RandomSecrets
from application import use_cases as uc
from application.handlers import NotifyLowStock
from application.idempotency import IdempotencyPolicy
from application.webhook_claims import CheckedClaims
from application.webhook_dispatcher import WebhookDelivery, WebhookDispatcher
from entrypoints import event_relay as relaying
from entrypoints.observability.metrics import new_metrics_registry
from entrypoints.reservation_sweeper import sweeping
from entrypoints.settings import Settings

if TYPE_CHECKING:
    from adapters.postgres.notify_events import PostgresNotifyPublisher


def _secret(settings: Settings) -> str:
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value()
    return load_or_create_secret(settings.secret_file)


def _session_lifetime(settings: Settings) -> timedelta:
    return timedelta(days=settings.session_ttl_days)


def _reservation_ttl(settings: Settings) -> timedelta:
    return timedelta(seconds=settings.reservation_ttl_seconds)


def _schema_probe(database: Database) -> Callable[[], Awaitable[None]]:
    """Readiness also means "the schema is at the newest migration"."""
    return partial(check_schema_at_head, database.engine)


async def _publish_live_events(
    settings: Settings, bus: InProcessEventBus, publisher: object
) -> AsyncIterator[object]:
    """The resource that ends publishing cleanly: at shutdown the after-commit handlers still
    running finish (a low-stock notification is not lost), then the NOTIFY connection closes."""
    try:
        yield publisher
    finally:
        await bus.drain()
        if settings.live_event_fanout == "postgres":
            await cast("PostgresNotifyPublisher", publisher).aclose()


def _broker_sinks(settings: Settings) -> list[object]:
    """The RabbitMQ sink when ``INVENTORY_EVENT_BROKER_URL`` is set (imported only then: aio-pika
    is the optional ``broker`` extra)."""
    if settings.event_broker_url is None:
        return []
    from adapters.broker.rabbitmq import RabbitMqSink

    url = settings.event_broker_url.get_secret_value()
    return [RabbitMqSink(url, exchange=settings.event_broker_exchange)]


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
    # ``event_publisher``, which with PostgreSQL sends to every process's listener. Both ends
    # are resources: ``init_resources`` starts them, ``shutdown_resources`` stops them.
    event_origin = providers.Singleton(process_origin)
    event_publisher = providers.Selector(
        settings.provided.live_event_fanout,
        local=event_bus,
        postgres=providers.Singleton(
            fanout.notify_publisher,
            database_url=settings.provided.event_fanout_database_url,
            channel=settings.provided.event_channel,
            local=event_bus,
            origin=event_origin,
        ),
    )
    #: True in a process that serves WebSocket clients (``create_app`` sets it): it listens for
    #: the other processes' events. A CLI command only publishes its own.
    listens_for_live_events = providers.Object(False)
    event_listener = providers.Resource(
        fanout.listener,
        database_url=settings.provided.event_fanout_database_url,
        channel=settings.provided.event_channel,
        local=event_bus,
        origin=event_origin,
        enabled=providers.Selector(
            settings.provided.live_event_fanout,
            local=providers.Object(False),
            postgres=listens_for_live_events,
        ),
    )
    event_publishing = providers.Resource(
        _publish_live_events, settings=settings, bus=event_bus, publisher=event_publisher
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
    #: Refresh and API tokens, hashed under a key derived from the same secret (issue 17).
    opaque_tokens = providers.Singleton(
        HmacOpaqueTokens, secret=providers.Callable(_secret, settings)
    )

    # -- storage, chosen by INVENTORY_STORAGE ------------------------------------------------
    memory_store = providers.Singleton(InMemoryStore)
    database = providers.Singleton(
        create_engine,
        url=settings.provided.resolved_database_url,
        read_url=settings.provided.database_read_url,
        pool_size=settings.provided.db_pool_size,
        max_overflow=settings.provided.db_max_overflow,
        pool_timeout=settings.provided.db_pool_timeout_seconds,
        connect_timeout=settings.provided.db_connect_timeout_seconds,
        sqlite_synchronous=settings.provided.sqlite_synchronous,
        sqlite_busy_timeout=settings.provided.sqlite_busy_timeout_seconds,
        transaction_pooling=settings.provided.db_transaction_pooling,
    )
    #: Where changes come from, for the audit trail: the REST app and the CLI override it.
    origin = providers.Object(FixedOrigin())
    #: A command's transaction.
    uow = providers.Selector(
        settings.provided.storage,
        memory=providers.Factory(
            InMemoryUnitOfWork, store=memory_store, publisher=event_publisher, origin=origin
        ),
        sqlalchemy=providers.Factory(
            SqlAlchemyUnitOfWork, database=database, publisher=event_publisher, origin=origin
        ),
    )
    #: A query's reads (from the replica when ``INVENTORY_DATABASE_READ_URL`` is set).
    queries = providers.Selector(
        settings.provided.storage,
        memory=providers.Factory(InMemoryQuerySession, store=memory_store),
        sqlalchemy=providers.Factory(SqlAlchemyQuerySession, database=database),
    )
    #: Reads that must see one consistent state (an export).
    snapshot_queries = providers.Selector(
        settings.provided.storage,
        memory=providers.Factory(InMemoryQuerySession, store=memory_store, snapshot=True),
        sqlalchemy=providers.Factory(SqlAlchemyQuerySession, database=database, snapshot=True),
    )
    #: The outbox, for the relay and replay (issue 16).
    event_log = providers.Selector(
        settings.provided.storage,
        memory=providers.Factory(InMemoryEventLog, store=memory_store),
        sqlalchemy=providers.Factory(SqlAlchemyEventLog, database=database),
    )
    # -- the outbox's relay and each serving process's live tail (issue 16) --------------------
    relay_leadership = providers.Singleton(
        leadership_for_store,
        storage=settings.provided.storage,
        database_url=settings.provided.resolved_database_url,
        direct_url=settings.provided.event_fanout_url,
    )
    #: Durable sinks with a cursor each (the broker, when configured).
    event_sinks = providers.Callable(_broker_sinks, settings)
    # -- webhooks (issue 16): the dispatcher runs in the relay's leader --------------------------
    webhook_guard = providers.Singleton(
        DnsUrlGuard, allowed=settings.provided.webhook_allowed_hosts
    )
    webhook_sender = providers.Singleton(
        HttpxWebhookSender, timeout_seconds=settings.provided.webhook_timeout_seconds
    )
    webhook_secrets = providers.Singleton(RandomSecrets)
    webhook_delivery = providers.Singleton(
        WebhookDelivery, sender=webhook_sender, guard=webhook_guard, clock=clock
    )
    #: Who may deliver to an endpoint now (a row lock on PostgreSQL, see webhook_claims.py).
    webhook_claims = providers.Selector(
        settings.provided.storage,
        memory=providers.Factory(CheckedClaims, uow=uow.provider),
        sqlalchemy=providers.Factory(sql_webhook_claims, database=database, uow=uow.provider),
    )
    webhook_dispatcher = providers.Factory(
        WebhookDispatcher,
        uow=uow.provider,
        log=event_log,
        delivery=webhook_delivery,
        claims=webhook_claims,
    )
    #: Declared (so started) before the relay: it takes its start position before the relay's
    #: first round can position anything.
    live_tail = providers.Resource(
        relaying.live_tail,
        enabled=listens_for_live_events,
        settings=settings,
        log=event_log,
        listeners=event_bus,
        doorbell=event_bus.provided.tail_doorbell,
    )
    event_relay = providers.Resource(
        relaying.relay,
        enabled=listens_for_live_events,
        settings=settings,
        log=event_log,
        leadership=relay_leadership,
        doorbell=event_bus.provided.relay_doorbell,
        clock=clock,
        announce=event_publisher.provided.announce,
        sinks=event_sinks,
        pumps=providers.List(webhook_dispatcher),
    )
    idempotency_policy = providers.Singleton(
        IdempotencyPolicy, ttl_seconds=settings.provided.idempotency_ttl_seconds
    )
    reservation_ttl = providers.Callable(_reservation_ttl, settings)
    image_store = providers.Selector(
        settings.provided.storage,
        memory=providers.Singleton(InMemoryImageStore),
        sqlalchemy=providers.Singleton(FileSystemImageStore, root=settings.provided.images_dir),
    )

    # -- use cases ---------------------------------------------------------------------------
    login_policy = providers.Singleton(
        uc.LoginPolicy,
        free_attempts=settings.provided.login_free_attempts,
        window_seconds=settings.provided.login_window_seconds,
        free_attempts_per_address=settings.provided.login_free_attempts_per_address,
    )
    create_item = providers.Factory(
        uc.CreateItem, uow=uow, clock=clock, idempotency=idempotency_policy
    )
    get_item = providers.Factory(uc.GetItem, queries=queries, clock=clock)
    get_item_by_sku = providers.Factory(uc.GetItemBySku, queries=queries, clock=clock)
    list_items = providers.Factory(uc.ListItems, queries=queries, clock=clock)
    replace_item = providers.Factory(uc.ReplaceItem, uow=uow, clock=clock)
    update_item = providers.Factory(uc.UpdateItem, uow=uow, clock=clock)
    archive_item = providers.Factory(uc.ArchiveItem, uow=uow, clock=clock)
    restore_item = providers.Factory(uc.RestoreItem, uow=uow, clock=clock)
    purge_item = providers.Factory(uc.PurgeItem, uow=uow, clock=clock, images=image_store)
    adjust_stock = providers.Factory(
        uc.AdjustStock, uow=uow, clock=clock, idempotency=idempotency_policy
    )
    count_stock = providers.Factory(
        uc.CountStock, uow=uow, clock=clock, idempotency=idempotency_policy
    )
    list_movements = providers.Factory(uc.ListMovements, queries=queries)
    list_audit = providers.Factory(uc.ListAudit, queries=queries)
    item_history = providers.Factory(uc.ItemHistory, queries=queries)
    export_movements = providers.Factory(uc.ExportMovements, queries=queries)
    item_stock_as_of = providers.Factory(uc.GetItemStockAsOf, queries=queries, clock=clock)
    stock_report = providers.Factory(uc.StockReportAsOf, queries=queries, clock=clock)
    valuation = providers.Factory(uc.ValueStockAsOf, queries=queries, clock=clock)
    # -- stock by location (issue 14) ----------------------------------------------------------
    transfer_stock = providers.Factory(
        uc.TransferStock, uow=uow, clock=clock, idempotency=idempotency_policy
    )
    list_transfers = providers.Factory(uc.ListTransfers, queries=queries)
    get_item_stock = providers.Factory(uc.GetItemStock, queries=queries)
    # -- reservations (issue 15) ---------------------------------------------------------------
    create_reservation = providers.Factory(
        uc.CreateReservation,
        uow=uow,
        clock=clock,
        default_ttl=reservation_ttl,
        idempotency=idempotency_policy,
    )
    update_reservation = providers.Factory(uc.UpdateReservation, uow=uow, clock=clock)
    fulfil_reservation = providers.Factory(uc.FulfilReservation, uow=uow, clock=clock)
    release_reservation = providers.Factory(uc.ReleaseReservation, uow=uow, clock=clock)
    expire_reservations = providers.Factory(uc.ExpireReservations, uow=uow, clock=clock)
    get_reservation = providers.Factory(uc.GetReservation, queries=queries)
    list_reservations = providers.Factory(uc.ListReservations, queries=queries)
    #: True in a process that serves the API (``create_app`` sets it): it runs the sweeper.
    sweeps_reservations = providers.Object(False)
    reservation_sweeper = providers.Resource(
        sweeping,
        make=expire_reservations.provider,
        interval=settings.provided.reservation_sweep_seconds,
        enabled=sweeps_reservations,
    )
    list_location_stock = providers.Factory(uc.ListLocationStock, queries=queries)
    create_location = providers.Factory(uc.CreateLocation, uow=uow, clock=clock)
    update_location = providers.Factory(uc.UpdateLocation, uow=uow, clock=clock)
    delete_location = providers.Factory(uc.DeleteLocation, uow=uow, clock=clock)
    get_location = providers.Factory(uc.GetLocation, queries=queries)
    list_locations = providers.Factory(uc.ListLocations, queries=queries)
    open_stocktake = providers.Factory(uc.OpenStocktake, uow=uow, clock=clock)
    count_stocktake = providers.Factory(uc.CountStocktake, uow=uow, clock=clock)
    commit_stocktake = providers.Factory(uc.CommitStocktake, uow=uow, clock=clock)
    get_stocktake = providers.Factory(uc.GetStocktake, queries=queries)
    take_stock = providers.Factory(uc.TakeStock, uow=uow, clock=clock)
    import_items = providers.Factory(uc.ImportItems, uow=uow, clock=clock)
    export_items = providers.Factory(uc.ExportItems, snapshot=snapshot_queries.provider)
    export_stock = providers.Factory(uc.ExportStockByLocation, snapshot=snapshot_queries.provider)
    attach_image = providers.Factory(
        uc.AttachImage,
        uow=uow,
        clock=clock,
        images=image_store,
        max_bytes=settings.provided.max_image_bytes,
    )
    get_image = providers.Factory(uc.GetImage, queries=queries, images=image_store)
    remove_image = providers.Factory(uc.RemoveImage, uow=uow, clock=clock, images=image_store)

    register_user = providers.Factory(uc.RegisterUser, uow=uow, clock=clock, hasher=password_hasher)
    check_registration = providers.Factory(uc.CheckRegistration, queries=queries)
    bootstrap_admin = providers.Factory(uc.BootstrapAdmin, uow=uow, register=register_user)
    authenticate = providers.Factory(
        uc.Authenticate,
        uow=uow,
        clock=clock,
        hasher=password_hasher,
        tokens=token_service,
        opaque=opaque_tokens,
        policy=login_policy,
        session_lifetime=providers.Callable(_session_lifetime, settings),
    )
    # -- sessions and API tokens (issue 17) ----------------------------------------------------
    refresh_session = providers.Factory(
        uc.RefreshSession,
        uow=uow,
        clock=clock,
        tokens=token_service,
        opaque=opaque_tokens,
        policy=login_policy,
    )
    logout = providers.Factory(uc.Logout, uow=uow, clock=clock, opaque=opaque_tokens)
    list_sessions = providers.Factory(uc.ListSessions, queries=queries, clock=clock)
    end_session = providers.Factory(uc.EndSession, uow=uow, clock=clock)
    create_api_token = providers.Factory(
        uc.CreateApiToken, uow=uow, clock=clock, opaque=opaque_tokens, policy=login_policy
    )
    list_api_tokens = providers.Factory(uc.ListApiTokens, queries=queries)
    revoke_api_token = providers.Factory(uc.RevokeApiToken, uow=uow, clock=clock)
    resolve_principal = providers.Factory(
        uc.ResolvePrincipal,
        queries=queries,
        tokens=token_service,
        opaque=opaque_tokens,
        clock=clock,
    )
    change_own_password = providers.Factory(
        uc.ChangeOwnPassword, uow=uow, clock=clock, hasher=password_hasher
    )
    set_user_password = providers.Factory(
        uc.SetUserPassword, uow=uow, clock=clock, hasher=password_hasher
    )
    update_user = providers.Factory(uc.UpdateUser, uow=uow, clock=clock)
    get_user = providers.Factory(uc.GetUser, queries=queries)
    list_users = providers.Factory(uc.ListUsers, queries=queries)
    resolve_actor = providers.Factory(uc.ResolveActor, queries=queries)

    # -- operations --------------------------------------------------------------------------
    #: Extra readiness probes by name (an engine's schema check, a writable images directory);
    #: the store read is built in.
    readiness_probes = providers.Selector(
        settings.provided.storage,
        memory=providers.Dict(),
        sqlalchemy=providers.Dict(
            schema=providers.Callable(_schema_probe, database),
            images=image_store.provided.check_writable,
        ),
    )
    check_readiness = providers.Factory(uc.CheckReadiness, queries=queries, probes=readiness_probes)

    # -- live-event subscribers (the WebSocket) ------------------------------------------------
    #: What subscribers read: every process's committed events (see ``event_listener``).
    event_stream = event_bus
    replay_events = providers.Factory(uc.ReplayEvents, queries=queries, log=event_log)
    create_webhook = providers.Factory(
        uc.CreateWebhook,
        uow=uow,
        clock=clock,
        guard=webhook_guard,
        secrets=webhook_secrets,
        log=event_log,
    )
    list_webhooks = providers.Factory(uc.ListWebhooks, uow=uow)
    get_webhook = providers.Factory(uc.GetWebhook, uow=uow)
    update_webhook = providers.Factory(uc.UpdateWebhook, uow=uow, clock=clock, guard=webhook_guard)
    delete_webhook = providers.Factory(uc.DeleteWebhook, uow=uow, clock=clock)
    rotate_webhook_secret = providers.Factory(
        uc.RotateWebhookSecret,
        uow=uow,
        clock=clock,
        secrets=webhook_secrets,
        overlap_seconds=providers.Callable(
            lambda hours: hours * 3600, settings.provided.webhook_secret_overlap_hours
        ),
    )
    list_webhook_deliveries = providers.Factory(uc.ListWebhookDeliveries, uow=uow)
    redeliver_webhook = providers.Factory(
        uc.RedeliverWebhook, uow=uow, log=event_log, delivery=webhook_delivery
    )
    open_event_stream = providers.Factory(uc.OpenEventStream, resolve=resolve_principal)

    # -- schema migrations (``inventory db``): coroutines on the configured database URL --------
    database_display = providers.Callable(display_url, settings.provided.resolved_database_url)
    upgrade_schema = providers.Callable(
        upgrade,
        settings.provided.resolved_database_url,
        transaction_pooling=settings.provided.db_transaction_pooling,
    )
    downgrade_schema = providers.Callable(
        downgrade,
        settings.provided.resolved_database_url,
        transaction_pooling=settings.provided.db_transaction_pooling,
    )
    schema_revision = providers.Callable(
        current,
        settings.provided.resolved_database_url,
        transaction_pooling=settings.provided.db_transaction_pooling,
    )


async def check_storage(container: Container) -> None:
    """Fail fast at start-up: raises ``DatabaseNotReady`` (its message says what to do) when the
    database is unreachable or its schema is not at the newest migration."""
    if container.settings().storage == "sqlalchemy":
        await check_schema_at_head(container.database().engine)


async def prepare_storage(container: Container) -> bool:
    """``check_storage`` for a starting server, which first gives a new, empty embedded SQLite
    store its schema (never a store that is behind, never PostgreSQL); whether it did."""
    settings = container.settings()
    created = settings.storage == "sqlalchemy" and await create_schema_if_new(
        settings.resolved_database_url
    )
    await check_storage(container)
    return created


async def start(container: Container) -> None:
    """Initialise the container's resources (the live-event fan-out) on the running event loop;
    the REST lifespan and every CLI command call it once, and ``close`` when they end."""
    await _completed(container.init_resources())


async def close(container: Container) -> None:
    """Shut the resources ``start`` began down (after-commit handlers finish, the live-event
    connections close) and release the database pool; call it at shutdown, on the event loop
    that used them. A container used without ``start`` leaves its NOTIFY connection open."""
    await _completed(container.shutdown_resources())
    if container.settings().storage == "sqlalchemy":
        await container.database().dispose()
        container.database.reset()


async def _completed(work: Awaitable[None] | None) -> None:
    """``init_resources`` and ``shutdown_resources`` return an awaitable only when some resource
    is asynchronous."""
    if work is not None:
        await work


__all__ = [
    "Container",
    "DatabaseNotReady",
    "build_container",
    "check_storage",
    "close",
    "prepare_storage",
    "start",
]


def build_container(settings: Settings | None = None) -> Container:
    """A container for one process; pass settings to avoid reading the environment."""
    container = Container()
    if settings is not None:
        container.settings.override(providers.Object(settings))
    return container
