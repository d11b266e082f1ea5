"""Typed settings from ``SWAYAM_*`` environment variables, validated at start."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SWAYAM_", extra="ignore")

    data_dir: Path = Path("./var")
    database_url: str = ""  # empty: SQLite file in the data dir
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=0, le=65535)
    demo_password: SecretStr | None = None
    demo_pin: SecretStr = SecretStr("1234")
    timezone: str = "Asia/Kolkata"
    log_level: str = "INFO"

    # Auth
    access_token_ttl_s: int = Field(900, gt=0)
    refresh_token_ttl_s: int = Field(30 * 86400, gt=0)
    max_failed_logins: int = Field(5, gt=0)
    lockout_s: int = Field(900, gt=0)
    # Requests per minute; 0 turns a limiter off.
    rate_limit_token_per_min: int = Field(600, ge=0)
    rate_limit_ip_per_min: int = Field(1200, ge=0)
    rate_limit_login_per_min: int = Field(20, ge=0)
    max_body_bytes: int = Field(64 * 1024, gt=0)
    # Web chat: origins besides the server's own that may open /ws/chat, comma-separated
    # (e.g. "https://bank.example,https://m.bank.example").
    allowed_origins: Annotated[tuple[str, ...], NoDecode] = ()
    ws_auth_timeout_s: float = Field(10.0, gt=0)
    # Argon2id cost (RFC 9106 second recommended option by default).
    password_time_cost: int = Field(3, ge=1)
    password_memory_kib: int = Field(64 * 1024, ge=32)

    # Money core: default payment limits for new customers, in paise.
    limit_per_transfer: int = Field(1_00_000_00, gt=0)
    limit_daily: int = Field(2_00_000_00, gt=0)
    limit_weekly: int = Field(5_00_000_00, gt=0)
    limit_monthly: int = Field(10_00_000_00, gt=0)
    # Chat transfers at or above this many paise ask for the step-up PIN.
    pin_threshold: int = Field(50_000_00, gt=0)
    group_commit: bool = True
    max_batch: int = Field(512, gt=0, le=4096)
    hold_sweep_s: float = Field(30.0, gt=0)
    db_pool_size: int = Field(10, gt=0)

    @field_validator("allowed_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(o.strip().rstrip("/").lower() for o in value.split(",") if o.strip())
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @model_validator(mode="after")
    def _default_database(self) -> Settings:
        if not self.database_url:
            path = (self.data_dir / "swayam.db").resolve()
            self.database_url = f"sqlite+aiosqlite:///{path}"
        elif not self.database_url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError(
                "SWAYAM_DATABASE_URL must start with sqlite+aiosqlite:// or postgresql+asyncpg://"
            )
        return self

    def redacted_database_url(self) -> str:
        """The URL with any password hidden, for logs."""
        from sqlalchemy.engine import make_url

        return make_url(self.database_url).render_as_string(hide_password=True)
