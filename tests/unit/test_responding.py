"""Tests for the first-response rules: business-time norms, taking it, overdue alerts."""

import dataclasses
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.calendar import BusinessCalendar
from core.clock import FixedClock
from core.errors import NotAManager, NotLeadOwner
from core.events import Event, EventKind
from core.leads import Channel, Inquiry, Lead
from core.notices import Notice, Template
from core.routing import RoutingPolicy
from core.rules import Rules
from core.services import Action, Services, Tap
from core.sources import Source
from core.team import Member, Role
from core.timers import TimerKind
from tests.unit.conftest import NOW, Hire, Team
from tests.unit.fakes import CANCELLED, FakeStore

BERLIN = ZoneInfo("Europe/Berlin")
MINUTE = timedelta(minutes=1)
NUDGE, BREACH = TimerKind.FIRST_RESPONSE_NUDGE, TimerKind.FIRST_RESPONSE_BREACH
REASSIGN = TimerKind.FIRST_RESPONSE_REASSIGN
OFFICE = BusinessCalendar(BERLIN, "mon-fri 09:00-18:00", holidays={date(2026, 12, 25)})
# NOW is Wednesday 2 December 2026, 11:00 in Berlin: open.
FRIDAY_NIGHT = datetime(2026, 12, 4, 20, 0, tzinfo=BERLIN)
MONDAY_OPENING = datetime(2026, 12, 7, 9, 0, tzinfo=BERLIN)
CARD = 500


@pytest.fixture
def rules() -> Rules:
    """Office hours in Berlin, a 15-minute norm, at most two untaken alerts in a row."""
    return Rules(calendar=OFFICE, routing=RoutingPolicy(untaken_limit=2))


def inquiry(phone: str = "+79161234567", **fields: object) -> Inquiry:
    """Make an inquiry by phone, with any field changed."""
    return Inquiry(**{"channel": Channel.API, "name": "Olga", "phone": phone, **fields})


async def new_lead(services: Services, store: FakeStore, **fields: object) -> Lead:
    """Capture an inquiry and return the lead as committed."""
    return store.lead((await services.capture(inquiry(**fields))).lead_id)


def press(member: Member, lead: Lead, action: Action, argument: str = "") -> Tap:
    """Make a tap by a member on a card drawn for the lead as it is now."""
    return Tap(member.telegram_id, lead.id, action, lead.version, member.chat_id, CARD, argument)


def said(store: FakeStore, *templates: Template) -> list[Notice]:
    """List the committed notices of some templates, without ids."""
    return [dataclasses.replace(n, id=None) for n in store.notices if n.template in set(templates)]


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


# -- the norm in business time ---------------------------------------------------------------


async def test_lead_at_night_is_due_fifteen_business_minutes_after_the_next_opening(
    services: Services, store: FakeStore, team: Team, clock: FixedClock
) -> None:
    clock.set(FRIDAY_NIGHT)

    lead = await new_lead(services, store)

    assert store.pending_timers(lead.id)[:2] == [
        (NUDGE, MONDAY_OPENING + 10 * MINUTE),
        (BREACH, MONDAY_OPENING + 15 * MINUTE),
    ]
    assert lead.after_hours


async def test_norm_that_runs_past_closing_continues_next_morning(
    services: Services, store: FakeStore, team: Team, clock: FixedClock
) -> None:
    clock.set(datetime(2026, 12, 2, 17, 55, tzinfo=BERLIN))

    lead = await new_lead(services, store)

    assert store.pending_timers(lead.id)[1] == (
        BREACH,
        datetime(2026, 12, 3, 9, 10, tzinfo=BERLIN),
    )


async def test_source_with_its_own_norm_is_nudged_and_breached_sooner(
    services: Services, store: FakeStore, team: Team, clock: FixedClock
) -> None:
    source = Source("missed calls", "hash", NOW, "phone", first_response=timedelta(minutes=6))
    async with store.uow() as uow:
        await uow.sources.add(source)
        await uow.commit()

    lead = await new_lead(services, store, source_id=source.id)

    assert store.pending_timers(lead.id)[:2] == [
        (NUDGE, NOW + 4 * MINUTE),
        (BREACH, NOW + 6 * MINUTE),
    ]


async def test_source_norm_can_be_set_and_given_back_to_the_team(
    services: Services, store: FakeStore
) -> None:
    await services.add_source("missed calls", "phone")

    five = await services.set_source_norm("missed calls", 5)
    team_norm = await services.set_source_norm("missed calls", None)

    assert five.first_response == timedelta(minutes=5)
    assert team_norm.first_response is None
    assert store.sources[0].first_response is None


# -- taking it -------------------------------------------------------------------------------


async def test_taking_it_records_time_to_take_in_business_and_wall_time(
    services: Services, store: FakeStore, team: Team, clock: FixedClock
) -> None:
    clock.set(datetime(2026, 12, 2, 17, 50, tzinfo=BERLIN))
    lead = await new_lead(services, store)
    clock.set(datetime(2026, 12, 3, 9, 5, tzinfo=BERLIN))

    done = await services.tap(press(team.anna, lead, Action.TAKE))

    taken = store.lead(lead.id)
    assert done.summary == "It is yours: now call or write."
    assert taken.taken_at == clock.now()
    assert store.events_of(lead.id)[-1] == Event(
        lead.id,
        EventKind.TAKEN,
        clock.now(),
        team.anna.id,
        {"business_seconds": 15 * 60, "wall_seconds": (15 * 60 + 15) * 60},
        id=store.events_of(lead.id)[-1].id,
    )
    # Taking it is not a contact: the norm still runs to the first attempt.
    assert (BREACH, datetime(2026, 12, 3, 9, 5, tzinfo=BERLIN)) in store.pending_timers(lead.id)


async def test_only_the_owner_can_take_a_lead(
    services: Services, store: FakeStore, team: Team
) -> None:
    lead = await new_lead(services, store)

    with pytest.raises(NotLeadOwner):
        await services.tap(press(team.maria, lead, Action.TAKE))

    assert store.lead(lead.id).taken_at is None


async def test_first_attempt_counts_as_taking_it(
    services: Services, store: FakeStore, team: Team
) -> None:
    lead = await new_lead(services, store)

    await services.tap(press(team.anna, lead, Action.NO_ANSWER))

    assert store.lead(lead.id).taken_at == NOW


# -- the overdue alert -----------------------------------------------------------------------


async def test_overdue_alert_goes_to_the_owner_and_the_managers_group_chat(
    store: FakeStore, team: Team, clock: FixedClock
) -> None:
    services = Services(store.uow, clock, Rules(calendar=OFFICE, managers_chat_id=-100777))
    lead = await new_lead(services, store)
    clock.advance(15 * MINUTE)

    await services.fire_due_timers()

    assert said(store, Template.FIRST_RESPONSE_BREACH) == [
        Notice(team.anna.chat_id, Template.FIRST_RESPONSE_BREACH, lead.id, {"for": "owner"}),
        Notice(-100777, Template.FIRST_RESPONSE_BREACH, lead.id, {"for": "managers"}),
    ]


async def test_breach_at_the_norm_records_the_age_in_business_and_wall_time(
    services: Services, store: FakeStore, team: Team, clock: FixedClock
) -> None:
    clock.set(FRIDAY_NIGHT)
    lead = await new_lead(services, store)
    clock.set(MONDAY_OPENING + 15 * MINUTE)

    fired = await services.fire_due_timers()

    breach = store.events_of(lead.id)[-1]
    assert fired == 2
    assert breach.kind is EventKind.FIRST_RESPONSE_BREACHED
    assert breach.data["business_seconds"] == 15 * 60
    assert breach.data["wall_seconds"] == int((clock.now() - FRIDAY_NIGHT).total_seconds())


async def test_alerts_left_untaken_make_routing_skip_the_rep_and_managers_are_told(
    services: Services, store: FakeStore, team: Team, clock: FixedClock
) -> None:
    first = await new_lead(services, store, phone="+79160000001")  # Anna
    await new_lead(services, store, phone="+79160000002")  # Boris
    third = await new_lead(services, store, phone="+79160000003")  # Anna
    await services.tap(press(team.boris, store.leads[1], Action.TAKE))
    clock.advance(15 * MINUTE)
    await services.fire_due_timers()

    fourth = await new_lead(services, store, phone="+79160000004")

    assert {first.owner_id, third.owner_id} == {team.anna.id}
    assert store.member(team.anna.id).untaken_alerts == 2
    assert store.member(team.boris.id).untaken_alerts == 0
    assert said(store, Template.TEXT)[-1] == Notice(
        team.maria.chat_id,
        Template.TEXT,
        None,
        {
            "text": "Anna has left 2 new-lead alerts in a row untaken. "
            "New leads skip them until they act on a lead again."
        },
    )
    assert store.lead(fourth.id).owner_id == team.boris.id


async def test_rep_who_acts_again_is_routed_to_again(
    services: Services, store: FakeStore, team: Team
) -> None:
    store.save_member(dataclasses.replace(team.anna, untaken_alerts=2))
    skipped = await new_lead(services, store, phone="+79160000001")
    await services.tap(press(team.maria, skipped, Action.ASSIGN, str(team.anna.id)))

    await services.tap(press(team.anna, store.lead(skipped.id), Action.TAKE))
    routed = await new_lead(services, store, phone="+79160000002")

    assert skipped.owner_id == team.boris.id
    assert store.member(team.anna.id).untaken_alerts == 0
    assert routed.owner_id == team.anna.id


async def test_taken_lead_that_breaches_is_not_an_untaken_alert(
    services: Services, store: FakeStore, team: Team, clock: FixedClock
) -> None:
    lead = await new_lead(services, store)
    await services.tap(press(team.anna, lead, Action.TAKE))
    clock.advance(15 * MINUTE)

    await services.fire_due_timers()

    assert store.kinds_of(lead.id)[-1] is EventKind.FIRST_RESPONSE_BREACHED
    assert store.events_of(lead.id)[-1].data["taken"] is True
    assert store.member(team.anna.id).untaken_alerts == 0


# -- what managers do with it ----------------------------------------------------------------


async def breached_lead(services: Services, store: FakeStore, clock: FixedClock) -> Lead:
    """Capture a lead and let its norm break."""
    lead = await new_lead(services, store)
    clock.advance(15 * MINUTE)
    await services.fire_due_timers()
    return store.lead(lead.id)


async def test_manager_reassigns_an_overdue_lead_and_the_new_owner_gets_the_whole_norm(
    services: Services, store: FakeStore, team: Team, clock: FixedClock
) -> None:
    lead = await breached_lead(services, store, clock)

    done = await services.tap(press(team.maria, lead, Action.ASSIGN, str(team.boris.id)))

    assert done.summary == "Assigned to Boris."
    assert store.lead(lead.id).owner_id == team.boris.id
    assert store.pending_timers(lead.id)[:2] == [
        (NUDGE, NOW + 25 * MINUTE),
        (BREACH, NOW + 30 * MINUTE),
    ]


async def test_manager_takes_an_overdue_lead_over(
    services: Services, store: FakeStore, team: Team, clock: FixedClock
) -> None:
    lead = await breached_lead(services, store, clock)

    done = await services.tap(press(team.maria, lead, Action.TAKE_OVER))

    taken = store.lead(lead.id)
    assert done.summary == "It is yours now."
    assert (taken.owner_id, taken.taken_at) == (team.maria.id, clock.now())
    assert store.kinds_of(lead.id)[-2:] == [EventKind.ASSIGNED, EventKind.TAKEN]
    assert said(store, Template.TEXT)[-1] == Notice(
        team.anna.chat_id,
        Template.TEXT,
        lead.id,
        {"text": f"Lead #{lead.id} was reassigned to Maria."},
    )


async def test_manager_reminds_the_owner_of_an_overdue_lead(
    services: Services, store: FakeStore, team: Team, clock: FixedClock
) -> None:
    lead = await breached_lead(services, store, clock)

    done = await services.tap(press(team.maria, lead, Action.REMIND_OWNER))

    assert done.summary == "Anna was reminded."
    assert said(store, Template.OWNER_REMINDER) == [
        Notice(team.anna.chat_id, Template.OWNER_REMINDER, lead.id, {"by": "Maria"})
    ]
    reminded = store.events_of(lead.id)[-1]
    assert (reminded.kind, reminded.actor_id) == (EventKind.OWNER_REMINDED, team.maria.id)


@pytest.mark.parametrize("action", [Action.TAKE_OVER, Action.REMIND_OWNER])
async def test_a_rep_cannot_take_over_or_remind(
    services: Services, store: FakeStore, team: Team, clock: FixedClock, action: Action
) -> None:
    lead = await breached_lead(services, store, clock)
    before = store.snapshot()

    with pytest.raises(NotAManager):
        await services.tap(press(team.anna, lead, action))

    assert store.snapshot() == before


async def test_first_attempt_after_a_breach_clears_it(
    services: Services, store: FakeStore, team: Team, clock: FixedClock
) -> None:
    lead = await breached_lead(services, store, clock)
    clock.advance(5 * MINUTE)

    await services.tap(press(team.anna, lead, Action.REACHED))

    cleared = store.events_of(lead.id)[-1]
    assert cleared.kind is EventKind.FIRST_RESPONSE_CLEARED
    assert cleared.data == {"by": "attempt", "business_seconds_after_breach": 300}


async def test_closing_a_breached_lead_clears_it_once(
    services: Services, store: FakeStore, team: Team, clock: FixedClock
) -> None:
    lead = await breached_lead(services, store, clock)

    await services.tap(press(team.anna, lead, Action.LOSS_REASON, "spam"))

    kinds = store.kinds_of(lead.id)
    assert kinds.count(EventKind.FIRST_RESPONSE_CLEARED) == 1
    assert store.events_of(lead.id)[-1].data["by"] == "closed"


async def test_contact_within_the_norm_leaves_no_breach_to_clear(
    services: Services, store: FakeStore, team: Team
) -> None:
    lead = await new_lead(services, store)

    await services.tap(press(team.anna, lead, Action.REACHED))

    assert EventKind.FIRST_RESPONSE_CLEARED not in store.kinds_of(lead.id)


# -- reassigning by itself -------------------------------------------------------------------


@pytest.fixture
def auto_services(store: FakeStore, clock: FixedClock) -> Services:
    """The use cases with a lead reassigned 10 business minutes after its breach."""
    rules = Rules(calendar=OFFICE, auto_reassign=timedelta(minutes=10))
    return Services(store.uow, clock, rules)


async def test_overdue_lead_is_reassigned_by_itself_after_a_further_delay(
    auto_services: Services, store: FakeStore, team: Team, clock: FixedClock
) -> None:
    lead = await new_lead(auto_services, store)
    clock.advance(15 * MINUTE)
    await auto_services.fire_due_timers()
    clock.advance(10 * MINUTE)

    await auto_services.fire_due_timers()

    moved = store.lead(lead.id)
    assigned = store.events_of(lead.id)[-1]
    assert moved.owner_id == team.boris.id
    assert assigned.kind is EventKind.ASSIGNED
    assert assigned.data["reason"].startswith("no first response within the norm: ")
    assert said(store, Template.LEAD_ALERT)[-1] == Notice(
        team.boris.chat_id, Template.LEAD_ALERT, lead.id
    )
    assert (BREACH, NOW + 40 * MINUTE) in store.pending_timers(lead.id)


async def test_auto_reassign_with_nobody_else_to_take_it_tells_the_managers(
    auto_services: Services, store: FakeStore, team: Team, clock: FixedClock
) -> None:
    store.save_member(dataclasses.replace(team.boris, paused=True))
    lead = await new_lead(auto_services, store)
    clock.advance(25 * MINUTE)

    await auto_services.fire_due_timers()
    await auto_services.fire_due_timers()

    assert store.lead(lead.id).owner_id == team.anna.id
    assert said(store, Template.TEXT)[-1].chat_id == team.maria.chat_id
    assert "nobody else can take it" in said(store, Template.TEXT)[-1].data["text"]


async def test_contact_before_the_delay_cancels_the_reassignment(
    auto_services: Services, store: FakeStore, team: Team, clock: FixedClock
) -> None:
    lead = await new_lead(auto_services, store)
    clock.advance(15 * MINUTE)
    await auto_services.fire_due_timers()

    await auto_services.tap(press(team.anna, store.lead(lead.id), Action.NO_ANSWER))

    reassign = [row for row in store.timers_of(lead.id) if row.timer.kind is REASSIGN]
    assert [row.status for row in reassign] == [CANCELLED]


# -- shifts ----------------------------------------------------------------------------------


async def test_rep_off_shift_is_skipped_while_another_is_on_shift(
    services: Services, store: FakeStore, hire: Hire, clock: FixedClock
) -> None:
    hire("Maria", Role.MANAGER)
    late = hire("Lena", shift="mon-fri 14:00-22:00")
    early = hire("Egor")

    morning = await new_lead(services, store, phone="+79160000001")
    clock.set(datetime(2026, 12, 2, 19, 0, tzinfo=BERLIN))
    evening = await new_lead(services, store, phone="+79160000002")

    assert morning.owner_id == early.id
    assert evening.owner_id == late.id


async def test_lead_at_night_goes_to_the_rep_whose_shift_starts_first(
    services: Services, store: FakeStore, hire: Hire, clock: FixedClock
) -> None:
    hire("Maria", Role.MANAGER)
    hire("Lena", shift="mon-fri 14:00-22:00")
    early = hire("Egor", shift="mon-fri 07:00-15:00")
    clock.set(datetime(2026, 12, 2, 23, 0, tzinfo=BERLIN))

    lead = await new_lead(services, store)

    assert lead.owner_id == early.id
