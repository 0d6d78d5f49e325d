"""Engines for SQLite and PostgreSQL, built when the app starts, never at import time.

SQLite serialises writers: a write transaction starts with ``BEGIN IMMEDIATE`` so two
writers can't both read a counter and then fight to upgrade their lock; readers use a
plain ``BEGIN`` and, in WAL mode, never block the writer. PostgreSQL takes row locks
(``SELECT ... FOR UPDATE``) instead, so one engine serves both kinds of transaction.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from backorder.config import Settings


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engines(settings: Settings) -> tuple[Engine, Engine]:
    """Return (writer, reader) engines for ``settings.database_url``."""
    url = settings.database_url
    if not is_sqlite(url):
        # Up to 40 connections: as many as the threads a server process runs request
        # handlers on (anyio's default), so no handler waits for a connection, which
        # SQLAlchemy's pool does not hand out in the order asked. No pre-ping (a round
        # trip per transaction): a connection the server dropped fails its first
        # statement, SQLAlchemy discards the whole pool, and ``retrying`` runs the use
        # case again on a fresh connection.
        engine = create_engine(url, pool_size=10, max_overflow=30)
        return engine, engine
    database = make_url(url).database
    if not database or database == ":memory:":
        raise ValueError("SQLite needs a file (sqlite:///path/to/backorder.db), not :memory:")
    Path(database).parent.mkdir(parents=True, exist_ok=True)
    return (
        _sqlite_engine(url, settings, begin="BEGIN IMMEDIATE"),
        _sqlite_engine(url, settings, begin="BEGIN"),
    )


def _sqlite_engine(url: str, settings: Settings, *, begin: str) -> Engine:
    engine = create_engine(url, connect_args={"timeout": settings.lock_timeout_seconds})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below issue BEGIN, not the sqlite3 module.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA synchronous={settings.sqlite_synchronous}")
        cursor.execute(f"PRAGMA busy_timeout={int(settings.lock_timeout_seconds * 1000)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql(begin)

    return engine
