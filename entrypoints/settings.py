"""Every setting of the service, read from ``INVENTORY_*`` environment variables (and ``.env``).

Nothing else in the code base reads the environment.
"""

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

MIN_SECRET_BYTES = 32


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="INVENTORY_", env_file=".env", extra="ignore", frozen=True
    )

    env: Literal["development", "production"] = "development"
    data_dir: Path = Path("var")
    storage: Literal["memory", "sqlalchemy"] = "sqlalchemy"
    #: ``sqlite:///path.db`` or ``postgresql://user:pass@host/db``; default: a SQLite file in
    #: ``data_dir``. Plain URLs are fine: the async driver is chosen for you.
    database_url: str | None = None
    db_pool_size: int = Field(default=5, ge=1, le=200)
    db_max_overflow: int = Field(default=10, ge=0, le=1000)
    db_pool_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    db_connect_timeout_seconds: float = Field(default=10.0, gt=0, le=600)
    #: How long a SQLite writer waits for another process's write lock before giving up (503).
    sqlite_busy_timeout_seconds: float = Field(default=5.0, ge=0, le=600)
    #: FULL survives power loss after every acknowledged commit; NORMAL is faster in WAL mode
    #: but may lose the last commits on power loss (never on a process crash).
    sqlite_synchronous: Literal["OFF", "NORMAL", "FULL", "EXTRA"] = "FULL"

    secret_key: SecretStr | None = None
    token_ttl_seconds: int = Field(default=1800, ge=60, le=7 * 24 * 3600)
    token_issuer: str = "inventory-service"  # noqa: S105 - a name, not a secret
    token_audience: str = "inventory-api"  # noqa: S105 - a name, not a secret
    bcrypt_rounds: int = Field(default=12, ge=4, le=16)

    login_free_attempts: int = Field(default=5, ge=1, le=1000)
    login_window_seconds: int = Field(default=900, ge=1)

    max_image_bytes: int = Field(default=5 * 1024 * 1024, ge=1024, le=100 * 1024 * 1024)

    # -- operations: workers, live events across processes, logs, metrics (issue 7) ---------
    #: uvicorn worker processes for ``inventory serve`` (the container image sets it).
    workers: int = Field(default=1, ge=1, le=64)
    #: How live events reach WebSocket clients: ``local`` (this process only), ``postgres``
    #: (LISTEN/NOTIFY: every process), ``auto`` = postgres when the SQL store is PostgreSQL.
    event_fanout: Literal["auto", "local", "postgres"] = "auto"
    event_channel: str = Field(default="inventory_events", pattern=r"^[a-z_][a-z0-9_]{0,62}$")
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
    #: How often a live-event WebSocket checks its token against the store again. Revocations
    #: close sockets within moments through the event stream; this bounds the delay when that
    #: event was lost (a listener reconnecting, a client far behind).
    websocket_recheck_seconds: float = Field(default=30.0, gt=0, le=3600)

    @field_validator("cors_origins", "trusted_hosts", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
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


def _is_postgres(database_url: str | None) -> bool:
    scheme, separator, _rest = (database_url or "").partition("://")
    return bool(separator) and scheme.split("+")[0] in ("postgresql", "postgres")
