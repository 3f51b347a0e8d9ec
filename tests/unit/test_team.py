"""Tests for the team's use cases: availability, profiles, departures, reassignment, hand-back.

They run on the in-memory store with the default rules (24/7 in UTC, round robin) and
a team of Maria (manager), Anna and Boris (reps), hired in that order.
"""

import dataclasses
import itertools
from datetime import date, timedelta
from decimal import Decimal

import pytest

from core.clock import FixedClock
from core.distributing import Moved
from core.errors import (
    InvalidProfile,
    MemberNotFound,
    NotAManager,
    NotLeadOwner,
    NotOnTeam,
    StaleAction,
)
from core.events import Event, EventKind
from core.leads import Channel, Inquiry, Lead
from core.notices import Notice, Template
from core.routing import RoutingPolicy
from core.rules import Rules
from core.services import Action, Services, Tap
from core.team import (
    DayFigures,
    Member,
    Role,
    day_figures,
    read_capacity,
    read_list,
    read_tier,
    tier_name,
)
from core.timers import TimerKind
from tests.unit.conftest import NOW, Hire, Team
from tests.unit.fakes import FakeStore

MINUTE = timedelta(minutes=1)
TODAY = NOW.date()
_phones = itertools.count(1)


async def new_lead(services: Services, store: FakeStore, **fields: object) -> Lead:
    """Capture an inquiry from a fresh contact and return the lead as committed."""
    phone = f"+7916{next(_phones):07d}"
    inquiry = Inquiry(**{"channel": Channel.API, "name": "Olga", "phone": phone, **fields})
    return store.lead((await services.capture(inquiry)).lead_id)


def press(member: Member, card: Lead, action: Action, argument: str = "") -> Tap:
    """Make a tap by a member on a card drawn for the lead as it is in `card`."""
    return Tap(member.telegram_id, card.id, action, card.version, member.chat_id, 500, argument)


def owners(store: FakeStore) -> list[int | None]:
    """List the owner of every lead, by number."""
    return [lead.owner_id for lead in store.leads]


def said_since(store: FakeStore, count: int) -> list[Notice]:
    """List the notices committed after the first `count`, without their ids."""
    return [dataclasses.replace(n, id=None) for n in store.notices[count:]]


def last_event(store: FakeStore, lead_id: int) -> Event:
    """Give a lead's most recent event."""
    return store.events_of(lead_id)[-1]


def pause(store: FakeStore, *members: Member) -> None:
    """Pause members directly in the store, to arrange a test."""
    for member in members:
        store.save_member(dataclasses.replace(member, paused=True))


# -- pause and resume -----------------------------------------------------------------------


async def test_paused_rep_gets_no_new_leads_until_they_resume(
    services: Services, store: FakeStore, team: Team
) -> None:
    await services.pause(team.anna.telegram_id)
    for _ in range(3):
        await new_lead(services, store)

    await services.resume(team.anna.telegram_id)
    await new_lead(services, store)

    assert owners(store) == [team.boris.id, team.boris.id, team.boris.id, team.anna.id]


async def test_pause_keeps_the_reps_open_leads_and_says_so(
    services: Services, store: FakeStore, team: Team
) -> None:
    lead = await new_lead(services, store)

    change = await services.pause(team.anna.telegram_id)

    assert change.summary == (
        "Paused: no new leads until you send /resume. Your 1 open leads stay with you."
    )
    assert store.lead(lead.id).owner_id == team.anna.id
    assert store.member(team.anna.id).paused


async def test_pause_and_resume_are_recorded_in_the_history(
    services: Services, store: FakeStore, team: Team
) -> None:
    await services.pause(team.anna.telegram_id)
    await services.resume(team.anna.telegram_id)

    changes = [e for e in store.events_of(None) if e.kind is EventKind.MEMBER_CHANGED]
    assert [(e.actor_id, e.data) for e in changes] == [
        (team.anna.id, {"member_id": team.anna.id, "changes": {"paused": True}}),
        (team.anna.id, {"member_id": team.anna.id, "changes": {"paused": False}}),
    ]


async def test_waiting_lead_goes_to_the_first_rep_who_resumes(
    services: Services, store: FakeStore, team: Team
) -> None:
    pause(store, team.anna, team.boris)
    lead = await new_lead(services, store)
    store.add_card(lead.id, team.maria.chat_id, 900)
    already_said = len(store.notices)

    change = await services.resume(team.boris.telegram_id)

    assert store.lead(lead.id).owner_id == team.boris.id
    assert last_event(store, lead.id).data == {
        "owner_id": team.boris.id,
        "previous": None,
        "reason": "offered again, Boris resumed: round robin among 1 eligible",
    }
    assert said_since(store, already_said) == [
        Notice(team.boris.chat_id, Template.LEAD_ALERT, lead.id),
        Notice(team.maria.chat_id, Template.CARD, lead.id, {}, 900),
    ]
    assert change.summary == "Resumed: new leads come to you again. 1 waiting lead came to you."


async def test_only_a_rep_on_the_team_can_pause(services: Services, team: Team) -> None:
    with pytest.raises(InvalidProfile, match="Only reps take leads"):
        await services.pause(team.maria.telegram_id)
    with pytest.raises(NotOnTeam):
        await services.pause(666)


# -- leave ----------------------------------------------------------------------------------


async def test_rep_on_leave_gets_nothing_and_waiting_leads_are_offered_when_it_ends(
    services: Services, store: FakeStore, clock: FixedClock, team: Team
) -> None:
    pause(store, team.boris)
    friday = TODAY + timedelta(days=2)
    await services.update_member(team.anna.id, {"on_leave_until": friday}, team.maria.telegram_id)
    lead = await new_lead(services, store)
    back = NOW.replace(hour=0) + timedelta(days=3)

    clock.set(back - MINUTE)
    await services.fire_due_timers()
    owner_before = store.lead(lead.id).owner_id
    clock.set(back)
    await services.fire_due_timers()

    assert owner_before is None
    assert store.lead(lead.id).owner_id == team.anna.id
    assert last_event(store, lead.id).data["reason"] == (
        "offered again, Anna is back from leave: round robin among 1 eligible"
    )


async def test_ending_a_leave_early_offers_waiting_leads_at_once(
    services: Services, store: FakeStore, team: Team
) -> None:
    pause(store, team.boris)
    store.save_member(dataclasses.replace(team.anna, on_leave_until=TODAY + timedelta(days=9)))
    lead = await new_lead(services, store)

    change = await services.update_member(team.anna.id, {"on_leave_until": None})

    assert store.lead(lead.id).owner_id == team.anna.id
    assert change.moved == [
        Moved(
            lead.id,
            team.anna.id,
            "Anna",
            "offered again, Anna's profile changed: round robin among 1 eligible",
        )
    ]


async def test_leave_arms_one_offer_for_the_morning_after_it_ends(
    services: Services, store: FakeStore, team: Team
) -> None:
    await services.update_member(team.anna.id, {"on_leave_until": TODAY})

    offers = [row.timer for row in store.timers if row.timer.kind is TimerKind.OFFER_UNASSIGNED]
    assert [(t.due_at, t.data) for t in offers] == [
        (NOW.replace(hour=0) + timedelta(days=1), {"trigger": "Anna is back from leave"})
    ]


# -- deactivation and handing out leads -----------------------------------------------------


async def test_deactivated_reps_open_leads_go_to_others_and_every_manager_is_told(
    services: Services, store: FakeStore, team: Team, hire: Hire
) -> None:
    pavel = hire("Pavel", Role.MANAGER)
    first, _boris_lead, third = [await new_lead(services, store) for _ in range(3)]
    await services.tap(press(team.anna, first, Action.LOSS_REASON, "no_budget"))
    already_said = len(store.notices)

    change = await services.deactivate(team.anna.id, team.maria.telegram_id)

    summary = f"Anna is deactivated. Their 1 open lead: #{third.id} to Boris."
    assert change.summary == summary
    assert not store.member(team.anna.id).active
    assert owners(store) == [team.anna.id, team.boris.id, team.boris.id]
    assert last_event(store, third.id).data == {
        "owner_id": team.boris.id,
        "previous": team.anna.id,
        "reason": "Anna left the team: round robin among 1 eligible",
    }
    assert said_since(store, already_said) == [
        Notice(team.boris.chat_id, Template.LEAD_ALERT, third.id, {"note": "Was Anna's"}),
        Notice(team.maria.chat_id, Template.TEXT, None, {"text": summary}),
        Notice(pavel.chat_id, Template.TEXT, None, {"text": summary}),
    ]


async def test_deactivated_reps_lead_nobody_can_take_is_left_for_the_managers(
    services: Services, store: FakeStore, team: Team
) -> None:
    lead = await new_lead(services, store)
    pause(store, team.boris)
    already_said = len(store.notices)

    change = await services.deactivate(team.anna.id)

    assert store.lead(lead.id).owner_id is None
    assert last_event(store, lead.id).kind is EventKind.UNASSIGNED
    assert last_event(store, lead.id).data["reason"] == "Anna left the team: no rep is available"
    assert said_since(store, already_said)[0] == Notice(
        team.maria.chat_id, Template.UNASSIGNED_ALERT, lead.id
    )
    assert change.summary == f"Anna is deactivated. Their 1 open lead: #{lead.id} left unassigned."


async def test_deactivated_rep_gets_no_more_leads(
    services: Services, store: FakeStore, team: Team
) -> None:
    await services.deactivate(team.anna.id)

    await new_lead(services, store)
    await new_lead(services, store)

    assert owners(store) == [team.boris.id, team.boris.id]


async def test_deactivation_is_for_managers_and_not_of_oneself(
    services: Services, store: FakeStore, team: Team
) -> None:
    with pytest.raises(NotAManager):
        await services.deactivate(team.boris.id, team.anna.telegram_id)
    with pytest.raises(InvalidProfile, match="cannot deactivate yourself"):
        await services.deactivate(team.maria.id, team.maria.telegram_id)
    with pytest.raises(MemberNotFound):
        await services.deactivate(99)

    assert all(m.active for m in store.members)


async def test_reactivated_rep_takes_the_leads_that_waited(
    services: Services, store: FakeStore, team: Team
) -> None:
    await services.deactivate(team.anna.id)
    pause(store, store.member(team.boris.id))
    lead = await new_lead(services, store)

    await services.reactivate(team.anna.id, team.maria.telegram_id)

    assert store.member(team.anna.id).active
    assert store.lead(lead.id).owner_id == team.anna.id


async def test_handing_out_leads_keeps_those_nobody_else_can_take(
    services: Services, store: FakeStore, team: Team
) -> None:
    store.save_member(dataclasses.replace(team.boris, products=frozenset({"doors"})))
    roofs = await new_lead(services, store, product="roofs")
    already_said = len(store.notices)

    change = await services.hand_out_leads(team.anna.id, team.maria.telegram_id)

    assert store.lead(roofs.id).owner_id == team.anna.id
    assert change.summary == f"Their 1 open lead: #{roofs.id} stays (no other rep can take it)."
    assert said_since(store, already_said) == []


async def test_handed_out_lead_tells_the_rep_it_was_taken_from(
    services: Services, store: FakeStore, team: Team
) -> None:
    lead = await new_lead(services, store)
    already_said = len(store.notices)

    await services.hand_out_leads(team.anna.id)

    assert said_since(store, already_said) == [
        Notice(team.boris.chat_id, Template.LEAD_ALERT, lead.id, {"note": "Was Anna's"}),
        Notice(
            team.anna.chat_id,
            Template.TEXT,
            lead.id,
            {"text": f"Lead #{lead.id} was reassigned to Boris."},
        ),
    ]
    assert last_event(store, lead.id).data["reason"] == (
        "handed out by an admin: round robin among 1 eligible"
    )


# -- reassignment by a manager --------------------------------------------------------------


async def test_manager_reassigns_only_to_a_rep_who_is_at_work(
    services: Services, store: FakeStore, team: Team
) -> None:
    card = await new_lead(services, store)
    pause(store, team.boris)
    before = store.snapshot()

    with pytest.raises(StaleAction, match=r"Boris cannot take leads now \(paused\)"):
        await services.tap(press(team.maria, card, Action.ASSIGN, str(team.boris.id)))

    assert store.snapshot() == before


async def test_manager_may_overrule_capacity_and_products_and_the_history_says_so(
    services: Services, store: FakeStore, team: Team
) -> None:
    store.save_member(dataclasses.replace(team.boris, capacity=1, products=frozenset({"x"})))
    await new_lead(services, store)
    card = await new_lead(services, store, product="y")
    boris = store.member(team.boris.id)

    first = await services.tap(press(team.maria, card, Action.ASSIGN, str(boris.id)))

    assert first.summary == "Assigned to Boris."
    assert last_event(store, card.id).data["reason"] == "assigned by a manager (other products)"


async def test_reassigning_a_lead_to_its_owner_is_refused(
    services: Services, store: FakeStore, team: Team
) -> None:
    card = await new_lead(services, store)

    with pytest.raises(StaleAction, match="already Anna's"):
        await services.tap(press(team.maria, card, Action.ASSIGN, str(team.anna.id)))


async def test_manager_opens_the_rep_list_and_a_rep_may_not(
    services: Services, store: FakeStore, team: Team
) -> None:
    card = await new_lead(services, store)

    done = await services.tap(press(team.maria, card, Action.REASSIGN))
    with pytest.raises(NotAManager, match="Only a manager can reassign"):
        await services.tap(press(team.anna, card, Action.REASSIGN))

    assert done.summary == "Pick the rep who takes it."
    assert store.notices[-1].data == {"view": "reassign"}


async def test_reassignment_frees_a_slot_and_a_waiting_lead_takes_it(
    services: Services, store: FakeStore, team: Team
) -> None:
    store.save_member(dataclasses.replace(team.anna, capacity=1))
    store.save_member(dataclasses.replace(team.boris, capacity=1))
    first, _second, waiting = [await new_lead(services, store) for _ in range(3)]
    store.save_member(dataclasses.replace(team.boris, capacity=2))

    await services.tap(press(team.maria, first, Action.ASSIGN, str(team.boris.id)))

    assert owners(store) == [team.boris.id, team.boris.id, team.anna.id]
    assert last_event(store, waiting.id).data["reason"] == (
        "offered again, Anna has room: round robin among 1 eligible"
    )


# -- hand-back by a rep ---------------------------------------------------------------------


async def test_rep_hands_a_lead_back_with_a_reason_and_it_goes_to_another_rep(
    services: Services, store: FakeStore, team: Team
) -> None:
    card = await new_lead(services, store)
    await services.tap(press(team.anna, card, Action.HAND_BACK))

    done = await services.tap(press(team.anna, card, Action.HAND_BACK_REASON, "busy"))

    assert done.summary == "Handed back; it went to Boris."
    kinds = [(e.kind, e.actor_id) for e in store.events_of(card.id)]
    assert kinds[-2:] == [(EventKind.HANDED_BACK, team.anna.id), (EventKind.ASSIGNED, None)]
    assert store.events_of(card.id)[-2].data == {
        "owner_id": team.anna.id,
        "reason": "too busy to take it now",
    }
    assert last_event(store, card.id).data["reason"] == (
        "handed back by Anna (too busy to take it now): round robin among 1 eligible"
    )
    assert Notice(
        team.boris.chat_id,
        Template.LEAD_ALERT,
        card.id,
        {"note": "Handed back by Anna: too busy to take it now"},
    ) in said_since(store, 0)


async def test_lead_handed_back_by_the_only_rep_waits_and_is_not_offered_to_them_again(
    services: Services, store: FakeStore, team: Team
) -> None:
    pause(store, team.boris)
    card = await new_lead(services, store)

    already_said = len(store.notices)

    done = await services.hand_back(team.anna.telegram_id, card.id, "on holiday next week")
    await services.offer_unassigned()

    assert done.summary == "Handed back; the managers will find it an owner."
    assert store.lead(card.id).owner_id is None
    assert last_event(store, card.id).data["reason"] == (
        "handed back by Anna (on holiday next week): no other rep can take it"
    )
    assert said_since(store, already_said) == [
        Notice(team.maria.chat_id, Template.UNASSIGNED_ALERT, card.id)
    ]


async def test_manager_can_still_give_a_handed_back_lead_to_that_rep(
    services: Services, store: FakeStore, team: Team
) -> None:
    pause(store, team.boris)
    card = await new_lead(services, store)
    await services.hand_back(team.anna.telegram_id, card.id, "busy")

    done = await services.tap(
        press(team.maria, store.lead(card.id), Action.ASSIGN, str(team.anna.id))
    )

    assert done.summary == "Assigned to Anna."


@pytest.mark.parametrize("who", ["manager", "other rep"])
async def test_only_the_owner_can_hand_a_lead_back(
    services: Services, store: FakeStore, team: Team, who: str
) -> None:
    card = await new_lead(services, store)
    presser = team.maria if who == "manager" else team.boris
    before = store.snapshot()

    with pytest.raises(NotLeadOwner):
        await services.tap(press(presser, card, Action.HAND_BACK_REASON, "busy"))
    with pytest.raises(NotLeadOwner):
        await services.hand_back(presser.telegram_id, card.id, "busy")

    assert store.snapshot() == before


async def test_hand_back_reason_must_be_one_from_the_list(
    services: Services, store: FakeStore, team: Team
) -> None:
    card = await new_lead(services, store)

    with pytest.raises(StaleAction, match="not on the list"):
        await services.tap(press(team.anna, card, Action.HAND_BACK_REASON, "bored"))

    assert store.lead(card.id).owner_id == team.anna.id


async def test_hand_back_in_own_words_needs_some_words(
    services: Services, store: FakeStore, team: Team
) -> None:
    card = await new_lead(services, store)

    with pytest.raises(StaleAction, match="Say why"):
        await services.hand_back(team.anna.telegram_id, card.id, "   ")

    assert store.lead(card.id).owner_id == team.anna.id


# -- capacity and re-offering ---------------------------------------------------------------


async def test_closing_a_lead_frees_a_slot_for_the_oldest_waiting_lead(
    services: Services, store: FakeStore, team: Team
) -> None:
    store.save_member(dataclasses.replace(team.anna, capacity=1))
    pause(store, team.boris)
    first, second, _third = [await new_lead(services, store) for _ in range(3)]

    await services.tap(press(team.anna, first, Action.LOSS_REASON, "no_need"))

    assert owners(store) == [team.anna.id, team.anna.id, None]
    assert store.events_of(second.id)[1].data["reason"] == "every rep is at capacity"


async def test_offers_never_fill_a_rep_past_their_capacity(
    services: Services, store: FakeStore, team: Team
) -> None:
    pause(store, team.anna, team.boris)
    for _ in range(4):
        await new_lead(services, store)
    await services.update_member(team.anna.id, {"capacity": 2})

    await services.resume(team.anna.telegram_id)

    assert owners(store) == [team.anna.id, team.anna.id, None, None]


async def test_offer_at_the_start_of_a_shift_gives_waiting_leads_out_fairly(
    services: Services, store: FakeStore, team: Team
) -> None:
    pause(store, team.anna, team.boris)
    leads = [await new_lead(services, store) for _ in range(4)]
    for rep in (team.anna, team.boris):
        store.save_member(rep)

    moved = await services.offer_unassigned()

    assert [m.lead_id for m in moved] == [lead.id for lead in leads]
    assert owners(store) == [team.anna.id, team.boris.id, team.anna.id, team.boris.id]
    assert moved[0].reason == "offered again, a shift started: round robin among 2 eligible"


async def test_a_long_queue_is_given_out_in_batches_one_transaction_each(
    services: Services, store: FakeStore, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("core.distributing.OFFER_BATCH", 2)
    pause(store, team.anna, team.boris)
    for _ in range(5):
        await new_lead(services, store)
    store.save_member(team.anna)
    commits = store.commits

    moved = await services.offer_unassigned()

    assert len(moved) == 5
    assert owners(store) == [team.anna.id] * 5
    assert store.commits - commits == 3


async def test_a_long_queue_offered_inside_a_change_carries_on_by_timer(
    services: Services, store: FakeStore, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("core.distributing.OFFER_BATCH", 2)
    pause(store, team.anna, team.boris)
    for _ in range(5):
        await new_lead(services, store)

    await services.resume(team.anna.telegram_id)
    after_resume = owners(store).count(team.anna.id)
    while await services.fire_due_timers():
        pass

    assert after_resume == 2
    assert owners(store) == [team.anna.id] * 5


async def test_waiting_lead_of_a_returning_contact_goes_to_its_previous_owner(
    services: Services, store: FakeStore, team: Team
) -> None:
    first = await new_lead(services, store, phone="+79160000777")
    await services.tap(press(team.anna, first, Action.LOSS_REASON, "no_budget"))
    pause(store, team.anna, team.boris)
    again = await new_lead(services, store, phone="+79160000777")
    for rep in (team.boris, team.anna):
        store.save_member(rep)

    await services.offer_unassigned()

    assert store.lead(again.id).owner_id == team.anna.id


async def test_new_rep_who_joins_is_offered_the_waiting_leads(
    services: Services, store: FakeStore, team: Team
) -> None:
    pause(store, team.anna, team.boris)
    lead = await new_lead(services, store)
    invite = await services.invite(team.maria.telegram_id)

    vera = await services.join(invite.code, 8001, "Vera", None)

    assert store.lead(lead.id).owner_id == vera.id


# -- routing settings through the use cases -------------------------------------------------


async def test_high_value_lead_goes_to_a_senior_rep(
    store: FakeStore, clock: FixedClock, team: Team
) -> None:
    policy = RoutingPolicy(senior_value_threshold=Decimal(10_000), senior_tier=1)
    services = Services(store.uow, clock, Rules(routing=policy))
    store.save_member(dataclasses.replace(team.boris, tier=1))

    big = await new_lead(services, store, value=Decimal(25_000))
    small = [await new_lead(services, store, value=Decimal(100)) for _ in range(2)]

    assert big.owner_id == team.boris.id
    assert {lead.owner_id for lead in small} == {team.anna.id, team.boris.id}


async def test_unserved_product_waits_until_a_manager_adds_it_to_a_profile(
    services: Services, store: FakeStore, team: Team
) -> None:
    for rep in (team.anna, team.boris):
        store.save_member(dataclasses.replace(rep, products=frozenset({"doors"})))
    lead = await new_lead(services, store, product="Roofs")

    change = await services.update_member(
        team.boris.id, {"products": {"doors", "roofs"}}, team.maria.telegram_id
    )

    assert store.events_of(lead.id)[1].data["reason"] == "no rep for product Roofs"
    assert store.lead(lead.id).owner_id == team.boris.id
    assert (
        change.summary
        == f"Boris: products doors, roofs. Waiting leads found an owner: #{lead.id} to Boris."
    )


# -- profiles -------------------------------------------------------------------------------


async def test_profile_change_is_recorded_with_the_manager_who_made_it(
    services: Services, store: FakeStore, team: Team
) -> None:
    change = await services.update_member(
        team.anna.id,
        {"capacity": 12, "tier": 1, "regions": {"North", " south "}, "weight": 3},
        team.maria.telegram_id,
    )

    anna = store.member(team.anna.id)
    assert (anna.capacity, anna.tier, anna.regions, anna.weight) == (
        12,
        1,
        frozenset({"North", "south"}),
        3,
    )
    assert change.changes == {
        "capacity": 12,
        "tier": 1,
        "regions": ["North", "south"],
        "weight": 3,
    }
    event = store.events_of(None)[-1]
    assert (event.kind, event.actor_id, event.data["member_id"]) == (
        EventKind.MEMBER_CHANGED,
        team.maria.id,
        team.anna.id,
    )


async def test_unchanged_profile_records_nothing(
    services: Services, store: FakeStore, team: Team
) -> None:
    change = await services.update_member(team.anna.id, {"weight": 1})

    assert change.summary == "Nothing changed."
    assert store.events_of(None) == []


@pytest.mark.parametrize(
    "changes",
    [
        {"capacity": 0},
        {"weight": -1},
        {"tier": 12},
        {"role": "boss"},
        {"telegram_id": 1},
        {"capacity": 5, "weight": "heavy"},
        {"active": False},
    ],
    ids=[
        "no-capacity",
        "negative-weight",
        "tier-too-high",
        "unknown-role",
        "not-a-field",
        "one-bad-of-two",
        "deactivation-by-the-back-door",
    ],
)
async def test_invalid_profile_change_is_refused_and_changes_nothing(
    services: Services, store: FakeStore, team: Team, changes: dict[str, object]
) -> None:
    before = store.snapshot()

    with pytest.raises(InvalidProfile):
        await services.update_member(team.anna.id, changes, team.maria.telegram_id)

    assert store.snapshot() == before


async def test_only_managers_change_profiles_and_not_their_own_role(
    services: Services, store: FakeStore, team: Team
) -> None:
    with pytest.raises(NotAManager):
        await services.update_member(team.boris.id, {"capacity": 1}, team.anna.telegram_id)
    with pytest.raises(InvalidProfile, match="your own role"):
        await services.update_member(team.maria.id, {"role": "rep"}, team.maria.telegram_id)


async def test_rep_made_manager_gets_no_more_leads(
    services: Services, store: FakeStore, team: Team
) -> None:
    await services.update_member(team.anna.id, {"role": Role.MANAGER}, team.maria.telegram_id)

    await new_lead(services, store)

    assert owners(store) == [team.boris.id]


async def test_admin_adds_a_member_with_a_profile_by_script(
    services: Services, store: FakeStore, team: Team
) -> None:
    vera = await services.add_member(
        8001, "Vera", Role.REP, {"products": {"roofs"}, "capacity": 5, "tier": 1}
    )

    stored = store.member(vera.id)
    assert (stored.name, stored.products, stored.capacity, stored.tier) == (
        "Vera",
        frozenset({"roofs"}),
        5,
        1,
    )
    with pytest.raises(InvalidProfile, match="already on the team"):
        await services.add_member(8001, "Vera again")


@pytest.mark.parametrize("reference", ["2", "7002", "@anna_k", "ANNA_K", "anna"])
async def test_member_is_found_by_id_telegram_id_or_username(
    services: Services, store: FakeStore, team: Team, reference: str
) -> None:
    store.save_member(dataclasses.replace(team.anna, username="anna_k"))

    assert (await services.find_member(reference)).id == team.anna.id


async def test_unknown_member_reference_says_where_to_look(services: Services, team: Team) -> None:
    with pytest.raises(MemberNotFound, match="leadline team list"):
        await services.find_member("nobody")


async def test_a_name_two_members_share_asks_for_an_id(
    services: Services, team: Team, hire: Hire
) -> None:
    hire("Anna")

    with pytest.raises(MemberNotFound, match="2 members are named Anna; use their id"):
        await services.find_member("Anna")


# -- the roster -----------------------------------------------------------------------------


async def test_roster_shows_open_load_and_todays_response_figures(
    services: Services, store: FakeStore, clock: FixedClock, team: Team
) -> None:
    first, _boris_lead, third = [await new_lead(services, store) for _ in range(3)]
    clock.advance(4 * MINUTE)
    await services.tap(press(team.anna, first, Action.NO_ANSWER))
    clock.advance(6 * MINUTE)
    await services.tap(press(team.anna, third, Action.REACHED))
    await services.deactivate(team.boris.id)

    roster = await services.roster(team.maria.telegram_id)

    assert [(line.member.name, line.open_leads, line.today) for line in roster] == [
        ("Maria", 0, DayFigures()),
        ("Anna", 3, DayFigures(3, 2, 1, 7 * MINUTE)),
        ("Boris", 0, DayFigures()),
    ]


async def test_roster_counts_only_leads_given_out_today(
    services: Services, store: FakeStore, clock: FixedClock, team: Team
) -> None:
    await new_lead(services, store)
    clock.advance(timedelta(days=1))
    await new_lead(services, store)

    line = await services.roster_line(team.anna.id, team.maria.telegram_id)

    assert (line.open_leads, line.today.received, line.today.waiting) == (1, 0, 0)


async def test_roster_is_for_managers(services: Services, team: Team) -> None:
    with pytest.raises(NotAManager):
        await services.roster(team.anna.telegram_id)


# -- the member, as a value -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("member", "status"),
    [
        (Member(1, "A"), "available"),
        (Member(1, "A", paused=True), "paused"),
        (
            Member(1, "A", on_leave_until=date(2026, 12, 4), paused=True),
            "on leave until 04.12.2026",
        ),
        (Member(1, "A", active=False, paused=True), "deactivated"),
        (Member(1, "A", Role.MANAGER), "manager"),
    ],
    ids=["available", "paused", "on-leave", "deactivated", "manager"],
)
def test_member_status_in_a_few_words(member: Member, status: str) -> None:
    assert member.status(TODAY) == status


@pytest.mark.parametrize(
    ("text", "products"),
    [
        ("Roofs, doors", {"Roofs", "doors"}),
        ("roofs; ROOFS ,, windows ", {"roofs", "windows"}),
        ("all", set()),
        ("-", set()),
    ],
    ids=["two", "duplicates-and-blanks", "all", "dash"],
)
def test_products_and_regions_are_read_from_a_list(text: str, products: set[str]) -> None:
    assert read_list(text) == frozenset(products)


@pytest.mark.parametrize(
    ("text", "capacity"), [("12", 12), (" none ", None), ("∞", None)], ids=["number", "none", "∞"]
)
def test_capacity_is_read_as_a_number_or_none(text: str, capacity: int | None) -> None:
    assert read_capacity(text) == capacity


@pytest.mark.parametrize("text", ["0", "-3", "ten", "100000"])
def test_capacity_that_is_not_a_sensible_number_is_refused(text: str) -> None:
    with pytest.raises(InvalidProfile, match="capacity"):
        read_capacity(text)


@pytest.mark.parametrize(("text", "tier"), [("junior", 0), ("Senior", 1), ("2", 2), ("tier 3", 3)])
def test_tier_is_read_by_name_or_number(text: str, tier: int) -> None:
    assert read_tier(text) == tier
    assert tier_name(tier) == {0: "junior", 1: "senior"}.get(tier, f"tier {tier}")


def test_lead_a_colleague_had_already_tried_counts_as_received_only() -> None:
    tried = Lead(
        Channel.API,
        NOW,
        id=1,
        owner_id=2,
        assigned_at=NOW + 30 * MINUTE,
        first_attempt_at=NOW + 5 * MINUTE,
    )

    assert day_figures([tried]) == {2: DayFigures(received=1)}
