"""The analysis commands of `leadline`: report, export, import and spend.

Tables go to standard output through rich; progress bars and summaries of work go to
standard error, so `leadline export > leads.csv` leaves a clean file.
"""

import asyncio
import csv
import sys
from collections.abc import Awaitable, Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TextIO, TypeVar

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from bot import charts
from bot.files import Exporter, ImportReader
from bot.settings import Settings
from bot.stats import duration, money, percent, reason_label
from core.errors import LeadlineError
from core.metrics import Period
from core.periods import PeriodError, describe, parse_dates, parse_period
from core.reporting import Analysis, ImportResult, ImportRow
from core.services import Services

T = TypeVar("T")
IMPORT_BATCH = 2000
SHOWN_REJECTIONS = 20

# Piped output is not wrapped at 80 columns: the tables are wide.
out = Console(width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, soft_wrap=True)


async def _with(settings: Settings, work: Callable[[Services], Awaitable[T]]) -> T:
    from bot.app import build_services
    from storage.database import session_factories
    from storage.migrate import upgrade_async
    from storage.summaries import backfill

    await upgrade_async(settings.database_url)
    engine, services, _ = build_services(settings)
    try:
        writer, _ = session_factories(engine)
        await backfill(writer)
        return await work(services)
    finally:
        await engine.dispose()


def _period(services: Services, text: str) -> Period:
    return parse_period(text, services.clock.now(), services.rules.calendar.tz)


# -- report --------------------------------------------------------------------------------


def report(settings: Settings, period_text: str, charts_dir: Path, rebuild: bool) -> int:
    """Print a period's tables and write its charts as PNG files."""

    async def work(services: Services) -> int:
        if rebuild:
            await _rebuild(settings)
        period = _period(services, period_text)
        analysis = await services.analyse(period)
        words = describe(period, services.rules.calendar.tz)
        print_report(analysis, words, settings.currency)
        written = await asyncio.to_thread(write_charts, analysis, charts_dir, settings.currency)
        for path in written:
            err.print(f"chart: {path}")
        return 0

    try:
        return asyncio.run(_with(settings, work))
    except PeriodError as exc:
        err.print(f"leadline: {exc}")
        return 2


async def _rebuild(settings: Settings) -> None:
    from storage.database import make_engine, session_factories
    from storage.summaries import backfill

    engine = make_engine(settings.database_url)
    writer, _ = session_factories(engine)
    built = await backfill(writer, rebuild=True)
    await engine.dispose()
    err.print(f"Rebuilt {built:,} lead summaries from their events.")


def print_report(analysis: Analysis, words: str, currency: str) -> None:
    """Print the tables of a report: team, reps, sources and costs, funnel, losses."""
    report = analysis.report
    team = report.team
    out.print(f"[bold]Leadline report · {words}[/bold]")
    summary = Table(title="Team", show_header=False)
    r, retries, deals = team.response, team.retries, team.deals
    rows = [
        ("Leads in", f"{team.leads:,} (off hours {team.off_hours:,})"),
        ("First response, business", f"median {duration(r.median_business)}, "
         f"p90 {duration(r.p90_business)}"),
        ("First response, wall clock", f"median {duration(r.median_wall)}, "
         f"p90 {duration(r.p90_wall)}"),
        (f"Within the {duration(report.norm)} norm", f"{percent(r.share_within_norm)}"),
        ("Overruns / still waiting", f"{r.overruns:,} / {r.waiting:,}"),
        ("No answer at first", f"{retries.with_no_answer:,}: pending {retries.pending:,}, "
         f"reached later {retries.reached_later:,}, won later {retries.won_later:,}"),
        ("Won / revenue", f"{deals.won:,} / {money(deals.revenue, currency)}"),
        ("Deal cycle (median)", "—" if deals.median_cycle_days is None
         else f"{deals.median_cycle_days:.1f} days"),
    ]  # fmt: skip
    for label, value in rows:
        summary.add_row(label, value)
    out.print(summary)
    out.print(_reps_table(analysis, currency))
    out.print(_sources_table(analysis, currency))
    out.print(_funnel_table(analysis))
    out.print(_losses_table(analysis))


def _reps_table(analysis: Analysis, currency: str) -> Table:
    table = Table(title=f"Per rep (response: the owner at the time of contact; {currency})")
    for column in ("rep", "leads", "answered", "median", "p90", "in norm", "overruns",
                   "waiting", "won", "revenue"):  # fmt: skip
        table.add_column(column, justify="left" if column == "rep" else "right")
    for rep, f in analysis.report.by_rep.items():
        r = f.response
        table.add_row(
            analysis.rep_name(rep),
            f"{f.leads:,}",
            f"{r.answered:,}",
            duration(r.median_business),
            duration(r.p90_business),
            percent(r.share_within_norm),
            f"{r.overruns:,}",
            f"{r.waiting:,}",
            f"{f.deals.won:,}",
            _number(f.deals.revenue),
        )
    return table


def _number(amount: Decimal | None) -> str:
    return "—" if amount is None else f"{amount:,.2f}"


def _sources_table(analysis: Analysis, currency: str) -> Table:
    table = Table(title=f"Per source (money in {currency})")
    for column in ("source", "leads", "median response", "won", "revenue", "spend",
                   "per lead", "per deal"):  # fmt: skip
        table.add_column(column, justify="left" if column == "source" else "right")
    costs = {row.source_id: row for row in analysis.report.costs if row.spend}
    for source, f in analysis.report.by_source.items():
        cost = costs.get(source)
        table.add_row(
            analysis.source_name(source),
            f"{f.leads:,}",
            duration(f.response.median_business),
            f"{f.deals.won:,}",
            _number(f.deals.revenue),
            _number(cost.spend if cost else None),
            _number(cost.cost_per_lead if cost else None),
            _number(cost.cost_per_deal if cost else None),
        )
    for source, cost in costs.items():
        if source not in analysis.report.by_source:
            spend = _number(cost.spend)
            table.add_row(analysis.source_name(source), "0", "—", "0", "—", spend, "—", "—")
    return table


def _funnel_table(analysis: Analysis) -> Table:
    table = Table(title="Funnel (leads that arrived in the period)")
    table.add_column("stage")
    table.add_column("reached", justify="right")
    table.add_column("from the stage before", justify="right")
    for step in analysis.report.team.funnel:
        table.add_row(step.stage, f"{step.reached:,}", percent(step.conversion))
    return table


def _losses_table(analysis: Analysis) -> Table:
    table = Table(title="Loss reasons")
    table.add_column("reason")
    table.add_column("lost", justify="right")
    table.add_column("share", justify="right")
    for share in analysis.report.team.losses:
        table.add_row(reason_label(share.reason), f"{share.count:,}", percent(share.share))
    return table


def write_charts(analysis: Analysis, folder: Path, currency: str) -> list[Path]:
    """Write the report's charts as PNG files into a folder; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    report = analysis.report
    drawn: dict[str, bytes] = {}
    if report.team.response.answered:
        drawn["response-by-rep.png"] = charts.response_by_rep(analysis)
    if report.team.leads:
        drawn["funnel.png"] = charts.funnel(analysis)
    if report.team.losses:
        drawn["loss-reasons.png"] = charts.loss_reasons(analysis)
    if any(row.spend for row in report.costs):
        drawn["cost-per-deal.png"] = charts.cost_per_deal(analysis, currency)
    elif report.team.leads:
        drawn["leads-by-source.png"] = charts.leads_by_source(analysis)
    paths = []
    for name, png in drawn.items():
        path = folder / name
        path.write_bytes(png)
        paths.append(path)
    return paths


# -- export and import ---------------------------------------------------------------------


def export(settings: Settings, period_text: str | None, target: str) -> int:
    """Write leads with their fields and figures as CSV, to a file or standard output."""

    async def work(services: Services) -> int:
        period = _period(services, period_text) if period_text else None
        reps, sources = await services.names()
        exporter = Exporter(services.rules.calendar, reps, sources)
        # A command-line run: blocking file writes hold up nothing else.
        stream: TextIO = sys.stdout if target == "-" else open(target, "w", newline="")  # noqa: ASYNC230, SIM115
        count = 0
        try:
            writer = csv.writer(stream)
            writer.writerow(exporter.header())
            with _progress() as progress:
                task = progress.add_task("Exporting", total=None)
                async for batch in services.export(period):
                    writer.writerows(exporter.row(item) for item in batch)
                    count += len(batch)
                    progress.advance(task, len(batch))
        finally:
            if stream is not sys.stdout:
                stream.close()
        err.print(f"Exported {count:,} leads" + ("" if target == "-" else f" to {target}"))
        return 0

    try:
        return asyncio.run(_with(settings, work))
    except PeriodError as exc:
        err.print(f"leadline: {exc}")
        return 2


def import_file(settings: Settings, path: Path, rejects: Path | None) -> int:
    """Bring in the leads of a CSV file, with a progress bar and a summary."""
    if not path.is_file():
        err.print(f"leadline: {path} is not a file.")
        return 2

    async def work(services: Services) -> ImportResult:
        reader = ImportReader(services.rules.calendar.tz, settings.phone_region)
        total = _count_lines(path)
        result = ImportResult()
        with path.open(newline="", encoding="utf-8-sig") as lines, _progress() as progress:
            task = progress.add_task(f"Importing {path.name}", total=total)
            batch: list[ImportRow] = []
            for row in reader.rows(lines):
                batch.append(row)
                if len(batch) >= IMPORT_BATCH:
                    result.add(await services.import_leads(batch))
                    progress.advance(task, len(batch))
                    batch = []
            if batch:
                result.add(await services.import_leads(batch))
                progress.advance(task, len(batch))
        return result

    try:
        result = asyncio.run(_with(settings, work))
    except ValueError as exc:
        err.print(f"leadline: {exc}")
        return 2
    _print_import(result, rejects)
    return 0


def _count_lines(path: Path) -> int:
    with path.open("rb") as raw:
        return max(sum(1 for _ in raw) - 1, 0)


def _progress() -> Progress:
    return Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )


def _print_import(result: ImportResult, rejects: Path | None) -> None:
    rejected = sorted(result.rejected)
    err.print(
        f"Taken: {result.taken:,} · merged as duplicates: {result.merged:,} · "
        f"already imported: {result.already:,} · rejected: {len(rejected):,}"
    )
    for line, reason in rejected[:SHOWN_REJECTIONS]:
        err.print(f"  line {line}: {reason}")
    if len(rejected) > SHOWN_REJECTIONS:
        more = len(rejected) - SHOWN_REJECTIONS
        hint = f" (all in {rejects})" if rejects else " (use --rejects FILE for all)"
        err.print(f"  … and {more:,} more{hint}")
    if rejects is not None:
        with rejects.open("w", newline="") as stream:
            writer = csv.writer(stream)
            writer.writerow(["line", "reason"])
            writer.writerows(rejected)


# -- spend ---------------------------------------------------------------------------------


def spend_add(
    settings: Settings, source: str, amount: str, first: str, last: str, note: str
) -> int:
    """Record ad spend on a source for a stretch of dates."""

    async def work(services: Services) -> int:
        days = parse_dates(f"{first} {last}")
        entry = await services.add_spend(source, _amount(amount), *days, note=note)
        err.print(
            f"Recorded {money(entry.amount, settings.currency)} on {source} "
            f"for {entry.starts_on} to {entry.ends_on}."
        )
        return 0

    return _run_spend(settings, work)


def spend_import(settings: Settings, path: Path) -> int:
    """Record the spend lines of a CSV file: source, amount, from, to[, note]."""

    async def work(services: Services) -> int:
        count = 0
        with path.open(newline="", encoding="utf-8-sig") as stream:
            for line, record in enumerate(csv.DictReader(stream), start=2):
                try:
                    days = parse_dates(f"{record['from']} {record['to']}")
                    await services.add_spend(
                        record["source"], _amount(record["amount"]), *days,
                        note=record.get("note") or "",
                    )  # fmt: skip
                except (KeyError, ValueError, LeadlineError) as exc:
                    raise ValueError(f"line {line}: {exc}") from None
                count += 1
        err.print(f"Recorded {count:,} spend entries from {path}.")
        return 0

    return _run_spend(settings, work)


def spend_list(settings: Settings, period_text: str) -> int:
    """Print the spend entries that touch a period."""

    async def work(services: Services) -> int:
        period = _period(services, period_text)
        first, last = period.local_dates(services.rules.calendar.tz)
        table = Table(title=f"Ad spend · {describe(period, services.rules.calendar.tz)}")
        for column in ("source", "from", "to", "amount", "note"):
            table.add_column(column, justify="right" if column == "amount" else "left")
        for entry, name in await services.spend_between(first, last):
            table.add_row(
                name,
                str(entry.starts_on),
                str(entry.ends_on),
                money(entry.amount, settings.currency),
                entry.note,
            )
        out.print(table)
        return 0

    return _run_spend(settings, work)


def _run_spend(settings: Settings, work: Callable[[Services], Awaitable[int]]) -> int:
    try:
        return asyncio.run(_with(settings, work))
    except (ValueError, LeadlineError) as exc:
        err.print(f"leadline: {exc}")
        return 1


def _amount(text: str) -> Decimal:
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise ValueError(f"{text!r} is not an amount.") from None
