"""Tests for core.services: each use case on the in-memory store, asserting what it commits."""

import dataclasses
from datetime import timedelta

import pytest

from core.clock import FixedClock
from core.errors import (
    ConcurrentUpdate,
    InvalidInquiry,
    InviteNotFound,
    LeadNotFound,
    NotAManager,
    NotLeadOwner,
    NotOnTeam,
    StaleAction,
)
from core.events import Event, EventKind
from core.leads import (
    CONTACTED,
    LOST,
    NEW,
    QUALIFIED,
    Channel,
    Inquiry,
    Lead,
    LossReason,
    Temperature,
)
from core.notices import Notice, Template
from core.rules import Rules
from core.services import Action, Captured, Outcome, Services, Tap
from core.team import Member, Role
from core.timers import Timer, TimerKind
from tests.unit.conftest import NOW, Hire, Team
from tests.unit.fakes import CANCELLED, FIRED, FakeStore

MINUTE = timedelta(minutes=1)
NUDGE = TimerKind.FIRST_RESPONSE_NUDGE
BREACH = TimerKind.FIRST_RESPONSE_BREACH
PHONE = "+79161234567"
CARD_MESSAGE = 500


def inquiry(**fields: object) -> Inquiry:
    """Make an inquiry from Olga by phone, with any field changed."""
    values: dict[str, object] = {
        "channel": Channel.API,
        "name": "Olga",
        "phone": PHONE,
        "message": "Need a quote",
    }
    return Inquiry(**{**values, **fields})  # type: ignore[arg-type]


async def new_lead(services: Services, store: FakeStore, **fields: object) -> Lead:
    """Capture an inquiry and return the lead as committed."""
    captured = await services.capture(inquiry(**fields))
    return store.lead(captured.lead_id)


def press(
    member: Member, card: Lead, action: Action, argument: str = "", message_id: int = CARD_MESSAGE
) -> Tap:
    """Make a tap by a member on a card drawn for the lead as it is in `card`."""
    return Tap(
        member.telegram_id, card.id, action, card.version, member.chat_id, message_id, argument
    )


def history(store: FakeStore, lead_id: int) -> list[Event]:
    """List a lead's committed events without their ids, so they compare by content."""
    return [dataclasses.replace(event, id=None) for event in store.events_of(lead_id)]


def notices(store: FakeStore) -> list[Notice]:
    """List the committed outbox without ids, so notices compare by content."""
    return [dataclasses.replace(notice, id=None) for notice in store.notices]


def statuses(store: FakeStore, lead_id: int) -> list[tuple[TimerKind, str]]:
    """List (kind, status) of a lead's timers, in the order armed."""
    return [(row.timer.kind, row.status) for row in store.timers_of(lead_id)]


# -- capture: a new lead -------------------------------------------------------------------


async def test_new_inquiry_becomes_a_lead_owned_by_the_first_rep(
    services: Services, store: FakeStore, team: Team
) -> None:
    captured = await services.capture(inquiry())

    assert captured == Captured(1, Outcome.CREATED, team.anna.id, after_hours=False)
    lead = store.lead(captured.lead_id)
    assert (lead.name, lead.phone, lead.message) == ("Olga", PHONE, "Need a quote")
    assert (lead.owner_id, lead.assigned_at, lead.stage) == (team.anna.id, NOW, NEW)
    assert (lead.attempts, lead.first_attempt_at, lead.version) == (0, None, 1)


async def test_new_lead_is_captured_then_assigned_with_the_routing_reason(
    services: Services, store: FakeStore, team: Team
) -> None:
    lead = await new_lead(services, store)

    assert history(store, lead.id) == [
        Event(
            lead.id,
            EventKind.CAPTURED,
            NOW,
            data={"channel": "api", "source_id": None, "after_hours": False},
        ),
        Event(
            lead.id,
            EventKind.ASSIGNED,
            NOW,
            data={
                "owner_id": team.anna.id,
                "previous": None,
                "reason": "round robin among 2 eligible",
            },
        ),
    ]


async def test_new_lead_alerts_its_owner_and_nobody_else(
    services: Services, store: FakeStore, team: Team
) -> None:
    lead = await new_lead(services, store)

    assert notices(store) == [Notice(team.anna.chat_id, Template.LEAD_ALERT, lead.id)]


async def test_new_lead_arms_a_nudge_at_ten_and_a_breach_at_fifteen_minutes(
    services: Services, store: FakeStore, team: Team
) -> None:
    lead = await new_lead(services, store)

    assert store.pending_timers(lead.id) == [
        (NUDGE, NOW + 10 * MINUTE),
        (BREACH, NOW + 15 * MINUTE),
    ]
    assert await services.next_timer_due() == NOW + 10 * MINUTE


async def test_lead_nobody_can_take_is_left_unassigned_and_every_manager_is_told(
    services: Services, store: FakeStore, hire: Hire
) -> None:
    maria, pavel = hire("Maria", Role.MANAGER), hire("Pavel", Role.MANAGER)

    captured = await services.capture(inquiry())

    assert (captured.outcome, captured.owner_id) == (Outcome.CREATED, None)
    assert store.lead(captured.lead_id).owner_id is None
    assert history(store, captured.lead_id)[1] == Event(
        captured.lead_id,
        EventKind.UNASSIGNED,
        NOW,
        data={"previous": None, "reason": "no rep is available"},
    )
    assert notices(store) == [
        Notice(maria.chat_id, Template.UNASSIGNED_ALERT, captured.lead_id),
        Notice(pavel.chat_id, Template.UNASSIGNED_ALERT, captured.lead_id),
    ]


async def test_inquiry_without_any_contact_is_refused_naming_the_phone_field(
    services: Services, store: FakeStore, team: Team
) -> None:
    with pytest.raises(InvalidInquiry) as refused:
        await services.capture(inquiry(phone=None, email=None))

    assert refused.value.field == "phone"
    assert store.leads == []
    assert store.notices == []


# -- capture: retries and repeats ----------------------------------------------------------


async def test_retried_request_with_the_same_idempotency_key_returns_the_first_lead(
    services: Services, store: FakeStore, team: Team
) -> None:
    source, _token = await services.add_source("Landing")
    first = await services.capture(inquiry(source_id=source.id), idempotency_key="req-1")

    again = await services.capture(
        inquiry(source_id=source.id, phone="+79990000000"), idempotency_key="req-1"
    )

    assert again == Captured(first.lead_id, Outcome.DUPLICATE, team.anna.id)
    assert len(store.leads) == 1
    assert len(store.events_of(first.lead_id)) == 2
    assert len(store.notices) == 1


async def test_inquiry_a_source_sent_before_under_its_own_id_is_a_duplicate(
    services: Services, store: FakeStore, team: Team
) -> None:
    source, _token = await services.add_source("Ads")
    first = await services.capture(inquiry(source_id=source.id, external_id="fb-77"))

    again = await services.capture(
        inquiry(source_id=source.id, external_id="fb-77", phone="+79990000000")
    )

    assert again == Captured(first.lead_id, Outcome.DUPLICATE, team.anna.id)
    assert len(store.leads) == 1


async def test_repeat_inquiry_from_the_same_phone_is_merged_and_its_owner_told(
    services: Services, store: FakeStore, team: Team, clock: FixedClock
) -> None:
    lead = await new_lead(services, store)
    clock.advance(5 * MINUTE)

    again = await services.capture(inquiry(channel=Channel.FORM, message="Call after 6 pm"))

    assert again == Captured(lead.id, Outcome.MERGED, team.anna.id)
    assert len(store.leads) == 1
    assert history(store, lead.id)[-1] == Event(
        lead.id,
        EventKind.INQUIRY_REPEATED,
        NOW + 5 * MINUTE,
        data={"message": "Call after 6 pm", "channel": "form", "source_id": None},
    )
    assert notices(store)[-1] == Notice(
        team.anna.chat_id, Template.INQUIRY_REPEATED, lead.id, {"message": "Call after 6 pm"}
    )


async def test_repeat_inquiry_from_the_same_email_is_merged_and_fills_in_the_phone(
    services: Services, store: FakeStore, team: Team
) -> None:
    lead = await new_lead(services, store, phone=None, email="olga@example.com")

    again = await services.capture(inquiry(email="olga@example.com"))

    assert (again.lead_id, again.outcome) == (lead.id, Outcome.MERGED)
    assert store.lead(lead.id).phone == PHONE
    assert store.kinds_of(lead.id)[-1] is EventKind.INQUIRY_REPEATED


async def test_repeat_inquiry_for_a_lead_with_no_owner_is_told_to_the_managers(
    services: Services, store: FakeStore, hire: Hire
) -> None:
    maria = hire("Maria", Role.MANAGER)
    lead = await new_lead(services, store)

    await services.capture(inquiry(message="Hello?"))

    assert notices(store)[-1] == Notice(
        maria.chat_id, Template.INQUIRY_REPEATED, lead.id, {"message": "Hello?"}
    )


async def test_repeat_inquiry_redraws_every_card_of_the_lead(
    services: Services, store: FakeStore, team: Team
) -> None:
    lead = await new_lead(services, store)
    store.add_card(lead.id, team.anna.chat_id, CARD_MESSAGE)

    await services.capture(inquiry(message="Still waiting"))

    redraw = Notice(team.anna.chat_id, Template.CARD, lead.id, {}, CARD_MESSAGE)
    assert redraw in notices(store)


async def test_second_message_from_the_same_telegram_chat_is_merged(
    services: Services, store: FakeStore, team: Team
) -> None:
    first = await services.capture(
        inquiry(channel=Channel.TELEGRAM, phone=None, telegram_chat_id=4242)
    )

    again = await services.capture(
        inquiry(channel=Channel.TELEGRAM, phone=None, telegram_chat_id=4242, message="Hello?")
    )

    assert (again.lead_id, again.outcome) == (first.lead_id, Outcome.MERGED)


# -- capture: distribution -----------------------------------------------------------------


async def test_round_robin_alternates_between_the_reps(services: Services, team: Team) -> None:
    owners = [
        (await services.capture(inquiry(phone=f"+7916000000{n}"))).owner_id for n in range(4)
    ]

    assert owners == [team.anna.id, team.boris.id, team.anna.id, team.boris.id]


async def test_round_robin_carries_on_where_it_stopped_after_a_restart(
    services: Services, store: FakeStore, clock: FixedClock, rules: Rules, team: Team
) -> None:
    await services.capture(inquiry(phone="+79160000001"))
    restarted = Services(store.uow, clock, rules)

    captured = await restarted.capture(inquiry(phone="+79160000002"))

    assert captured.owner_id == team.boris.id


async def test_returning_contact_goes_back_to_its_previous_owner(
    services: Services, store: FakeStore, team: Team, clock: FixedClock
) -> None:
    first = await new_lead(services, store)
    await services.tap(press(team.anna, first, Action.LOSS_REASON, LossReason.NO_BUDGET.value))
    clock.advance(timedelta(days=30))

    captured = await services.capture(inquiry(message="We have a budget now"))

    assert (captured.outcome, captured.owner_id) == (Outcome.CREATED, team.anna.id)
    assert history(store, captured.lead_id)[1].data["reason"] == (
        "returning contact, back to its previous owner"
    )


# -- taps: working a lead ------------------------------------------------------------------


async def test_reached_records_an_attempt_and_moves_the_lead_to_contacted(
    services: Services, store: FakeStore, team: Team, clock: FixedClock
) -> None:
    card = await new_lead(services, store)
    clock.advance(4 * MINUTE)

    done = await services.tap(press(team.anna, card, Action.REACHED))

    lead = store.lead(card.id)
    assert done.summary == "Reached: now rate the lead."
    assert (lead.stage, lead.attempts) == (CONTACTED, 1)
    assert lead.first_attempt_at == lead.first_contact_at == NOW + 4 * MINUTE
    assert history(store, card.id)[-1] == Event(
        card.id,
        EventKind.ATTEMPTED,
        NOW + 4 * MINUTE,
        actor_id=team.anna.id,
        data={"outcome": "reached", "attempt": 1},
    )


async def test_reached_cancels_the_first_response_timers(
    services: Services, store: FakeStore, team: Team
) -> None:
    card = await new_lead(services, store)

    await services.tap(press(team.anna, card, Action.REACHED))

    assert statuses(store, card.id) == [(NUDGE, CANCELLED), (BREACH, CANCELLED)]


async def test_tap_redraws_the_tapped_card_and_every_other_card_of_the_lead(
    services: Services, store: FakeStore, team: Team
) -> None:
    card = await new_lead(services, store)
    store.add_card(card.id, team.anna.chat_id, CARD_MESSAGE)
    store.add_card(card.id, team.maria.chat_id, 900)
    already_said = len(store.notices)

    await services.tap(press(team.anna, card, Action.REACHED))

    assert notices(store)[already_said:] == [
        Notice(team.anna.chat_id, Template.CARD, card.id, {"view": ""}, CARD_MESSAGE),
        Notice(team.maria.chat_id, Template.CARD, card.id, {}, 900),
    ]


async def test_hot_qualifies_the_lead(services: Services, store: FakeStore, team: Team) -> None:
    card = await new_lead(services, store)
    await services.tap(press(team.anna, card, Action.REACHED))

    done = await services.tap(press(team.anna, store.lead(card.id), Action.HOT))

    lead = store.lead(card.id)
    assert done.summary == "Marked hot."
    assert (lead.temperature, lead.stage) == (Temperature.HOT, QUALIFIED)
    assert history(store, card.id)[-1].data == {
        "temperature": "hot",
        "previous": None,
        "stage": QUALIFIED,
    }


async def test_lost_shows_the_loss_reasons_and_changes_nothing_yet(
    services: Services, store: FakeStore, team: Team
) -> None:
    card = await new_lead(services, store)

    done = await services.tap(press(team.anna, card, Action.LOSE))

    assert done.summary == "Pick a loss reason."
    assert store.lead(card.id) == card
    assert notices(store)[-1] == Notice(
        team.anna.chat_id, Template.CARD, card.id, {"view": "loss_reasons"}, CARD_MESSAGE
    )


async def test_loss_reason_closes_the_lead_as_lost(
    services: Services, store: FakeStore, team: Team, clock: FixedClock
) -> None:
    card = await new_lead(services, store)
    await services.tap(press(team.anna, card, Action.LOSE))
    clock.advance(3 * MINUTE)

    done = await services.tap(press(team.anna, card, Action.LOSS_REASON, "competitor"))

    lead = store.lead(card.id)
    assert done.summary == "Lost: chose a competitor."
    assert (lead.stage, lead.loss_reason, lead.closed_at) == (
        LOST,
        LossReason.COMPETITOR,
        NOW + 3 * MINUTE,
    )
    assert history(store, card.id)[-1] == Event(
        card.id,
        EventKind.LOST,
        NOW + 3 * MINUTE,
        actor_id=team.anna.id,
        data={"reason": "competitor", "note": "", "previous": NEW},
    )
    assert store.pending_timers(card.id) == []


async def test_second_tap_on_an_old_card_says_what_changed_and_by_whom(
    services: Services, store: FakeStore, team: Team, clock: FixedClock
) -> None:
    card = await new_lead(services, store)
    clock.advance(4 * MINUTE)
    await services.tap(press(team.anna, card, Action.REACHED))
    before = store.snapshot()

    with pytest.raises(StaleAction) as refused:
        await services.tap(press(team.anna, card, Action.HOT))

    assert str(refused.value) == "Already done by Anna at 10:04: reached. The card is redrawn."
    assert store.committed.leads == before.leads
    assert store.committed.events == before.events
    assert store.committed.timers == before.timers
    assert notices(store)[len(before.outbox) :] == [
        Notice(team.anna.chat_id, Template.CARD, card.id, {"view": ""}, CARD_MESSAGE)
    ]


async def test_another_reps_tap_is_refused_and_changes_nothing(
    services: Services, store: FakeStore, team: Team
) -> None:
    card = await new_lead(services, store)
    before = store.snapshot()

    with pytest.raises(NotLeadOwner):
        await services.tap(press(team.boris, card, Action.REACHED))

    assert store.snapshot() == before


async def test_strangers_tap_is_refused_and_changes_nothing(
    services: Services, store: FakeStore, team: Team
) -> None:
    card = await new_lead(services, store)
    stranger = Member(telegram_id=666, name="Stranger")
    before = store.snapshot()

    with pytest.raises(NotOnTeam):
        await services.tap(press(stranger, card, Action.REACHED))

    assert store.snapshot() == before


async def test_deactivated_rep_can_no_longer_act_on_their_lead(
    services: Services, store: FakeStore, team: Team
) -> None:
    card = await new_lead(services, store)
    store.save_member(dataclasses.replace(team.anna, active=False))

    with pytest.raises(NotOnTeam):
        await services.tap(press(team.anna, card, Action.REACHED))


async def test_tap_on_a_lead_that_does_not_exist_is_refused(
    services: Services, team: Team
) -> None:
    ghost = Lead(Channel.API, NOW, id=42)

    with pytest.raises(LeadNotFound, match="#42"):
        await services.tap(press(team.maria, ghost, Action.REACHED))


async def test_manager_may_act_on_any_lead(
    services: Services, store: FakeStore, team: Team
) -> None:
    card = await new_lead(services, store)

    await services.tap(press(team.maria, card, Action.NO_ANSWER))

    lead = store.lead(card.id)
    assert (lead.owner_id, lead.attempts, lead.stage) == (team.anna.id, 1, NEW)
    assert history(store, card.id)[-1].actor_id == team.maria.id


async def test_manager_assigns_a_lead_to_another_rep(
    services: Services, store: FakeStore, team: Team, clock: FixedClock
) -> None:
    card = await new_lead(services, store)
    already_said = len(store.notices)
    clock.advance(20 * MINUTE)

    done = await services.tap(press(team.maria, card, Action.ASSIGN, str(team.boris.id)))

    assert done.summary == "Assigned to Boris."
    assert store.lead(card.id).owner_id == team.boris.id
    assert history(store, card.id)[-1] == Event(
        card.id,
        EventKind.ASSIGNED,
        NOW + 20 * MINUTE,
        actor_id=team.maria.id,
        data={
            "owner_id": team.boris.id,
            "previous": team.anna.id,
            "reason": "assigned by a manager",
        },
    )
    assert notices(store)[already_said:] == [
        Notice(
            team.boris.chat_id, Template.LEAD_ALERT, card.id, {"note": "Assigned to you by Maria"}
        ),
        Notice(
            team.anna.chat_id,
            Template.TEXT,
            card.id,
            {"text": f"Lead #{card.id} was reassigned to Boris."},
        ),
        Notice(team.maria.chat_id, Template.CARD, card.id, {"view": ""}, CARD_MESSAGE),
    ]


async def test_rep_may_not_assign_a_lead(services: Services, store: FakeStore, team: Team) -> None:
    card = await new_lead(services, store)
    before = store.snapshot()

    with pytest.raises(NotAManager):
        await services.tap(press(team.anna, card, Action.ASSIGN, str(team.boris.id)))

    assert store.snapshot() == before


@pytest.mark.parametrize("whom", ["manager", "nobody", "not a number"])
async def test_lead_can_only_be_assigned_to_an_active_rep(
    services: Services, store: FakeStore, team: Team, whom: str
) -> None:
    card = await new_lead(services, store)
    argument = {"manager": str(team.maria.id), "nobody": "99", "not a number": "x"}[whom]
    before = store.snapshot()

    with pytest.raises(StaleAction, match="pick another"):
        await services.tap(press(team.maria, card, Action.ASSIGN, argument))

    assert store.snapshot() == before


async def test_unknown_loss_reason_is_refused_and_changes_nothing(
    services: Services, store: FakeStore, team: Team
) -> None:
    card = await new_lead(services, store)
    before = store.snapshot()

    with pytest.raises(StaleAction, match="not on the list"):
        await services.tap(press(team.anna, card, Action.LOSS_REASON, "bored"))

    assert store.snapshot() == before


async def test_closed_lead_takes_no_more_steps(
    services: Services, store: FakeStore, team: Team
) -> None:
    card = await new_lead(services, store)
    await services.tap(press(team.anna, card, Action.LOSS_REASON, "spam"))

    with pytest.raises(StaleAction, match="already closed as lost"):
        await services.tap(press(team.anna, store.lead(card.id), Action.REACHED))


# -- timers --------------------------------------------------------------------------------


async def test_nudge_reminds_the_owner_while_nobody_has_tried(
    services: Services, store: FakeStore, team: Team, clock: FixedClock
) -> None:
    lead = await new_lead(services, store)
    clock.advance(10 * MINUTE)

    fired = await services.fire_due_timers()

    assert fired == 1
    assert notices(store)[-1] == Notice(team.anna.chat_id, Template.FIRST_RESPONSE_NUDGE, lead.id)
    assert history(store, lead.id)[-1] == Event(
        lead.id, EventKind.FIRST_RESPONSE_NUDGED, NOW + 10 * MINUTE
    )
    assert statuses(store, lead.id) == [(NUDGE, FIRED), (BREACH, "pending")]


async def test_nudge_says_nothing_once_an_attempt_is_logged(
    services: Services, store: FakeStore, team: Team, clock: FixedClock
) -> None:
    card = await new_lead(services, store)
    await services.tap(press(team.anna, card, Action.NO_ANSWER))
    store.arm(Timer(NUDGE, NOW + 10 * MINUTE, card.id))
    before = store.snapshot()
    clock.advance(10 * MINUTE)

    fired = await services.fire_due_timers()

    assert fired == 1
    assert store.committed.outbox == before.outbox
    assert store.committed.events == before.events


async def test_breach_alerts_the_owner_and_every_manager_once(
    services: Services, store: FakeStore, team: Team, hire: Hire, clock: FixedClock
) -> None:
    pavel = hire("Pavel", Role.MANAGER)
    lead = await new_lead(services, store)
    clock.advance(15 * MINUTE)

    fired = await services.fire_due_timers()
    clock.advance(timedelta(hours=1))
    fired_later = await services.fire_due_timers()

    assert (fired, fired_later) == (2, 0)
    breaches = [n for n in notices(store) if n.template is Template.FIRST_RESPONSE_BREACH]
    assert breaches == [
        Notice(team.anna.chat_id, Template.FIRST_RESPONSE_BREACH, lead.id, {"for": "owner"}),
        Notice(team.maria.chat_id, Template.FIRST_RESPONSE_BREACH, lead.id, {"for": "managers"}),
        Notice(pavel.chat_id, Template.FIRST_RESPONSE_BREACH, lead.id, {"for": "managers"}),
    ]
    assert history(store, lead.id)[-1] == Event(
        lead.id,
        EventKind.FIRST_RESPONSE_BREACHED,
        NOW + 15 * MINUTE,
        data={
            "due_at": (NOW + 15 * MINUTE).isoformat(),
            "owner_id": team.anna.id,
            "taken": False,
            "business_seconds": 15 * 60,
            "wall_seconds": 15 * 60,
        },
    )


async def test_contact_within_the_norm_cancels_the_breach_and_nothing_is_sent(
    services: Services, store: FakeStore, team: Team, clock: FixedClock
) -> None:
    card = await new_lead(services, store)
    clock.advance(5 * MINUTE)
    await services.tap(press(team.anna, card, Action.REACHED))
    before = store.snapshot()
    clock.advance(25 * MINUTE)

    fired = await services.fire_due_timers()

    assert fired == 0
    assert statuses(store, card.id) == [(NUDGE, CANCELLED), (BREACH, CANCELLED)]
    assert store.snapshot() == before


async def test_timers_of_a_closed_lead_do_nothing(
    services: Services, store: FakeStore, team: Team, clock: FixedClock
) -> None:
    card = await new_lead(services, store)
    await services.tap(press(team.anna, card, Action.LOSS_REASON, "spam"))
    store.arm(Timer(BREACH, NOW + 15 * MINUTE, card.id))
    before = store.snapshot()
    clock.advance(15 * MINUTE)

    fired = await services.fire_due_timers()

    assert fired == 1
    assert store.committed.outbox == before.outbox
    assert store.committed.events == before.events


async def test_after_a_long_downtime_each_due_timer_fires_once_and_only_breaches_speak(
    services: Services, store: FakeStore, team: Team, clock: FixedClock
) -> None:
    leads = []
    for n in range(3):
        leads.append(await new_lead(services, store, phone=f"+7916000000{n}"))
        clock.advance(MINUTE)
    clock.advance(timedelta(days=3))

    batches = [await services.fire_due_timers(limit=4) for _ in range(3)]

    assert batches == [4, 2, 0]
    said = [(n.template, n.lead_id) for n in store.notices if n.template != Template.LEAD_ALERT]
    first, second, third = (lead.id for lead in leads)
    breach = Template.FIRST_RESPONSE_BREACH
    assert said == [
        *[(breach, first)] * 2,
        *[(breach, second)] * 2,
        *[(breach, third)] * 2,
    ]
    for lead in leads:
        assert store.kinds_of(lead.id)[2:] == [EventKind.FIRST_RESPONSE_BREACHED]


# -- the team ------------------------------------------------------------------------------


async def test_manager_invites_and_the_invited_user_joins_as_a_rep(
    services: Services, store: FakeStore, team: Team
) -> None:
    invite = await services.invite(team.maria.telegram_id)

    member = await services.join(invite.code, 8001, "Vera", "vera_sales")

    assert (member.telegram_id, member.name, member.username) == (8001, "Vera", "vera_sales")
    assert (member.role, member.active, member.joined_at) == (Role.REP, True, NOW)
    assert store.member(member.id) == member
    assert store.invites == [dataclasses.replace(invite, used_by=member.id)]
    assert invite.expires_at == NOW + timedelta(days=7)


async def test_invite_code_works_only_once(
    services: Services, store: FakeStore, team: Team
) -> None:
    invite = await services.invite(team.maria.telegram_id)
    await services.join(invite.code, 8001, "Vera", None)

    with pytest.raises(InviteNotFound):
        await services.join(invite.code, 8002, "Gleb", None)

    assert [m.telegram_id for m in store.members][-1] == 8001


async def test_user_who_joins_twice_is_on_the_team_once(
    services: Services, store: FakeStore, team: Team
) -> None:
    first = await services.invite(team.maria.telegram_id)
    second = await services.invite(team.maria.telegram_id)
    await services.join(first.code, 8001, "Vera", None)

    again = await services.join(second.code, 8001, "Vera", None)

    assert [m.id for m in store.members if m.telegram_id == 8001] == [again.id]


async def test_invite_code_still_works_in_the_last_second_of_its_week(
    services: Services, store: FakeStore, team: Team, clock: FixedClock
) -> None:
    invite = await services.invite(team.maria.telegram_id)
    clock.advance(timedelta(days=7) - timedelta(seconds=1))

    member = await services.join(invite.code, 8001, "Vera", None)

    assert store.member(member.id).role is Role.REP


async def test_invite_code_expires_after_a_week(
    services: Services, store: FakeStore, team: Team, clock: FixedClock
) -> None:
    invite = await services.invite(team.maria.telegram_id)
    clock.advance(timedelta(days=7))

    with pytest.raises(InviteNotFound):
        await services.join(invite.code, 8001, "Vera", None)

    assert 8001 not in [m.telegram_id for m in store.members]


async def test_deactivated_rep_who_rejoins_is_the_same_member_again(
    services: Services, store: FakeStore, team: Team, hire: Hire
) -> None:
    former = hire("Vera", active=False)
    invite = await services.invite(team.maria.telegram_id)

    member = await services.join(invite.code, former.telegram_id, "Vera B.", None)

    assert (member.id, member.name, member.active) == (former.id, "Vera B.", True)
    assert store.member(former.id).active


async def test_unknown_invite_code_is_refused(services: Services, team: Team) -> None:
    with pytest.raises(InviteNotFound):
        await services.join("made-up", 8001, "Vera", None)


@pytest.mark.parametrize("who", ["rep", "stranger"])
async def test_only_a_manager_can_invite(
    services: Services, store: FakeStore, team: Team, who: str
) -> None:
    telegram_id = team.anna.telegram_id if who == "rep" else 666

    with pytest.raises(NotAManager):
        await services.invite(telegram_id)

    assert store.invites == []


async def test_former_manager_who_rejoins_with_a_rep_invite_comes_back_as_a_rep(
    services: Services, store: FakeStore, team: Team, hire: Hire
) -> None:
    former = hire("Oleg", Role.MANAGER, active=False)
    invite = await services.invite(team.maria.telegram_id)

    member = await services.join(invite.code, former.telegram_id, "Oleg", None)

    assert (member.id, member.active, member.role) == (former.id, True, Role.REP)


async def test_ensure_managers_creates_the_missing_admins_once(
    services: Services, store: FakeStore
) -> None:
    await services.ensure_managers([5001, 5002])
    await services.ensure_managers([5001, 5002])

    assert [(m.telegram_id, m.name, m.role) for m in store.members] == [
        (5001, "Manager 5001", Role.MANAGER),
        (5002, "Manager 5002", Role.MANAGER),
    ]
    assert all(m.active and m.joined_at == NOW for m in store.members)


async def test_ensure_managers_promotes_a_rep_and_brings_back_a_deactivated_admin(
    services: Services, store: FakeStore, hire: Hire
) -> None:
    rep = hire("Anna")
    retired = hire("Maria", Role.MANAGER, active=False)

    await services.ensure_managers([rep.telegram_id, retired.telegram_id])

    assert [(m.name, m.role, m.active) for m in store.members] == [
        ("Anna", Role.MANAGER, True),
        ("Maria", Role.MANAGER, True),
    ]


async def test_greeting_refreshes_a_members_name_and_ignores_strangers(
    services: Services, store: FakeStore, team: Team
) -> None:
    member = await services.greet(team.anna.telegram_id, "Anna K.", "anna_k")
    stranger = await services.greet(666, "Stranger", None)

    assert (member.name, member.username) == ("Anna K.", "anna_k")
    assert store.member(team.anna.id).name == "Anna K."
    assert stranger is None


# -- sources and health --------------------------------------------------------------------


async def test_new_source_is_found_by_its_token_which_is_stored_only_as_a_hash(
    services: Services, store: FakeStore
) -> None:
    source, token = await services.add_source("  Landing page ", channel="form")

    found = await services.source_for_token(token)

    assert found == source
    assert (source.name, source.channel, source.created_at) == ("Landing page", "form", NOW)
    assert token not in repr(store.sources)
    assert await services.source_for_token("ll_wrong") is None


@pytest.mark.parametrize("name", ["", "   ", "Landing"])
async def test_source_needs_a_fresh_name(services: Services, name: str) -> None:
    await services.add_source("Landing")

    with pytest.raises(InvalidInquiry) as refused:
        await services.add_source(name)

    assert refused.value.field == "name"


async def test_token_of_a_switched_off_source_is_not_accepted(
    services: Services, store: FakeStore
) -> None:
    source, token = await services.add_source("Old campaign")
    store.committed.sources[source.id].active = False

    assert await services.source_for_token(token) is None


async def test_ping_fails_while_the_database_is_down(services: Services, store: FakeStore) -> None:
    await services.ping()
    store.down = True

    with pytest.raises(ConnectionError):
        await services.ping()


# -- the fake store keeps the promises the services rely on ---------------------------------


async def test_work_that_is_not_committed_is_rolled_back(store: FakeStore) -> None:
    async with store.uow() as uow:
        await uow.leads.add(Lead(Channel.API, NOW, phone=PHONE))
        await uow.outbox.put(Notice(1, Template.TEXT))

    assert store.snapshot() == FakeStore().snapshot()


async def test_lead_changed_by_another_unit_of_work_cannot_be_saved_over(
    store: FakeStore,
) -> None:
    async with store.uow() as uow:
        lead = await uow.leads.add(Lead(Channel.API, NOW, phone=PHONE))
        await uow.commit()

    async with store.uow() as slow, store.uow() as quick:
        slow_copy = await slow.leads.get(lead.id)
        quick_copy = await quick.leads.get(lead.id)
        quick_copy.version += 1
        await quick.leads.save(quick_copy)
        await quick.commit()
        slow_copy.version += 1

        with pytest.raises(ConcurrentUpdate):
            await slow.leads.save(slow_copy)


async def test_a_claimed_timer_is_not_claimed_again_by_another_unit_of_work(
    store: FakeStore,
) -> None:
    store.arm(Timer(NUDGE, NOW, 1))

    async with store.uow() as first, store.uow() as second:
        claimed_first = await first.timers.claim_due(NOW, 10)
        claimed_second = await second.timers.claim_due(NOW, 10)

    assert (len(claimed_first), len(claimed_second)) == (1, 0)
