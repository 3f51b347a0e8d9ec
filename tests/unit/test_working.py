"""Tests for working a lead: attempts, qualification, stages, closing, reminders, notes."""

import dataclasses
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from core.calendar import BusinessCalendar, WeeklySchedule
from core.clock import FixedClock
from core.errors import (
    InvalidAnswer,
    NothingAwaited,
    NotLeadOwner,
    NotOnTeam,
    StaleAction,
)
from core.events import EventKind
from core.leads import LOST, QUALIFIED, WON, Channel, Inquiry, Lead, LossReason, Temperature
from core.notices import Shown, Template
from core.prompts import Awaiting
from core.rules import Rules
from core.services import Action, Services, Tap
from core.team import Member
from core.timers import TimerKind
from tests.unit.conftest import NOW, Team
from tests.unit.fakes import FakeStore

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
RETRY = TimerKind.ATTEMPT_RETRY
REMINDER = TimerKind.REMINDER
CARD = 500
TOMORROW_9 = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


async def new_lead(services: Services, store: FakeStore, **fields: object) -> Lead:
    """Capture Olga's inquiry and return the lead as committed."""
    values: dict[str, object] = {"channel": Channel.API, "name": "Olga", "phone": "+79161234567"}
    captured = await services.capture(Inquiry(**{**values, **fields}))  # type: ignore[arg-type]
    return store.lead(captured.lead_id)


async def tap(
    services: Services,
    store: FakeStore,
    member: Member,
    lead_id: int,
    action: Action,
    argument: str = "",
) -> str:
    """Press a button on a card drawn for the lead as it is now; return the toast."""
    lead = store.lead(lead_id)
    done = await services.tap(
        Tap(member.telegram_id, lead_id, action, lead.version, member.chat_id, CARD, argument)
    )
    return done.summary


async def write(services: Services, member: Member, text: str, reply_to: int | None = None) -> str:
    """Send the bot a text message as a member; return its one-line answer."""
    done = await services.member_wrote(member.telegram_id, member.chat_id, text, reply_to)
    return done.summary


def kinds(store: FakeStore, lead_id: int) -> list[EventKind]:
    return store.kinds_of(lead_id)


def pending(store: FakeStore, lead_id: int, kind: TimerKind) -> list[datetime]:
    return [due for k, due in store.pending_timers(lead_id) if k is kind]


async def reached(services: Services, store: FakeStore, team: Team) -> Lead:
    lead = await new_lead(services, store)
    await tap(services, store, team.anna, lead.id, Action.REACHED)
    return store.lead(lead.id)


# -- contact attempts ----------------------------------------------------------------------


async def test_no_answer_arms_the_next_attempt_in_fifteen_minutes(
    services: Services, store: FakeStore, team: Team
) -> None:
    lead = await new_lead(services, store)

    toast = await tap(services, store, team.anna, lead.id, Action.NO_ANSWER)

    assert toast == "No answer: next attempt Wed 02.12 10:15."
    assert store.lead(lead.id).retry_at == NOW + 15 * MINUTE
    assert pending(store, lead.id, RETRY) == [NOW + 15 * MINUTE]
    assert store.events_of(lead.id)[-1].data == {
        "outcome": "no_answer",
        "attempt": 1,
        "retry_at": (NOW + 15 * MINUTE).isoformat(),
    }


async def test_cadence_goes_fifteen_minutes_two_hours_next_morning_then_the_round_is_over(
    services: Services, store: FakeStore, team: Team, clock: FixedClock
) -> None:
    lead = await new_lead(services, store)
    retries = []
    for outcome in (Action.NO_ANSWER, Action.BUSY, Action.NO_ANSWER):
        await tap(services, store, team.anna, lead.id, outcome)
        retries.append(store.lead(lead.id).retry_at)
        clock.advance(MINUTE)

    toast = await tap(services, store, team.anna, lead.id, Action.NO_ANSWER)

    assert retries == [NOW + 15 * MINUTE, NOW + MINUTE + 2 * HOUR, TOMORROW_9]
    assert toast == "No answer: try one more round, or close it as could not reach."
    final = store.lead(lead.id)
    assert (final.attempts, final.unanswered, final.retry_at) == (4, 4, None)
    assert final.round_is_over
    assert pending(store, lead.id, RETRY) == []


async def test_next_business_morning_respects_business_hours(
    store: FakeStore, team: Team, clock: FixedClock
) -> None:
    hours = WeeklySchedule.parse("mon-fri 10:00-18:00")
    rules = Rules(calendar=BusinessCalendar(ZoneInfo("Europe/Berlin"), hours))
    services = Services(store.uow, clock, rules)
    clock.set(datetime(2026, 12, 4, 16, 0, tzinfo=UTC))  # Friday 17:00 in Berlin
    lead = await new_lead(services, store)
    await tap(services, store, team.anna, lead.id, Action.NO_ANSWER)
    await tap(services, store, team.anna, lead.id, Action.NO_ANSWER)

    await tap(services, store, team.anna, lead.id, Action.NO_ANSWER)

    retry = store.lead(lead.id).retry_at
    assert retry is not None
    assert retry.astimezone(ZoneInfo("Europe/Berlin")) == datetime(
        2026, 12, 7, 10, 0, tzinfo=ZoneInfo("Europe/Berlin")
    )


async def test_two_hours_are_counted_in_business_time(
    store: FakeStore, team: Team, clock: FixedClock
) -> None:
    hours = WeeklySchedule.parse("mon-fri 10:00-18:00")
    rules = Rules(calendar=BusinessCalendar(ZoneInfo("UTC"), hours))
    services = Services(store.uow, clock, rules)
    clock.set(datetime(2026, 12, 2, 17, 0, tzinfo=UTC))
    lead = await new_lead(services, store)
    await tap(services, store, team.anna, lead.id, Action.NO_ANSWER)

    await tap(services, store, team.anna, lead.id, Action.NO_ANSWER)

    assert store.lead(lead.id).retry_at == datetime(2026, 12, 3, 11, 0, tzinfo=UTC)


async def test_wrong_number_ends_the_round_at_once(
    services: Services, store: FakeStore, team: Team
) -> None:
    lead = await new_lead(services, store)

    toast = await tap(services, store, team.anna, lead.id, Action.WRONG_NUMBER)

    assert toast == "Wrong number: try one more round, or close it as could not reach."
    assert store.lead(lead.id).round_is_over
    assert pending(store, lead.id, RETRY) == []


async def test_one_more_round_arms_the_first_wait_again(
    services: Services, store: FakeStore, team: Team, clock: FixedClock
) -> None:
    lead = await new_lead(services, store)
    await tap(services, store, team.anna, lead.id, Action.WRONG_NUMBER)
    clock.advance(HOUR)

    toast = await tap(services, store, team.anna, lead.id, Action.ONE_MORE_ROUND)

    after = store.lead(lead.id)
    assert toast == "One more round: next attempt Wed 02.12 11:15."
    assert (after.unanswered, after.retry_at) == (0, NOW + HOUR + 15 * MINUTE)
    assert pending(store, lead.id, RETRY) == [NOW + HOUR + 15 * MINUTE]
    assert kinds(store, lead.id)[-1] is EventKind.ROUND_RESTARTED


async def test_one_more_round_is_refused_while_attempts_remain(
    services: Services, store: FakeStore, team: Team
) -> None:
    lead = await new_lead(services, store)
    await tap(services, store, team.anna, lead.id, Action.NO_ANSWER)

    with pytest.raises(StaleAction, match="not used up"):
        await tap(services, store, team.anna, lead.id, Action.ONE_MORE_ROUND)


async def test_giving_up_after_the_round_closes_the_lead_as_could_not_reach(
    services: Services, store: FakeStore, team: Team
) -> None:
    lead = await new_lead(services, store)
    await tap(services, store, team.anna, lead.id, Action.WRONG_NUMBER)

    await tap(services, store, team.anna, lead.id, Action.LOSS_REASON, "unreachable")

    closed = store.lead(lead.id)
    assert (closed.stage, closed.loss_reason) == (LOST, LossReason.UNREACHABLE)
    assert store.pending_timers(lead.id) == []


async def test_reached_ends_the_cadence(services: Services, store: FakeStore, team: Team) -> None:
    lead = await new_lead(services, store)
    await tap(services, store, team.anna, lead.id, Action.NO_ANSWER)

    await tap(services, store, team.anna, lead.id, Action.REACHED)

    after = store.lead(lead.id)
    assert (after.unanswered, after.retry_at, after.stage) == (0, None, "contacted")
    assert store.pending_timers(lead.id) == []


async def test_due_retry_brings_the_card_back_to_the_owner_once(
    services: Services, store: FakeStore, team: Team, clock: FixedClock
) -> None:
    lead = await new_lead(services, store)
    await tap(services, store, team.anna, lead.id, Action.NO_ANSWER)
    version = store.lead(lead.id).version
    clock.advance(15 * MINUTE)

    fired = await services.fire_due_timers()
    fired_again = await services.fire_due_timers()

    assert (fired, fired_again) == (1, 0)
    last = store.notices[-1]
    assert (last.chat_id, last.template, last.lead_id, last.data) == (
        team.anna.chat_id,
        Template.ATTEMPT_DUE,
        lead.id,
        {"attempt": 2},
    )
    due = store.events_of(lead.id)[-1]
    assert (due.kind, due.at, due.data) == (EventKind.RETRY_DUE, NOW + 15 * MINUTE, {"attempt": 2})
    assert store.lead(lead.id).version == version


async def test_retry_that_was_replaced_does_nothing_when_it_fires(
    services: Services, store: FakeStore, team: Team, clock: FixedClock
) -> None:
    lead = await new_lead(services, store)
    await tap(services, store, team.anna, lead.id, Action.NO_ANSWER)
    clock.advance(5 * MINUTE)
    await tap(services, store, team.anna, lead.id, Action.REACHED)
    said = len(store.notices)
    clock.advance(HOUR)

    assert await services.fire_due_timers() == 0
    assert len(store.notices) == said


# -- qualification -------------------------------------------------------------------------


async def test_qualification_questions_tick_and_clear(
    services: Services, store: FakeStore, team: Team
) -> None:
    lead = await reached(services, store, team)

    ticked = await tap(services, store, team.anna, lead.id, Action.CRITERION, "budget")
    await tap(services, store, team.anna, lead.id, Action.CRITERION, "need")
    cleared = await tap(services, store, team.anna, lead.id, Action.CRITERION, "budget")

    assert (ticked, cleared) == ("Budget: yes.", "Budget: cleared.")
    assert store.lead(lead.id).criteria == {"need"}
    assert [e.data for e in store.events_of(lead.id)[-3:]] == [
        {"criterion": "budget", "ticked": True},
        {"criterion": "need", "ticked": True},
        {"criterion": "budget", "ticked": False},
    ]


async def test_unknown_qualification_question_is_refused(
    services: Services, store: FakeStore, team: Team
) -> None:
    lead = await reached(services, store, team)

    with pytest.raises(InvalidAnswer):
        await tap(services, store, team.anna, lead.id, Action.CRITERION, "mood")


async def test_warm_asks_for_a_next_step_and_changes_nothing_yet(
    services: Services, store: FakeStore, team: Team
) -> None:
    lead = await reached(services, store, team)

    toast = await tap(services, store, team.anna, lead.id, Action.WARM)

    assert toast.startswith("Pick a date on the card or type one")
    assert store.lead(lead.id) == lead
    prompt = store.prompts[team.anna.chat_id]
    assert (prompt.lead_id, prompt.awaiting, prompt.data) == (
        lead.id,
        Awaiting.NEXT_STEP,
        {"rate": "warm"},
    )
    assert store.notices[-1].data == {"view": "warm"}


async def test_warm_with_a_preset_date_enters_nurturing(
    services: Services, store: FakeStore, team: Team
) -> None:
    lead = await reached(services, store, team)

    toast = await tap(services, store, team.anna, lead.id, Action.WARM, "nw")

    warm = store.lead(lead.id)
    next_monday = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    assert toast == "Marked warm; next step Mon 07.12 09:00."
    assert (warm.temperature, warm.stage, warm.remind_at) == (
        Temperature.WARM,
        QUALIFIED,
        next_monday,
    )
    assert pending(store, lead.id, REMINDER) == [next_monday]
    assert kinds(store, lead.id)[-2:] == [EventKind.QUALIFIED, EventKind.REMINDER_SET]


async def test_warm_with_a_typed_step_reads_the_date_and_the_step(
    services: Services, store: FakeStore, team: Team
) -> None:
    lead = await reached(services, store, team)
    await tap(services, store, team.anna, lead.id, Action.WARM)

    answer = await write(services, team.anna, "tomorrow 10:00 send the offer")

    warm = store.lead(lead.id)
    assert answer == "Next step Thu 03.12 10:00: send the offer."
    assert (warm.temperature, warm.next_step) == (Temperature.WARM, "send the offer")
    assert warm.remind_at == datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
    assert store.prompts == {}


async def test_cold_offers_reasons_and_parking_and_changes_nothing(
    services: Services, store: FakeStore, team: Team
) -> None:
    lead = await reached(services, store, team)

    toast = await tap(services, store, team.anna, lead.id, Action.COLD)

    assert toast == "Cold: close it with a reason, or park it with a date."
    assert store.lead(lead.id) == lead
    assert store.notices[-1].data == {"view": "cold"}


async def test_cold_with_a_reason_closes_the_lead_rated_cold(
    services: Services, store: FakeStore, team: Team
) -> None:
    lead = await reached(services, store, team)

    await tap(services, store, team.anna, lead.id, Action.COLD, "not_our_profile")

    cold = store.lead(lead.id)
    assert (cold.temperature, cold.stage, cold.loss_reason) == (
        Temperature.COLD,
        LOST,
        LossReason.NOT_OUR_PROFILE,
    )
    assert kinds(store, lead.id)[-2:] == [EventKind.QUALIFIED, EventKind.LOST]


async def test_parked_cold_lead_has_a_date_to_look_again(
    services: Services, store: FakeStore, team: Team
) -> None:
    lead = await reached(services, store, team)

    toast = await tap(services, store, team.anna, lead.id, Action.PARK, "3mo")

    parked = store.lead(lead.id)
    in_three_months = datetime(2027, 3, 2, 10, 0, tzinfo=UTC)
    assert toast == "Parked until Tue 02.03 10:00."
    assert (parked.temperature, parked.remind_at, parked.next_step, parked.is_open) == (
        Temperature.COLD,
        in_three_months,
        "Look again",
        True,
    )


async def test_cold_other_reason_asks_for_words_then_closes_with_them(
    services: Services, store: FakeStore, team: Team
) -> None:
    lead = await reached(services, store, team)
    await tap(services, store, team.anna, lead.id, Action.COLD, "other")

    answer = await write(services, team.anna, "Moved abroad")

    closed = store.lead(lead.id)
    assert answer == "Lost: other: Moved abroad"
    assert (closed.temperature, closed.loss_reason, closed.loss_note) == (
        Temperature.COLD,
        LossReason.OTHER,
        "Moved abroad",
    )


# -- the pipeline --------------------------------------------------------------------------


async def test_forward_and_back_move_the_lead_and_record_the_norm(
    services: Services, store: FakeStore, team: Team, clock: FixedClock
) -> None:
    lead = await reached(services, store, team)
    await tap(services, store, team.anna, lead.id, Action.HOT)
    clock.advance(HOUR)

    forward = await tap(services, store, team.anna, lead.id, Action.FORWARD)
    back = await tap(services, store, team.anna, lead.id, Action.BACKWARD)

    assert (forward, back) == ("Moved to meeting (norm: 7 d).", "Moved to qualified (norm: 7 d).")
    assert [e.data for e in store.events_of(lead.id)[-2:]] == [
        {"stage": "meeting", "previous": "qualified", "direction": "forward", "norm_days": 7},
        {"stage": "qualified", "previous": "meeting", "direction": "back", "norm_days": 7},
    ]
    assert store.lead(lead.id).stage_changed_at == NOW + HOUR


async def test_lead_never_goes_back_to_new_nor_past_the_last_stage(
    services: Services, store: FakeStore, team: Team
) -> None:
    lead = await reached(services, store, team)
    with pytest.raises(StaleAction, match="further back"):
        await tap(services, store, team.anna, lead.id, Action.BACKWARD)
    for _ in range(3):
        await tap(services, store, team.anna, lead.id, Action.FORWARD)

    with pytest.raises(StaleAction, match="last stage"):
        await tap(services, store, team.anna, lead.id, Action.FORWARD)

    assert store.lead(lead.id).stage == "proposal"


async def test_won_asks_for_the_amount_and_closes_with_it(
    services: Services, store: FakeStore, team: Team, clock: FixedClock
) -> None:
    lead = await reached(services, store, team)
    await tap(services, store, team.anna, lead.id, Action.REMIND_AT, "tm")
    asked = await tap(services, store, team.anna, lead.id, Action.WON)
    clock.advance(MINUTE)

    answer = await write(services, team.anna, "150 000")

    won = store.lead(lead.id)
    assert asked == "Send the amount of the deal in a message, e.g. 150000."
    assert answer == "Won: 150 000. Well done!"
    assert (won.stage, won.won_amount, won.closed_at) == (WON, Decimal(150000), NOW + MINUTE)
    assert (won.remind_at, won.next_step) == (None, None)
    assert store.pending_timers(lead.id) == []
    assert store.events_of(lead.id)[-1].data == {"amount": "150000", "previous": "contacted"}


async def test_an_amount_that_is_not_a_number_is_asked_for_again(
    services: Services, store: FakeStore, team: Team
) -> None:
    lead = await reached(services, store, team)
    await tap(services, store, team.anna, lead.id, Action.WON)

    with pytest.raises(InvalidAnswer, match="as a number"):
        await write(services, team.anna, "a lot")

    assert store.lead(lead.id).is_open
    assert store.prompts[team.anna.chat_id].awaiting is Awaiting.AMOUNT
    assert await write(services, team.anna, "2 500,50") == "Won: 2 500.50. Well done!"


async def test_lost_for_another_reason_needs_it_in_words(
    services: Services, store: FakeStore, team: Team
) -> None:
    lead = await new_lead(services, store)
    await tap(services, store, team.anna, lead.id, Action.LOSS_REASON, "other")

    answer = await write(services, team.anna, "Bought from a friend")

    closed = store.lead(lead.id)
    assert answer == "Lost: other: Bought from a friend"
    assert (closed.loss_reason, closed.loss_note) == (LossReason.OTHER, "Bought from a friend")


async def test_any_other_tap_drops_the_question(
    services: Services, store: FakeStore, team: Team
) -> None:
    lead = await reached(services, store, team)
    await tap(services, store, team.anna, lead.id, Action.WON)

    await tap(services, store, team.anna, lead.id, Action.BACK)

    assert store.prompts == {}
    with pytest.raises(NothingAwaited):
        await write(services, team.anna, "150000")
    assert store.lead(lead.id).is_open


async def test_a_question_lapses_after_an_hour(
    services: Services, store: FakeStore, team: Team, clock: FixedClock
) -> None:
    lead = await reached(services, store, team)
    await tap(services, store, team.anna, lead.id, Action.WON)
    clock.advance(HOUR)

    with pytest.raises(NothingAwaited):
        await write(services, team.anna, "150000")

    assert store.lead(lead.id).is_open


async def test_answer_for_a_lead_taken_away_meanwhile_is_refused_and_the_question_dropped(
    services: Services, store: FakeStore, team: Team
) -> None:
    lead = await reached(services, store, team)
    await tap(services, store, team.anna, lead.id, Action.WON)
    await tap(services, store, team.maria, lead.id, Action.ASSIGN, str(team.boris.id))

    with pytest.raises(NotLeadOwner):
        await write(services, team.anna, "150000")

    assert store.lead(lead.id).is_open
    assert store.prompts == {}


async def test_answer_for_a_lead_closed_meanwhile_is_refused(
    services: Services, store: FakeStore, team: Team
) -> None:
    lead = await reached(services, store, team)
    await tap(services, store, team.anna, lead.id, Action.WON)
    await tap(services, store, team.maria, lead.id, Action.LOSS_REASON, "spam")

    with pytest.raises(StaleAction, match="already closed as lost"):
        await write(services, team.anna, "150000")

    assert store.lead(lead.id).won_amount is None


# -- reminders -----------------------------------------------------------------------------


async def test_remind_presets_are_read_in_the_teams_time_zone(
    store: FakeStore, team: Team, clock: FixedClock
) -> None:
    moscow = ZoneInfo("Europe/Moscow")
    rules = Rules(calendar=BusinessCalendar(moscow, WeeklySchedule.always()))
    services = Services(store.uow, clock, rules)
    lead = await new_lead(services, store)

    toast = await tap(services, store, team.anna, lead.id, Action.REMIND_AT, "tm")

    assert toast == "Reminder set for Thu 03.12 09:00."
    assert store.lead(lead.id).remind_at == datetime(2026, 12, 3, 9, 0, tzinfo=moscow)


@pytest.mark.parametrize(
    ("typed", "due", "step"),
    [
        ("tomorrow 10:00", datetime(2026, 12, 3, 7, 0, tzinfo=UTC), "Follow up"),
        ("завтра в 10 позвонить", datetime(2026, 12, 3, 7, 0, tzinfo=UTC), "позвонить"),
        ("in 2 days", datetime(2026, 12, 4, 10, 0, tzinfo=UTC), "Follow up"),
        (
            "15.01 14:30 send the contract",
            datetime(2027, 1, 15, 11, 30, tzinfo=UTC),
            "send the contract",
        ),
        ("call about the offer in 3 hours", NOW + 3 * HOUR, "call about the offer"),
    ],
)
async def test_reminder_in_plain_words_is_read_in_the_teams_time_zone(
    store: FakeStore, team: Team, clock: FixedClock, typed: str, due: datetime, step: str
) -> None:
    moscow = ZoneInfo("Europe/Moscow")
    services = Services(
        store.uow, clock, Rules(calendar=BusinessCalendar(moscow, WeeklySchedule.always()))
    )
    lead = await new_lead(services, store)
    await tap(services, store, team.anna, lead.id, Action.REMIND)

    await write(services, team.anna, typed)

    planned = store.lead(lead.id)
    assert (planned.remind_at, planned.next_step) == (due, step)
    assert pending(store, lead.id, REMINDER) == [due]


async def test_a_date_that_cannot_be_read_keeps_the_question_open(
    services: Services, store: FakeStore, team: Team
) -> None:
    lead = await new_lead(services, store)
    await tap(services, store, team.anna, lead.id, Action.REMIND)

    with pytest.raises(InvalidAnswer, match="Could not read a date"):
        await write(services, team.anna, "whenever")
    with pytest.raises(InvalidAnswer, match="already passed"):
        await write(services, team.anna, "today 9:00")

    assert store.prompts[team.anna.chat_id].awaiting is Awaiting.REMINDER


async def test_reminder_fires_once_with_the_card_then_snooze_and_done(
    services: Services, store: FakeStore, team: Team, clock: FixedClock
) -> None:
    lead = await reached(services, store, team)
    await tap(services, store, team.anna, lead.id, Action.REMIND_AT, "1h")
    clock.advance(HOUR)

    fired = await services.fire_due_timers()
    snoozed = await tap(services, store, team.anna, lead.id, Action.SNOOZE, "3h")
    clock.advance(3 * HOUR)
    fired_after_snooze = await services.fire_due_timers()
    done = await tap(services, store, team.anna, lead.id, Action.DONE)

    assert (fired, fired_after_snooze) == (1, 1)
    reminders = [n for n in store.notices if n.template is Template.REMINDER]
    assert [(n.chat_id, n.lead_id) for n in reminders] == [(team.anna.chat_id, lead.id)] * 2
    assert (snoozed, done) == ("Snoozed until Wed 02.12 14:00.", "Done.")
    final = store.lead(lead.id)
    assert (final.remind_at, final.next_step) == (None, None)
    assert pending(store, lead.id, REMINDER) == []
    assert kinds(store, lead.id)[-5:] == [
        EventKind.REMINDER_SET,
        EventKind.REMINDER_DUE,
        EventKind.REMINDER_SNOOZED,
        EventKind.REMINDER_DUE,
        EventKind.REMINDER_DONE,
    ]


async def test_a_new_reminder_replaces_the_old_one(
    services: Services, store: FakeStore, team: Team, clock: FixedClock
) -> None:
    lead = await new_lead(services, store)
    await tap(services, store, team.anna, lead.id, Action.REMIND_AT, "1h")
    await tap(services, store, team.anna, lead.id, Action.REMIND_AT, "3h")
    clock.advance(HOUR)

    await services.fire_due_timers()

    assert [n for n in store.notices if n.template is Template.REMINDER] == []
    assert pending(store, lead.id, REMINDER) == [NOW + 3 * HOUR]


async def test_done_on_a_warm_lead_asks_for_its_next_step(
    services: Services, store: FakeStore, team: Team, clock: FixedClock
) -> None:
    lead = await reached(services, store, team)
    await tap(services, store, team.anna, lead.id, Action.WARM, "tm")
    clock.set(TOMORROW_9)
    await services.fire_due_timers()

    asked = await tap(services, store, team.anna, lead.id, Action.DONE)
    still = store.lead(lead.id)
    answer = await write(services, team.anna, "in 2 weeks call back")

    assert asked.startswith("Pick a date on the card or type one")
    assert still.remind_at == TOMORROW_9
    assert answer == "Next step Thu 17.12 09:00: call back."
    assert kinds(store, lead.id)[-2:] == [EventKind.REMINDER_DONE, EventKind.REMINDER_SET]
    assert store.lead(lead.id).temperature is Temperature.WARM


async def test_snooze_and_done_are_refused_without_a_reminder(
    services: Services, store: FakeStore, team: Team
) -> None:
    lead = await new_lead(services, store)

    with pytest.raises(StaleAction, match="no reminder"):
        await tap(services, store, team.anna, lead.id, Action.SNOOZE, "1h")
    with pytest.raises(StaleAction, match="no planned step"):
        await tap(services, store, team.anna, lead.id, Action.DONE)


# -- notes and the prospect ----------------------------------------------------------------


async def test_reply_to_a_card_adds_a_note_without_touching_the_cards(
    services: Services, store: FakeStore, team: Team
) -> None:
    lead = await new_lead(services, store)
    store.add_card(lead.id, team.anna.chat_id, CARD)
    said = len(store.notices)

    answer = await write(services, team.anna, "Prefers calls after 6 pm", reply_to=CARD)

    assert answer == f"Note added to lead #{lead.id}."
    note = store.events_of(lead.id)[-1]
    assert (note.kind, note.actor_id, note.data) == (
        EventKind.NOTE_ADDED,
        team.anna.id,
        {"text": "Prefers calls after 6 pm"},
    )
    assert store.lead(lead.id).version == lead.version
    assert len(store.notices) == said


async def test_reply_to_a_card_that_waits_for_an_answer_is_the_answer(
    services: Services, store: FakeStore, team: Team
) -> None:
    lead = await reached(services, store, team)
    store.add_card(lead.id, team.anna.chat_id, CARD)
    await tap(services, store, team.anna, lead.id, Action.WON)

    await write(services, team.anna, "9000", reply_to=CARD)

    assert store.lead(lead.id).won_amount == Decimal(9000)


async def test_another_reps_note_is_refused(
    services: Services, store: FakeStore, team: Team
) -> None:
    lead = await new_lead(services, store)
    store.add_card(lead.id, team.boris.chat_id, CARD)

    with pytest.raises(NotLeadOwner):
        await write(services, team.boris, "mine now", reply_to=CARD)

    assert store.kinds_of(lead.id)[-1] is EventKind.ASSIGNED


async def test_reply_to_a_prospects_message_goes_back_signed_with_the_first_name(
    services: Services, store: FakeStore, team: Team
) -> None:
    lead = await new_lead(
        services, store, channel=Channel.TELEGRAM, phone=None, telegram_chat_id=4242
    )
    anna = dataclasses.replace(team.anna, name="Anna Petrova")
    store.save_member(anna)
    store.add_card(lead.id, anna.chat_id, 77, Shown.MESSAGE)

    answer = await write(services, anna, "Hello! Tomorrow at 10 works.", reply_to=77)

    assert answer == "Sent to Olga."
    assert store.notices[-1].chat_id == 4242
    assert store.notices[-1].data == {"text": "Hello! Tomorrow at 10 works.\n\n— Anna"}
    assert store.events_of(lead.id)[-1].kind is EventKind.PROSPECT_ANSWERED


async def test_write_button_then_text_goes_to_the_prospect(
    services: Services, store: FakeStore, team: Team
) -> None:
    lead = await new_lead(
        services, store, channel=Channel.TELEGRAM, phone=None, telegram_chat_id=4242
    )
    await tap(services, store, team.anna, lead.id, Action.WRITE)

    await write(services, team.anna, "Hi Olga, this is Anna.")

    assert (store.notices[-1].chat_id, store.notices[-1].template) == (4242, Template.TEXT)


async def test_write_is_refused_for_a_lead_without_a_telegram_chat(
    services: Services, store: FakeStore, team: Team
) -> None:
    lead = await new_lead(services, store)

    with pytest.raises(StaleAction, match="did not write from Telegram"):
        await tap(services, store, team.anna, lead.id, Action.WRITE)


async def test_text_nobody_asked_for_is_answered_with_what_text_is_for(
    services: Services, team: Team
) -> None:
    with pytest.raises(NothingAwaited, match="reply to the lead's card"):
        await write(services, team.anna, "hello?")


async def test_strangers_text_is_not_a_members_answer(services: Services, team: Team) -> None:
    with pytest.raises(NotOnTeam):
        await services.member_wrote(666, 666, "hello", None)


# -- looking at leads ----------------------------------------------------------------------


async def test_lead_with_timeline_goes_to_its_owner_or_a_manager_only(
    services: Services, store: FakeStore, team: Team
) -> None:
    lead = await new_lead(services, store)

    await services.show_lead(team.anna.telegram_id, team.anna.chat_id, lead.id)
    await services.show_lead(team.maria.telegram_id, team.maria.chat_id, lead.id)
    with pytest.raises(NotLeadOwner):
        await services.show_lead(team.boris.telegram_id, team.boris.chat_id, lead.id)
    with pytest.raises(NotOnTeam):
        await services.show_lead(666, 666, lead.id)

    timelines = [n for n in store.notices if n.template is Template.TIMELINE]
    assert [n.chat_id for n in timelines] == [team.anna.chat_id, team.maria.chat_id]


async def test_queue_is_queued_for_the_member_and_paged_by_editing(
    services: Services, store: FakeStore, team: Team
) -> None:
    await services.show_queue(team.anna.telegram_id, team.anna.chat_id)
    await services.show_queue(team.anna.telegram_id, team.anna.chat_id, 2, message_id=31)

    queues = [n for n in store.notices if n.template is Template.QUEUE]
    assert [(n.data, n.edit_message_id) for n in queues] == [
        ({"member_id": team.anna.id, "page": 0}, None),
        ({"member_id": team.anna.id, "page": 2}, 31),
    ]
    with pytest.raises(NotOnTeam):
        await services.show_queue(666, 666)


async def test_reminder_typed_the_day_before_clocks_go_forward_keeps_its_wall_clock_time(
    store: FakeStore, team: Team, clock: FixedClock
) -> None:
    berlin = ZoneInfo("Europe/Berlin")
    services = Services(
        store.uow, clock, Rules(calendar=BusinessCalendar(berlin, WeeklySchedule.always()))
    )
    clock.set(datetime(2026, 3, 28, 11, 0, tzinfo=UTC))  # Saturday 12:00 CET
    lead = await new_lead(services, store)
    await tap(services, store, team.anna, lead.id, Action.REMIND)

    answer = await write(services, team.anna, "tomorrow 10:00")

    due = store.lead(lead.id).remind_at
    assert answer == "Reminder set for Sun 29.03 10:00: Follow up."
    assert due == datetime(2026, 3, 29, 8, 0, tzinfo=UTC)  # 10:00 CEST, UTC+2


async def test_reply_to_a_prospects_message_goes_to_them_even_while_a_question_waits(
    services: Services, store: FakeStore, team: Team
) -> None:
    lead = await new_lead(
        services, store, channel=Channel.TELEGRAM, phone=None, telegram_chat_id=4242
    )
    store.add_card(lead.id, team.anna.chat_id, 77, Shown.MESSAGE)
    await tap(services, store, team.anna, lead.id, Action.REACHED)
    await tap(services, store, team.anna, lead.id, Action.WON)

    answer = await write(services, team.anna, "1500 seats is fine", reply_to=77)

    assert answer == "Sent to Olga."
    assert store.lead(lead.id).is_open
    assert store.prompts[team.anna.chat_id].awaiting is Awaiting.AMOUNT
