"""PostgreSQL's COPY, for the few places that write thousands of rows in one go: it
streams them in one command, where even a pipelined executemany pays per row."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

import psycopg
from sqlalchemy import Connection

BATCH = 5_000
"""Rows between two progress reports."""


def copy_rows(
    connection: Connection,
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    progress: Callable[[int], None] | None = None,
) -> None:
    """COPY ``rows`` into ``table`` (a table name we write, never user input), inside the
    connection's transaction; ``progress`` hears the size of each batch sent."""
    raw = cast(psycopg.Connection[Any], connection.connection.driver_connection)
    command = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with raw.cursor() as cursor, cursor.copy(command) as copy:
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            for row in batch:
                copy.write_row(row)
            if progress is not None:
                progress(len(batch))
