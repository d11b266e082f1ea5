"""Typed settings from ``SWAYAM_*`` environment variables, validated at start."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


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
    # Trading: the simulated feed's seed, or a CSV of bars to replay instead; how
    # often the market loop runs (ticks, fills, alerts); 0 fills orders whole.
    market_seed: int = 7
    market_replay_csv: Path | None = None
    market_tick_s: float = Field(1.0, gt=0)
    trading_max_fill: int = Field(0, ge=0)
    group_commit: bool = True
    max_batch: int = Field(2048, gt=0, le=4096)
    hold_sweep_s: float = Field(30.0, gt=0)
    db_pool_size: int = Field(10, gt=0)

    # Audit log: a signed checkpoint every N entries or T seconds, whichever is first.
    ledger_checkpoint_every: int = Field(1000, gt=0)
    ledger_checkpoint_seconds: float = Field(60.0, gt=0)
    ledger_origin: str = Field("swayam.local/ledger", pattern=r"^[^\s+]+$")
    # PRIVATE+KEY+<name>+<id>+<base64>; empty: <data dir>/ledger/signing.key, made on first run.
    ledger_signing_key: SecretStr | None = None
    # Retired verifier keys still trusted for old checkpoints, space- or comma-separated.
    ledger_verifier_keys: str = ""

    # Telegram: the bot runs when a token is set.
    telegram_token: SecretStr | None = None
    # Bot API base URL; PTB appends the token and the method (self-hosted servers, tests).
    telegram_base_url: str = "https://api.telegram.org/bot"
    telegram_mode: Literal["polling", "webhook"] = "polling"
    # Webhook mode: the public https URL of our /telegram/webhook and its secret token.
    telegram_webhook_url: str = ""
    telegram_webhook_secret: SecretStr | None = None
    telegram_bot_username: str = ""  # empty: asked from getMe
    # Claude answers what the local NLU is unsure of when a key is set.
    anthropic_api_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("ANTHROPIC_API_KEY", "anthropic_api_key")
    )
    anthropic_base_url: str = ""  # empty: the SDK's default endpoint
    anthropic_model: str = "claude-sonnet-4-5"
    anthropic_timeout_s: float = Field(10.0, gt=0, le=60)

    # Events: Redis pub/sub fans events out across server processes when set; processes
    # share a channel when they share the prefix (separate ones keep deployments apart).
    redis_url: str = ""
    redis_channel_prefix: str = Field("swayam", pattern=r"^[A-Za-z0-9_.:-]{1,64}$")
    events_poll_s: float = Field(0.02, gt=0, le=5)
    notification_window_s: float = Field(5.0, ge=0)
    large_debit: int = Field(50_000_00, gt=0)
    ws_heartbeat_s: float = Field(20.0, gt=0)
    # Webhooks: loopback targets only for tests and local integrations.
    webhook_allow_loopback: bool = False
    webhook_timeout_s: float = Field(10.0, gt=0, le=60)
    # 1.0 is the Standard Webhooks schedule; tests compress it (e.g. 0.001).
    webhook_retry_scale: float = Field(1.0, gt=0)
    # Inbound sources and their secrets: "bankfeed=whsec_...,crm=whsec_..."; repeat a
    # source to accept two secrets while rotating.
    inbound_webhook_secrets: SecretStr | None = None
    inbound_tolerance_s: int = Field(300, gt=0)

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
    def _telegram_webhook(self) -> Settings:
        if self.telegram_token is None or self.telegram_mode != "webhook":
            return self
        secret = self.telegram_webhook_secret
        if secret is None or not _WEBHOOK_SECRET.fullmatch(secret.get_secret_value()):
            raise ValueError(
                "SWAYAM_TELEGRAM_WEBHOOK_SECRET must be 1-256 of A-Z, a-z, 0-9, _ and - "
                "in webhook mode"
            )
        if not self.telegram_webhook_url.startswith(("https://", "http://")):
            raise ValueError("SWAYAM_TELEGRAM_WEBHOOK_URL must be set in webhook mode")
        return self

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

    def inbound_secrets(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        raw = (
            self.inbound_webhook_secrets.get_secret_value() if self.inbound_webhook_secrets else ""
        )
        for pair in filter(None, (p.strip() for p in raw.split(","))):
            source, _, secret = pair.partition("=")
            if not source or not secret:
                raise ValueError("SWAYAM_INBOUND_WEBHOOK_SECRETS must be source=secret pairs")
            out.setdefault(source.strip(), []).append(secret.strip())
        return out

    def redacted_database_url(self) -> str:
        """The URL with any password hidden, for logs."""
        from sqlalchemy.engine import make_url

        return make_url(self.database_url).render_as_string(hide_password=True)
