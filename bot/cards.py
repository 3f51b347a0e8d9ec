"""Rendering: a lead as a card in Telegram, and every outbox template as a message.

Cards are drawn when they are sent, from the lead as it is then, so a card that waited
in the outbox never shows a stale state. The buttons depend on where the lead stands and
who looks at it; whether a press is allowed is still decided again on the server.
"""

import html
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import KW_ONLY, dataclass
from datetime import datetime, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import alerts
from bot.callbacks import encode
from core.clock import Clock
from core.distributing import HAND_BACK_LABELS
from core.events import EventKind
from core.leads import LOSS_REASON_LABELS, Lead
from core.notices import Template
from core.ports import UnitOfWork
from core.routing import Candidate, candidates
from core.rules import Rules
from core.services import Action
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


def card_text(lead: Lead, source: str | None, owner: Member | None, now: datetime) -> str:
    """Draw the lead's card: who, how to reach them, from where, what they want, how old."""
    esc = html.escape
    lines = [f"<b>Lead #{lead.id}</b> · {esc(lead.name or 'no name given')}"]
    if lead.phone:
        lines.append(f"📞 {esc(lead.phone)}")
    if lead.email:
        lines.append(f"✉️ {esc(lead.email)}")
    if lead.telegram_chat_id and not (lead.phone or lead.email):
        lines.append("💬 writes to the bot")
    origin = f"{esc(source)} · {lead.channel.value}" if source else lead.channel.value
    lines.append(f"Source: {origin}")
    if lead.product or lead.region:
        lines.append(" · ".join(esc(x) for x in (lead.product, lead.region) if x))
    if lead.message:
        lines.append(f"💬 <i>{esc(lead.message[:600])}</i>")
    lines.append(f"Received {describe_age(now - lead.created_at)} · stage: {lead.stage}")
    lines.append(_status_line(lead, owner))
    return "\n".join(lines)


def _status_line(lead: Lead, owner: Member | None) -> str:
    who = f"Owner: {html.escape(owner.name)}" if owner else "Owner: nobody yet"
    facts = [who]
    if lead.attempts:
        facts.append(f"attempts: {lead.attempts}")
    if lead.temperature:
        facts.append(f"rated {lead.temperature.value}")
    if lead.loss_reason:
        facts.append(f"lost: {LOSS_REASON_LABELS[lead.loss_reason].lower()}")
    return " · ".join(facts)


def _button(text: str, action: Action, lead: Lead, argument: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text, callback_data=encode(action, lead.id, lead.version, argument)
    )


def lead_buttons(lead: Lead, view: str = "") -> list[list[InlineKeyboardButton]]:
    """Choose the buttons a lead's card offers in its current state."""
    if not lead.is_open:
        return []
    if view == "loss_reasons":
        reasons = [
            _button(label, Action.LOSS_REASON, lead, r.value)
            for r, label in LOSS_REASON_LABELS.items()
        ]
        rows = [reasons[i : i + 2] for i in range(0, len(reasons), 2)]
        return [*rows, [_button("↩️ Back", Action.BACK, lead)]]
    lose = _button("❌ Lost", Action.LOSE, lead)
    if lead.first_contact_at is None:
        return [
            [
                _button("✅ Reached", Action.REACHED, lead),
                _button("📵 No answer", Action.NO_ANSWER, lead),
            ],
            [lose],
        ]
    if lead.temperature is None:
        return [
            [
                _button("🔥 Hot", Action.HOT, lead),
                _button("🌤 Warm", Action.WARM, lead),
                _button("❄️ Cold", Action.COLD, lead),
            ],
            [lose],
        ]
    return [[lose]]


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
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    if not buttons and back:
        rows = [[_button("Nobody else can take it now", Action.BACK, lead)]]
    return [*rows, [_button("↩️ Back", Action.BACK, lead)]] if back else rows


def _rep_label(rep: Candidate) -> str:
    name = f"👤 {rep.member.name}"
    return f"{name} · {rep.misfit}" if rep.misfit else name


def hand_back_keyboard(lead: Lead) -> list[list[InlineKeyboardButton]]:
    """Offer the owner the reasons to hand a lead back, and a way back."""
    reasons = [
        [_button(label, Action.HAND_BACK_REASON, lead, reason.value)]
        for reason, label in HAND_BACK_LABELS.items()
    ]
    return [*reasons, [_button("↩️ Back", Action.BACK, lead)]]


# Alerts whose buttons are the reps themselves: a manager is asked to pick an owner now.
# Other cards a manager sees carry one Reassign button that opens the same list.
REASSIGN_INLINE = {Template.UNASSIGNED_ALERT, Template.FIRST_RESPONSE_BREACH}


def card_keyboard(
    template: Template,
    view: str,
    lead: Lead,
    viewer: Member | None,
    reps: Sequence[Candidate],
    owner: Member | None = None,
    for_managers: bool = False,
) -> list[list[InlineKeyboardButton]]:
    """Choose a card's buttons for the one who sees it: the owner works it, managers move it.

    An overdue or stall alert meant for managers (in a manager's chat, or in the managers'
    group, where nobody in particular looks) offers the reps, Take it myself and Remind.
    """
    owns = viewer is not None and viewer.active and viewer.id == lead.owner_id
    manages = for_managers or (viewer is not None and viewer.is_manager)
    if not lead.is_open or not (owns or manages):
        return []
    if manages and not view and template in alerts.ESCALATIONS:
        return [*reassign_keyboard(lead, reps), alerts.escalation_row(lead, owner)]
    if view == "reassign" and manages:
        return reassign_keyboard(lead, reps, back=True)
    if view == "hand_back" and owns:
        return hand_back_keyboard(lead)
    rows = lead_buttons(lead, view)
    if owns and not view and lead.taken_at is None and lead.first_attempt_at is None:
        rows = [[_button("🙋 Taking it", Action.TAKE, lead)], *rows]
    if view:
        return rows
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
    Template.CARD: "",
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
        if template is Template.MORNING_QUEUE:
            return await self._queue(row)
        async with self.read_uow() as uow:
            lead = await uow.leads.get(row.lead_id) if row.lead_id else None
            if lead is None:
                return None
            members = await uow.members.all()
            source = await uow.sources.get(lead.source_id) if lead.source_id else None
            reason = await self._unassigned_reason(uow, lead)
            viewer = next((m for m in members if m.chat_id == row.chat_id), None)
            manages = _for_managers(row) or (viewer is not None and viewer.is_manager)
            reps = await self.candidates(uow, lead, members) if manages else []
        name = source.name if source else None
        return self._draw(template, row, lead, members, name, reason, reps)

    async def _queue(self, row: Pending) -> Rendered:
        items = [(int(lead_id), str(why)) for lead_id, why in row.data.get("items", [])]
        async with self.read_uow() as uow:
            entries = []
            for lead_id, why in items:
                lead = await uow.leads.get(lead_id)
                if lead is not None:
                    entries.append((lead, why))
        return Rendered(alerts.queue_text(entries, self.tz, self.clock.now()))

    async def candidates(
        self, uow: UnitOfWork, lead: Lead, members: Sequence[Member]
    ) -> list[Candidate]:
        """List the reps a manager may give the lead to now, those who fit the rules first."""
        loads = await uow.leads.open_counts_by_owner()
        today = self.clock.now().astimezone(self.tz).date()
        return candidates(members, lead, loads, self.policy, today)

    async def _unassigned_reason(self, uow: UnitOfWork, lead: Lead) -> str:
        if lead.owner_id is not None:
            return ""
        event = await uow.events.last_of_kind(lead.id, EventKind.UNASSIGNED)
        return str(event.data.get("reason", "")) if event else ""

    def _draw(
        self,
        template: Template,
        row: Pending,
        lead: Lead,
        members: Sequence[Member],
        source: str | None,
        reason: str,
        reps: Sequence[Candidate] = (),
    ) -> Rendered:
        owner = next((m for m in members if m.id == lead.owner_id), None)
        viewer = next((m for m in members if m.chat_id == row.chat_id), None)
        body = card_text(lead, source, owner, self.clock.now())
        if template is Template.INQUIRY_REPEATED:
            words = html.escape(str(row.data.get("message", "")))
            return Rendered(f"🔁 <b>Lead #{lead.id} wrote again</b>\n<i>{words}</i>")
        timed = alerts.headline(template, lead, row.data, self.rules.calendar, self.clock.now())
        headline = _HEADLINES.get(template, "") if timed is None else timed
        note = str(row.data.get("note", ""))
        if note:
            headline = "\n".join(
                filter(None, [headline, f"<i>{html.escape(note, quote=False)}</i>"])
            )
        if reason:
            headline = "\n".join(filter(None, [headline, f"Why: {html.escape(reason)}"]))
        text = "\n\n".join(filter(None, [headline, body]))
        view = str(row.data.get("view", ""))
        rows = card_keyboard(template, view, lead, viewer, reps, owner, _for_managers(row))
        markup = InlineKeyboardMarkup(rows) if rows else None
        return Rendered(text, markup, version=lead.version)


def _for_managers(row: Pending) -> bool:
    return row.data.get("for") == "managers"
