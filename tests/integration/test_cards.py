"""The bot's drawing without the network: callback data within 64 bytes, buttons by state."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from bot.app import rules_from
from bot.callbacks import (
    MAX_BYTES,
    BadCallback,
    LeadButton,
    decode,
    decode_open,
    decode_page,
    encode,
    open_button,
    page_button,
)
from bot.cards import card_keyboard, card_text, lead_buttons
from bot.settings import Settings, settings_error
from bot.timeline import describe_event
from core.distributing import HAND_BACK_LABELS
from core.events import Event, EventKind
from core.leads import CRITERIA, Channel, Lead, LossReason, Temperature
from core.notices import Template
from core.pipeline import Pipeline
from core.reminders import PRESETS
from core.routing import Candidate
from core.services import Action, View
from core.team import Member, Role

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
BIGGEST_LEAD = 999_999_999_999
BIGGEST_VERSION = 999_999_999
ARGUMENTS = ["", *[r.value for r in LossReason], *CRITERIA, *PRESETS, "park", "123456789012"]


def labels(rows: list) -> list[str]:
    return [button.text for row in rows for button in row]


def datas(rows: list) -> list[str]:
    return [button.callback_data for row in rows for button in row]


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("argument", ARGUMENTS)
def test_every_button_fits_in_64_bytes_even_for_the_largest_lead_and_version(
    action: Action, argument: str
) -> None:
    data = encode(action, BIGGEST_LEAD, BIGGEST_VERSION, argument)

    assert len(data.encode()) <= MAX_BYTES
    assert decode(data) == LeadButton(action, BIGGEST_LEAD, BIGGEST_VERSION, argument)


def test_every_action_has_its_own_code() -> None:
    codes = {encode(action, 1, 1).split(":")[1] for action in Action}

    assert len(codes) == len(Action)


@given(st.text(max_size=80))
def test_anything_else_is_refused_as_not_drawn_by_this_bot(data: str) -> None:
    try:
        button = decode(data)
    except BadCallback:
        return
    assert encode(button.action, button.lead_id, button.version, button.argument) == data


@pytest.mark.parametrize("data", ["l:zz:1:1", "l:r:1", "l:r:1:1:UPPER", "l:r:1:1:" + "a" * 25])
def test_near_misses_are_refused(data: str) -> None:
    with pytest.raises(BadCallback):
        decode(data)


def test_queue_buttons_round_trip() -> None:
    assert decode_page(page_button(12)) == 12
    assert decode_open(open_button(BIGGEST_LEAD)) == BIGGEST_LEAD
    with pytest.raises(BadCallback):
        decode_page("q:-1")
    with pytest.raises(BadCallback):
        decode_open("o:1:2")


# -- buttons by state ----------------------------------------------------------------------


def lead(**fields: object) -> Lead:
    base = Lead(Channel.API, NOW - timedelta(hours=1), id=7, name="Olga", version=3)
    return replace(base, **fields)


REACHED = {"first_attempt_at": NOW, "first_contact_at": NOW, "stage": "contacted", "attempts": 1}


def test_a_new_lead_offers_the_contact_outcomes() -> None:
    assert labels(lead_buttons(lead(), now=NOW)) == [
        "✅ Reached",
        "📵 No answer",
        "📞 Busy",
        "🚫 Wrong number",
        "⏰ Remind",
        "❌ Lost",
    ]


def test_a_lead_whose_round_is_over_offers_one_more_round_or_could_not_reach() -> None:
    rows = lead_buttons(lead(attempts=4, unanswered=4), now=NOW)

    assert labels(rows) == ["✅ Reached", "🔁 One more round", "❌ Could not reach", "⏰ Remind"]
    assert "l:lr:7:3:unreachable" in datas(rows)


def test_a_reached_lead_offers_the_rating_and_the_four_questions() -> None:
    rows = lead_buttons(lead(**REACHED, criteria=frozenset({"need"})), now=NOW)

    assert labels(rows) == [
        "🔥 Hot",
        "🌤 Warm",
        "❄️ Cold",
        "⬜ Budget",
        "⬜ Decision maker",
        "☑️ Need",
        "⬜ Timing",
        "⏰ Remind",
        "❌ Lost",
    ]


def test_a_rated_lead_offers_its_stages_and_closing() -> None:
    rated = lead(**{**REACHED, "stage": "meeting"}, temperature=Temperature.HOT)

    assert labels(lead_buttons(rated, now=NOW))[:4] == [
        "⬅️ qualified",
        "➡️ proposal",
        "🏆 Won",
        "❌ Lost",
    ]


def test_a_lead_at_the_last_stage_has_no_forward_button() -> None:
    last = lead(**{**REACHED, "stage": "demo"}, temperature=Temperature.HOT)

    assert labels(lead_buttons(last, now=NOW, pipeline=Pipeline(("new", "demo"))))[:2] == [
        "🏆 Won",
        "❌ Lost",
    ]


def test_a_due_reminder_puts_done_and_snooze_first() -> None:
    due = lead(**REACHED, remind_at=NOW - timedelta(minutes=1), next_step="Call")

    assert labels(lead_buttons(due, now=NOW))[:2] == ["✅ Done", "💤 Snooze"]
    assert labels(lead_buttons(due, now=NOW - timedelta(hours=1)))[0] == "🔥 Hot"


def test_a_prospect_who_writes_to_the_bot_can_be_written_to() -> None:
    assert (
        labels(lead_buttons(lead(telegram_chat_id=42), now=NOW))[-1] == "💬 Write to the prospect"
    )


def test_a_closed_lead_has_no_buttons() -> None:
    assert lead_buttons(lead(stage="won", won_amount=1), now=NOW) == []


@pytest.mark.parametrize(
    ("view", "first", "last"),
    [
        (View.LOSS_REASONS, "Too expensive", "↩️ Back"),
        (View.COLD, "Too expensive", "↩️ Back"),
        (View.PARK, "In a month", "↩️ Back"),
        (View.RATE, "🔥 Hot", "↩️ Back"),
        (View.WARM, "Tomorrow morning", "↩️ Back"),
        (View.REMIND, "In 1 h", "↩️ Back"),
        (View.SNOOZE, "In 1 h", "↩️ Back"),
        (View.NEXT, "Tomorrow morning", "↩️ Back"),
        (View.WON, "↩️ Cancel", "↩️ Cancel"),
        (View.OTHER, "↩️ Cancel", "↩️ Cancel"),
        (View.WRITE, "↩️ Cancel", "↩️ Cancel"),
    ],
)
def test_each_view_offers_its_choices_and_a_way_back(view: View, first: str, last: str) -> None:
    shown = labels(lead_buttons(lead(**REACHED), view.value, now=NOW))

    assert (shown[0], shown[-1]) == (first, last)


# -- buttons by who looks: working them, and moving the lead -----------------------------

MIRA = Member(8001, "Mira", Role.MANAGER, id=1)
ROMAN = Member(8002, "Roman", id=2)
VERA = Member(8003, "Vera", id=3)
AT_WORK = [Candidate(VERA), Candidate(MIRA, "at capacity")]
CONTACT = [
    "✅ Reached",
    "📵 No answer",
    "📞 Busy",
    "🚫 Wrong number",
    "⏰ Remind",
    "❌ Lost",
]


def keyboard(
    viewer: Member | None, view: str = "", template: Template = Template.CARD, **fields: object
) -> list[str]:
    return labels(card_keyboard(template, view, lead(**fields), viewer, AT_WORK, NOW))


def test_the_owner_works_the_lead_and_can_hand_it_back() -> None:
    taken = keyboard(ROMAN, owner_id=ROMAN.id, taken_at=NOW)
    untaken = keyboard(ROMAN, owner_id=ROMAN.id)

    assert taken == [*CONTACT, "↩️ Hand back"]
    assert untaken == ["🙋 Taking it", *taken]


def test_a_manager_works_the_lead_and_can_reassign_it() -> None:
    assert keyboard(MIRA, owner_id=ROMAN.id) == [*CONTACT, "🔀 Reassign"]
    rated = {**REACHED, "stage": "meeting", "temperature": Temperature.HOT}
    assert keyboard(MIRA, owner_id=ROMAN.id, **rated)[-1] == "🔀 Reassign"


def test_another_rep_gets_no_buttons_at_all() -> None:
    assert keyboard(VERA, owner_id=ROMAN.id) == []
    assert keyboard(None, owner_id=ROMAN.id) == []


def test_a_lead_nobody_took_or_answered_offers_the_reps_themselves_to_a_manager() -> None:
    unassigned = keyboard(MIRA, template=Template.UNASSIGNED_ALERT)
    overdue = card_keyboard(
        Template.FIRST_RESPONSE_BREACH,
        "",
        lead(owner_id=ROMAN.id),
        MIRA,
        AT_WORK,
        NOW,
        owner=ROMAN,
    )

    assert unassigned == [*CONTACT, "👤 Vera", "👤 Mira · at capacity"]
    assert labels(overdue) == [
        "👤 Vera",
        "👤 Mira · at capacity",
        "🙋 Take it myself",
        "🔔 Remind Roman",
    ]


def test_the_reassign_and_hand_back_views_show_their_choices_to_those_who_may_use_them() -> None:
    reps = keyboard(MIRA, View.REASSIGN.value, owner_id=ROMAN.id)
    reasons = keyboard(ROMAN, View.HAND_BACK.value, owner_id=ROMAN.id)

    assert reps == ["👤 Vera", "👤 Mira · at capacity", "↩️ Back"]
    assert reasons == [*HAND_BACK_LABELS.values(), "↩️ Back"]
    assert keyboard(ROMAN, View.REASSIGN.value, owner_id=ROMAN.id) == [*CONTACT, "↩️ Hand back"]
    assert keyboard(MIRA, View.HAND_BACK.value, owner_id=ROMAN.id) == [*CONTACT, "🔀 Reassign"]


def test_a_choice_in_progress_shows_only_its_own_buttons_and_an_unknown_view_the_default() -> None:
    assert keyboard(MIRA, View.LOSS_REASONS.value, owner_id=ROMAN.id)[-1] == "↩️ Back"
    assert "🔀 Reassign" not in keyboard(MIRA, View.REMIND.value, owner_id=ROMAN.id)
    assert keyboard(ROMAN, "no-such-view", owner_id=ROMAN.id) == [*CONTACT, "↩️ Hand back"]
    assert labels(lead_buttons(lead(), View.REASSIGN.value, now=NOW)) == CONTACT


def test_a_closed_lead_offers_nobody_anything() -> None:
    assert keyboard(MIRA, owner_id=ROMAN.id, stage="lost") == []


def test_the_timeline_says_who_handed_a_lead_back_and_why_and_who_got_it() -> None:
    names = {ROMAN.id: "Roman", VERA.id: "Vera"}
    back = Event(7, EventKind.HANDED_BACK, NOW, ROMAN.id, {"owner_id": 2, "reason": "too busy"})
    reason = "handed back by Roman (too busy): round robin among 1 eligible"
    given = Event(7, EventKind.ASSIGNED, NOW, None, {"owner_id": VERA.id, "reason": reason})

    assert describe_event(back, names, UTC) == "handed back: “too busy”"
    assert describe_event(given, names, UTC) == f"assigned to Vera ({reason})"


def test_the_card_shows_the_plan_the_questions_and_the_stage_norm() -> None:
    planned = lead(
        **{**REACHED, "stage": "meeting"},
        temperature=Temperature.WARM,
        criteria=frozenset({"budget", "timing"}),
        stage_changed_at=NOW - timedelta(days=8),
        remind_at=NOW + timedelta(days=1),
        next_step="Send <the> offer",
    )

    text = card_text(planned, None, None, NOW)

    assert "stage: meeting (day 9 of 7) ⚠️" in text
    assert "rated warm · ✔ budget, timing" in text
    assert "⏰ Send &lt;the&gt; offer: Thu 03.12 10:00" in text


def test_the_card_calls_out_a_reached_lead_with_nothing_planned() -> None:
    assert "⚠️ No next step planned" in card_text(lead(**REACHED), None, None, NOW)


# -- settings that shape the work ----------------------------------------------------------


def test_the_cadence_stages_and_norms_come_from_settings() -> None:
    settings = Settings(
        _env_file=None,
        attempt_cadence="10m, 1h,morning",
        stages="new,contacted,demo,contract",
        stage_norms="demo=5",
        prompt_minutes=30,
    )

    rules = rules_from(settings)

    assert str(rules.cadence) == "10m,1h,morning"
    assert rules.pipeline.stages == ("new", "contacted", "demo", "contract")
    assert dict(rules.pipeline.norms or {}) == {"demo": 5}
    assert rules.prompt_ttl == timedelta(minutes=30)


def test_default_norms_follow_the_stages_that_have_one() -> None:
    rules = rules_from(Settings(_env_file=None, stages="new,contacted,demo"))

    assert dict(rules.pipeline.norms or {}) == {"contacted": 3}


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("attempt_cadence", "soon", "LEADLINE_ATTEMPT_CADENCE"),
        ("stages", "contacted,new", "LEADLINE_STAGES"),
        ("stage_norms", "meeting=3", "LEADLINE_STAGE_NORMS"),
    ],
)
def test_a_bad_work_setting_is_named_in_one_line(field: str, value: str, named: str) -> None:
    stages = {"stages": "new,demo"} if field == "stage_norms" else {}
    with pytest.raises(ValidationError) as refused:
        Settings(_env_file=None, **{field: value, **stages})

    assert settings_error(refused.value).startswith(f"Setting {named} is invalid")
