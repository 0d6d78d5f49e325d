"""Typed settings, read from the environment (prefix ``BACKORDER_``) and nothing else."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every knob of the service; the README documents each one."""

    model_config = SettingsConfigDict(env_prefix="BACKORDER_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///./var/backorder.db",
        description="SQLAlchemy URL: sqlite:///path or postgresql+psycopg://user@host/db",
    )
    host: str = "127.0.0.1"
    port: int = 8000
    sqlite_synchronous: Literal["FULL", "NORMAL"] = Field(
        default="FULL",
        description="FULL survives power loss; NORMAL in WAL mode may lose the last commits.",
    )
    lock_timeout_seconds: float = Field(
        default=30.0, gt=0, description="How long a writer waits for a busy database or row lock."
    )
    handling_days: int = Field(
        default=1, ge=0, le=365, description="Days from goods arriving to goods shipping."
    )
    lateness_percentile: float = Field(
        default=80,
        ge=0,
        le=100,
        description="Which percentile of a supplier's days late is added to its dates.",
    )
    smtp_host: str | None = Field(
        default=None,
        description="SMTP server; unset, email is written to mail_folder as .eml files.",
    )
    smtp_port: int = 25
    smtp_from: str = "Backorder <backorder@localhost>"
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    mail_folder: str = Field(
        default="./var/mail", description="Where email goes when no SMTP server is set."
    )
    webhook_timeout_seconds: float = Field(default=5.0, gt=0)
    delivery_max_attempts: int = Field(
        default=8, ge=1, description="Attempts before a delivery is marked failed."
    )
    delivery_backoff_seconds: float = Field(
        default=30.0, ge=0, description="First retry delay; doubles with each attempt."
    )
    delivery_lease_seconds: float = Field(
        default=120.0, gt=0, description="How long a worker holds a delivery it is sending."
    )
    worker_interval_seconds: float = Field(
        default=1.0, gt=0, description="Worker pause when there is nothing to deliver."
    )
    embedded_worker: bool = Field(
        default=False, description="Run a worker thread inside the API process."
    )
    events_settle_seconds: float = Field(
        default=2.0,
        ge=0,
        description="GET /events hides events younger than this, so a poller never skips "
        "an event whose transaction committed after a later one's.",
    )
    log_format: Literal["text", "json"] = Field(
        default="text", description="json: one JSON object per line, with the request id."
    )
    session_secret: str | None = Field(
        default=None,
        description="Signs dashboard session cookies; unset, a random one is made once and "
        "kept in the database.",
    )
    session_max_age_hours: float = Field(
        default=12, gt=0, description="A dashboard sign-in lasts this long."
    )
    secure_cookies: bool = Field(
        default=False, description="Send the session cookie over HTTPS only (set behind TLS)."
    )
    api_key_cache_seconds: float = Field(
        default=10.0,
        ge=0,
        description="How long a server process trusts a key it has found; a revoked key is "
        "refused by every process within this. 0 looks every key up on every request.",
    )
    transaction_retries: int = Field(
        default=5, ge=0, description="Retries of a transaction aborted by a deadlock or conflict."
    )
