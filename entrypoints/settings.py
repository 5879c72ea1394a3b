"""Every setting of the service, read from ``INVENTORY_*`` environment variables (and ``.env``).

Nothing else in the code base reads the environment.
"""

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

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

    admin_username: str = "admin"
    admin_password: SecretStr | None = None

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
