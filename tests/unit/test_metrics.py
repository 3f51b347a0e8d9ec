"""Tests for core.metrics: each figure on a hand-made history, the expected number worked out.

The calendar is open Monday to Friday 09:00-18:00 UTC and the norm is 15 minutes. T0 is
Monday 2 November 2026, 09:00 UTC; `m(n)` is n minutes after it.
"""

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from core.calendar import BusinessCalendar, WeeklySchedule
from core.events import Event, EventKind
from core.metrics import (
    BusinessClock,
    LeadSummary,
    Period,
    SpendEntry,
    build_report,
    deals,
    funnel,
    losses,
    median,
    percentile_90,
    response_times,
    retries,
    spend_by_source,
    summarise,
)

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
CALENDAR = BusinessCalendar(ZoneInfo("UTC"), WeeklySchedule.parse("mon-fri 09:00-18:00"))
NORM = timedelta(minutes=15)
ANNA, BORIS, MARIA = 1, 2, 3
NOVEMBER = Period(datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC), "Nov")


def m(minutes: float) -> datetime:
    """Return the moment `minutes` after T0."""
    return T0 + timedelta(minutes=minutes)


def d(days: float) -> datetime:
    """Return the moment `days` after T0."""
    return T0 + timedelta(days=days)


class History:
    """A lead's events, written in the order they happened."""

    def __init__(self, lead_id: int, at: datetime, source: int | None = None, **data: object):
        self.lead_id = lead_id
        self.events = [Event(lead_id, EventKind.CAPTURED, at, data={"source_id": source, **data})]

    def add(self, kind: EventKind, at: datetime, actor: int | None = None, **data: object):
        """Append an event and return the history, for chaining."""
        self.events.append(Event(self.lead_id, kind, at, actor, data))
        return self

    def assign(self, at: datetime, owner: int) -> "History":
        """Give the lead to a rep."""
        return self.add(EventKind.ASSIGNED, at, owner_id=owner)

    def attempt(self, at: datetime, outcome: str = "reached", actor: int = ANNA) -> "History":
        """Log a contact attempt."""
        return self.add(EventKind.ATTEMPTED, at, actor, outcome=outcome)

    def stage(self, at: datetime, before: str, after: str) -> "History":
        """Move the lead between stages."""
        return self.add(EventKind.STAGE_CHANGED, at, ANNA, previous=before, stage=after)

    def won(self, at: datetime, amount: str = "1000") -> "History":
        """Close the lead as won."""
        return self.add(EventKind.WON, at, ANNA, amount=amount)

    def lost(self, at: datetime, reason: str = "too_expensive") -> "History":
        """Close the lead as lost."""
        return self.add(EventKind.LOST, at, ANNA, reason=reason)

    def summary(self) -> LeadSummary:
        """Summarise the history."""
        result = summarise(self.lead_id, self.events)
        assert result is not None
        return result


def answered_after(lead_id: int, minutes: float, owner: int = ANNA) -> LeadSummary:
    """A lead that arrived at T0, went to `owner` and was first reached `minutes` later."""
    return History(lead_id, T0).assign(T0, owner).attempt(m(minutes), actor=owner).summary()


# -- summarise ------------------------------------------------------------------------------


def test_history_without_capture_has_no_summary() -> None:
    events = [Event(1, EventKind.ASSIGNED, T0, data={"owner_id": ANNA})]

    assert summarise(1, events) is None


def test_summary_reads_arrival_source_and_off_hours_from_the_capture() -> None:
    summary = History(7, m(-600), source=4, after_hours=True).summary()

    assert (summary.arrived_at, summary.source_id, summary.after_hours) == (m(-600), 4, True)
    assert summary.first_response_at is None


# -- leads in -------------------------------------------------------------------------------


def test_leads_in_count_the_cohort_and_those_that_came_off_hours() -> None:
    # Lead 1 came in October: not in November's cohort. Leads 2 and 3 did; 3 off hours.
    summaries = [
        History(1, datetime(2026, 10, 31, 12, tzinfo=UTC)).summary(),
        History(2, m(0)).summary(),
        History(3, m(-600), after_hours=True).summary(),
    ]

    report = build_report(summaries, NOVEMBER, CALENDAR, NORM, d(30))

    assert (report.team.leads, report.team.off_hours) == (2, 1)


# -- time to first response ----------------------------------------------------------------


def test_median_p90_share_within_norm_and_overruns() -> None:
    # Answered after 5, 10, 20 and 40 business minutes:
    #   median = (10 + 20) / 2 = 15 min; p90 = ceil(0.9 * 4) = 4th smallest = 40 min.
    #   within the norm (<= 15 min): 5 and 10 -> 2; late: 20 and 40 -> 2 overruns.
    # Lead 5 arrived at T0 and is still waiting at 09:30: 30 min > 15, a third overrun.
    # Lead 6 arrived at 09:25 and waits 5 min: inside the norm, not judged yet.
    # Share within the norm = 2 / (2 + 3) = 0.4.
    now = m(30)
    summaries = [answered_after(i, minutes) for i, minutes in enumerate([5, 10, 20, 40], 1)]
    summaries += [History(5, T0).summary(), History(6, m(25)).summary()]

    times = response_times(summaries, CALENDAR, NORM, now)

    assert (times.answered, times.waiting) == (4, 2)
    assert times.median_business == timedelta(minutes=15)
    assert times.p90_business == timedelta(minutes=40)
    assert (times.within_norm, times.overruns) == (2, 3)
    assert times.share_within_norm == pytest.approx(0.4)


def test_response_time_counts_business_time_and_wall_time_apart() -> None:
    # Arrived Friday 6 Nov 17:50, reached Monday 9 Nov 09:05. Business time: 10 min on
    # Friday + 5 min on Monday = 15 min, within the norm. Wall time: 63 h 15 min.
    friday = datetime(2026, 11, 6, 17, 50, tzinfo=UTC)
    monday = datetime(2026, 11, 9, 9, 5, tzinfo=UTC)
    lead = History(1, friday).assign(friday, ANNA).attempt(monday).summary()

    times = response_times([lead], CALENDAR, NORM, monday)

    assert times.median_business == timedelta(minutes=15)
    assert times.median_wall == timedelta(hours=63, minutes=15)
    assert (times.within_norm, times.overruns) == (1, 0)


def test_lead_with_no_contact_yet_is_waiting_not_in_the_median() -> None:
    # Lead 1 answered after 8 min. Lead 2 arrived at T0 and nobody has tried yet; at 09:10
    # it has waited 10 business minutes: waiting, not an overrun, and not in the median.
    summaries = [answered_after(1, 8), History(2, T0).assign(T0, ANNA).summary()]

    times = response_times(summaries, CALENDAR, NORM, m(10))

    assert (times.answered, times.waiting, times.overruns) == (1, 1, 0)
    assert times.median_business == timedelta(minutes=8)


def test_waiting_lead_off_hours_is_not_overdue_before_the_team_opens() -> None:
    # Arrived Saturday; on Monday 09:10 it has waited only 10 business minutes.
    saturday = datetime(2026, 11, 7, 11, 0, tzinfo=UTC)
    lead = History(1, saturday, after_hours=True).summary()

    times = response_times([lead], CALENDAR, NORM, datetime(2026, 11, 9, 9, 10, tzinfo=UTC))

    assert (times.waiting, times.overruns) == (1, 0)


def test_lead_reassigned_before_contact_counts_for_the_rep_who_made_it() -> None:
    # Anna held the lead from 09:00 to 09:20 without trying; Boris got it and reached the
    # prospect at 09:30. The response is Boris's, and it took 30 min from arrival.
    history = History(1, T0).assign(T0, ANNA).assign(m(20), BORIS).attempt(m(30), actor=BORIS)

    report = build_report([history.summary()], NOVEMBER, CALENDAR, NORM, m(60))

    assert report.by_rep[BORIS].response.median_business == timedelta(minutes=30)
    assert report.by_rep[BORIS].response.overruns == 1
    assert ANNA not in report.by_rep


def test_lead_reassigned_after_contact_keeps_its_response_with_the_first_owner() -> None:
    # Anna reached the prospect at 09:05, then the lead moved to Boris. The response
    # (5 min) stays Anna's; the lead itself (its deals, its funnel) is Boris's now.
    history = History(1, T0).assign(T0, ANNA).attempt(m(5)).assign(m(60), BORIS)

    report = build_report([history.summary()], NOVEMBER, CALENDAR, NORM, m(90))

    assert report.by_rep[ANNA].response.answered == 1
    assert report.by_rep[ANNA].leads == 0
    assert (report.by_rep[BORIS].leads, report.by_rep[BORIS].response.answered) == (1, 0)


def test_unassigned_lead_contacted_by_a_manager_counts_for_the_manager() -> None:
    history = History(1, T0).add(EventKind.UNASSIGNED, T0).attempt(m(12), actor=MARIA)

    summary = history.summary()

    assert (summary.responder_id, summary.response_owner) == (MARIA, MARIA)


def test_no_answer_is_a_first_response_too() -> None:
    # The first attempt of any outcome stops the clock: 7 min, though nobody answered.
    lead = History(1, T0).assign(T0, ANNA).attempt(m(7), "no_answer").attempt(m(30)).summary()

    times = response_times([lead], CALENDAR, NORM, m(60))

    assert times.median_business == timedelta(minutes=7)


# -- retries --------------------------------------------------------------------------------


def test_retries_pending_reached_later_and_won_later() -> None:
    # A: no answer twice, reached on the third attempt, then won.
    # B: no answer, still open: a pending retry.
    # C: no answer, then lost as unreachable.
    # D: reached at once: never had a no-answer.
    a = (
        History(1, T0)
        .attempt(m(5), "no_answer")
        .attempt(m(20), "no_answer")
        .attempt(m(140))
        .won(d(3))
    )
    b = History(2, T0).attempt(m(5), "no_answer")
    c = History(3, T0).attempt(m(5), "busy").lost(d(2), "unreachable")
    dd = History(4, T0).attempt(m(5))

    counted = retries([h.summary() for h in (a, b, c, dd)])

    # with a no-answer: A, B, C = 3; pending: B = 1; reached later: A = 1; won later: A = 1.
    assert (counted.with_no_answer, counted.pending) == (3, 1)
    assert (counted.reached_later, counted.won_later) == (1, 1)


# -- funnel ---------------------------------------------------------------------------------


def test_funnel_counts_each_lead_at_every_stage_up_to_its_furthest() -> None:
    # A stays new. B is reached (contacted). C is qualified. D moves on to meeting.
    # E is reached and then won straight away, so it passed every stage.
    # new: 5; contacted: B C D E = 4; qualified: C D E = 3; meeting: D E = 2;
    # proposal: E = 1; won: E = 1. Conversions: 4/5, 3/4, 2/3, 1/2, 1/1.
    a = History(1, T0)
    b = History(2, T0).attempt(m(5))
    c = History(3, T0).attempt(m(5)).add(EventKind.QUALIFIED, m(9), stage="qualified")
    dd = History(4, T0).attempt(m(5)).stage(d(1), "contacted", "meeting")
    e = History(5, T0).attempt(m(5)).won(d(2))

    steps = funnel([h.summary() for h in (a, b, c, dd, e)])

    assert [(s.stage, s.reached) for s in steps] == [
        ("new", 5),
        ("contacted", 4),
        ("qualified", 3),
        ("meeting", 2),
        ("proposal", 1),
        ("won", 1),
    ]
    conversions = [s.conversion for s in steps]
    assert conversions == pytest.approx([None, 0.8, 0.75, 2 / 3, 0.5, 1.0])


def test_funnel_of_no_leads_has_no_conversions() -> None:
    steps = funnel([])

    assert all(step.reached == 0 and step.conversion is None for step in steps)


def test_stage_change_may_name_its_stage_as_to() -> None:
    lead = History(1, T0).add(EventKind.STAGE_CHANGED, m(9), ANNA, to="meeting")

    assert lead.summary().furthest == 3  # meeting


def test_cold_qualification_does_not_move_the_lead_forward() -> None:
    lead = History(1, T0).attempt(m(5)).add(EventKind.QUALIFIED, m(9), stage="contacted")

    assert lead.summary().furthest == 1  # contacted


# -- deals, losses, reopened leads ----------------------------------------------------------


def test_won_count_revenue_and_median_cycle_days() -> None:
    # Won after 2, 4 and 9 days for 1000, 250.50 and 4000: 3 deals, revenue 5250.50,
    # median cycle 4 days. A lost lead adds nothing.
    histories = [
        History(1, T0).won(d(2), "1000"),
        History(2, T0).won(d(4), "250.50"),
        History(3, T0).won(d(9), "4000"),
        History(4, T0).lost(d(1)),
    ]

    counted = deals([h.summary() for h in histories])

    assert (counted.won, counted.revenue) == (3, Decimal("5250.50"))
    assert counted.median_cycle_days == pytest.approx(4.0)


def test_won_without_an_amount_counts_as_a_deal_of_zero() -> None:
    counted = deals([History(1, T0).add(EventKind.WON, d(1)).summary()])

    assert (counted.won, counted.revenue) == (1, Decimal(0))


def test_loss_reasons_with_counts_and_shares() -> None:
    # Three too expensive, one unreachable: shares 3/4 and 1/4, most frequent first.
    reasons = ["too_expensive", "unreachable", "too_expensive", "too_expensive"]
    histories = [History(i, T0).lost(d(1), reason) for i, reason in enumerate(reasons)]

    shares = losses([h.summary() for h in histories])

    assert [(s.reason, s.count) for s in shares] == [("too_expensive", 3), ("unreachable", 1)]
    assert [s.share for s in shares] == pytest.approx([0.75, 0.25])


def test_reopened_lead_that_is_won_counts_as_won_not_lost() -> None:
    # Lost as too expensive on day 1, reopened on day 2 (lost -> contacted), won on day 5
    # for 1200. It is one deal of 1200 with a 5-day cycle, and no loss.
    history = (
        History(1, T0)
        .attempt(m(5))
        .lost(d(1), "too_expensive")
        .stage(d(2), "lost", "contacted")
        .won(d(5), "1200")
    )
    summary = history.summary()

    counted = deals([summary])

    assert (counted.won, counted.revenue, counted.median_cycle_days) == (1, Decimal(1200), 5.0)
    assert losses([summary]) == []


def test_reopened_lead_still_open_is_neither_won_nor_lost() -> None:
    # Won on day 1 (a mistake), reopened to proposal on day 2: open again, no deal, but it
    # did get as far as proposal.
    history = History(1, T0).won(d(1)).stage(d(2), "won", "proposal")
    summary = history.summary()

    assert (summary.outcome, deals([summary]).won, losses([summary])) == (None, 0, [])
    assert funnel([summary])[4].reached == 1  # proposal


def test_first_response_of_a_reopened_lead_is_its_first_attempt_ever() -> None:
    # Reached after 6 min, lost, reopened, tried again on day 3: the response is 6 min.
    history = (
        History(1, T0)
        .assign(T0, ANNA)
        .attempt(m(6))
        .lost(d(1))
        .stage(d(2), "lost", "contacted")
        .attempt(d(3))
    )

    times = response_times([history.summary()], CALENDAR, NORM, d(4))

    assert times.median_business == timedelta(minutes=6)


# -- spend and costs ------------------------------------------------------------------------


def test_spend_is_spread_evenly_over_its_days() -> None:
    # 3000 over 1-30 November (30 days): 100 a day, so 1-10 November gets 1000.
    # 500 over 25 October - 3 November (10 days): 50 a day; 1-3 November gets 150.
    entries = [
        SpendEntry(1, date(2026, 11, 1), date(2026, 11, 30), Decimal(3000)),
        SpendEntry(2, date(2026, 10, 25), date(2026, 11, 3), Decimal(500)),
        SpendEntry(2, date(2026, 12, 1), date(2026, 12, 31), Decimal(999)),
    ]

    spent = spend_by_source(entries, date(2026, 11, 1), date(2026, 11, 10))

    assert spent == {1: Decimal("1000.00"), 2: Decimal("150.00")}


def test_spend_share_is_rounded_to_the_cent() -> None:
    # 100 over 3 days, one day in the period: 33.333... -> 33.33.
    entry = SpendEntry(1, date(2026, 11, 1), date(2026, 11, 3), Decimal(100))

    assert spend_by_source([entry], date(2026, 11, 3), date(2026, 11, 3)) == {1: Decimal("33.33")}


def test_cost_per_lead_and_per_deal_by_source() -> None:
    # Source 1: 4 leads, 1 won for 5000; November spend 3000: per lead 750, per deal 3000.
    # Source 2: 2 leads, no deal, spend 600: per lead 300, per deal none.
    # Leads with no source: 1 lead, no spend: per lead 0.
    histories = [History(i, T0, source=1) for i in range(1, 5)]
    histories[0].won(d(3), "5000")
    histories += [History(5, T0, source=2), History(6, T0, source=2), History(7, T0)]
    spend = [
        SpendEntry(1, date(2026, 11, 1), date(2026, 11, 30), Decimal(3000)),
        SpendEntry(2, date(2026, 11, 1), date(2026, 11, 30), Decimal(600)),
    ]

    report = build_report([h.summary() for h in histories], NOVEMBER, CALENDAR, NORM, d(20), spend)

    rows = {row.source_id: row for row in report.costs}
    assert (rows[1].leads, rows[1].won, rows[1].revenue) == (4, 1, Decimal(5000))
    assert (rows[1].cost_per_lead, rows[1].cost_per_deal) == (Decimal(750), Decimal(3000))
    assert (rows[2].cost_per_lead, rows[2].cost_per_deal) == (Decimal(300), None)
    assert (rows[None].spend, rows[None].cost_per_lead) == (Decimal(0), Decimal(0))


def test_source_with_spend_but_no_leads_shows_its_spend() -> None:
    spend = [SpendEntry(9, date(2026, 11, 1), date(2026, 11, 30), Decimal(300))]

    report = build_report([], NOVEMBER, CALENDAR, NORM, d(20), spend)

    assert [(r.source_id, r.spend, r.leads, r.cost_per_lead) for r in report.costs] == [
        (9, Decimal("300.00"), 0, None)
    ]


# -- the report -----------------------------------------------------------------------------


def test_report_breaks_figures_down_per_rep_and_per_source() -> None:
    # Anna: leads 1 (source 1, answered in 5 min) and 2 (source 2, won for 700).
    # Boris: lead 3 (source 1, answered in 25 min, lost). Lead 4 has nobody and no source.
    histories = [
        History(1, T0, source=1).assign(T0, ANNA).attempt(m(5)),
        History(2, T0, source=2).assign(T0, ANNA).won(d(2), "700"),
        History(3, T0, source=1).assign(T0, BORIS).attempt(m(25), actor=BORIS).lost(d(1)),
        History(4, T0),
    ]

    report = build_report([h.summary() for h in histories], NOVEMBER, CALENDAR, NORM, d(3))

    assert set(report.by_rep) == {ANNA, BORIS, None}
    assert (report.by_rep[ANNA].leads, report.by_rep[ANNA].deals.won) == (2, 1)
    assert report.by_rep[BORIS].response.overruns == 1
    assert report.by_rep[ANNA].response.within_norm == 1
    assert {k: v.leads for k, v in report.by_source.items()} == {1: 2, 2: 1, None: 1}
    assert report.team.deals.revenue == Decimal(700)


def test_reps_report_has_only_their_own_figures_and_no_costs() -> None:
    histories = [
        History(1, T0, source=1).assign(T0, ANNA).attempt(m(5)),
        History(2, T0, source=1).assign(T0, BORIS).attempt(m(9), actor=BORIS),
    ]
    spend = [SpendEntry(1, date(2026, 11, 1), date(2026, 11, 30), Decimal(300))]

    report = build_report(
        [h.summary() for h in histories], NOVEMBER, CALENDAR, NORM, d(3), spend, rep_id=BORIS
    )

    assert list(report.by_rep) == [BORIS]
    assert (report.team.leads, report.team.response.median_business) == (
        1,
        timedelta(minutes=9),
    )
    assert report.costs == ()


# -- statistics -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected_median", "expected_p90"),
    [
        ([], None, None),
        ([7], 7, 7),
        ([1, 2], 1.5, 2),  # p90: ceil(1.8) = 2nd smallest
        ([5, 1, 3], 3, 5),  # p90: ceil(2.7) = 3rd smallest
        (list(range(1, 11)), 5.5, 9),  # p90: ceil(9.0) = 9th smallest
        (list(range(1, 12)), 6, 10),  # p90: ceil(9.9) = 10th smallest
    ],
)
def test_median_and_nearest_rank_90th_percentile(values, expected_median, expected_p90) -> None:
    assert (median(values), percentile_90(values)) == (expected_median, expected_p90)


def test_period_dates_are_local_and_inclusive() -> None:
    # 1 Nov 00:00 to 1 Dec 00:00 in Berlin is 31 Oct 23:00 UTC to 30 Nov 23:00 UTC.
    berlin = ZoneInfo("Europe/Berlin")
    period = Period(datetime(2026, 11, 1, tzinfo=berlin), datetime(2026, 12, 1, tzinfo=berlin))

    assert period.local_dates(berlin) == (date(2026, 11, 1), date(2026, 11, 30))
    assert period.covers(datetime(2026, 10, 31, 23, 30, tzinfo=UTC))
    assert not period.covers(datetime(2026, 11, 30, 23, 0, tzinfo=UTC))


def test_business_clock_agrees_with_the_calendar_across_dst_and_holidays() -> None:
    # Berlin, weekdays 09:00-18:00 and a Saturday morning, a holiday on 3 October and
    # daylight saving ending on 25 October: 2000 random pairs, each answered both ways.
    berlin = ZoneInfo("Europe/Berlin")
    schedule = WeeklySchedule.parse("mon-fri 09:00-18:00; sat 10:00-13:00")
    calendar = BusinessCalendar(berlin, schedule, holidays={date(2026, 10, 3)})
    start = datetime(2026, 9, 28, tzinfo=UTC)
    end = datetime(2026, 11, 10, tzinfo=UTC)
    clock = BusinessClock(calendar, start, end)
    rng = random.Random(6)
    span = int((end - start).total_seconds())

    for _ in range(2000):
        a = start + timedelta(seconds=rng.randrange(span), microseconds=rng.randrange(10**6))
        b = a + timedelta(seconds=rng.randrange(span // 4))
        assert clock.between(a, b) == calendar.business_time_between(a, b)
    assert clock.between(end, start) == timedelta(0)
    outside = datetime(2026, 12, 1, 12, tzinfo=UTC)
    assert clock.between(end, outside) == calendar.business_time_between(end, outside)
