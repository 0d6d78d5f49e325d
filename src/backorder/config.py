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
    transaction_retries: int = Field(
        default=5, ge=0, description="Retries of a transaction aborted by a deadlock or conflict."
    )
