"""Stats in Telegram: `/stats` with a period picker and views, `/export`, `/spend`.

`/stats` answers with period buttons (today, 7 days, 30 days, this month, custom); a
period opens the view buttons (team, per rep, per source, funnel, losses); a view queues
the figures in the outbox, and the dispatcher sends them as a chart with a short caption,
computed when it is sent. A rep sees their own figures, a manager the team's. Callback
data reads `s:p:<period>` or `s:v:<view>:<period>`, the period in its short form (today,
7d, 30d, month, or YYYYMMDD-YYYYMMDD), resolved when pressed.
"""

import asyncio
import csv
import html
import io
import logging
import re
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot import charts
from bot.cards import Rendered
from bot.files import Exporter
from bot.runtime import services_of
from core.errors import LeadlineError
from core.leads import LOSS_REASON_LABELS, LossReason
from core.metrics import Figures, Period
from core.periods import (
    PeriodError,
    describe,
    month_of,
    named_period,
    parse_dates,
    parse_period,
)
from core.reporting import Analysis, View
from core.services import Services
from storage.outbox import Pending

logger = logging.getLogger(__name__)

CAPTION_LIMIT = 1024
STATS_PATTERN = re.compile(
    r"^s:(?:p:(?P<period>[\w-]{1,20})|v:(?P<view>[a-z]{1,8}):(?P<of>[\w-]{1,20}))$"
)
PERIOD_BUTTONS = (
    ("Today", "today"),
    ("7 days", "7d"),
    ("30 days", "30d"),
    ("This month", "month"),
)
VIEW_LABELS = {
    View.TEAM: "👥 Team",
    View.REPS: "🧑‍💼 Per rep",
    View.SOURCES: "📣 Per source",
    View.FUNNEL: "🔻 Funnel",
    View.LOSSES: "❌ Losses",
}
CUSTOM_HELP = (
    "Send /stats with two dates for a period of your own, for example\n"
    "/stats 01.11.2026 30.11.2026  or  /stats 2026-11-01..2026-11-30"
)


# -- words and numbers ---------------------------------------------------------------------


def duration(delta: timedelta | None) -> str:
    """Say a duration in a few characters: 45 s, 12 min, 3 h 05 min, 2 d 4 h."""
    if delta is None:
        return "—"
    seconds = int(delta.total_seconds())
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"


def percent(share: float | None) -> str:
    """Say a share as a whole percentage, or a dash when there is none."""
    return "—" if share is None else f"{share:.0%}"


def money(amount: Decimal | None, currency: str) -> str:
    """Say an amount with thousands separated, to the cent, and the currency."""
    return "—" if amount is None else f"{amount:,.2f} {currency}"


def reason_label(value: str) -> str:
    """Name a loss reason as the card does."""
    try:
        return LOSS_REASON_LABELS[LossReason(value)]
    except ValueError:
        return value


# -- the text of each view -----------------------------------------------------------------


def _response_lines(figures: Figures, norm: timedelta) -> list[str]:
    r = figures.response
    return [
        f"First response, business time: median {duration(r.median_business)}"
        f" · p90 {duration(r.p90_business)}",
        f"  wall clock: median {duration(r.median_wall)} · p90 {duration(r.p90_wall)}",
        f"  within the {duration(norm)} norm: {percent(r.share_within_norm)}"
        f" · overruns {r.overruns} · waiting {r.waiting}",
    ]


def _team(analysis: Analysis, currency: str) -> list[str]:
    f = analysis.report.team
    retries, deals = f.retries, f.deals
    lines = [f"Leads in: <b>{f.leads:,}</b> (off hours {f.off_hours:,})"]
    lines += _response_lines(f, analysis.report.norm)
    lines.append(
        f"No answer at first: {retries.with_no_answer:,} · retries pending {retries.pending:,}"
        f" · reached later {retries.reached_later:,} · won later {retries.won_later:,}"
    )
    cycle = "—" if deals.median_cycle_days is None else f"{deals.median_cycle_days:.1f} days"
    lines.append(
        f"Won: <b>{deals.won:,}</b> · revenue {money(deals.revenue, currency)}"
        f" · cycle {cycle} (median)"
    )
    lost = sum(share.count for share in f.losses)
    top = f.losses[0] if f.losses else None
    if top is not None:
        lines.append(
            f"Lost: {lost:,}, most often {reason_label(top.reason).lower()} ({percent(top.share)})"
        )
    return lines


def _reps(analysis: Analysis, currency: str) -> list[str]:
    lines = []
    rows = sorted(analysis.report.by_rep.items(), key=lambda item: -item[1].leads)
    for rep, f in rows[:12]:
        r = f.response
        lines.append(
            f"<b>{html.escape(analysis.rep_name(rep))}</b>: {f.leads:,} leads · "
            f"median {duration(r.median_business)} · p90 {duration(r.p90_business)} · "
            f"in norm {percent(r.share_within_norm)} · overruns {r.overruns} · "
            f"won {f.deals.won:,}"
        )
    if len(rows) > 12:
        lines.append(f"… and {len(rows) - 12} more in `leadline report`")
    return lines or ["No leads in this period."]


def _sources(analysis: Analysis, currency: str) -> list[str]:
    report = analysis.report
    lines = []
    if report.costs:
        for row in sorted(report.costs, key=lambda row: -row.leads)[:10]:
            lines.append(
                f"<b>{html.escape(analysis.source_name(row.source_id))}</b>: "
                f"{row.leads:,} leads · {row.won:,} won · spend {money(row.spend, currency)}"
                f" · per lead {money(row.cost_per_lead, currency)}"
                f" · per deal {money(row.cost_per_deal, currency)}"
            )
        return lines or ["No leads in this period."]
    for source, f in sorted(report.by_source.items(), key=lambda item: -item[1].leads)[:10]:
        lines.append(
            f"<b>{html.escape(analysis.source_name(source))}</b>: {f.leads:,} leads · "
            f"{f.deals.won:,} won · median response {duration(f.response.median_business)}"
        )
    return lines or ["No leads in this period."]


def _funnel(analysis: Analysis, currency: str) -> list[str]:
    lines = []
    for step in analysis.report.team.funnel:
        conversion = (
            "" if step.conversion is None else f" ({percent(step.conversion)} of the stage before)"
        )
        lines.append(f"{step.stage}: <b>{step.reached:,}</b>{conversion}")
    return lines


def _losses(analysis: Analysis, currency: str) -> list[str]:
    shares = analysis.report.team.losses
    lines = [
        f"{html.escape(reason_label(s.reason))}: <b>{s.count:,}</b> ({percent(s.share)})"
        for s in shares
    ]
    return lines or ["No leads lost in this period."]


_TEXT = {
    View.TEAM: _team,
    View.REPS: _reps,
    View.SOURCES: _sources,
    View.FUNNEL: _funnel,
    View.LOSSES: _losses,
}
_TITLES = {
    View.TEAM: "Team",
    View.REPS: "Per rep",
    View.SOURCES: "Per source",
    View.FUNNEL: "Funnel",
    View.LOSSES: "Loss reasons",
}


def stats_text(analysis: Analysis, view: View, currency: str, period_words: str) -> str:
    """Write a view's figures as short HTML, within Telegram's caption limit."""
    mine = analysis.report.rep_id is not None
    title = "Your figures" if mine and view in (View.TEAM, View.REPS) else _TITLES[view]
    head = f"📊 <b>{title}</b> · {html.escape(period_words)}"
    lines = [head, *_TEXT[view](analysis, currency)]
    text = "\n".join(lines)
    while len(text) > CAPTION_LIMIT and len(lines) > 2:
        lines = [*lines[:-2], "…"]
        text = "\n".join(lines)
    return text


def stats_chart(analysis: Analysis, view: View, currency: str) -> bytes | None:
    """Draw the chart of a view; None when there is nothing to draw."""
    team = analysis.report.team
    if team.leads == 0 and not analysis.report.costs:
        return None
    if view in (View.TEAM, View.REPS):
        if team.response.answered:
            return charts.response_by_rep(analysis)
        return charts.funnel(analysis)
    if view is View.SOURCES:
        if any(row.spend for row in analysis.report.costs):
            return charts.cost_per_deal(analysis, currency)
        return charts.leads_by_source(analysis)
    if view is View.LOSSES:
        return charts.loss_reasons(analysis) if team.losses else None
    return charts.funnel(analysis)


# -- handlers ------------------------------------------------------------------------------


def period_keyboard() -> InlineKeyboardMarkup:
    """Offer the periods."""
    buttons = [
        InlineKeyboardButton(label, callback_data=f"s:p:{token}")
        for label, token in PERIOD_BUTTONS
    ]
    custom = InlineKeyboardButton("📅 Custom…", callback_data="s:p:custom")
    return InlineKeyboardMarkup([buttons[:2], buttons[2:], [custom]])


def view_keyboard(token: str, manager: bool) -> InlineKeyboardMarkup:
    """Offer the views of a period; a rep gets their own figures, funnel and losses."""
    views = list(View) if manager else [View.TEAM, View.FUNNEL, View.LOSSES]
    buttons = [
        InlineKeyboardButton(
            "🙋 My figures" if view is View.TEAM and not manager else VIEW_LABELS[view],
            callback_data=f"s:v:{view.value}:{token}",
        )
        for view in views
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    return InlineKeyboardMarkup(
        [*rows, [InlineKeyboardButton("↩️ Periods", callback_data="s:p:back")]]
    )


async def stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show the period picker, or with two dates the views of that period."""
    services = services_of(context)
    member = await services.member(update.effective_user.id)
    message = update.effective_message
    if member is None or not member.active:
        await message.reply_text("Stats are for the team only.")
        return
    if not context.args:
        await message.reply_text("📊 Stats for which period?", reply_markup=period_keyboard())
        return
    tz = services.rules.calendar.tz
    try:
        period = parse_period(" ".join(context.args), services.clock.now(), tz)
    except PeriodError as exc:
        await message.reply_text(str(exc))
        return
    await message.reply_text(
        f"📊 Stats for {describe(period, tz)}: which view?",
        reply_markup=view_keyboard(period.label, member.is_manager),
    )


async def press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a press on the picker: open a period's views, or queue a view's figures."""
    query = update.callback_query
    match = STATS_PATTERN.match(query.data or "")
    services = services_of(context)
    member = await services.member(query.from_user.id)
    if match is None or member is None or not member.active:
        await query.answer("Stats are for the team only.", show_alert=True)
        return
    if match["period"] in ("back", None) and match["view"] is None:
        await query.answer()
        await query.edit_message_text("📊 Stats for which period?", reply_markup=period_keyboard())
        return
    if match["period"] == "custom":
        await query.answer()
        await query.edit_message_text(CUSTOM_HELP)
        return
    tz = services.rules.calendar.tz
    token = match["period"] or match["of"]
    try:
        period = named_period(token, services.clock.now(), tz)
        view = View(match["view"]) if match["view"] else None
    except (PeriodError, ValueError):
        await query.answer("This button is out of date; send /stats again.", show_alert=True)
        return
    if view is None:
        await query.answer()
        await query.edit_message_text(
            f"📊 Stats for {describe(period, tz)}: which view?",
            reply_markup=view_keyboard(token, member.is_manager),
        )
        return
    await _request(query, services, view, period)


async def _request(query: CallbackQuery, services: Services, view: View, period: Period) -> None:
    try:
        await services.request_stats(query.from_user.id, query.message.chat.id, view, period)
    except LeadlineError as exc:
        await query.answer(str(exc)[:200], show_alert=True)
        return
    await query.answer("Counting…")


async def export(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send a manager the CSV of a period's leads (default: the last 30 days)."""
    services = services_of(context)
    tz = services.rules.calendar.tz
    message = update.effective_message
    try:
        period = parse_period(" ".join(context.args) or "30d", services.clock.now(), tz)
        await services.request_export(update.effective_user.id, message.chat.id, period)
    except (PeriodError, LeadlineError) as exc:
        await message.reply_text(str(exc))
        return
    await message.reply_text(f"Preparing the leads of {describe(period, tz)} as a CSV file…")


SPEND_HELP = (
    "Enter ad spend as /spend SOURCE AMOUNT [FROM TO], for example\n"
    "/spend google 1200 01.11.2026 30.11.2026\n"
    "Without dates the amount covers this month."
)


async def spend(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Record a manager's ad spend on a source, or list this month's."""
    services = services_of(context)
    message = update.effective_message
    currency = context.application.bot_data.get("currency", "")
    today = services.clock.now().astimezone(services.rules.calendar.tz).date()
    month = month_of(today)
    args = context.args or []
    if not args:
        await message.reply_text(await _spend_list(services, *month, currency))
        return
    try:
        source, amount, first, last = _spend_args(args, month)
        entry = await services.add_spend(source, amount, first, last, update.effective_user.id)
    except (PeriodError, ValueError, LeadlineError) as exc:
        await message.reply_text(f"{exc}\n\n{SPEND_HELP}")
        return
    await message.reply_text(
        f"Recorded {money(entry.amount, currency)} on {source} "
        f"for {entry.starts_on:%d.%m.%Y}–{entry.ends_on:%d.%m.%Y}."
    )


def _spend_args(args: list[str], month: tuple[date, date]) -> tuple[str, Decimal, date, date]:
    if len(args) not in (2, 4):
        raise ValueError("Give a source and an amount, and optionally two dates.")
    try:
        amount = Decimal(args[1].replace(",", "."))
    except InvalidOperation:
        raise ValueError(f"{args[1]!r} is not an amount.") from None
    first, last = parse_dates(f"{args[2]} {args[3]}") if len(args) == 4 else month
    return args[0], amount, first, last


async def _spend_list(services: Services, first: date, last: date, currency: str) -> str:
    entries = await services.spend_between(first, last)
    if not entries:
        return f"No ad spend entered for this month yet.\n\n{SPEND_HELP}"
    lines = [f"Ad spend touching {first:%B %Y}:"]
    for entry, name in entries:
        lines.append(
            f"{name}: {money(entry.amount, currency)} "
            f"({entry.starts_on:%d.%m}–{entry.ends_on:%d.%m.%Y})"
        )
    return "\n".join([*lines, "", SPEND_HELP])


def register(application: Application) -> None:
    """Add the stats, export and spend handlers; before the catch-all button handler."""
    application.add_handler(CommandHandler("stats", stats))
    application.add_handler(CommandHandler("export", export))
    application.add_handler(CommandHandler("spend", spend))
    application.add_handler(CallbackQueryHandler(press, pattern=re.compile(r"^s:")))


class ReportRenderer:
    """Draws the stats and export rows of the outbox when the dispatcher sends them."""

    def __init__(self, services: Services, currency: str) -> None:
        self.services = services
        self.currency = currency

    async def stats(self, row: Pending) -> Rendered:
        """Compute a view's figures for whoever asked, as a chart with a caption."""
        data = row.data
        view = View(data["view"])
        period = _period_of(data)
        words = describe(period, self.services.rules.calendar.tz)
        try:
            analysis = await self.services.analyse(period, data.get("telegram_id"))
        except LeadlineError as exc:
            return Rendered(html.escape(str(exc)))
        text = stats_text(analysis, view, self.currency, words)
        chart = await asyncio.to_thread(stats_chart, analysis, view, self.currency)
        return Rendered(text, photo=chart, filename=f"{view.value}-{period.label}.png")

    async def export(self, row: Pending) -> Rendered:
        """Write a period's leads as a CSV document."""
        period = _period_of(row.data)
        tz = self.services.rules.calendar.tz
        reps, sources = await self.services.names()
        exporter = Exporter(self.services.rules.calendar, reps, sources)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(exporter.header())
        count = 0
        async for batch in self.services.export(period):  # a page of leads at a time
            writer.writerows(exporter.row(item) for item in batch)
            count += len(batch)
        body = out.getvalue().encode()
        if len(body) > DOCUMENT_LIMIT:
            return Rendered(
                f"The export of {describe(period, tz)} is {len(body) / 1e6:.0f} MB, over "
                "Telegram's limit; pick a shorter period or run `leadline export`."
            )
        caption = f"🗂 {count:,} leads · {html.escape(describe(period, tz))}"
        return Rendered(caption, document=body, filename=f"leads-{period.label}.csv")


DOCUMENT_LIMIT = 45 * 1024 * 1024


def _period_of(data: dict) -> Period:
    start = datetime.fromisoformat(data["start"])
    end = datetime.fromisoformat(data["end"])
    return Period(start, end, str(data.get("label", "")))
