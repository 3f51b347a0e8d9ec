"""Rendering the team: the `/team` list, a member's page, its menus and typed-answer prompts.

Nothing here decides anything: `bot/team.py` calls the use cases and draws their
answers with these functions. A prompt is a message with a forced reply whose first line
names the field and the member (`✏️ Products for Roman (member #3)`); the reply handler
reads both back from the message the manager answered, so no conversation state is kept.
"""

import html
import re
from collections.abc import Sequence
from datetime import date, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import TeamAction, encode_team
from core.team import MAX_TIER, DayFigures, Member, Role, RosterLine, tier_name

CAPACITY_CHOICES = ("3", "5", "10", "20", "30", "50")
WEIGHT_CHOICES = ("0", "1", "2", "3", "5")
LEAVE_CHOICES = {"d1": "Today only", "d7": "A week", "d14": "Two weeks"}
PROMPTS = {
    TeamAction.PRODUCTS: (
        "Products",
        "Reply with the products {name} sells, comma-separated, or all.",
        "roofs, doors",
    ),
    TeamAction.REGIONS: (
        "Regions",
        "Reply with the regions {name} serves, comma-separated, or all.",
        "north, south",
    ),
    TeamAction.CAPACITY: (
        "Capacity",
        "Reply with the most open leads {name} may hold at once, or none for no limit.",
        "15",
    ),
    TeamAction.LEAVE: (
        "Leave",
        "Reply with the last day of {name}'s leave (15.01, 2027-01-15, next friday), "
        "or none to end it.",
        "15.01",
    ),
}
MENUS = frozenset(
    {
        TeamAction.CAPACITY,
        TeamAction.WEIGHT,
        TeamAction.TIER,
        TeamAction.LEAVE,
        TeamAction.DEACTIVATE,
        TeamAction.HAND_OUT,
    }
)
PROMPT_PATTERN = re.compile(r"^✏️ (?P<field>\w+) for .+ \(member #(?P<member>\d+)\)")


def _button(
    text: str, action: TeamAction, member_id: int = 0, arg: str = ""
) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=encode_team(action, member_id, arg))


def describe_figures(figures: DayFigures) -> str:
    """Say how today went for a rep in one short line."""
    if not figures.received:
        return "today: no leads yet"
    parts = [f"today: {figures.received} new", f"{figures.answered} answered"]
    if figures.median_response is not None:
        parts.append(f"median {_minutes(figures.median_response)}")
    if figures.waiting:
        parts.append(f"{figures.waiting} waiting")
    return ", ".join(parts)


def _minutes(delta: timedelta) -> str:
    minutes = delta.total_seconds() / 60
    if minutes < 1:
        return "under 1 min"
    if minutes < 120:
        return f"{round(minutes)} min"
    return f"{minutes / 60:.1f} h"


def _load(line: RosterLine) -> str:
    capacity = line.member.capacity
    return f"open {line.open_leads}/{capacity}" if capacity else f"open {line.open_leads}"


def _names(values: frozenset[str]) -> str:
    return html.escape(", ".join(sorted(values, key=str.casefold))) if values else "all"


MAX_TEXT = 4000  # Telegram takes 4096 characters in a message
MAX_BUTTONS = 100


def roster_text(lines: Sequence[RosterLine], today: date) -> str:
    """Draw the team list: each member's role, status, open load and today's figures.

    A large team is drawn one line per member, and cut short with a pointer to
    `leadline team list` if even that does not fit in one message.
    """
    reps = [line.member for line in lines if line.member.is_rep]
    working = sum(1 for rep in reps if rep.is_available(today))
    head = f"👥 <b>Team</b> · {len(reps)} reps, {working} taking leads · {today:%d.%m.%Y}\n"
    full = "\n".join([head, *(_entry(line, today, compact=False) for line in lines)])
    if len(full) <= MAX_TEXT:
        return full
    text = [head]
    for shown, line in enumerate(lines):
        entry = _entry(line, today, compact=True)
        if sum(len(t) + 1 for t in text) + len(entry) > MAX_TEXT - 80:
            text.append(f"… and {len(lines) - shown} more: see `leadline team list`.")
            break
        text.append(entry)
    return "\n".join(text)


def _entry(line: RosterLine, today: date, compact: bool) -> str:
    member = line.member
    name = html.escape(member.name)
    if not member.active:
        return f"<s>{name}</s> · deactivated"
    if member.role is Role.MANAGER:
        return f"<b>{name}</b> · manager"
    if compact:
        status = "" if member.is_available(today) else f" · {member.status(today)}"
        figures = f"today {line.today.received} new, {line.today.answered} answered"
        return f"<b>{name}</b>{status} · {_load(line)} · {figures}"
    figures = describe_figures(line.today)
    return f"<b>{name}</b> · {member.status(today)} · {_load(line)}\n    {figures}"


def roster_keyboard(lines: Sequence[RosterLine]) -> InlineKeyboardMarkup:
    """Offer one button per member, to open their page; Telegram takes at most 100."""
    shown = lines[:MAX_BUTTONS]
    buttons = [_button(f"✏️ {line.member.name}", TeamAction.VIEW, line.member.id) for line in shown]
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def member_text(line: RosterLine, today: date, question: str = "") -> str:
    """Draw a member's page: profile, availability, load and today's figures."""
    member = line.member
    handle = f" (@{html.escape(member.username)})" if member.username else ""
    text = [f"<b>{html.escape(member.name)}</b>{handle} · {member.role.value}"]
    text.append(f"Status: {member.status(today)}")
    if member.role is Role.REP or line.open_leads:
        capacity = member.capacity if member.capacity is not None else "no limit"
        text += [
            f"Products: {_names(member.products)}",
            f"Regions: {_names(member.regions)}",
            f"Capacity: {capacity} · open now: {line.open_leads}",
            f"Weight: {member.weight} · Tier: {tier_name(member.tier)}",
            describe_figures(line.today).capitalize(),
        ]
    if question:
        text += ["", f"<b>{html.escape(question)}</b>"]
    return "\n".join(text)


def member_keyboard(member: Member, today: date) -> InlineKeyboardMarkup:
    """Offer what a manager can change about a member."""
    me = member.id
    back = [_button("« Team", TeamAction.LIST)]
    if not member.active:
        return InlineKeyboardMarkup([[_button("✅ Reactivate", TeamAction.REACTIVATE, me)], back])
    other_role = Role.MANAGER if member.role is Role.REP else Role.REP
    rows = [[_button(f"🎭 Make {other_role.value}", TeamAction.ROLE, me, other_role.value)]]
    if member.role is Role.REP:
        pause = ("▶️ Resume", "off") if member.paused else ("⏸ Pause", "on")
        leave = "🌴 Leave" if not member.is_on_leave(today) else "🌴 Leave (change)"
        rows += [
            [
                _button("📦 Products", TeamAction.PRODUCTS, me),
                _button("🗺 Regions", TeamAction.REGIONS, me),
            ],
            [
                _button("📥 Capacity", TeamAction.CAPACITY, me),
                _button("⚖️ Weight", TeamAction.WEIGHT, me),
                _button("🎖 Tier", TeamAction.TIER, me),
            ],
            [
                _button(leave, TeamAction.LEAVE, me),
                _button(pause[0], TeamAction.PAUSE, me, pause[1]),
            ],
            [_button("📤 Hand out open leads", TeamAction.HAND_OUT, me)],
        ]
    rows += [[_button("🚫 Deactivate", TeamAction.DEACTIVATE, me)], back]
    return InlineKeyboardMarkup(rows)


def menu(action: TeamAction, member: Member) -> tuple[str, InlineKeyboardMarkup]:
    """Give the question and the choices of a member-page menu."""
    me = member.id
    back = [_button("« Back", TeamAction.VIEW, me)]

    def choices(
        values: Sequence[tuple[str, str]], per_row: int = 3
    ) -> list[list[InlineKeyboardButton]]:
        buttons = [_button(label, action, me, arg) for label, arg in values]
        return [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]

    match action:
        case TeamAction.CAPACITY:
            values = [(n, n) for n in CAPACITY_CHOICES] + [("No limit", "none"), ("Other…", "ask")]
            return f"Most open leads for {member.name}?", InlineKeyboardMarkup(
                [*choices(values), back]
            )
        case TeamAction.WEIGHT:
            values = [(n, n) for n in WEIGHT_CHOICES]
            question = f"Weight of {member.name} in weighted routing?"
            return question, InlineKeyboardMarkup([*choices(values, 5), back])
        case TeamAction.TIER:
            values = [(tier_name(n).capitalize(), str(n)) for n in range(min(4, MAX_TIER + 1))]
            return f"Tier of {member.name}?", InlineKeyboardMarkup([*choices(values, 4), back])
        case TeamAction.LEAVE:
            values = [
                *((label, arg) for arg, label in LEAVE_CHOICES.items()),
                ("Other date…", "ask"),
            ]
            rows = choices(values, 2)
            if member.on_leave_until is not None:
                rows.append([_button("Back at work now", action, me, "end")])
            return f"Leave for {member.name} until when?", InlineKeyboardMarkup([*rows, back])
        case TeamAction.DEACTIVATE:
            question = (
                f"Deactivate {member.name}? Their open leads go to others by the routing rules."
            )
            return question, InlineKeyboardMarkup([choices([("Yes, deactivate", "yes")])[0], back])
        case TeamAction.HAND_OUT:
            question = (
                f"Hand {member.name}'s open leads to others? Leads nobody else may take stay."
            )
            return question, InlineKeyboardMarkup(
                [choices([("Yes, hand them out", "yes")])[0], back]
            )
    raise ValueError(f"{action} has no menu.")


def prompt_text(action: TeamAction, member: Member) -> tuple[str, str]:
    """Give the text of a prompt for a typed answer, and a hint for the input field."""
    field, question, hint = PROMPTS[action]
    return (
        f"✏️ {field} for {member.name} (member #{member.id})\n{question.format(name=member.name)}",
        hint,
    )


def read_prompt(text: str) -> tuple[TeamAction, int] | None:
    """Tell which field of which member a prompt asked for; None if it is not a prompt."""
    match = PROMPT_PATTERN.match(text or "")
    if match is None:
        return None
    fields = {label: action for action, (label, _question, _hint) in PROMPTS.items()}
    action = fields.get(match["field"])
    return (action, int(match["member"])) if action else None
