"""Every setting of the service, read from ``INVENTORY_*`` environment variables (and ``.env``),
and from secret files (Docker and Kubernetes secrets): ``<secrets_dir>/inventory_secret_key``
holds ``INVENTORY_SECRET_KEY``, and so on for every setting; the environment wins over a file.

Nothing else in the code base reads the environment.
"""

import re
from collections.abc import Callable
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Annotated, Literal, TypeVar

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from domain.errors import InvalidValue
from domain.users import Username, validate_new_password
from entrypoints.secret_files import SecretFiles

T = TypeVar("T")

MIN_SECRET_BYTES = 32
ENV_PREFIX = "INVENTORY_"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=".env", extra="ignore", frozen=True
    )

    env: Literal["development", "production"] = "development"
    data_dir: Path = Path("var")
    #: A directory of secret files, one per setting, named like its variable in lower case
    #: (``inventory_secret_key``); default: ``/run/secrets`` when it exists.
    secrets_dir: Path | None = None
    storage: Literal["memory", "sqlalchemy"] = "sqlalchemy"
    #: ``sqlite:///path.db`` or ``postgresql://user:pass@host/db``; default: a SQLite file in
    #: ``data_dir``. Plain URLs are fine: the async driver is chosen for you.
    database_url: str | None = None
    #: A PostgreSQL streaming replica for queries (commands stay on ``database_url``); see
    #: docs/scaling.md for what it means for freshness and revocation.
    database_read_url: str | None = None
    db_pool_size: int = Field(default=10, ge=1, le=200)
    db_max_overflow: int = Field(default=20, ge=0, le=1000)
    db_pool_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    db_connect_timeout_seconds: float = Field(default=10.0, gt=0, le=600)
    #: The database URLs lead to a pooler in transaction mode (PgBouncer's
    #: ``pool_mode=transaction``): every statement is sent unnamed, as such a pooler needs;
    #: see docs/scaling.md.
    db_transaction_pooling: bool = False
    #: How long a SQLite writer waits for another process's write lock before giving up (503).
    sqlite_busy_timeout_seconds: float = Field(default=5.0, ge=0, le=600)
    #: FULL survives power loss after every acknowledged commit; NORMAL is faster in WAL mode
    #: but may lose the last commits on power loss (never on a process crash).
    sqlite_synchronous: Literal["OFF", "NORMAL", "FULL", "EXTRA"] = "FULL"

    secret_key: SecretStr | None = None
    token_ttl_seconds: int = Field(default=1800, ge=60, le=7 * 24 * 3600)
    token_issuer: str = Field(default="inventory-service", min_length=1)
    token_audience: str = Field(default="inventory-api", min_length=1)
    bcrypt_rounds: int = Field(default=12, ge=4, le=16)
    #: How long a session (its refresh tokens) lasts after the login that started it (issue 17).
    session_ttl_days: int = Field(default=14, ge=1, le=365)

    login_free_attempts: int = Field(default=5, ge=1, le=1000)
    login_window_seconds: int = Field(default=900, ge=1)

    max_image_bytes: int = Field(default=5 * 1024 * 1024, ge=1024, le=100 * 1024 * 1024)

    # -- login throttling per client address, and whose X-Forwarded-For to believe (issue 12) --
    #: Failed logins allowed per client address within the login window before logins from
    #: that address are throttled; 0 turns per-address throttling off.
    login_free_attempts_per_address: int = Field(default=50, ge=0, le=1_000_000)
    #: Reverse proxies (addresses or CIDR blocks, comma separated) whose ``X-Forwarded-For`` is
    #: believed; empty: the client is the TCP peer, whatever the header says.
    trusted_proxies: Annotated[tuple[IPv4Network | IPv6Network, ...], NoDecode] = ()

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _parse_networks(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, list | tuple):
            return tuple(
                ip_network(part, strict=False) if isinstance(part, str) else part for part in value
            )
        return value

    # -- operations: workers, live events across processes, logs, metrics (issue 7) ---------
    #: uvicorn worker processes for ``inventory serve`` (the container image sets it).
    workers: int = Field(default=1, ge=1, le=64)
    #: How live events reach WebSocket clients: ``local`` (this process only), ``postgres``
    #: (LISTEN/NOTIFY: every process), ``auto`` = postgres when the SQL store is PostgreSQL.
    event_fanout: Literal["auto", "local", "postgres"] = "auto"
    event_channel: str = Field(default="inventory_events", pattern=r"^[a-z_][a-z0-9_]{0,62}$")
    #: Where the PostgreSQL fan-out LISTENs and NOTIFYs: a direct connection to the primary's
    #: server, for deployments whose ``database_url`` is a transaction pooler (a LISTEN does not
    #: outlive its transaction there). Default: ``database_url``.
    event_fanout_url: str | None = None
    #: The outbox (issue 16): how long positioned events stay for replay, and how often the
    #: relay and each process's live tail look for new events when no notice woke them.
    event_retention_days: int = Field(default=30, ge=1, le=3650)
    event_poll_seconds: float = Field(default=0.25, gt=0, le=60)
    #: Webhooks: hosts and CIDRs a webhook may reach although they are not public (SSRF guard),
    #: comma separated; how long a receiver may take; how long a rotated secret still signs.
    #: The RabbitMQ sink (optional): ``amqp://user:password@host:5672/vhost`` and the topic
    #: exchange the relay publishes every event to (routing key = the event type).
    event_broker_url: SecretStr | None = None
    event_broker_exchange: str = Field(
        default="inventory.events", pattern=r"^[A-Za-z0-9_.:-]{1,200}$"
    )
    webhook_allowed_hosts: Annotated[tuple[str, ...], NoDecode] = ()
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    webhook_secret_overlap_hours: int = Field(default=24, ge=0, le=720)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    #: ``auto`` = JSON lines in production, readable console lines in development.
    log_format: Literal["auto", "json", "console"] = "auto"
    metrics_enabled: bool = True
    #: When set, ``/metrics`` wants ``Authorization: Bearer <token>``.
    metrics_token: SecretStr | None = None

    admin_username: str = "admin"
    admin_password: SecretStr | None = None

    # -- HTTP (entrypoints/rest) ------------------------------------------------------------
    #: Largest request body (JSON, forms) in bytes; an image upload may add ``max_image_bytes``.
    max_request_bytes: int = Field(default=1024 * 1024, ge=1024, le=100 * 1024 * 1024)
    #: Browser origins allowed by CORS, comma separated; empty turns CORS off.
    cors_origins: Annotated[tuple[str, ...], NoDecode] = ()
    #: Host names the service answers to, comma separated (``*.example.org`` allowed); empty = any.
    trusted_hosts: Annotated[tuple[str, ...], NoDecode] = ()
    gzip_min_bytes: int = Field(default=1024, ge=0)
    idempotency_ttl_seconds: int = Field(default=24 * 3600, ge=60, le=30 * 24 * 3600)
    websocket_heartbeat_seconds: float = Field(default=20.0, gt=0, le=3600)
    # -- reservations (issue 15) ------------------------------------------------------------
    #: How long a reservation holds stock when the request names no TTL (1 minute to 30 days).
    reservation_ttl_seconds: int = Field(default=3600, ge=60, le=30 * 24 * 3600)
    #: How often ``inventory serve`` expires overdue reservations (0 turns the sweeper off:
    #: availability never depends on it; cron ``inventory reservations sweep`` instead).
    reservation_sweep_seconds: float = Field(default=10.0, ge=0, le=24 * 3600)
    #: How often a live-event WebSocket checks its token against the store again. Revocations
    #: close sockets within moments through the event stream; this bounds the delay when that
    #: event was lost (a listener reconnecting, a client far behind).
    websocket_recheck_seconds: float = Field(default=30.0, gt=0, le=3600)

    # -- slow clients, enforced by `inventory serve` (issue 12; entrypoints/server) ---------
    #: An idle keep-alive connection is closed after this long (uvicorn's timeout_keep_alive).
    keep_alive_timeout_seconds: int = Field(default=5, ge=1, le=3600)
    #: A request line and headers must be complete this long after the request's first byte
    #: (after the connection opened, for its first request), or 408 and the connection closes.
    client_header_timeout_seconds: float = Field(default=10.0, gt=0, le=3600)
    #: A request body must be complete this long after its headers, or the connection closes.
    client_body_timeout_seconds: float = Field(default=60.0, gt=0, le=3600)

    @field_validator("cors_origins", "trusted_hosts", "webhook_allowed_hosts", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    # -- values a type alone cannot refuse (issue 12: every bad setting is exit 15) -----------
    @field_validator("database_read_url")
    @classmethod
    def _read_url_is_postgres(cls, value: str | None) -> str | None:
        if not value:
            return None
        checked = check_database_url(value)
        if not _is_postgres(checked):
            raise ValueError("a read replica must be a postgresql:// database")
        return checked

    @field_validator("event_fanout_url")
    @classmethod
    def _fanout_url_is_postgres(cls, value: str | None) -> str | None:
        if not value:
            return None
        checked = check_database_url(value)
        if not _is_postgres(checked):
            raise ValueError("the live-event fan-out needs a postgresql:// database")
        return checked

    @field_validator("database_url")
    @classmethod
    def _a_database_we_ship_a_driver_for(cls, value: str | None) -> str | None:
        return check_database_url(value) if value else None

    @field_validator("data_dir")
    @classmethod
    def _a_directory(cls, value: Path) -> Path:
        if value.exists() and not value.is_dir():
            raise ValueError(f"{value} exists and is not a directory")
        return value

    @field_validator("secrets_dir")
    @classmethod
    def _an_existing_directory(cls, value: Path | None) -> Path | None:
        # Named on purpose, so missing secrets would be a surprise: refuse rather than ignore.
        if value is not None and not value.is_dir():
            raise ValueError(f"{value} is not a directory (the secret files' directory)")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Arguments, the environment, ``.env``, then the secret files, in that order of
        precedence; the secret files' directory is itself a setting of the sources before."""
        named = SecretFiles(settings_cls, (init_settings, env_settings, dotenv_settings))
        return init_settings, env_settings, dotenv_settings, named

    @field_validator("admin_username")
    @classmethod
    def _a_valid_username(cls, value: str) -> str:
        return _by_domain_rules(Username.parse, value).value

    @field_validator("admin_password")
    @classmethod
    def _a_valid_password(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            _by_domain_rules(validate_new_password, value.get_secret_value())
        return value

    @field_validator("metrics_token")
    @classmethod
    def _a_token_that_protects(cls, value: SecretStr | None) -> SecretStr | None:
        # An empty token would let a request without any token through.
        if value is not None and not value.get_secret_value().strip():
            raise ValueError("must not be empty (leave it unset to keep /metrics open)")
        return value

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for origin in value:
            if not _ORIGIN.fullmatch(origin):
                raise ValueError(
                    f"{origin!r} is not an origin: scheme://host[:port] with no path,"
                    " such as https://shop.example.org, or *"
                )
        return value

    @field_validator("event_broker_url")
    @classmethod
    def _amqp_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        scheme = value.get_secret_value().partition("://")[0]
        if scheme not in ("amqp", "amqps"):
            raise ValueError("the event broker needs an amqp:// or amqps:// URL")
        return value

    @field_validator("webhook_allowed_hosts")
    @classmethod
    def _hosts_or_networks(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for entry in value:
            try:
                ip_network(entry, strict=False)
            except ValueError:
                if not _HOST_PATTERN.fullmatch(entry) or entry.startswith("*"):
                    raise ValueError(
                        f"{entry!r} is neither a host name nor a network such as 10.0.0.0/8"
                    ) from None
        return value

    @field_validator("trusted_hosts")
    @classmethod
    def _host_names(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for host in value:
            if not _HOST_PATTERN.fullmatch(host):
                raise ValueError(
                    f"{host!r} is not a host name: example.org, *.example.org or an address,"
                    " with no scheme, port or path"
                )
        return value

    @model_validator(mode="after")
    def _production_needs_a_secret(self) -> "Settings":
        secret = self.secret_key.get_secret_value() if self.secret_key else None
        needed = self.env == "production" or secret is not None
        if needed and len((secret or "").encode()) < MIN_SECRET_BYTES:
            raise ValueError(
                "INVENTORY_SECRET_KEY must be at least 32 bytes (and is required in production)"
                " (for example: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        return self

    @model_validator(mode="after")
    def _postgres_fanout_needs_postgres(self) -> "Settings":
        if self.event_fanout == "postgres" and not _is_postgres(self.database_url):
            raise ValueError("INVENTORY_EVENT_FANOUT=postgres needs a postgresql:// database URL")
        return self

    @model_validator(mode="after")
    def _no_listen_through_a_transaction_pooler(self) -> "Settings":
        pooled = self.db_transaction_pooling and self.event_fanout_url is None
        if pooled and self.live_event_fanout == "postgres":
            raise ValueError(
                "INVENTORY_DB_TRANSACTION_POOLING=true with the PostgreSQL live-event fan-out"
                " needs INVENTORY_EVENT_FANOUT_URL: a direct postgresql:// URL of the primary"
                " (a LISTEN does not survive transaction pooling), or INVENTORY_EVENT_FANOUT=local"
            )
        return self

    @property
    def event_fanout_database_url(self) -> str | None:
        """The database the fan-out connects to, directly."""
        return self.event_fanout_url or self.database_url

    @property
    def live_event_fanout(self) -> Literal["local", "postgres"]:
        if self.event_fanout == "auto":
            sql_on_postgres = self.storage == "sqlalchemy" and _is_postgres(self.database_url)
            return "postgres" if sql_on_postgres else "local"
        return self.event_fanout

    @property
    def json_logs(self) -> bool:
        if self.log_format == "auto":
            return self.env == "production"
        return self.log_format == "json"

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir / 'inventory.db'}"

    @property
    def images_dir(self) -> Path:
        return self.data_dir / "images"

    @property
    def secret_file(self) -> Path:
        return self.data_dir / "secret_key"


#: What ``INVENTORY_DATABASE_URL`` may start with. A plain scheme gets the async driver we ship
#: (aiosqlite, asyncpg); ``sqlite+pysqlite`` is SQLAlchemy's name for the same SQLite file.
DATABASE_SCHEMES = (
    "sqlite",
    "sqlite+aiosqlite",
    "sqlite+pysqlite",
    "postgresql",
    "postgresql+asyncpg",
    "postgres",
)
_ORIGIN = re.compile(
    r"\*|https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?|https?://\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?"
)
_HOST_PATTERN = re.compile(r"(\*\.)?[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\.?|\[[0-9A-Fa-f:.]+\]|\*")


def check_database_url(url: str) -> str:
    """``url`` if the service can open it; else a ``ValueError`` that names what is accepted
    (and never repeats the URL, which may hold a password)."""
    scheme, separator, _rest = url.partition("://")
    if not separator or scheme not in DATABASE_SCHEMES:
        given = f"the scheme {scheme!r}" if separator else "a value without '://'"
        raise ValueError(
            f"{given} is not supported: use one of "
            + ", ".join(f"{name}://" for name in DATABASE_SCHEMES)
            + " (for example sqlite:///var/inventory.db or postgresql://user@host:5432/db)"
        )
    try:
        port = make_url(url).port
    except (ArgumentError, ValueError):
        raise ValueError(f"not a valid {scheme}:// URL (user, host, port or database)") from None
    if port is not None and not 0 < port < 65536:
        raise ValueError(f"the port {port} is out of range")
    return url


def _by_domain_rules(rule: Callable[[str], T], value: str) -> T:
    """The domain's own rule, its refusal turned into a settings error."""
    try:
        return rule(value)
    except InvalidValue as error:
        raise ValueError(error.reason) from None


def _is_postgres(database_url: str | None) -> bool:
    scheme, separator, _rest = (database_url or "").partition("://")
    return bool(separator) and scheme.split("+")[0] in ("postgresql", "postgres")
