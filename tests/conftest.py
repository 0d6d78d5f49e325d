"""Databases for tests: SQLite always, PostgreSQL when BACKORDER_TEST_POSTGRES_URL is set.

Each database is migrated once per run. A SQLite test gets a copy of the migrated file; a
PostgreSQL test starts from truncated tables. Under CI=true a missing PostgreSQL fails
the run instead of skipping its tests.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from backorder.config import Settings
from backorder.db import migrate
from backorder.db.models import Base
from backorder.db.uow import UnitOfWork

POSTGRES_URL = os.environ.get("BACKORDER_TEST_POSTGRES_URL")
DATABASES = ["sqlite", "postgres"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("database") == "postgres":
            item.add_marker(pytest.mark.postgres)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "backorder.db"
    uow = UnitOfWork(Settings(database_url=f"sqlite:///{path}"))
    migrate.upgrade(uow.writer)
    uow.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_url() -> str:
    if not POSTGRES_URL:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but BACKORDER_TEST_POSTGRES_URL is not set")
        pytest.skip("BACKORDER_TEST_POSTGRES_URL not set")
    engine = create_engine(POSTGRES_URL)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    migrate.upgrade(engine)
    engine.dispose()
    return POSTGRES_URL


def truncate_all(uow: UnitOfWork) -> None:
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with uow.writer.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture
def make_uow(
    request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path
) -> Iterator[Callable[[str], UnitOfWork]]:
    """A factory of fresh, migrated, empty databases: ``make_uow("sqlite" | "postgres")``."""
    made: list[UnitOfWork] = []

    def make(database: str, **settings: object) -> UnitOfWork:
        if database == "sqlite":
            path = tmp_path / f"backorder-{len(made)}.db"
            shutil.copy(sqlite_template, path)
            uow = UnitOfWork(Settings(database_url=f"sqlite:///{path}", **settings))  # type: ignore[arg-type]
        else:
            url = request.getfixturevalue("postgres_url")
            uow = UnitOfWork(Settings(database_url=url, **settings))  # type: ignore[arg-type]
            truncate_all(uow)
        made.append(uow)
        return uow

    yield make
    for uow in made:
        uow.dispose()


@pytest.fixture(params=DATABASES)
def database(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def uow(make_uow: Callable[[str], UnitOfWork], database: str) -> UnitOfWork:
    """A fresh database of each kind: every test that takes it runs on both."""
    return make_uow(database)
