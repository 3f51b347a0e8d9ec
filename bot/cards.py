"""Rendering: a lead as a card in Telegram, and every outbox template as a message.

Cards are drawn when they are sent, from the lead as it is then, so a card that waited
in the outbox never shows a stale state. The buttons depend on where the lead stands and
who looks at it: the owner works the lead, managers can also move it to another rep, and
the owner can hand it back; whether a press is allowed is still decided again on the
server. A card that was sent with the lead's timeline (`/lead N`) keeps its timeline on
every redraw. Templates drawn elsewhere (stats as a photo, an export as a document) are
handed to their drawers.
"""

import html
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import KW_ONLY, dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import alerts
from bot.callbacks import encode
from bot.queue import render_queue
from bot.timeline import timeline
from core.clock import Clock
from core.distributing import HAND_BACK_LABELS
from core.events import EventKind
from core.leads import CRITERIA, LOSS_REASON_LABELS, Lead, LossReason
from core.notices import Shown, Template
from core.pipeline import DEFAULT_PIPELINE, Pipeline
from core.ports import UnitOfWork
from core.reminders import NEXT_STEP_PRESETS, PARK_PRESETS, PRESETS, REMIND_PRESETS
from core.routing import Candidate, candidates
from core.rules import Rules
from core.services import Action, View
from core.team import Member
from storage.outbox import Pending


@dataclass(frozen=True)
class Rendered:
    """A message ready for Telegram: HTML text, optional buttons, optional image or file.

    With a photo or a document the text is its caption; `version` is the version of the
    lead a card was drawn from.
    """

    text: str
    markup: InlineKeyboardMarkup | None = None
    _: KW_ONLY
    photo: bytes | None = None
    document: bytes | None = None
    filename: str | None = None
    version: int | None = None


Draw = Callable[[Pending], Awaitable[Rendered]]


def describe_age(delta: timedelta) -> str:
    """Say how long ago something happened, in a few characters."""
    minutes = int(delta.total_seconds() // 60)
    if minutes < 1:
        return "just now"
    if minutes < 60:
        return f"{minutes} min ago"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min ago" if minutes else f"{hours} h ago"
    return f"{hours // 24} d ago"


def money(amount: object) -> str:
    """Write an amount with spaces between thousands."""
    return f"{amount:,}".replace(",", " ")


def card_text(
    lead: Lead,
    source: str | None,
    owner: Member | None,
    now: datetime,
    tz: tzinfo = UTC,
    pipeline: Pipeline = DEFAULT_PIPELINE,
) -> str:
    """Draw the lead's card: who, how to reach them, from where, what they want, how old."""
    esc = html.escape
    lines = [f"<b>Lead #{lead.id}</b> · {esc(lead.name or 'no name given')}"]
    if lead.phone:
        lines.append(f"📞 {esc(lead.phone)}")
    if lead.email:
        lines.append(f"✉️ {esc(lead.email)}")
    if lead.telegram_chat_id:
        lines.append("💬 writes to the bot")
    origin = f"{esc(source)} · {lead.channel.value}" if source else lead.channel.value
    if not source and lead.utm.get("utm_source"):
        origin = f"{esc(lead.utm['utm_source'])} · {lead.channel.value}"
    lines.append(f"Source: {origin}")
    if lead.product or lead.region:
        lines.append(" · ".join(esc(x) for x in (lead.product, lead.region) if x))
    if lead.message:
        lines.append(f"💬 <i>{esc(lead.message[:600])}</i>")
    lines.append(f"Received {describe_age(now - lead.created_at)} · {_stage(lead, now, pipeline)}")
    lines.append(_status_line(lead, owner))
    lines.extend(_plan_lines(lead, now, tz))
    return "\n".join(lines)


def _stage(lead: Lead, now: datetime, pipeline: Pipeline) -> str:
    norm = pipeline.norm(lead.stage) if lead.is_open else None
    if norm is None:
        return f"stage: {lead.stage}"
    day = (now - lead.stage_since).days + 1
    late = " ⚠️" if pipeline.is_stalled(lead.stage, lead.stage_since, now) else ""
    return f"stage: {lead.stage} (day {day} of {norm}){late}"


def _status_line(lead: Lead, owner: Member | None) -> str:
    who = f"Owner: {html.escape(owner.name)}" if owner else "Owner: nobody yet"
    facts = [who]
    if lead.attempts:
        facts.append(f"attempts: {lead.attempts}")
    if lead.temperature:
        facts.append(f"rated {lead.temperature.value}")
    if lead.criteria:
        ticked = ", ".join(CRITERIA[c].lower() for c in CRITERIA if c in lead.criteria)
        facts.append(f"✔ {ticked}")
    if lead.won_amount is not None:
        facts.append(f"won: {money(lead.won_amount)}")
    if lead.loss_reason:
        facts.append(f"lost: {LOSS_REASON_LABELS[lead.loss_reason].lower()}")
    if lead.loss_note:
        facts.append(f"“{html.escape(lead.loss_note[:200])}”")
    return " · ".join(facts)


def _plan_lines(lead: Lead, now: datetime, tz: tzinfo) -> list[str]:
    def at(moment: datetime) -> str:
        """Say a moment as the team reads it."""
        return moment.astimezone(tz).strftime("%a %d.%m %H:%M")

    if not lead.is_open:
        return []
    lines = []
    if lead.retry_at is not None:
        due = "due now" if lead.retry_at <= now else at(lead.retry_at)
        lines.append(f"📞 Next attempt: {due}")
    elif lead.round_is_over:
        lines.append(f"📵 Not reached after {lead.unanswered} tries: one more round, or close it")
    if lead.remind_at is not None:
        step = html.escape(lead.next_step or "next step")
        due = " · <b>due</b>" if lead.remind_at <= now else ""
        lines.append(f"⏰ {step}: {at(lead.remind_at)}{due}")
    elif lead.is_reached:
        lines.append("⚠️ No next step planned")
    return lines


def _button(text: str, action: Action, lead: Lead, argument: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text, callback_data=encode(action, lead.id, lead.version, argument)
    )


def _pairs(buttons: list[InlineKeyboardButton]) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


def _criteria_rows(lead: Lead) -> list[list[InlineKeyboardButton]]:
    boxes = [
        _button(f"{'☑️' if key in lead.criteria else '⬜'} {label}", Action.CRITERION, lead, key)
        for key, label in CRITERIA.items()
    ]
    return _pairs(boxes)


def _presets(lead: Lead, action: Action, keys: Sequence[str]) -> list[InlineKeyboardButton]:
    return [_button(PRESETS[key].label, action, lead, key) for key in keys]


def _back(lead: Lead, label: str = "↩️ Back") -> list[InlineKeyboardButton]:
    return [_button(label, Action.BACK, lead)]


def _view_rows(lead: Lead, view: View) -> list[list[InlineKeyboardButton]]:
    match view:
        case View.LOSS_REASONS | View.COLD:
            action = Action.COLD if view is View.COLD else Action.LOSS_REASON
            rows = _pairs(
                [_button(label, action, lead, r.value) for r, label in LOSS_REASON_LABELS.items()]
            )
            if view is View.COLD:
                rows.append([_button("🅿️ Park it with a date", Action.COLD, lead, "park")])
            return [*rows, _back(lead)]
        case View.RATE:
            return [_rating_row(lead), _back(lead)]
        case View.WARM:
            return [*_pairs(_presets(lead, Action.WARM, NEXT_STEP_PRESETS)), _back(lead)]
        case View.NEXT:
            return [*_pairs(_presets(lead, Action.DONE, NEXT_STEP_PRESETS)), _back(lead)]
        case View.PARK:
            return [_presets(lead, Action.PARK, PARK_PRESETS), _back(lead)]
        case View.REMIND:
            return [*_pairs(_presets(lead, Action.REMIND_AT, REMIND_PRESETS)), _back(lead)]
        case View.SNOOZE:
            return [*_pairs(_presets(lead, Action.SNOOZE, REMIND_PRESETS)), _back(lead)]
        case _:
            return [_back(lead, "↩️ Cancel")]


def _rating_row(lead: Lead) -> list[InlineKeyboardButton]:
    return [
        _button("🔥 Hot", Action.HOT, lead),
        _button("🌤 Warm", Action.WARM, lead),
        _button("❄️ Cold", Action.COLD, lead),
    ]


def _contact_rows(lead: Lead) -> list[list[InlineKeyboardButton]]:
    reached = _button("✅ Reached", Action.REACHED, lead)
    remind = _button("⏰ Remind", Action.REMIND, lead)
    if lead.round_is_over:
        give_up = _button("❌ Could not reach", Action.LOSS_REASON, lead, LossReason.UNREACHABLE)
        return [
            [reached, _button("🔁 One more round", Action.ONE_MORE_ROUND, lead)],
            [give_up, remind],
        ]
    return [
        [reached, _button("📵 No answer", Action.NO_ANSWER, lead)],
        [
            _button("📞 Busy", Action.BUSY, lead),
            _button("🚫 Wrong number", Action.WRONG_NUMBER, lead),
        ],
        [remind, _button("❌ Lost", Action.LOSE, lead)],
    ]


def _pipeline_rows(lead: Lead, pipeline: Pipeline) -> list[list[InlineKeyboardButton]]:
    moves = []
    back = pipeline.previous_before(lead.stage)
    if back is not None:
        moves.append(_button(f"⬅️ {back}", Action.BACKWARD, lead))
    forward = pipeline.next_after(lead.stage)
    if forward is not None:
        moves.append(_button(f"➡️ {forward}", Action.FORWARD, lead))
    closing = [_button("🏆 Won", Action.WON, lead), _button("❌ Lost", Action.LOSE, lead)]
    rows = [moves, closing] if moves else [closing]
    tools = [_button("⏰ Remind", Action.REMIND, lead), _button("🌡 Rate", Action.RATE, lead)]
    return [*rows, *_criteria_rows(lead), tools]


# Views drawn by `card_keyboard`, since what they offer depends on who looks at the card.
_VIEWER_VIEWS = frozenset({View.REASSIGN, View.HAND_BACK})


def lead_buttons(
    lead: Lead,
    view: str = "",
    now: datetime | None = None,
    pipeline: Pipeline = DEFAULT_PIPELINE,
) -> list[list[InlineKeyboardButton]]:
    """Choose the buttons a lead's card offers in its current state and view.

    An unknown view, or one whose buttons depend on who looks (the reps to reassign to,
    the reasons to hand back: see `card_keyboard`), gets the default buttons.
    """
    if not lead.is_open:
        return []
    chosen = View(view) if view in View._value2member_map_ else View.DEFAULT
    if chosen in _VIEWER_VIEWS:
        chosen = View.DEFAULT
    if chosen is not View.DEFAULT:
        return _view_rows(lead, chosen)
    rows: list[list[InlineKeyboardButton]] = []
    if now is not None and lead.remind_at is not None and lead.remind_at <= now:
        rows.append(
            [_button("✅ Done", Action.DONE, lead), _button("💤 Snooze", Action.SNOOZE, lead)]
        )
    if not lead.is_reached:
        rows += _contact_rows(lead)
    elif lead.temperature is None:
        rows += [_rating_row(lead), *_criteria_rows(lead)]
        rows.append(
            [_button("⏰ Remind", Action.REMIND, lead), _button("❌ Lost", Action.LOSE, lead)]
        )
    else:
        rows += _pipeline_rows(lead, pipeline)
    if lead.telegram_chat_id is not None:
        rows.append([_button("💬 Write to the prospect", Action.WRITE, lead)])
    return rows


MAX_REP_BUTTONS = 24


def reassign_keyboard(
    lead: Lead, reps: Sequence[Candidate], back: bool = False
) -> list[list[InlineKeyboardButton]]:
    """Offer a manager one button per rep at work, two to a row; any card or alert can carry it.

    Pass what `core.routing.candidates` gives (the renderer's `candidates` does): reps who
    fit the routing rules come first; one who does not says why on the button ("👤 Roman ·
    at capacity"), as the manager is overruling the rules. Buttons are drawn for the
    lead's current version, so a press on an outdated alert is refused and redrawn.
    """
    buttons = [
        _button(_rep_label(rep), Action.ASSIGN, lead, str(rep.member.id))
        for rep in reps[:MAX_REP_BUTTONS]
    ]
    rows = _pairs(buttons)
    if not buttons and back:
        rows = [[_button("Nobody else can take it now", Action.BACK, lead)]]
    return [*rows, _back(lead)] if back else rows


def _rep_label(rep: Candidate) -> str:
    name = f"👤 {rep.member.name}"
    return f"{name} · {rep.misfit}" if rep.misfit else name


def hand_back_keyboard(lead: Lead) -> list[list[InlineKeyboardButton]]:
    """Offer the owner the reasons to hand a lead back, and a way back."""
    reasons = [
        [_button(label, Action.HAND_BACK_REASON, lead, reason.value)]
        for reason, label in HAND_BACK_LABELS.items()
    ]
    return [*reasons, _back(lead)]


# Alerts whose buttons are the reps themselves: a manager is asked to pick an owner now.
# Other cards a manager sees carry one Reassign button that opens the same list.
REASSIGN_INLINE = {Template.UNASSIGNED_ALERT, Template.FIRST_RESPONSE_BREACH}


def card_keyboard(
    template: Template,
    view: str,
    lead: Lead,
    viewer: Member | None,
    reps: Sequence[Candidate],
    now: datetime | None = None,
    pipeline: Pipeline = DEFAULT_PIPELINE,
    owner: Member | None = None,
    for_managers: bool = False,
) -> list[list[InlineKeyboardButton]]:
    """Choose a card's buttons for the one who sees it: the owner works it, managers move it.

    The working buttons (`lead_buttons`) come first; under them a manager gets 🔀 Reassign
    (or, on an alert about a lead nobody took or nobody answered, the reps themselves) and
    the owner ↩️ Hand back. A choice in progress (loss reasons, a date, the reps, the
    reasons to hand back) shows only its own buttons; a view this viewer may not use, or
    does not know, falls back to the default buttons. An overdue or stall alert meant for
    managers (in a manager's chat, or in the managers' group, where nobody in particular
    looks) offers the reps, Take it myself and Remind the owner; the owner's copy of an
    alert that is not yet taken leads with Taking it.
    """
    owns = viewer is not None and viewer.active and viewer.id == lead.owner_id
    manages = for_managers or (viewer is not None and viewer.is_manager)
    if not lead.is_open or not (owns or manages):
        return []
    if manages and not view and template in alerts.ESCALATIONS:
        return [*reassign_keyboard(lead, reps), alerts.escalation_row(lead, owner)]
    if view == View.REASSIGN and manages:
        return reassign_keyboard(lead, reps, back=True)
    if view == View.HAND_BACK and owns:
        return hand_back_keyboard(lead)
    rows = lead_buttons(lead, view, now, pipeline)
    if view in View._value2member_map_ and View(view) not in (View.DEFAULT, *_VIEWER_VIEWS):
        return rows  # a choice in progress shows only its own buttons
    if owns and not view and lead.taken_at is None and lead.first_attempt_at is None:
        rows = [[_button("🙋 Taking it", Action.TAKE, lead)], *rows]
    if manages and (lead.owner_id is None or template in REASSIGN_INLINE):
        return [*rows, *reassign_keyboard(lead, reps)]
    extra = []
    if manages:
        extra.append(_button("🔀 Reassign", Action.REASSIGN, lead))
    if owns:
        extra.append(_button("↩️ Hand back", Action.HAND_BACK, lead))
    return [*rows, extra] if extra else rows


_HEADLINES = {
    Template.LEAD_ALERT: "🆕 <b>New lead for you</b>",
    Template.UNASSIGNED_ALERT: "⚠️ <b>Lead with no owner</b>",
    Template.FIRST_RESPONSE_NUDGE: "⏰ <b>This lead is still waiting for a first response</b>",
    Template.REMINDER: "⏰ <b>Reminder</b>",
    Template.CARD: "",
}
_VIEW_HEADLINES = {
    View.LOSS_REASONS: "❌ <b>Why was it lost?</b>",
    View.COLD: "❄️ <b>Cold:</b> close it with a reason, or park it with a date to look again.",
    View.PARK: "🅿️ <b>When to look again?</b> Pick one, or type a date such as “in 3 months”.",
    View.RATE: "🌡 <b>How ready is the prospect?</b>",
    View.WARM: "🌤 <b>Warm: what is the next step, and when?</b> Pick a date, or type one "
    "with the step, e.g. “tomorrow 10:00 send the offer”.",
    View.NEXT: "✅ <b>Done. What is the next step, and when?</b> Pick a date, or type one, "
    "e.g. “in 2 weeks call back”.",
    View.REMIND: "⏰ <b>When should I remind you?</b> Pick one, or type a time such as "
    "“tomorrow 10:00”, “in 2 days”, “15.01 14:30” or “завтра в 10”.",
    View.SNOOZE: "💤 <b>Snooze until when?</b> Pick one, or type a time.",
    View.WON: "🏆 <b>Send the amount of the deal</b> in a message, e.g. 150000.",
    View.OTHER: "✍️ <b>Send the reason</b> in a message.",
    View.WRITE: "💬 <b>Send your message to the prospect.</b> It goes out from the bot, "
    "signed with your first name.",
    View.REASSIGN: "🔀 <b>Who takes it?</b> Reps who fit the routing rules come first.",
    View.HAND_BACK: "↩️ <b>Why do you hand it back?</b> Routing finds it another owner.",
}


class Renderer:
    """Turns outbox rows into Telegram messages, reading the lead as it is now."""

    def __init__(
        self,
        read_uow: Callable[[], UnitOfWork],
        clock: Clock,
        rules: Rules,
        drawers: Mapping[Template, Draw] | None = None,
    ) -> None:
        self.read_uow = read_uow
        self.clock = clock
        self.rules = rules
        self.tz = rules.calendar.tz
        self.pipeline = rules.pipeline
        self.policy = rules.routing
        # Templates drawn elsewhere (stats, export), keyed by template.
        self.drawers = dict(drawers or {})

    async def render(self, row: Pending) -> Rendered | None:
        """Draw one row; None when there is nothing left to say (the lead is gone)."""
        template = Template(row.template)
        if template is Template.TEXT:
            return Rendered(html.escape(str(row.data.get("text", ""))))
        if template in self.drawers:
            return await self.drawers[template](row)
        if template is Template.DIGEST:
            return Rendered(alerts.digest_text(row.data))
        if template in (Template.QUEUE, Template.MORNING_QUEUE):
            return await self._queue(row)
        async with self.read_uow() as uow:
            lead = await uow.leads.get(row.lead_id) if row.lead_id else None
            if lead is None:
                return None
            members = await uow.members.all()
            source = await uow.sources.get(lead.source_id) if lead.source_id else None
            reason = await self._unassigned_reason(uow, lead)
            history = None
            if await self._with_timeline(uow, template, row):
                events = await uow.events.for_lead(lead.id)
                history = timeline(events, members, self.tz, lead.message)
            viewer = next((m for m in members if m.chat_id == row.chat_id), None)
            manages = _for_managers(row) or (viewer is not None and viewer.is_manager)
            reps = await self.candidates(uow, lead, members) if manages else []
        text = self._say(template, row, lead, source.name if source else None, members, reason)
        if isinstance(text, Rendered):
            return text
        if history:
            text = f"{text}\n\n{history}"
        view = str(row.data.get("view", ""))
        owner = next((m for m in members if m.id == lead.owner_id), None)
        rows = card_keyboard(
            template,
            view,
            lead,
            viewer,
            reps,
            self.clock.now(),
            self.pipeline,
            owner,
            _for_managers(row),
        )
        return Rendered(text, InlineKeyboardMarkup(rows) if rows else None, version=lead.version)

    async def candidates(
        self, uow: UnitOfWork, lead: Lead, members: Sequence[Member]
    ) -> list[Candidate]:
        """List the reps a manager may give the lead to now, those who fit the rules first."""
        loads = await uow.leads.open_counts_by_owner()
        today = self.clock.now().astimezone(self.tz).date()
        return candidates(members, lead, loads, self.policy, today)

    async def _with_timeline(self, uow: UnitOfWork, template: Template, row: Pending) -> bool:
        if template is Template.TIMELINE:
            return True
        if row.edit_message_id is None:
            return False
        shown = await uow.cards.shown_at(row.chat_id, row.edit_message_id)
        return shown is not None and shown[1] is Shown.TIMELINE

    async def _queue(self, row: Pending) -> Rendered | None:
        async with self.read_uow() as uow:
            member = await uow.members.get(int(row.data.get("member_id", 0)))
            if member is None:
                return None
            leads = await uow.leads.open_of_owner_to_read(member.id)
        now, page = self.clock.now(), int(row.data.get("page", 0))
        if Template(row.template) is Template.MORNING_QUEUE:
            first = [int(lead_id) for lead_id in row.data.get("first", [])]
            text, rows = render_queue(leads, page, now, self.tz, morning=first)
        else:
            text, rows = render_queue(leads, page, now, self.tz)
        return Rendered(text, InlineKeyboardMarkup(rows) if rows else None)

    async def _unassigned_reason(self, uow: UnitOfWork, lead: Lead) -> str:
        if lead.owner_id is not None:
            return ""
        event = await uow.events.last_of_kind(lead.id, EventKind.UNASSIGNED)
        return str(event.data.get("reason", "")) if event else ""

    def _say(
        self,
        template: Template,
        row: Pending,
        lead: Lead,
        source: str | None,
        members: Sequence[Member],
        reason: str,
    ) -> str | Rendered:
        if template is Template.INQUIRY_REPEATED:
            said = html.escape(str(row.data.get("message", "")))
            return Rendered(f"🔁 <b>Lead #{lead.id} wrote again</b>\n<i>{said}</i>")
        if template is Template.PROSPECT_MESSAGE:
            said = html.escape(str(row.data.get("text", "")))
            who = html.escape(lead.name or "The prospect")
            return Rendered(
                f"💬 <b>Lead #{lead.id} · {who} writes:</b>\n{said}\n\n"
                "<i>Reply to this message to answer; it goes out signed with your first name.</i>"
            )
        owner = next((m for m in members if m.id == lead.owner_id), None)
        now = self.clock.now()
        body = card_text(lead, source, owner, now, self.tz, self.pipeline)
        timed = alerts.headline(template, lead, row.data, self.rules.calendar, now)
        headline = _HEADLINES.get(template, "") if timed is None else timed
        if template is Template.ATTEMPT_DUE:
            headline = f"📞 <b>Time for attempt {row.data.get('attempt', lead.attempts + 1)}</b>"
        if template is Template.REMINDER and lead.next_step:
            headline = f"⏰ <b>Reminder: {html.escape(lead.next_step)}</b>"
        note = str(row.data.get("note", ""))
        if note:
            headline = "\n".join(
                filter(None, [headline, f"<i>{html.escape(note, quote=False)}</i>"])
            )
        view = str(row.data.get("view", ""))
        if view in View._value2member_map_ and View(view) in _VIEW_HEADLINES:
            headline = _VIEW_HEADLINES[View(view)]
        if reason:
            headline = "\n".join(filter(None, [headline, f"Why: {html.escape(reason)}"]))
        return "\n\n".join(filter(None, [headline, body]))


def _for_managers(row: Pending) -> bool:
    return row.data.get("for") == "managers"
