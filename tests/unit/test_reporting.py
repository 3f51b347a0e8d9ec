"""Tests for core.reporting and core.periods: who sees which figures, spend, import, periods."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from core.clock import FixedClock
from core.errors import InvalidInquiry, NotAManager, NotOnTeam
from core.events import Event, EventKind
from core.leads import Channel, Inquiry
from core.metrics import Period, SpendEntry
from core.notices import Template
from core.periods import (
    PeriodError,
    describe,
    month_of,
    named_period,
    parse_dates,
    parse_period,
)
from core.reporting import ImportRow, View
from core.services import Services
from tests.unit.conftest import NOW, Team
from tests.unit.fakes import FakeStore

DAY = Period(NOW - timedelta(days=1), NOW + timedelta(days=1), "test")
UTC_ZONE = ZoneInfo("UTC")


async def two_leads(services: Services, store: FakeStore, team: Team) -> tuple[int, int]:
    """Capture two leads (round robin: Anna, then Boris) and reach each after 4 minutes."""
    first = (await services.capture(Inquiry(Channel.API, phone="+4915100000001"))).lead_id
    second = (await services.capture(Inquiry(Channel.API, phone="+4915100000002"))).lead_id
    for lead_id, rep in ((first, team.anna), (second, team.boris)):
        at = NOW + timedelta(minutes=4)
        store.add_event(Event(lead_id, EventKind.ATTEMPTED, at, rep.id, {"outcome": "reached"}))
    return first, second


async def test_manager_sees_every_rep_and_the_command_line_too(
    services: Services, store: FakeStore, team: Team, clock: FixedClock
) -> None:
    await two_leads(services, store, team)
    clock.advance(timedelta(hours=1))

    manager = await services.analyse(DAY, team.maria.telegram_id)
    command_line = await services.analyse(DAY)

    assert manager.report.team.leads == command_line.report.team.leads == 2
    assert set(manager.report.by_rep) == {team.anna.id, team.boris.id}
    assert manager.report.rep_id is None
    assert manager.rep_name(team.anna.id) == "Anna"
    assert manager.rep_name(None) == "nobody"


async def test_rep_sees_only_their_own_leads(
    services: Services, store: FakeStore, team: Team
) -> None:
    await two_leads(services, store, team)

    mine = await services.analyse(DAY, team.boris.telegram_id)

    assert mine.report.rep_id == team.boris.id
    assert list(mine.report.by_rep) == [team.boris.id]
    assert mine.report.team.leads == 1
    assert mine.report.team.response.median_business == timedelta(minutes=4)


async def test_strangers_get_no_figures(services: Services, team: Team) -> None:
    with pytest.raises(NotOnTeam):
        await services.analyse(DAY, 999)
    with pytest.raises(NotOnTeam):
        await services.request_stats(999, 999, View.TEAM, DAY)


async def test_stats_request_queues_a_notice_for_the_asker(
    services: Services, store: FakeStore, team: Team
) -> None:
    await services.request_stats(team.anna.telegram_id, team.anna.chat_id, View.FUNNEL, DAY)

    [notice] = store.notices
    assert (notice.chat_id, notice.template) == (team.anna.chat_id, Template.STATS)
    assert notice.data["view"] == "funnel"
    assert notice.data["telegram_id"] == team.anna.telegram_id
    assert datetime.fromisoformat(notice.data["start"]) == DAY.start


async def test_only_managers_export(services: Services, store: FakeStore, team: Team) -> None:
    with pytest.raises(NotAManager):
        await services.request_export(team.anna.telegram_id, team.anna.chat_id, DAY)

    await services.request_export(team.maria.telegram_id, team.maria.chat_id, DAY)

    assert [n.template for n in store.notices] == [Template.EXPORT]


async def test_spend_needs_a_manager_a_known_source_and_a_sane_amount(
    services: Services, store: FakeStore, team: Team
) -> None:
    await services.add_source("google")
    november = (date(2026, 11, 1), date(2026, 11, 30))

    with pytest.raises(NotAManager):
        await services.add_spend("google", Decimal(1), *november, team.anna.telegram_id)
    with pytest.raises(InvalidInquiry, match="no source named 'bing'"):
        await services.add_spend("bing", Decimal(1), *november)
    with pytest.raises(InvalidInquiry, match="cannot be negative"):
        await services.add_spend("google", Decimal(-5), *november)
    entry = await services.add_spend("google", Decimal(300), *november, team.maria.telegram_id)

    assert store.spend == [SpendEntry(entry.source_id, *november, Decimal(300), "", entry.id)]


async def test_costs_use_the_spend_of_the_period(
    services: Services, store: FakeStore, team: Team
) -> None:
    # 3000 over December's 31 days; the period is 1-2 December (two local dates): 193.55.
    source, _ = await services.add_source("google")
    await services.capture(Inquiry(Channel.API, phone="+4915100000001", source_id=source.id))
    await services.add_spend("google", Decimal(3000), date(2026, 12, 1), date(2026, 12, 31))
    period = Period(datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 3, tzinfo=UTC))

    analysis = await services.analyse(period)

    [row] = analysis.report.costs
    assert (row.spend, row.leads, row.cost_per_lead) == (
        Decimal("193.55"),
        1,
        Decimal("193.55"),
    )


async def test_import_on_the_fakes_takes_and_merges(services: Services, store: FakeStore) -> None:
    at = datetime(2026, 10, 1, 9, tzinfo=UTC)
    rows = [
        ImportRow(2, Inquiry(Channel.IMPORT, phone="+4915100000001"), at),
        ImportRow(3, Inquiry(Channel.IMPORT, phone="+4915100000001", message="again"), at),
        ImportRow(4, error="The e-mail 'x' is not valid."),
    ]

    result = await services.import_leads(rows)

    assert (result.taken, result.merged, result.rejected) == (
        1,
        1,
        [(4, "The e-mail 'x' is not valid.")],
    )
    [lead] = store.leads
    assert store.kinds_of(lead.id) == [EventKind.CAPTURED, EventKind.INQUIRY_REPEATED]
    assert store.events_of(lead.id)[0].data == {
        "channel": "import",
        "source_id": None,
        "after_hours": False,
        "line": 2,
    }


async def test_export_yields_leads_with_their_summaries(
    services: Services, store: FakeStore, team: Team
) -> None:
    first, second = await two_leads(services, store, team)

    batches = [batch async for batch in services.export(batch=1)]

    assert [[item.lead.id for item in batch] for batch in batches] == [[first], [second]]
    assert batches[0][0].summary.first_response_at == NOW + timedelta(minutes=4)


# -- periods --------------------------------------------------------------------------------


BERLIN = ZoneInfo("Europe/Berlin")
# Wednesday 2 December 2026, 10:00 UTC = 11:00 in Berlin.


@pytest.mark.parametrize(
    ("token", "start", "label"),
    [
        ("today", datetime(2026, 12, 2, tzinfo=BERLIN), "today"),
        ("7d", NOW - timedelta(days=7), "7d"),
        ("30d", NOW - timedelta(days=30), "30d"),
        ("month", datetime(2026, 12, 1, tzinfo=BERLIN), "month"),
    ],
)
def test_named_periods_end_now(token: str, start: datetime, label: str) -> None:
    period = named_period(token, NOW, BERLIN)

    assert (period.start, period.end, period.label) == (start, NOW, label)


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-01..2026-11-30",
        "01.11.2026 30.11.2026",
        "2026-11-01 - 2026-11-30",
        "01.11.2026–30.11.2026",
        "20261101-20261130",
    ],
)
def test_two_dates_cover_both_whole_local_days(text: str) -> None:
    period = parse_period(text, NOW, BERLIN)

    assert period.start == datetime(2026, 11, 1, tzinfo=BERLIN)
    assert period.end == datetime(2026, 12, 1, tzinfo=BERLIN)
    assert period.label == "20261101-20261130"
    assert named_period(period.label, NOW, BERLIN) == period


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Name a period"),
        ("yesterday", "Cannot read 'yesterday' as a period"),
        ("2026-11-30..2026-11-01", "ends before it starts"),
        ("2026-13-01..2026-12-01", "Cannot read '2026-13-01' as a date"),
        ("0d", "Unknown period '0d'"),
    ],
)
def test_periods_that_cannot_be_read_say_how_to_write_one(text: str, message: str) -> None:
    with pytest.raises(PeriodError, match=message):
        parse_period(text, NOW, BERLIN)


def test_periods_are_described_in_words() -> None:
    assert describe(named_period("7d", NOW, UTC_ZONE), UTC_ZONE) == "last 7 days"
    assert describe(named_period("month", NOW, UTC_ZONE), UTC_ZONE) == "this month"
    custom = parse_period("01.11.2026 30.11.2026", NOW, UTC_ZONE)
    assert describe(custom, UTC_ZONE) == "01 Nov 2026 – 30 Nov 2026"


def test_month_of_a_day_and_two_dates() -> None:
    assert month_of(date(2026, 2, 14)) == (date(2026, 2, 1), date(2026, 2, 28))
    assert month_of(date(2026, 12, 31)) == (date(2026, 12, 1), date(2026, 12, 31))
    assert parse_dates("01.11.2026 03.11.2026") == (date(2026, 11, 1), date(2026, 11, 3))
