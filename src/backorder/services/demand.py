"""Importing demand history: daily demand a business recorded before it took orders
here (or took elsewhere), from a CSV file or the API.

An import is all or nothing: every row is checked first, and any bad row refuses the
whole import, naming each bad line. Rows of one product and day add up within an
import; importing a product's day again replaces the figure, so a corrected file can be
imported over the first one.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from backorder.db.uow import UnitOfWork, retrying
from backorder.domain.errors import InvalidInputError
from backorder.domain.model import MAX_QTY
from backorder.services import replenishment
from backorder.services.clock import utcnow

COLUMNS = ("date", "sku", "qty")
BAD_ROWS_LISTED = 100
"""A file with thousands of bad rows lists the first ones: enough to see the mistake."""


@dataclass(frozen=True, slots=True)
class DemandRow:
    line: int
    """Where the row came from: its line in a file, or its position in a request (from 1)."""
    day: date
    sku: str
    qty: int


@dataclass(frozen=True, slots=True)
class BadRow:
    line: int
    message: str


@dataclass(frozen=True, slots=True)
class Imported:
    rows: int
    products: int
    days: int
    """Product-days written."""
    first_day: date | None
    last_day: date | None


def parse_csv(lines: Iterable[str]) -> tuple[list[DemandRow], list[BadRow]]:
    """Rows of a CSV file with a header naming ``date``, ``sku`` and ``qty`` (in any order;
    other columns are ignored), and the lines that are not rows."""
    reader = csv.reader(lines)
    header = next(reader, None)
    names = [name.strip().lower() for name in header or []]
    missing = [column for column in COLUMNS if column not in names]
    if missing:
        raise InvalidInputError(
            f"line 1 must be a header naming the columns {', '.join(COLUMNS)}; "
            f"missing: {', '.join(missing)}",
            details={"line": 1, "missing": missing},
        )
    at = [names.index(column) for column in COLUMNS]
    rows: list[DemandRow] = []
    bad: list[BadRow] = []
    for fields in reader:
        line = reader.line_num
        if not any(field.strip() for field in fields):
            continue
        if len(fields) < len(names):
            bad.append(BadRow(line, f"expected {len(names)} columns, found {len(fields)}"))
            continue
        row = _row(line, *(fields[i].strip() for i in at))
        if isinstance(row, DemandRow):
            rows.append(row)
        else:
            bad.append(row)
    return rows, bad


def _row(line: int, day: str, sku: str, qty: str) -> DemandRow | BadRow:
    try:
        parsed_day = date.fromisoformat(day)
    except ValueError:
        return BadRow(line, f"date {day!r} is not a date like 2026-01-31")
    if not sku or len(sku) > 64:
        return BadRow(line, "sku must be 1 to 64 characters")
    try:
        units = int(qty)
    except ValueError:
        return BadRow(line, f"qty {qty!r} is not a whole number")
    if not 0 <= units <= MAX_QTY:
        return BadRow(line, f"qty must be between 0 and {MAX_QTY}")
    return DemandRow(line, parsed_day, sku, units)


@retrying
def import_demand(
    uow: UnitOfWork,
    rows: Sequence[DemandRow],
    *,
    bad: Sequence[BadRow] = (),
    today: date | None = None,
    progress: Callable[[int], None] | None = None,
) -> Imported:
    """Check every row (known SKU, not a future day), then write them all in one
    transaction; ``bad`` rows found while reading refuse the import too. ``progress``
    hears how many rows each written batch held. The products' forecasts are made
    afresh after the import (and in its place, if that step fails, when next read)."""
    today = today or utcnow().date()
    if not rows and not bad:
        raise InvalidInputError(
            "no rows to import", details={"bad_rows": [], "bad_row_count": 0, "unknown_skus": []}
        )
    with uow.write() as tx:
        ids = tx.planning.product_ids({row.sku for row in rows})
        problems = list(bad)
        totals: dict[tuple[int, date], int] = {}
        for row in rows:
            if row.sku not in ids:
                problems.append(BadRow(row.line, f"no product with sku {row.sku!r}"))
            elif row.day > today:
                problems.append(BadRow(row.line, f"{row.day} is in the future"))
            else:
                key = (ids[row.sku], row.day)
                totals[key] = totals.get(key, 0) + row.qty
        if problems:
            unknown = sorted({row.sku for row in rows if row.sku not in ids})
            raise _refusal(problems, unknown)
        written = [(pid, day, qty) for (pid, day), qty in sorted(totals.items())]
        tx.planning.put_demand(written, now=utcnow(), progress=progress)
        products = {pid for pid, _ in totals}
        tx.products.lock(products)
        tx.planning.move_demand_versions(products)
        tx.commit()
    replenishment.store_forecasts(uow, today, products)
    days = [day for _, day in totals]
    return Imported(
        rows=len(rows),
        products=len(products),
        days=len(totals),
        first_day=min(days, default=None),
        last_day=max(days, default=None),
    )


def _refusal(problems: list[BadRow], unknown_skus: list[str]) -> InvalidInputError:
    """The refusal: the first bad lines, how many there were, and the unknown SKUs
    (often one missing product explains thousands of lines)."""
    problems.sort(key=lambda p: p.line)
    first = problems[0]
    listed = problems[:BAD_ROWS_LISTED]
    return InvalidInputError(
        f"{len(problems)} bad row(s), nothing was imported; line {first.line}: {first.message}",
        details={
            "bad_row_count": len(problems),
            "bad_rows": [{"line": p.line, "message": p.message} for p in listed],
            "unknown_skus": unknown_skus[:BAD_ROWS_LISTED],
        },
    )
