"""The unit of work: one transaction, rolled back unless ``commit()`` is called.

Services open ``uow.write()`` for a use case that changes state and ``uow.read()`` for one
that only looks. ``retrying`` re-runs a whole use case after a deadlock or serialization
failure, which PostgreSQL may raise under contention even with ordered locks, and after
a pooled connection the database had dropped (a restart): connections are not pinged
before use, which would cost a round trip in every transaction.
"""

from __future__ import annotations

import functools
import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import ParamSpec, TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from backorder.config import Settings
from backorder.db.engine import create_engines
from backorder.db.repositories import (
    ApiKeyRepository,
    CustomerRepository,
    EventRepository,
    LedgerRepository,
    OrderRepository,
    PlanningRepository,
    ProductRepository,
    PurchasingRepository,
    ReportRepository,
    SettingsRepository,
    UserRepository,
)

P = ParamSpec("P")
T = TypeVar("T")

_RETRYABLE_SQLSTATES = {"40001", "40P01"}  # serialization_failure, deadlock_detected


class FifoLock:
    """A lock granted in the order it was asked for. ``threading.Lock`` lets a thread that
    just released it take it again ahead of the waiters, which starves some of them."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._waiters: deque[threading.Event] = deque()
        self._held = False

    def __enter__(self) -> FifoLock:
        with self._guard:
            if not self._held:
                self._held = True
                return self
            turn = threading.Event()
            self._waiters.append(turn)
        turn.wait()  # the releasing thread hands the lock over directly
        return self

    def __exit__(self, *_: object) -> None:
        with self._guard:
            if self._waiters:
                self._waiters.popleft().set()
            else:
                self._held = False


class CommitOutcomeUnknownError(Exception):
    """The connection broke while the transaction was committing: it may or may not have
    committed, so it is not run again (an order placed twice is worse than an error)."""


class Transaction:
    """One open transaction and the repositories that work inside it."""

    def __init__(self, session: Session, settings: Settings) -> None:
        self.session = session
        self.settings = settings
        self.products = ProductRepository(session)
        self.customers = CustomerRepository(session)
        self.orders = OrderRepository(session)
        self.ledger = LedgerRepository(session)
        self.api_keys = ApiKeyRepository(session)
        self.purchasing = PurchasingRepository(session)
        self.events = EventRepository(session)
        self.settings_store = SettingsRepository(session)
        self.users = UserRepository(session)
        self.reports = ReportRepository(session)
        self.planning = PlanningRepository(session)

    def commit(self) -> None:
        self.events.write_pending()
        try:
            self.session.commit()
        except DBAPIError as error:
            if error.connection_invalidated:
                raise CommitOutcomeUnknownError(str(error.orig)) from error
            raise


class UnitOfWork:
    """Hands out transactions on the configured database."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.writer, self.reader = create_engines(settings)
        self._writer_sessions = sessionmaker(self.writer, expire_on_commit=False)
        self._reader_sessions = sessionmaker(self.reader, expire_on_commit=False)
        # SQLite has one writer at a time. Threads of this process queue here, in order,
        # instead of polling the database's busy handler, whose growing sleeps turn a
        # short wait into a long tail; other processes still wait through busy_timeout.
        self._write_turn: AbstractContextManager[object] = (
            FifoLock() if self.writer.dialect.name == "sqlite" else nullcontext()
        )

    @property
    def dialect(self) -> str:
        return self.writer.dialect.name

    @contextmanager
    def write(self) -> Iterator[Transaction]:
        # Closing the session rolls back whatever was not committed, without expiring the
        # objects already loaded, so views built inside stay readable.
        with self._write_turn, self._writer_sessions() as session:
            yield Transaction(session, self.settings)

    @contextmanager
    def read(self) -> Iterator[Transaction]:
        with self._reader_sessions() as session:
            yield Transaction(session, self.settings)

    def engines(self) -> set[Engine]:
        return {self.writer, self.reader}

    def dispose(self) -> None:
        for engine in self.engines():
            engine.dispose()


def is_retryable(error: DBAPIError) -> bool:
    """A deadlock or serialization failure (PostgreSQL), a busy database (SQLite), or a
    pooled connection the database had dropped (found by the statement that used it,
    before any commit: a broken commit is ``CommitOutcomeUnknownError`` instead)."""
    if error.connection_invalidated:
        return True
    if not isinstance(error, OperationalError):
        return False
    sqlstate = getattr(error.orig, "sqlstate", None)
    return sqlstate in _RETRYABLE_SQLSTATES or "database is locked" in str(error.orig)


def retrying(use_case: Callable[P, T]) -> Callable[P, T]:
    """Re-run ``use_case`` from the start when the database aborted it for contention,
    or when a pooled connection turned out dead before it committed.

    The first argument must be the UnitOfWork, whose settings bound the retries. Each
    attempt is a fresh transaction, so a retry never sees half of an earlier one.
    """

    @functools.wraps(use_case)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        uow = args[0]
        assert isinstance(uow, UnitOfWork)
        attempts = uow.settings.transaction_retries + 1
        for attempt in range(attempts):
            try:
                return use_case(*args, **kwargs)
            except DBAPIError as error:
                if attempt == attempts - 1 or not is_retryable(error):
                    raise
        raise AssertionError("unreachable")

    return run
