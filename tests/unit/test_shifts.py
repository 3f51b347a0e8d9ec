"""Tests for reps' own shifts and for routing around reps who are off shift or unresponsive."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from core.calendar import BusinessCalendar
from core.routing import LeadFacts, RoutingPolicy, eligible
from core.shifts import calendar_of, opening_after, opens_at, shift_openings
from core.team import Member

BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = BusinessCalendar(BERLIN, "mon-fri 09:00-18:00", holidays={date(2026, 12, 25)})
TODAY = date(2026, 12, 2)


def rep(member_id: int, **fields: object) -> Member:
    return Member(telegram_id=7000 + member_id, name=f"Rep {member_id}", id=member_id, **fields)


def test_rep_without_a_shift_works_the_team_hours_and_a_shift_keeps_the_holidays() -> None:
    lena = rep(1, shift="mon-sun 12:00-20:00")

    shift = calendar_of(lena, OFFICE)

    assert calendar_of(rep(2), OFFICE) is OFFICE
    assert shift.is_open(datetime(2026, 12, 6, 13, 0, tzinfo=BERLIN))  # a Sunday
    assert not shift.is_open(datetime(2026, 12, 25, 13, 0, tzinfo=BERLIN))  # Christmas


def test_opening_after_a_moment_is_strictly_later() -> None:
    nine = datetime(2026, 12, 3, 9, 0, tzinfo=BERLIN)

    assert opening_after(OFFICE, nine) == datetime(2026, 12, 4, 9, 0, tzinfo=BERLIN)
    assert opening_after(OFFICE, datetime(2026, 12, 2, 20, 0, tzinfo=BERLIN)) == nine
    assert opens_at(OFFICE, nine)
    assert not opens_at(OFFICE, datetime(2026, 12, 3, 9, 1, tzinfo=BERLIN))


def test_routing_keeps_the_reps_on_shift_or_else_those_whose_shift_starts_first() -> None:
    team = [rep(1), rep(2, shift="mon-fri 12:00-20:00"), rep(3, shift="mon-fri 07:00-15:00")]
    policy = RoutingPolicy()

    def pool(moment: datetime) -> list[int]:
        openings = shift_openings(team, OFFICE, moment)
        return [m.id for m in eligible(team, LeadFacts(), {}, policy, TODAY, openings)[0]]

    assert pool(datetime(2026, 12, 2, 13, 0, tzinfo=BERLIN)) == [1, 2, 3]
    assert pool(datetime(2026, 12, 2, 8, 0, tzinfo=BERLIN)) == [3]
    assert pool(datetime(2026, 12, 2, 19, 0, tzinfo=BERLIN)) == [2]
    assert pool(datetime(2026, 12, 2, 23, 0, tzinfo=BERLIN)) == [3]


def test_routing_skips_reps_who_left_too_many_alerts_untaken() -> None:
    team = [rep(1, untaken_alerts=3), rep(2, untaken_alerts=2)]

    kept, _ = eligible(team, LeadFacts(), {}, RoutingPolicy(untaken_limit=3), TODAY)
    nobody, why = eligible(team, LeadFacts(), {}, RoutingPolicy(untaken_limit=2), TODAY)
    everyone, _ = eligible(team, LeadFacts(), {}, RoutingPolicy(untaken_limit=None), TODAY)

    assert [m.id for m in kept] == [2]
    assert (nobody, why) == ([], "every rep has left alerts untaken")
    assert [m.id for m in everyone] == [1, 2]
