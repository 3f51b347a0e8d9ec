"""Metrics: the figures that tell a manager where leads leak, read from events alone.

Every figure is a pure function of lead histories (each lead's events, oldest first), so
any number can be traced back to the events that made it. `summarise` reads one history
into a `LeadSummary`; `build_report` turns the summaries of a period's leads into figures.

Definitions
-----------
* Cohort: the leads whose `captured` event falls in the period [start, end). Every figure
  is about the cohort; what became of those leads is counted up to `now`.
* Leads in: the cohort's size; off hours: those whose `captured` event says after_hours.
* First response: the first `attempted` event of any outcome. Its time runs from arrival
  (the `captured` event), in business time (the team's calendar) and in wall time.
* Whose response it is: the owner at the time of contact, i.e. the owner named by the last
  `assigned` event before that attempt (the person who made it, if nobody owned the lead
  then). A lead reassigned before contact counts for the rep who made the contact, and its
  time still runs from arrival, since that is how long the prospect waited. A lead with no
  attempt yet counts for its owner now.
* Median: the middle value (the mean of the two middle ones for an even count). 90th
  percentile: nearest rank, the ceil(0.9 n)-th smallest value. Only answered leads count.
* Within the norm: answered in no more business time than the norm. Overruns: answered
  later than the norm, plus leads still waiting whose business time since arrival already
  passed it. Share within the norm: within / (within + overruns); leads still waiting
  inside the norm are not judged yet.
* Retries: leads with at least one attempt that did not reach the prospect; of these, still
  pending (open and never reached), reached on a later attempt, and won.
* Funnel: the furthest pipeline stage each lead reached, counting a lead at every stage up
  to it (a lead that skipped a stage passed it). `attempted` reached moves new to
  contacted; `qualified` and `stage_changed` name the stage; `won` counts at every stage.
  Conversion from one stage to the next is reached(next) / reached(stage).
* Closing: the last of `won`, `lost` and a reopening (`stage_changed` from won or lost to an
  open stage) decides. A reopened lead is open until it closes again: a lead lost, reopened
  and won is won, not lost, and its loss reason is not counted.
* Deals: cohort leads closed as won; revenue is the sum of their `won` amounts; cycle is
  the median of days from arrival to the `won` event.
* Losses: cohort leads closed as lost, per `lost` reason, with each reason's share.
* Cost: ad spend entries are spread evenly over their days; the part that falls on the
  period's local dates is the period's spend. Cost per lead is spend / leads in, cost per
  deal is spend / deals, per source.
"""

import bisect
import functools
import itertools
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal

from core.calendar import BusinessCalendar
from core.events import Event, EventKind
from core.pipeline import CLOSED_STAGES, CONTACTED, DEFAULT_STAGES, LOST, WON

# The default pipeline's open stages, then won (`core.pipeline` lists open stages only).
PIPELINE: tuple[str, ...] = (*DEFAULT_STAGES, WON)
# The kinds of event `summarise` reads; the others never change a figure.
METRIC_KINDS = frozenset(
    {
        EventKind.CAPTURED,
        EventKind.ASSIGNED,
        EventKind.UNASSIGNED,
        EventKind.ATTEMPTED,
        EventKind.QUALIFIED,
        EventKind.STAGE_CHANGED,
        EventKind.WON,
        EventKind.LOST,
    }
)
REACHED = "reached"
CENT = Decimal("0.01")
ZERO = Decimal(0)


@dataclass(frozen=True)
class Period:
    """A stretch of time [start, end) that a report is about."""

    start: datetime
    end: datetime
    label: str = ""

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("A period needs timezone-aware bounds.")
        if self.end <= self.start:
            raise ValueError("A period must end after it starts.")

    def covers(self, moment: datetime) -> bool:
        """Tell whether a moment falls in the period."""
        return self.start <= moment < self.end

    def local_dates(self, tz: tzinfo) -> tuple[date, date]:
        """Return the first and last local dates the period touches."""
        last = (self.end - timedelta(microseconds=1)).astimezone(tz).date()
        return self.start.astimezone(tz).date(), last


@dataclass(slots=True)
class LeadSummary:
    """What one lead's events say, reduced to the facts the metrics need."""

    lead_id: int
    arrived_at: datetime
    source_id: int | None = None
    after_hours: bool = False
    owner_id: int | None = None
    first_response_at: datetime | None = None
    responder_id: int | None = None
    furthest: int = 0
    outcome: str | None = None
    closed_at: datetime | None = None
    amount: Decimal = ZERO
    loss_reason: str | None = None
    no_answer: bool = False
    reached: bool = False
    reached_after_no_answer: bool = False

    @property
    def response_owner(self) -> int | None:
        """Name whose response time this lead is: the owner at contact, or the owner now."""
        return self.responder_id if self.first_response_at is not None else self.owner_id


def summarise(
    lead_id: int, events: Iterable[Event], pipeline: Sequence[str] = PIPELINE
) -> LeadSummary | None:
    """Read a lead's history, oldest first; None when it has no `captured` event."""
    rank = _ranks(tuple(pipeline))
    summary: LeadSummary | None = None
    for event in events:
        summary = _next(summary, lead_id, event, rank)
    return summary


def apply_events(
    summary: LeadSummary | None,
    lead_id: int,
    events: Iterable[Event],
    pipeline: Sequence[str] = PIPELINE,
) -> LeadSummary | None:
    """Carry a summary forward over a lead's newer events, oldest first.

    `summarise(events[:n] + events[n:])` equals `apply_events(summarise(events[:n]),
    events[n:])`, so storage can keep summaries up to date as events are appended.
    """
    rank = _ranks(tuple(pipeline))
    for event in events:
        summary = _next(summary, lead_id, event, rank)
    return summary


@functools.cache
def _ranks(pipeline: Sequence[str]) -> dict[str, int]:
    return {stage: index for index, stage in enumerate(pipeline)}


def _next(
    summary: LeadSummary | None, lead_id: int, event: Event, rank: Mapping[str, int]
) -> LeadSummary | None:
    if event.kind is EventKind.CAPTURED:
        data = event.data
        return LeadSummary(lead_id, event.at, data.get("source_id"), bool(data.get("after_hours")))
    if summary is not None:
        _apply(summary, event, rank)
    return summary


def _apply(summary: LeadSummary, event: Event, rank: Mapping[str, int]) -> None:
    kind, data = event.kind, event.data
    if kind is EventKind.ASSIGNED:
        summary.owner_id = data.get("owner_id")
    elif kind is EventKind.UNASSIGNED:
        summary.owner_id = None
    elif kind is EventKind.ATTEMPTED:
        _attempt(summary, event, rank)
    elif kind is EventKind.QUALIFIED:
        _reach(summary, rank.get(str(data.get("stage"))))
    elif kind is EventKind.STAGE_CHANGED:
        _change_stage(summary, data, rank)
    elif kind is EventKind.WON:
        _close(summary, WON, event.at)
        summary.amount = Decimal(str(data.get("amount") or 0))
        _reach(summary, rank.get(WON))
    elif kind is EventKind.LOST:
        _close(summary, LOST, event.at)
        summary.loss_reason = str(data.get("reason") or "other")


def _attempt(summary: LeadSummary, event: Event, rank: Mapping[str, int]) -> None:
    if summary.first_response_at is None:
        summary.first_response_at = event.at
        owner = summary.owner_id
        summary.responder_id = owner if owner is not None else event.actor_id
    if event.data.get("outcome") == REACHED:
        summary.reached_after_no_answer |= summary.no_answer and not summary.reached
        summary.reached = True
        _reach(summary, rank.get(CONTACTED))
    else:
        summary.no_answer = True


def _change_stage(summary: LeadSummary, data: Mapping, rank: Mapping[str, int]) -> None:
    target = str(data.get("to") or data.get("stage") or "")
    if target in CLOSED_STAGES:
        return  # the won or lost event that comes with it carries the closing
    if summary.outcome is not None:
        summary.outcome, summary.closed_at = None, None
        summary.amount, summary.loss_reason = ZERO, None
    _reach(summary, rank.get(target))


def _close(summary: LeadSummary, outcome: str, at: datetime) -> None:
    summary.outcome, summary.closed_at = outcome, at
    summary.amount, summary.loss_reason = ZERO, None


def _reach(summary: LeadSummary, index: int | None) -> None:
    if index is not None and index > summary.furthest:
        summary.furthest = index


# -- figures -------------------------------------------------------------------------------


def median(values: Sequence) -> object | None:
    """Return the middle value, the mean of the two middle ones for an even count."""
    return _median_of_sorted(sorted(values)) if values else None


def percentile_90(values: Sequence) -> object | None:
    """Return the 90th percentile by nearest rank: the ceil(0.9 n)-th smallest value."""
    return _p90_of_sorted(sorted(values)) if values else None


def _median_of_sorted(ordered: Sequence) -> object | None:
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def _p90_of_sorted(ordered: Sequence) -> object | None:
    return ordered[math.ceil(0.9 * len(ordered)) - 1] if ordered else None


@dataclass(frozen=True)
class ResponseTimes:
    """Time to first response of a group of leads, against the norm."""

    answered: int = 0
    waiting: int = 0
    median_business: timedelta | None = None
    p90_business: timedelta | None = None
    median_wall: timedelta | None = None
    p90_wall: timedelta | None = None
    within_norm: int = 0
    overruns: int = 0

    @property
    def share_within_norm(self) -> float | None:
        """Return the share answered within the norm among the leads already judged."""
        judged = self.within_norm + self.overruns
        return self.within_norm / judged if judged else None


def response_times(
    leads: Iterable[LeadSummary],
    calendar: BusinessCalendar,
    norm: timedelta,
    now: datetime,
    clock: "BusinessClock | None" = None,
) -> ResponseTimes:
    """Measure time to first response, in business and wall time, against the norm."""
    clock = clock or BusinessClock(calendar)
    known = clock.known
    business: list[timedelta] = []
    wall: list[timedelta] = []
    waiting = overdue = 0
    for lead in leads:
        spent = known.get(lead.lead_id)
        if spent is None:
            spent = clock.response_of(lead, now)
        if lead.first_response_at is None:
            waiting += 1
            overdue += spent > norm
            continue
        business.append(spent)
        wall.append(lead.first_response_at - lead.arrived_at)
    business.sort()
    wall.sort()
    within = bisect.bisect_right(business, norm)
    return ResponseTimes(
        answered=len(business),
        waiting=waiting,
        median_business=_median_of_sorted(business),
        p90_business=_p90_of_sorted(business),
        median_wall=_median_of_sorted(wall),
        p90_wall=_p90_of_sorted(wall),
        within_norm=within,
        overruns=len(business) - within + overdue,
    )


def _micros(moment: datetime) -> int:
    # Whole seconds from the float timestamp are exact; the microseconds are added apart.
    return int(moment.timestamp()) * 1_000_000 + moment.microsecond


class BusinessClock:
    """Business time between moments, remembered for a stretch so many leads cost little.

    Within [start, end] it answers by bisection over the calendar's open intervals and
    their running total, in whole microseconds, exactly as `business_time_between` would;
    outside, or without a stretch, it asks the calendar. `response_of` remembers each
    lead's answer, since a report asks about each lead for the team, its rep and its
    source, all at one `now`.
    """

    def __init__(
        self,
        calendar: BusinessCalendar,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> None:
        self.calendar = calendar
        self.range = (
            (start, end) if start is not None and end is not None and start < end else None
        )
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.before: list[int] = []
        self.known: dict[int, timedelta] = {}  # per lead, filled by response_of
        self.low = self.high = 0
        if self.range is not None:
            self.low, self.high = _micros(self.range[0]), _micros(self.range[1])
            total = 0
            for opens, closes in calendar.open_intervals(*self.range):
                self.starts.append(_micros(opens))
                self.ends.append(_micros(closes))
                self.before.append(total)
                total += self.ends[-1] - self.starts[-1]

    def _open_until(self, moment: int) -> int:
        index = bisect.bisect_right(self.starts, moment) - 1
        if index < 0:
            return 0
        return self.before[index] + min(moment, self.ends[index]) - self.starts[index]

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Return the open time between two moments, zero when end <= start."""
        if self.range is None:
            return self.calendar.business_time_between(start, end)
        a, b = _micros(start), _micros(end)
        if not (self.low <= a <= self.high and self.low <= b <= self.high):
            return self.calendar.business_time_between(start, end)
        if b <= a:
            return timedelta(0)
        return timedelta(microseconds=self._open_until(b) - self._open_until(a))

    def response_of(self, lead: LeadSummary, now: datetime) -> timedelta:
        """Return a lead's business time to first response, or waited so far if none yet."""
        known = self.known.get(lead.lead_id)
        if known is None:
            end = lead.first_response_at or now
            known = self.known[lead.lead_id] = self.between(lead.arrived_at, end)
        return known


@dataclass(frozen=True)
class Retries:
    """Leads that did not answer at first, and what became of them."""

    with_no_answer: int = 0
    pending: int = 0
    reached_later: int = 0
    won_later: int = 0


def retries(leads: Iterable[LeadSummary]) -> Retries:
    """Count leads with an unanswered attempt: still pending, reached later, won later."""
    unanswered = [lead for lead in leads if lead.no_answer]
    return Retries(
        with_no_answer=len(unanswered),
        pending=sum(1 for lead in unanswered if lead.outcome is None and not lead.reached),
        reached_later=sum(1 for lead in unanswered if lead.reached_after_no_answer),
        won_later=sum(1 for lead in unanswered if lead.outcome == WON),
    )


@dataclass(frozen=True)
class StageStep:
    """One stage of the funnel: how many leads got this far, and from the stage before."""

    stage: str
    reached: int
    conversion: float | None = None


def funnel(leads: Iterable[LeadSummary], pipeline: Sequence[str] = PIPELINE) -> list[StageStep]:
    """Count the leads that reached each stage and the conversion between adjacent stages."""
    furthest = [0] * len(pipeline)
    for lead in leads:
        furthest[lead.furthest] += 1
    counts = list(itertools.accumulate(reversed(furthest)))[::-1]  # reached it or beyond
    steps = [StageStep(pipeline[0], counts[0])]
    for index in range(1, len(pipeline)):
        before = counts[index - 1]
        conversion = counts[index] / before if before else None
        steps.append(StageStep(pipeline[index], counts[index], conversion))
    return steps


@dataclass(frozen=True)
class Deals:
    """Leads closed as won: how many, for how much, and how long it took."""

    won: int = 0
    revenue: Decimal = ZERO
    median_cycle_days: float | None = None


def deals(leads: Iterable[LeadSummary]) -> Deals:
    """Count won leads, add up their amounts and take the median days to win."""
    won = [lead for lead in leads if lead.outcome == WON]
    cycles = [(lead.closed_at - lead.arrived_at) / timedelta(days=1) for lead in won]
    return Deals(len(won), sum((lead.amount for lead in won), ZERO), median(cycles))


@dataclass(frozen=True)
class LossShare:
    """One loss reason: how many leads were lost for it, and their share of all losses."""

    reason: str
    count: int
    share: float


def losses(leads: Iterable[LeadSummary]) -> list[LossShare]:
    """Count lost leads per reason, most frequent first."""
    counts: dict[str, int] = defaultdict(int)
    for lead in leads:
        if lead.outcome == LOST:
            counts[lead.loss_reason or "other"] += 1
    total = sum(counts.values())
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [LossShare(reason, count, count / total) for reason, count in ordered]


@dataclass(frozen=True)
class SpendEntry:
    """Money spent on a source's ads over local dates, both ends included."""

    source_id: int
    starts_on: date
    ends_on: date
    amount: Decimal
    note: str = ""
    id: int | None = None

    def __post_init__(self) -> None:
        if self.ends_on < self.starts_on:
            raise ValueError("Spend must end on or after the day it starts.")
        if self.amount < 0:
            raise ValueError("Spend cannot be negative.")

    @property
    def days(self) -> int:
        """Count the dates the spend covers."""
        return (self.ends_on - self.starts_on).days + 1

    def share_in(self, first: date, last: date) -> Decimal:
        """Return the part of the amount that falls on the dates first..last, evenly spread."""
        overlap = (min(self.ends_on, last) - max(self.starts_on, first)).days + 1
        if overlap <= 0:
            return ZERO
        return self.amount * overlap / self.days


def spend_by_source(entries: Iterable[SpendEntry], first: date, last: date) -> dict[int, Decimal]:
    """Add up the spend that falls on the dates first..last, per source, to the cent."""
    totals: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for entry in entries:
        totals[entry.source_id] += entry.share_in(first, last)
    return {source: amount.quantize(CENT, ROUND_HALF_UP) for source, amount in totals.items()}


@dataclass(frozen=True)
class SourceCost:
    """What a source cost and what it brought."""

    source_id: int | None
    spend: Decimal
    leads: int
    won: int
    revenue: Decimal

    @property
    def cost_per_lead(self) -> Decimal | None:
        """Return spend per lead in, to the cent; None with no leads."""
        return (self.spend / self.leads).quantize(CENT, ROUND_HALF_UP) if self.leads else None

    @property
    def cost_per_deal(self) -> Decimal | None:
        """Return spend per deal won, to the cent; None with no deals."""
        return (self.spend / self.won).quantize(CENT, ROUND_HALF_UP) if self.won else None


def costs(
    by_source: Mapping[int | None, Sequence[LeadSummary]], spend: Mapping[int, Decimal]
) -> list[SourceCost]:
    """Put each source's spend beside its leads, deals and revenue."""
    sources = set(by_source) | set(spend)
    rows = []
    for source in sorted(sources, key=lambda s: (s is None, s or 0)):
        leads = by_source.get(source, ())
        won = deals(leads)
        amount = spend.get(source, ZERO) if source is not None else ZERO
        rows.append(SourceCost(source, amount, len(leads), won.won, won.revenue))
    return rows


# -- the report ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """Every metric for one group of leads: the team, a rep or a source."""

    leads: int = 0
    off_hours: int = 0
    response: ResponseTimes = field(default_factory=ResponseTimes)
    retries: Retries = field(default_factory=Retries)
    funnel: tuple[StageStep, ...] = ()
    deals: Deals = field(default_factory=Deals)
    losses: tuple[LossShare, ...] = ()


@dataclass(frozen=True)
class Report:
    """The figures of a period for the team, per rep and per source, with ad costs."""

    period: Period
    now: datetime
    norm: timedelta
    team: Figures
    by_rep: dict[int | None, Figures]
    by_source: dict[int | None, Figures]
    costs: tuple[SourceCost, ...] = ()
    rep_id: int | None = None


@dataclass(frozen=True)
class _Context:
    calendar: BusinessCalendar
    norm: timedelta
    now: datetime
    pipeline: Sequence[str]
    clock: BusinessClock


def figures(
    general: Sequence[LeadSummary], responding: Sequence[LeadSummary], context: _Context
) -> Figures:
    """Compute every metric: response times over `responding`, the rest over `general`."""
    return Figures(
        leads=len(general),
        off_hours=sum(1 for lead in general if lead.after_hours),
        response=response_times(
            responding, context.calendar, context.norm, context.now, context.clock
        ),
        retries=retries(general),
        funnel=tuple(funnel(general, context.pipeline)),
        deals=deals(general),
        losses=tuple(losses(general)),
    )


def _group(leads: Iterable[LeadSummary], key: Callable[[LeadSummary], int | None]) -> dict:
    groups: dict[int | None, list[LeadSummary]] = defaultdict(list)
    for lead in leads:
        groups[key(lead)].append(lead)
    return groups


def _breakdown(
    by_key: Mapping[int | None, Sequence[LeadSummary]],
    by_response: Mapping[int | None, Sequence[LeadSummary]],
    context: _Context,
) -> dict[int | None, Figures]:
    return {
        group: figures(by_key.get(group, []), by_response.get(group, []), context)
        for group in sorted(set(by_key) | set(by_response), key=lambda g: (g is None, g or 0))
    }


def build_report(
    summaries: Iterable[LeadSummary],
    period: Period,
    calendar: BusinessCalendar,
    norm: timedelta,
    now: datetime,
    spend: Iterable[SpendEntry] = (),
    pipeline: Sequence[str] = PIPELINE,
    rep_id: int | None = None,
) -> Report:
    """Compute a period's figures from its leads' summaries; a rep's own when `rep_id` is set.

    A rep's report keeps the leads they own for every figure but response time, which
    keeps the leads whose response is theirs (see the module docstring); it has no costs.
    """
    cohort = [lead for lead in summaries if period.covers(lead.arrived_at)]
    first_arrival = min((lead.arrived_at for lead in cohort), default=None)
    context = _Context(calendar, norm, now, pipeline, BusinessClock(calendar, first_arrival, now))
    general, responding = cohort, cohort
    if rep_id is not None:
        general = [lead for lead in cohort if lead.owner_id == rep_id]
        responding = [lead for lead in cohort if lead.response_owner == rep_id]

    by_owner: dict[int | None, list[LeadSummary]] = defaultdict(list)
    by_source: dict[int | None, list[LeadSummary]] = defaultdict(list)
    for lead in general:
        by_owner[lead.owner_id].append(lead)
        by_source[lead.source_id].append(lead)
    by_responder = _group(responding, lambda s: s.response_owner)
    responding_by_source = (
        by_source if responding is general else _group(responding, lambda s: s.source_id)
    )

    rep_figures = _breakdown(by_owner, by_responder, context)
    if rep_id is not None:
        rep_figures = {rep_id: rep_figures.get(rep_id, figures([], [], context))}
    cost_rows: tuple[SourceCost, ...] = ()
    if rep_id is None:
        first, last = period.local_dates(calendar.tz)
        cost_rows = tuple(costs(by_source, spend_by_source(spend, first, last)))
    return Report(
        period=period,
        now=now,
        norm=norm,
        team=figures(general, responding, context),
        by_rep=rep_figures,
        by_source=_breakdown(by_source, responding_by_source, context),
        costs=cost_rows,
        rep_id=rep_id,
    )
