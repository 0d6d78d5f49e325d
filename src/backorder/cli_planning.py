"""``backorder import demand`` and ``backorder plan``: replenishment from the desk."""

from __future__ import annotations

import math
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TextIO

import typer
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeRemainingColumn
from rich.table import Table

from backorder.cli_common import err, out, service
from backorder.domain.errors import InvalidInputError
from backorder.domain.forecast import ADI_CUTOFF, ALPHA, BETA, CV2_CUTOFF, Method
from backorder.domain.replenishment import DAYS_PER_YEAR, loss, service_factor
from backorder.services import demand, replenishment

import_app = typer.Typer(help="Import history from files.", no_args_is_help=True)

SPARK = " ▁▂▃▄▅▆▇█"
LINES_SHOWN = 20
"""Bad lines printed at most: the rest are counted."""


@import_app.command("demand")
def import_demand(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="CSV with columns date,sku,qty")
    ],
) -> None:
    """Daily demand from before (or beside) this service. All rows or none: a bad row
    refuses the file and every bad line is named. A product's day imported again is
    replaced, so a corrected file can be imported over the first."""
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeRemainingColumn(),
    )
    with file.open(newline="", encoding="utf-8-sig") as handle, Progress(*columns) as progress:
        reading = progress.add_task("reading", total=file.stat().st_size)
        try:
            rows, bad = demand.parse_csv(_tracked(handle, progress, reading))
        except UnicodeDecodeError as error:
            err.print(f"[red]{file}[/red] is not UTF-8 text: save it as CSV (UTF-8) and retry")
            raise typer.Exit(2) from error
        except InvalidInputError as error:
            progress.stop()
            err.print(f"[red]{file}[/red]: {error.message}")
            raise typer.Exit(2) from error
        writing = progress.add_task("writing", total=len(rows))
        with service() as uow:
            try:
                result = demand.import_demand(
                    uow, rows, bad=bad, progress=lambda n: progress.advance(writing, n)
                )
            except InvalidInputError as error:
                progress.update(writing, visible=False)
                progress.stop()
                _print_bad_rows(file, error)
                raise typer.Exit(2) from error
    out.print(
        f"imported {result.rows} rows: {result.days} product-days of {result.products} "
        f"products, {result.first_day} to {result.last_day}"
    )


def _tracked(handle: TextIO, progress: Progress, task: TaskID) -> Iterator[str]:
    """The file's lines, advancing the bar every 64 KiB read (not every line: the bar's
    bookkeeping would cost more than the parsing)."""
    pending = 0
    for line in handle:
        pending += len(line)
        if pending >= 65_536:
            progress.advance(task, pending)
            pending = 0
        yield line
    progress.advance(task, pending)


def _print_bad_rows(file: Path, error: InvalidInputError) -> None:
    rows = error.details.get("bad_rows", [])
    if not rows:
        err.print(f"[red]{file}[/red]: {error.message}")
        return
    count = error.details["bad_row_count"]
    err.print(f"[red]{count} bad row(s) in {file}[/red]; nothing imported")
    for row in rows[:LINES_SHOWN]:
        err.print(f"  line {row['line']}: {row['message']}")
    if count > LINES_SHOWN:
        err.print(f"  ... and {count - LINES_SHOWN} more")
    if unknown := error.details.get("unknown_skus"):
        err.print(
            f"unknown SKU(s): {', '.join(unknown)}; create those products first "
            "(POST /api/v1/products), or drop their lines"
        )
    err.print("fix these lines and import the file again")


class Sort(StrEnum):
    SKU = "sku"
    DEMAND = "demand"
    COVER = "cover"
    POSITION = "position"


def plan(
    sku: Annotated[str | None, typer.Argument(help="One product, with the working shown")] = None,
    sort: Annotated[Sort, typer.Option(help="Order of the table")] = Sort.SKU,
    at_risk: Annotated[bool, typer.Option("--at-risk", help="Only products at risk")] = False,
    limit: Annotated[int, typer.Option(min=1, help="Rows shown at most")] = 200,
) -> None:
    """Every product's forecast, policy and risk; or one product's, worked out."""
    with service() as uow:
        if sku is not None:
            detail, series = replenishment.product_plan(uow, sku)
            _print_working(detail, series)
            return
        details = replenishment.all_plans(uow)
    if at_risk:
        details = [d for d in details if d.plan.at_risk]
    details.sort(key=_SORTS[sort])
    _print_table(details[:limit], len(details))


_SORTS = {
    Sort.SKU: lambda d: (d.plan.sku,),
    Sort.DEMAND: lambda d: (-d.plan.forecast.rate, d.plan.sku),
    Sort.COVER: lambda d: (_days(d.plan.cover.days), d.plan.sku),
    Sort.POSITION: lambda d: (d.plan.position - d.plan.policy.reorder_point, d.plan.sku),
}


def _days(days: float | None) -> float:
    return math.inf if days is None else days


def _print_table(details: list[replenishment.Detail], total: int) -> None:
    table = Table(
        "sku",
        "pattern",
        "per day",
        "sd",
        "lead (d)",
        "safety",
        "reorder at",
        "order qty",
        "fill rate",
        "position",
        "cover (d)",
        "stockout",
        "risk",
        title=f"replenishment: {len(details)} of {total} products",
    )
    for detail in details:
        p, s = detail.plan, detail.service
        table.add_row(
            p.sku,
            p.forecast.classification.pattern.value,
            f"{p.forecast.rate:.2f}",
            f"{p.forecast.std:.2f}",
            f"{p.lead_time.days:g}" + ("*" if p.lead_time.source == "measured" else ""),
            str(p.policy.safety_stock),
            str(p.policy.reorder_point),
            str(p.policy.order_qty),
            "-" if s.fill_rate is None else f"{s.fill_rate:.1%}",
            str(p.position),
            "-" if p.cover.days is None else f"{p.cover.days:.1f}",
            str(p.cover.stockout_date or "-"),
            "[red]at risk[/red]" if p.at_risk else "",
        )
    out.print(table)
    out.print("lead times marked * are measured from receipts; the others are quoted")


def _print_working(detail: replenishment.Detail, series: list[int]) -> None:
    p, s = detail.plan, detail.service
    f, c, rule = p.forecast, p.forecast.classification, p.policy
    out.print(f"[bold]{p.sku}[/bold]")
    out.print(
        f"demand history: {p.window_start} to {p.window_end} (excluded), {f.days} days, "
        f"{f.demand_days} with demand"
    )
    if series:
        out.print(f"  {_sparkline(series)}  (max {max(series)}/day)")
    if c.adi is None or c.cv2 is None:
        out.print("pattern: none (no demand in the window): nothing to forecast")
    else:
        adi = "<" if c.adi < ADI_CUTOFF else ">="
        cv2 = "<" if c.cv2 < CV2_CUTOFF else ">="
        out.print(
            f"pattern: {c.pattern.value} (ADI {c.adi:.2f} {adi} {ADI_CUTOFF}, "
            f"CV² {c.cv2:.2f} {cv2} {CV2_CUTOFF})"
        )
        out.print(f"method: {_METHODS[f.method]}")
    out.print(f"demand: {f.rate:.3f}/day, standard deviation {f.std:.3f}/day")
    lead = p.lead_time
    source = {
        "measured": f"measured over {lead.receipts} receipts from supplier "
        f"{p.offer.supplier_id if p.offer else '-'}",
        "quoted": f"quoted by supplier {p.offer.supplier_id if p.offer else '-'}",
        "product": "no supplier: the product's own lead time",
        "none": "none known: add a supplier or a lead time",
    }[lead.source]
    out.print(f"lead time: {lead.days:.2f} days, deviation {lead.std:.2f} ({source})")
    ltd = rule.lead_time_demand
    out.print(
        f"lead-time demand: d*L = {f.rate:.3f} * {lead.days:.2f} = {ltd.mean:.2f}; "
        f"deviation sqrt(L*sd_d² + d²*sd_L²) = sqrt({lead.days:.2f}*{f.std:.3f}² + "
        f"{f.rate:.3f}²*{lead.std:.2f}²) = {ltd.std:.2f}"
    )
    t = p.targets
    if t.fill_rate is not None and rule.order_qty > 0:
        out.print(
            f"safety stock: fill rate {t.fill_rate:.2%} wants expected shortage "
            f"(1 - {t.fill_rate}) * Q {rule.order_qty} per cycle -> {rule.safety_stock} units"
        )
    else:
        z = service_factor(t.service_level)
        out.print(
            f"safety stock: z({t.service_level:.2%}) = {z:.3f} * {ltd.std:.2f} "
            f"-> {rule.safety_stock} units (rounded up, never negative)"
        )
    out.print(f"reorder point: {ltd.mean:.2f} + {rule.safety_stock} -> {rule.reorder_point}")
    holding = t.holding_cost_rate * p.unit_cost
    out.print(
        f"order quantity: EOQ sqrt(2 * D {f.rate * DAYS_PER_YEAR:.0f}/year * S {t.ordering_cost:g}"
        f" / H {holding:.2f}) = {rule.economic_order_qty:.1f}"
        + (
            f" -> {rule.order_qty} (minimum {p.offer.min_order_qty}, pack {p.offer.pack_size})"
            if p.offer
            else f" -> {rule.order_qty}"
        )
    )
    z = rule.safety_factor
    out.print(
        f"expected: {s.shortage:.3f} units short per cycle (sd * G({z:.3f}) = "
        f"{ltd.std:.2f} * {loss(z):.4f}), fill rate "
        + ("-" if s.fill_rate is None else f"{s.fill_rate:.2%}")
        + f", cycle service level {s.cycle_service_level:.2%}"
    )
    buy = p.buy
    out.print(
        f"position: available {p.available} + on order {p.on_order} - backordered "
        f"{p.backordered} = {p.position}; "
        + (f"buy {buy.qty} ({', '.join(buy.reasons)})" if buy.reasons else "nothing to buy")
        + ("; no supplier to buy from: add one" if buy.reasons and p.offer is None else "")
    )
    if p.next_arrival:
        arrival = f"purchase order due {p.next_arrival}"
    elif p.next_possible_arrival:
        arrival = f"an order placed today, {p.next_possible_arrival}"
    else:
        arrival = "none: no supplier and no lead time to buy from"
    if p.cover.days is None:
        out.print(f"cover: no demand, no stockout in sight; next arrival: {arrival}")
    else:
        out.print(
            f"cover: {p.cover.days:.1f} days, stockout {p.cover.stockout_date}; next arrival: "
            f"{arrival}" + (" -> [red]at risk[/red]" if p.at_risk else "")
        )


_METHODS = {
    Method.SES: f"simple exponential smoothing, alpha {ALPHA}",
    Method.SBA: f"Croston with the Syntetos-Boylan correction (SBA), alpha {ALPHA}",
    Method.TSB: f"TSB (Teunter-Syntetos-Babai), alpha {ALPHA}, beta {BETA}",
    Method.NONE: "none",
}


def _sparkline(series: list[int]) -> str:
    """The history in one line of block characters, a week to each character."""
    weeks = [sum(series[i : i + 7]) for i in range(0, len(series), 7)]
    top = max(weeks) or 1
    return "".join(SPARK[math.ceil(w / top * (len(SPARK) - 1))] for w in weeks)
