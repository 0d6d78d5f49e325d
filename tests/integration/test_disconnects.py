"""PostgreSQL dropping connections (a restart, a failover, an operator's
``pg_terminate_backend``): pooled connections are not pinged before use, so a use case
that meets a dead one runs again, unless the connection broke during its commit."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.pool import NullPool

from backorder.api.app import create_app
from backorder.db.models import Order
from backorder.db.uow import CommitOutcomeUnknownError, Transaction, UnitOfWork, retrying
from backorder.domain.model import Role
from backorder.services.keys import create_api_key
from tests.helpers import add_customer, add_product, order


def terminate(uow: UnitOfWork, pid: int | None = None) -> int:
    """End the server processes of ``uow``'s connections (or one of them); returns how many."""
    admin = create_engine(uow.settings.database_url, poolclass=NullPool)
    try:
        with admin.connect() as connection:
            which = "pid = :pid" if pid else "pid <> pg_backend_pid()"
            ended = connection.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    f"WHERE datname = current_database() AND {which}"
                ),
                {"pid": pid},
            )
            return int(ended.scalar_one())
    finally:
        admin.dispose()


@pytest.fixture
def postgres(make_uow: Callable[..., UnitOfWork]) -> UnitOfWork:
    return make_uow("postgres")


def test_an_order_placed_after_the_database_dropped_every_connection_is_placed_once(
    postgres: UnitOfWork,
) -> None:
    add_product(postgres, "MUG", on_hand=5)
    customer = add_customer(postgres)
    order(postgres, customer, ("MUG", 1))  # the pool now holds a connection
    assert terminate(postgres) >= 1
    placed = order(postgres, customer, ("MUG", 1))
    assert placed.lines[0].allocated == 1
    with postgres.read() as tx:
        assert tx.session.scalar(select(func.count()).select_from(Order)) == 2


def test_a_connection_broken_while_committing_is_not_run_again(postgres: UnitOfWork) -> None:
    runs = 0

    @retrying
    def save(uow: UnitOfWork) -> None:
        nonlocal runs
        runs += 1
        with uow.write() as tx:
            pid = tx.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
            terminate(uow, pid)
            tx.commit()

    with pytest.raises(CommitOutcomeUnknownError):
        save(postgres)
    assert runs == 1


def test_the_api_answers_a_broken_commit_with_503_commit_outcome_unknown(
    postgres: UnitOfWork, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Placing an order whose connection breaks while committing: the client is told the
    order may have been saved, and how to find out, instead of a 500."""
    add_product(postgres, "MUG", on_hand=5)
    customer = add_customer(postgres)
    key = create_api_key(postgres, Role.STOREFRONT).secret
    commit = Transaction.commit

    def commit_after_losing_the_connection(tx: Transaction) -> None:
        terminate(postgres, tx.session.execute(text("SELECT pg_backend_pid()")).scalar_one())
        commit(tx)

    monkeypatch.setattr(Transaction, "commit", commit_after_losing_the_connection)
    client = TestClient(create_app(postgres), raise_server_exceptions=False)
    body = {"customer_id": customer, "lines": [{"sku": "MUG", "qty": 1}]}
    response = client.post("/api/v1/orders", json=body, headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "commit_outcome_unknown"
    assert "idempotency_key" in error["message"]
