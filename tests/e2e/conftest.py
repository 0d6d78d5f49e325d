"""The CLI tests' database: migrated by the real command, checked after every test."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from backorder.config import Settings
from backorder.db.uow import UnitOfWork
from backorder.services.inventory import verify_inventory
from tests.conftest import truncate_all
from tests.e2e.test_cli import succeeds
from tests.helpers import check_invariants


@pytest.fixture
def db(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[UnitOfWork]:
    """A database migrated by ``backorder db upgrade``, and a unit of work on it; the
    invariants and the ledger are checked after every test (``test_cli`` has its own,
    unchecked, for tests that break the ledger on purpose). SQLite, or PostgreSQL
    emptied first when a module parametrizes ``db`` indirectly with "postgres"."""
    if getattr(request, "param", "sqlite") == "postgres":
        url = request.getfixturevalue("postgres_url")
    else:
        url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("BACKORDER_DATABASE_URL", url)
    monkeypatch.setenv("COLUMNS", "200")
    assert "database at revision" in succeeds("db", "upgrade")
    uow = UnitOfWork(Settings())
    if url.startswith("postgresql"):
        truncate_all(uow)
    yield uow
    check_invariants(uow, today=datetime.now(UTC).date())
    assert verify_inventory(uow)[1] == []
    uow.dispose()
