"""What a prospect is told the moment their inquiry is taken in.

Off hours: an auto-reply saying the inquiry was received and when a rep will be in touch,
the next opening written out in the team's time zone and language ("tomorrow at 09:00",
"в понедельник в 09:00"). Inside hours: an optional acknowledgment promising the norm.
Both are templates from settings; ``{opening}`` and ``{norm}`` (whole minutes) are
filled in. English and Russian are built in.
"""

import string
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from core.calendar import BusinessCalendar

LANGUAGES = ("en", "ru")
PLACEHOLDERS = frozenset({"opening", "norm"})

DEFAULT_AFTER_HOURS = {
    "en": "Thank you, we have received your request. We are closed now; "
    "a manager will contact you {opening}.",
    "ru": "Спасибо, ваша заявка получена. Сейчас мы не работаем; "
    "менеджер свяжется с вами {opening}.",
}
DEFAULT_ACKNOWLEDGMENT = {
    "en": "Thank you, we have received your request. "
    "A manager will contact you within {norm} minutes.",
    "ru": "Спасибо, ваша заявка получена. Менеджер свяжется с вами в течение {norm} мин.",
}

_EN_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_EN_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_RU_DAYS = (
    "в понедельник",
    "во вторник",
    "в среду",
    "в четверг",
    "в пятницу",
    "в субботу",
    "в воскресенье",
)
_RU_MONTHS = (
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
)


@dataclass(frozen=True)
class Replies:
    """The team's words to prospects: language, off-hours reply, in-hours acknowledgment.

    `after_hours` None means the built-in text for the language and "" means none is sent;
    `acknowledgment` None or "" means none is sent.
    """

    language: str = "en"
    after_hours: str | None = None
    acknowledgment: str | None = None


def check_template(text: str) -> str:
    """Refuse a template with a placeholder other than {opening} and {norm}."""
    try:
        names = {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}
    except ValueError as exc:
        raise ValueError(f"the template cannot be read: {exc}") from None
    unknown = names - PLACEHOLDERS
    if unknown:
        listed = ", ".join("{" + name + "}" for name in sorted(unknown))
        raise ValueError(f"unknown placeholder {listed}; use {{opening}} and {{norm}}")
    return text


def when_we_open(opening: datetime, now: datetime, tz: tzinfo, language: str = "en") -> str:
    """Say when the team opens, as a prospect reads it: "tomorrow at 09:00"."""
    local, today = opening.astimezone(tz), now.astimezone(tz).date()
    days = (local.date() - today).days
    clock = local.strftime("%H:%M")
    if language == "ru":
        return _russian(local, days, clock)
    if days <= 0:
        return f"today at {clock}"
    if days == 1:
        return f"tomorrow at {clock}"
    if days < 7:
        return f"on {_EN_DAYS[local.weekday()]} at {clock}"
    return f"on {_EN_DAYS[local.weekday()]}, {local.day} {_EN_MONTHS[local.month - 1]} at {clock}"


def _russian(local: datetime, days: int, clock: str) -> str:
    if days <= 0:
        return f"сегодня в {clock}"
    if days == 1:
        return f"завтра в {clock}"
    if days < 7:
        return f"{_RU_DAYS[local.weekday()]} в {clock}"
    return f"{local.day} {_RU_MONTHS[local.month - 1]} в {clock}"


def auto_reply(
    replies: Replies, calendar: BusinessCalendar, now: datetime, norm: timedelta
) -> str | None:
    """Give the words for a prospect whose inquiry came in now; None when nothing is said."""
    minutes = str(round(norm.total_seconds() / 60))
    if calendar.is_open(now):
        template = replies.acknowledgment
        opening = when_we_open(now, now, calendar.tz, replies.language)
    else:
        template = replies.after_hours
        if template is None:
            template = DEFAULT_AFTER_HOURS.get(replies.language, DEFAULT_AFTER_HOURS["en"])
        opening = when_we_open(calendar.next_opening(now), now, calendar.tz, replies.language)
    if not template:
        return None
    return template.format(opening=opening, norm=minutes)
