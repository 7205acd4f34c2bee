"""Runtime configuration, read from the environment (and an optional `.env`)."""

import contextlib
import os
import secrets
import tempfile
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Literal

from pydantic import (
    AliasChoices,
    Field,
    IPvAnyNetwork,
    SecretStr,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_DATABASE_URL = "sqlite:///./throughgate.db"
_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+psycopg",
    "postgres": "postgresql+psycopg",
}
KEY_FILE_NAME = "throughgate-signing.key"


class Settings(BaseSettings):
    """Every setting has an environment variable `THROUGHGATE_<NAME>` (see the README table)."""

    model_config = SettingsConfigDict(
        env_prefix="THROUGHGATE_", env_file=".env", extra="ignore", populate_by_name=True
    )

    env: Literal["development", "production"] = "development"
    database_url: str = Field(
        DEFAULT_DATABASE_URL,
        validation_alias=AliasChoices("DATABASE_URL", "THROUGHGATE_DATABASE_URL"),
    )
    db_pool_size: int = Field(10, ge=1, le=200)
    db_max_overflow: int = Field(10, ge=0, le=200)

    # Token signing: "kid:secret" pairs, comma separated; the first signs, all verify.
    signing_keys: SecretStr | None = None
    signing_key_file: Path | None = None
    token_issuer: str = "throughgate"
    token_audience: str = "throughgate-api"
    access_token_minutes: int = Field(15, ge=1, le=24 * 60)
    refresh_token_days: int = Field(14, ge=1, le=365)

    cors_origins: list[str] = []
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    rate_limit_storage: str = "async+memory://"
    rate_limit_api: str = "600/minute"
    rate_limit_token: str = "30/minute"
    # Failed logins per account (the name tried): each window must allow a try, so repeated
    # failures back off from minutes to hours. A successful login clears the count.
    rate_limit_login_failures: str = "5/15 minutes;20/day"
    # Peers whose X-Forwarded-For is believed (addresses or networks); nobody by default.
    trusted_proxies: list[IPvAnyNetwork] = Field(default_factory=list)
    setup_token_hours: int = Field(72, ge=1, le=24 * 30)

    # GraphQL introspection; unset means on in development, off in production.
    graphql_introspection: bool | None = None

    idempotency_hours: int = Field(24, ge=1, le=24 * 30)
    max_body_bytes: int = Field(2 * 1024 * 1024, ge=1024, le=100 * 1024 * 1024)
    # Swagger UI, ReDoc and GraphiQL; unset means on in development, off in production.
    docs: bool | None = None
    # `/metrics` in production needs `Authorization: Bearer <this>`; unset means no /metrics.
    metrics_token: SecretStr | None = None

    @field_validator("database_url")
    @classmethod
    def _our_drivers(cls, value: str) -> str:
        """`sqlite:///x.db` and `postgresql://...` as people write them; we pick the drivers."""
        hint = "use sqlite:///path.db or postgresql://user:password@host:5432/name"
        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError(f"not a database URL; {hint}") from None
        backend = url.get_backend_name()
        if backend not in _DRIVERS:
            raise ValueError(f"{backend!r} databases are not supported; {hint}")
        return url.set(drivername=_DRIVERS[backend]).render_as_string(hide_password=False)

    @property
    def docs_enabled(self) -> bool:
        return self.docs if self.docs is not None else self.env != "production"

    # The dispatcher: inside `throughgate serve` unless turned off (then run `throughgate worker`).
    worker_in_serve: bool = True
    worker_poll_seconds: float = Field(0.5, gt=0, le=60)
    # Webhooks: loopback and private addresses only for development and tests.
    webhook_allow_private_urls: bool = False
    webhook_timeout_seconds: float = Field(10, gt=0, le=60)
    # Seconds before each retry (Standard Webhooks' schedule, about a day in all), +/-20% jitter;
    # a delivery failing every attempt disables its subscription.
    webhook_retry_delays: list[float] = [5, 300, 1800, 7200, 18000, 36000, 36000]
    webhook_concurrency: int = Field(8, ge=1, le=100)

    @model_validator(mode="after")
    def _production_needs_real_keys(self) -> "Settings":
        if self.env == "production" and self.signing_keys is None:
            raise ValueError(
                "THROUGHGATE_SIGNING_KEYS must be set in production "
                "(e.g. 'k1:<at least 32 random bytes, base64>')"
            )
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def key_file(self) -> Path:
        """Where a development signing key lives: beside the SQLite file, else in the cwd."""
        if self.signing_key_file is not None:
            return self.signing_key_file
        if self.is_sqlite and ":///" in self.database_url:
            db_path = self.database_url.split(":///", 1)[1]
            if db_path and db_path != ":memory:":
                return Path(db_path).resolve().parent / KEY_FILE_NAME
        return Path.cwd() / KEY_FILE_NAME

    @cached_property
    def signing_key_map(self) -> dict[str, str]:
        """The verification keys by `kid`, in order: the first one signs new tokens."""
        raw = self.signing_keys.get_secret_value() if self.signing_keys else _dev_key(self)
        keys: dict[str, str] = {}
        for pair in raw.split(","):
            kid, sep, secret = pair.strip().partition(":")
            if not sep or not kid or len(secret) < 32:
                raise ValueError(
                    "each signing key must be 'kid:secret' with a 32+ character secret"
                )
            keys[kid] = secret
        return keys


def _dev_key(settings: Settings) -> str:
    """Create the development key once, then reuse it.

    The key is written to a private temporary file and hard-linked into place, so workers
    starting together all end up reading the one key that won.
    """
    path = settings.key_file()
    if not path.exists():
        value = f"dev-{secrets.token_hex(4)}:{secrets.token_urlsafe(48)}"
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".signing-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(value + "\n")
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
        finally:
            os.unlink(tmp)
    return path.read_text(encoding="utf-8").strip()


@lru_cache
def get_settings() -> Settings:
    return Settings()
