"""Property tests: no sequence of presses, typed answers and passing time, by anyone, leaves a
lead inconsistent, and nobody changes a lead they may not touch.

Each example builds a team (a manager, two reps, a former rep, and a stranger) and two
leads, one per rep, then draws steps one at a time and runs them against the use cases on
the in-memory store, checking every lead after every step. Most steps are what a person
at the card could do next (the buttons that make sense for the lead's state, the answer
the bot asked for), so examples get deep into the pipeline; the rest are anything at all:
foreign, stale or forged presses, text nobody asked for, days passing. Moving a lead is
among the presses (a manager reassigns it, its owner hands it back); routing's own decision
after a hand-back names no person, and is the only unsigned change a press may make.
"""

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import event as note_case
from hypothesis import strategies as st

from core.clock import FixedClock
from core.distributing import HandBackReason
from core.errors import LeadlineError
from core.events import QUIET_KINDS, EventKind
from core.leads import CRITERIA, LOST, WON, Channel, Inquiry, Lead, LossReason, Temperature
from core.prompts import Awaiting
from core.reminders import NEXT_STEP_PRESETS, PARK_PRESETS, PRESETS, REMIND_PRESETS
from core.rules import Rules
from core.services import Action, Services, Tap
from core.team import Member, Role
from core.timers import Timer, TimerKind
from tests.unit.fakes import PENDING, FakeStore, State

START = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
CARD = 900
MANAGER, ANNA, BORIS, FORMER, STRANGER = range(5)
REASONS = [reason.value for reason in LossReason]
HAND_BACK_REASONS = [reason.value for reason in HandBackReason]

ANY_ARGUMENT = [
    "",
    *REASONS,
    *CRITERIA,
    *PRESETS,
    *HAND_BACK_REASONS,
    "park",
    "1",
    "2",
    "3",
    "4",
    "99",
    "bogus",
]
ANY_TEXT = ["150000", "2 500,50", "0", "a lot", "tomorrow 10:00", "завтра в 10", "today 9:00"]
ANSWERS: dict[Awaiting, list[str]] = {
    Awaiting.AMOUNT: ["150000", "2 500,50", "0", "a lot"],
    Awaiting.LOSS_NOTE: ["Moved abroad", " "],
    Awaiting.REMINDER: ["tomorrow 10:00", "in 2 days call back", "завтра в 10", "today 9:00"],
    Awaiting.NEXT_STEP: ["in 2 weeks send the offer", "15.01 14:30", "soon"],
    Awaiting.PARK: ["in 3 months", "never"],
    Awaiting.MESSAGE: ["Hello!"],
}
ARGUMENTS: dict[Action, list[str]] = {
    Action.CRITERION: list(CRITERIA),
    Action.LOSS_REASON: REASONS,
    Action.COLD: ["", "park", "other", "no_budget"],
    Action.WARM: ["", *NEXT_STEP_PRESETS],
    Action.PARK: list(PARK_PRESETS),
    Action.REMIND_AT: list(REMIND_PRESETS),
    Action.SNOOZE: ["", *REMIND_PRESETS],
    Action.DONE: ["", *NEXT_STEP_PRESETS],
    Action.ASSIGN: ["2", "3"],
    Action.HAND_BACK_REASON: HAND_BACK_REASONS,
}


def sensible_actions(lead: Lead) -> list[Action]:
    """The buttons a card offers for the lead's state, as a rep would see them."""
    planned = [
        Action.REMIND,
        Action.REMIND_AT,
        Action.LOSE,
        Action.LOSS_REASON,
        Action.HAND_BACK_REASON,
        Action.ASSIGN,
    ]
    if lead.remind_at is not None:
        planned += [Action.SNOOZE, Action.DONE]
    if not lead.is_reached:
        tries = [Action.REACHED, Action.NO_ANSWER, Action.BUSY, Action.WRONG_NUMBER]
        return [*tries, *tries, Action.ONE_MORE_ROUND, *planned]
    if lead.temperature is None:
        rate = [Action.HOT, Action.WARM, Action.COLD, Action.PARK]
        return [*rate, *rate, Action.CRITERION, *planned]
    moves = [Action.FORWARD, Action.BACKWARD, Action.WON, Action.WON]
    return [*moves, *moves, Action.CRITERION, Action.RATE, Action.WARM, Action.COLD, *planned]


@dataclass(frozen=True)
class Press:
    who: int
    lead: int
    action: Action
    argument: str
    stale: bool


@dataclass(frozen=True)
class Write:
    who: int
    text: str
    reply_to_card_of: int | None


@dataclass(frozen=True)
class Wait:
    minutes: int


Step = Press | Write | Wait


class World:
    """A team, two leads and the use cases, on a fresh store."""

    def __init__(self) -> None:
        self.store = FakeStore()
        self.clock = FixedClock(START)
        self.rules = Rules()
        self.services = Services(self.store.uow, self.clock, self.rules)
        add = self.store.add_member
        self.people = [
            add(Member(5001, "Maria", Role.MANAGER)),
            add(Member(7001, "Anna")),
            add(Member(7002, "Boris")),
            add(Member(7003, "Vera", active=False)),
            Member(666, "Stranger"),
        ]
        self.lead_ids: list[int] = []
        self.last_presser = ANNA

    async def open_leads(self) -> None:
        for n in range(2):
            inquiry = Inquiry(Channel.API, name=f"Lead {n}", phone=f"+7916000000{n}")
            captured = await self.services.capture(inquiry)
            self.lead_ids.append(captured.lead_id)
            for member in self.people[:3]:
                self.store.add_card(captured.lead_id, member.chat_id, CARD + n)

    def may_touch(self, who: int, lead: Lead) -> bool:
        member = self.people[who]
        if member.id is None or not self.store.member(member.id).active:
            return False
        return member.is_manager or lead.owner_id == member.id

    def draw_step(self, data: st.DataObject) -> Step:
        kind = data.draw(st.sampled_from(["press"] * 5 + ["answer"] * 2 + ["write", "wait"]))
        if kind == "wait":
            return Wait(data.draw(st.sampled_from([1, 15, 120, 60 * 24, 60 * 24 * 40])))
        if kind == "answer":
            prompt = self.store.prompts.get(self.people[self.last_presser].chat_id)
            texts = ANSWERS[prompt.awaiting] if prompt else ANY_TEXT
            return Write(self.last_presser, data.draw(st.sampled_from(texts)), None)
        if kind == "write":
            who = data.draw(st.integers(MANAGER, STRANGER))
            card = data.draw(st.sampled_from([None, 0, 1]))
            return Write(who, data.draw(st.sampled_from([*ANY_TEXT, "note"])), card)
        return self.draw_press(data)

    def draw_press(self, data: st.DataObject) -> Press:
        index = data.draw(st.integers(0, 1))
        lead = self.store.lead(self.lead_ids[index])
        owner = next((n for n, m in enumerate(self.people) if m.id == lead.owner_id), MANAGER)
        who = data.draw(st.sampled_from([owner] * 6 + [MANAGER] * 2 + [ANNA, BORIS, FORMER]))
        if data.draw(st.integers(0, 9)) < 8:
            action = data.draw(st.sampled_from(sensible_actions(lead)))
            argument = data.draw(st.sampled_from(ARGUMENTS.get(action, [""])))
        else:
            action = data.draw(st.sampled_from(list(Action)))
            argument = data.draw(st.sampled_from(ANY_ARGUMENT))
        stale = data.draw(st.integers(0, 9)) == 0
        return Press(who, index, action, argument, stale)

    async def run(self, step: Step) -> None:
        if isinstance(step, Wait):
            self.clock.advance(timedelta(minutes=step.minutes))
            await self.services.fire_due_timers()
            return
        member = self.people[step.who]
        if isinstance(step, Press):
            self.last_presser = step.who
            lead = self.store.lead(self.lead_ids[step.lead])
            version = lead.version - 1 if step.stale else lead.version
            message = CARD + step.lead
            tap = Tap(
                member.telegram_id,
                lead.id,
                step.action,
                version,
                member.chat_id,
                message,
                step.argument,
            )
            await self.services.tap(tap)
            return
        card = None if step.reply_to_card_of is None else CARD + step.reply_to_card_of
        await self.services.member_wrote(member.telegram_id, member.chat_id, step.text, card)


def pending_of(store: FakeStore, lead_id: int, kind: TimerKind) -> list[datetime]:
    return [
        row.timer.due_at
        for row in store.timers_of(lead_id)
        if row.status == PENDING and row.timer.kind is kind
    ]


def check_consistent(world: World, lead: Lead) -> None:
    """Assert that a lead's state holds together, with its timers and its history."""
    store, now = world.store, world.clock.now()
    assert lead.stage in (*world.rules.pipeline.stages, WON, LOST)
    assert lead.criteria <= set(CRITERIA)
    if lead.stage == WON:
        assert lead.won_amount is not None, "won without an amount"
        assert lead.won_amount > 0
        assert lead.loss_reason is None
    if lead.stage == LOST:
        assert lead.loss_reason is not None, "lost without a reason"
        assert lead.won_amount is None
        if lead.loss_reason is LossReason.OTHER:
            assert (lead.loss_note or "").strip(), "lost for another reason, not said"
    if not lead.is_open:
        assert lead.closed_at is not None
        assert (lead.retry_at, lead.remind_at, lead.next_step) == (None, None, None)
        pending = [r.timer.kind for r in store.timers_of(lead.id) if r.status == PENDING]
        assert pending == [], "a timer is armed on a closed lead"
        return
    retries = pending_of(store, lead.id, TimerKind.ATTEMPT_RETRY)
    assert retries == ([lead.retry_at] if lead.retry_at and lead.retry_at > now else [])
    reminders = pending_of(store, lead.id, TimerKind.REMINDER)
    assert reminders == ([lead.remind_at] if lead.remind_at and lead.remind_at > now else [])
    assert (lead.remind_at is None) == (lead.next_step is None)
    if lead.temperature in (Temperature.WARM, Temperature.COLD):
        assert lead.remind_at is not None, "a warm or parked lead has a dated next step"
    if lead.is_reached:
        assert (lead.retry_at, lead.unanswered) == (None, 0)
    changes = [e for e in store.events_of(lead.id) if e.kind not in QUIET_KINDS]
    assert lead.version == len([e for e in changes if e.kind is not EventKind.CAPTURED])


def check_prompts(world: World) -> None:
    """Assert that every waiting question belongs to a member and names a real lead."""
    for chat_id, prompt in world.store.prompts.items():
        assert world.store.member(prompt.member_id).chat_id == chat_id
        assert prompt.lead_id in world.lead_ids


def check_only_allowed_changes(world: World, step: Press | Write, before: State) -> None:
    """Assert that a person changed only leads they may touch, and signed what they did."""
    after = world.store.committed
    new_events = [e for i, e in after.events.items() if i not in before.events]
    for lead_id in world.lead_ids:
        was = before.leads[lead_id]
        if not world.may_touch(step.who, was):
            assert after.leads[lead_id] == was, "a lead was changed by someone who may not"
            assert [e for e in new_events if e.lead_id == lead_id] == []
    handed_back = {e.lead_id for e in new_events if e.kind is EventKind.HANDED_BACK}
    for event in new_events:
        if event.actor_id is None:
            # Routing finding the lead a new owner after a hand-back, not a person's doing.
            assert event.kind in (EventKind.ASSIGNED, EventKind.UNASSIGNED)
            assert event.lead_id in handed_back, "an unsigned change without a hand-back"
            continue
        owner = before.leads[event.lead_id].owner_id
        assert event.actor_id in (world.people[MANAGER].id, owner)


async def scenario(data: st.DataObject) -> None:
    world = World()
    await world.open_leads()
    for _ in range(data.draw(st.integers(1, 40))):
        step = world.draw_step(data)
        before = world.store.snapshot()
        with contextlib.suppress(LeadlineError):
            await world.run(step)

        for lead_id in world.lead_ids:
            check_consistent(world, world.store.lead(lead_id))
        check_prompts(world)
        if not isinstance(step, Wait):
            check_only_allowed_changes(world, step, before)
    for lead in world.store.leads:
        note_case(f"a lead ended {lead.stage}")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_no_sequence_of_steps_breaks_a_lead_or_lets_anyone_touch_what_they_may_not(
    data: st.DataObject,
) -> None:
    asyncio.run(scenario(data))


def test_the_checks_catch_a_won_lead_without_an_amount() -> None:
    world = World()
    broken = Lead(Channel.API, START, id=1, stage=WON, closed_at=START)

    with contextlib.suppress(AssertionError):
        check_consistent(world, broken)
        raise RuntimeError("a won lead without an amount passed the checks")


def test_the_checks_catch_a_retry_armed_on_a_closed_lead() -> None:
    world = World()
    asyncio.run(world.open_leads())
    lead_id = world.lead_ids[0]
    version = world.store.lead(lead_id).version
    tap = Tap(5001, lead_id, Action.LOSS_REASON, version, 5001, CARD, "spam")
    asyncio.run(world.services.tap(tap))
    world.store.arm(Timer(TimerKind.ATTEMPT_RETRY, START + timedelta(hours=1), lead_id))

    with contextlib.suppress(AssertionError):
        check_consistent(world, world.store.lead(lead_id))
        raise RuntimeError("a retry armed on a closed lead passed the checks")
