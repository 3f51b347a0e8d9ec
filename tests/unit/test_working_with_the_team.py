"""Working a lead meets the team: every way of closing a lead frees its owner's room.

A rep with a capacity who closes a lead (won with its amount, lost for a reason, could not
reach after the cadence, cold with a reason typed in words) has room again, so the oldest
waiting lead is offered to them in the same unit of work. Moving a lead (reassign, hand
back) keeps working with the reminders and prompts of working a lead.
"""

import dataclasses
import itertools
from datetime import timedelta

import pytest

from core.clock import FixedClock
from core.errors import NotLeadOwner
from core.events import EventKind
from core.leads import Channel, Inquiry, Lead, LossReason
from core.prompts import Awaiting
from core.services import Action, Services, Tap
from core.team import Member
from core.timers import TimerKind
from tests.unit.conftest import Team
from tests.unit.fakes import FakeStore

CARD = 500
_phones = itertools.count(1)


async def new_lead(services: Services, store: FakeStore) -> Lead:
    """Capture an inquiry from a fresh contact and return the lead as committed."""
    phone = f"+7916{next(_phones):07d}"
    captured = await services.capture(Inquiry(Channel.API, name="Olga", phone=phone))
    return store.lead(captured.lead_id)


async def tap(
    services: Services,
    store: FakeStore,
    member: Member,
    lead_id: int,
    action: Action,
    arg: str = "",
) -> str:
    """Press a button on a card drawn for the lead as it is now; return the toast."""
    version = store.lead(lead_id).version
    done = await services.tap(
        Tap(member.telegram_id, lead_id, action, version, member.chat_id, CARD, arg)
    )
    return done.summary


async def both_full_and_one_waiting(
    services: Services, store: FakeStore, team: Team
) -> tuple[Lead, Lead]:
    """Give Anna and Boris room for one lead each; a third lead waits for an owner."""
    store.save_member(dataclasses.replace(team.anna, capacity=1))
    store.save_member(dataclasses.replace(team.boris, capacity=1))
    annas, _boris, waiting = [await new_lead(services, store) for _ in range(3)]
    assert (annas.owner_id, waiting.owner_id) == (team.anna.id, None)
    return annas, waiting


def offered_to_anna(store: FakeStore, waiting: Lead, team: Team) -> bool:
    lead = store.lead(waiting.id)
    last = store.events_of(waiting.id)[-1]
    return (
        lead.owner_id == team.anna.id
        and last.kind is EventKind.ASSIGNED
        and str(last.data["reason"]).startswith("offered again, Anna has room")
    )


async def test_won_with_the_typed_amount_offers_a_waiting_lead(
    services: Services, store: FakeStore, team: Team
) -> None:
    annas, waiting = await both_full_and_one_waiting(services, store, team)
    await tap(services, store, team.anna, annas.id, Action.REACHED)
    await tap(services, store, team.anna, annas.id, Action.HOT)
    await tap(services, store, team.anna, annas.id, Action.WON)
    assert store.prompts[team.anna.chat_id].awaiting is Awaiting.AMOUNT

    done = await services.member_wrote(team.anna.telegram_id, team.anna.chat_id, "150 000")

    assert done.summary == "Won: 150 000. Well done!"
    assert store.lead(annas.id).stage == "won"
    assert offered_to_anna(store, waiting, team)


async def test_lost_for_a_reason_offers_a_waiting_lead(
    services: Services, store: FakeStore, team: Team
) -> None:
    annas, waiting = await both_full_and_one_waiting(services, store, team)
    await tap(services, store, team.anna, annas.id, Action.LOSE)

    await tap(services, store, team.anna, annas.id, Action.LOSS_REASON, "competitor")

    assert store.lead(annas.id).loss_reason is LossReason.COMPETITOR
    assert offered_to_anna(store, waiting, team)


async def test_could_not_reach_after_the_cadence_offers_a_waiting_lead(
    services: Services, store: FakeStore, team: Team, clock: FixedClock
) -> None:
    annas, waiting = await both_full_and_one_waiting(services, store, team)
    for _ in range(4):
        await tap(services, store, team.anna, annas.id, Action.NO_ANSWER)
        clock.advance(timedelta(minutes=1))
    assert store.lead(annas.id).round_is_over
    assert store.lead(waiting.id).owner_id is None

    toast = await tap(services, store, team.anna, annas.id, Action.LOSS_REASON, "unreachable")

    assert toast == "Lost: could not reach."
    assert offered_to_anna(store, waiting, team)
    assert [k for k, _ in store.pending_timers(annas.id)] == []


async def test_cold_with_a_reason_in_words_offers_a_waiting_lead(
    services: Services, store: FakeStore, team: Team
) -> None:
    annas, waiting = await both_full_and_one_waiting(services, store, team)
    await tap(services, store, team.anna, annas.id, Action.REACHED)
    await tap(services, store, team.anna, annas.id, Action.COLD)
    await tap(services, store, team.anna, annas.id, Action.COLD, "other")

    await services.member_wrote(team.anna.telegram_id, team.anna.chat_id, "Moved abroad")

    assert store.lead(annas.id).loss_note == "Moved abroad"
    assert offered_to_anna(store, waiting, team)


async def test_a_rep_without_a_capacity_closing_a_lead_offers_nothing(
    services: Services, store: FakeStore, team: Team
) -> None:
    store.save_member(dataclasses.replace(team.boris, capacity=1))
    first = await new_lead(services, store)  # Anna, who has no capacity
    count = len(store.events_of(first.id))
    await tap(services, store, team.anna, first.id, Action.LOSS_REASON, "spam")

    assert len(store.events_of(first.id)) == count + 1
    assert [lead.owner_id for lead in store.leads] == [team.anna.id]


async def test_a_handed_back_lead_keeps_its_reminder_for_its_new_owner(
    services: Services, store: FakeStore, team: Team
) -> None:
    lead = await new_lead(services, store)
    await tap(services, store, team.anna, lead.id, Action.REACHED)
    await tap(services, store, team.anna, lead.id, Action.REMIND_AT, "tm")
    await tap(services, store, team.anna, lead.id, Action.HAND_BACK)

    toast = await tap(services, store, team.anna, lead.id, Action.HAND_BACK_REASON, "busy")

    moved = store.lead(lead.id)
    assert toast == "Handed back; it went to Boris."
    assert (moved.owner_id, moved.next_step) == (team.boris.id, "Follow up")
    assert [k for k, _ in store.pending_timers(lead.id)] == [TimerKind.REMINDER]


async def test_a_rep_who_handed_a_lead_back_cannot_answer_its_question_any_more(
    services: Services, store: FakeStore, team: Team
) -> None:
    lead = await new_lead(services, store)
    await tap(services, store, team.anna, lead.id, Action.REACHED)
    await tap(services, store, team.anna, lead.id, Action.REMIND)
    assert store.prompts[team.anna.chat_id].lead_id == lead.id

    await services.hand_back(team.anna.telegram_id, lead.id, "on holiday")
    with pytest.raises(NotLeadOwner):
        await services.member_wrote(team.anna.telegram_id, team.anna.chat_id, "tomorrow 10:00")

    assert store.lead(lead.id).owner_id == team.boris.id
    assert team.anna.chat_id not in store.prompts
