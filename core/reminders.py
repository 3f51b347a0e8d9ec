"""Reminders and next steps: a moment from a preset button or from text a rep typed.

A rep sets a reminder with a preset (in 1 h, in 3 h, tomorrow morning, next week) or by
typing a date in plain words, English or Russian, read by `core.dates.read_moment` in the
team's time zone. Typed text may carry what to do as well: "tomorrow 10:00 send the offer"
or "send the offer tomorrow 10:00" are read as a moment plus the step.
"""

from dataclasses import dataclass
from datetime import datetime, tzinfo

from core.dates import DateInPast, DateNotUnderstood, read_moment
from core.errors import InvalidAnswer

MAX_STEP = 300


@dataclass(frozen=True)
class Preset:
    """A button that names a moment: its label and the phrase the date reader reads."""

    label: str
    phrase: str


PRESETS: dict[str, Preset] = {
    "1h": Preset("In 1 h", "in 1 hour"),
    "3h": Preset("In 3 h", "in 3 hours"),
    "tm": Preset("Tomorrow morning", "tomorrow morning"),
    "nw": Preset("Next week", "next week"),
    "2w": Preset("In 2 weeks", "in 2 weeks"),
    "1mo": Preset("In a month", "in a month"),
    "3mo": Preset("In 3 months", "in 3 months"),
}
REMIND_PRESETS = ("1h", "3h", "tm", "nw")
NEXT_STEP_PRESETS = ("tm", "nw", "2w", "1mo")
PARK_PRESETS = ("1mo", "3mo")


@dataclass(frozen=True)
class Moment:
    """When a reminder fires, and what the rep means to do then."""

    at: datetime
    step: str


def preset_moment(key: str, now: datetime, tz: tzinfo) -> datetime:
    """Give the moment a preset button names, read in the team's time zone."""
    preset = PRESETS.get(key)
    if preset is None:
        raise InvalidAnswer("That choice is not on the list; pick one from the card.")
    return read_moment(preset.phrase, now.astimezone(tz))


def read_step(text: str, now: datetime, tz: tzinfo, default_step: str) -> Moment:
    """Read a moment, and optionally what to do, from what a rep typed.

    Raises:
        InvalidAnswer: no moment could be read, or it is in the past; says what to type.
    """
    local = now.astimezone(tz)
    words = text.split()
    if not words:
        raise InvalidAnswer('Send a date, such as "tomorrow 10:00" or "in 2 days".')
    try:
        return Moment(read_moment(text, local), default_step)
    except DateInPast as past:
        raise InvalidAnswer(str(past)) from None
    except DateNotUnderstood as whole:
        error: DateNotUnderstood = whole
    # The longest run of words that reads as a date wins; a past one is refused, not skipped.
    for size in range(len(words) - 1, 0, -1):
        for date_words, step_words in (
            (words[:size], words[size:]),
            (words[-size:], words[:-size]),
        ):
            try:
                moment = read_moment(" ".join(date_words), local)
            except DateInPast as past:
                raise InvalidAnswer(str(past)) from None
            except DateNotUnderstood:
                continue
            step = _tidy(" ".join(step_words)) or default_step
            return Moment(moment, step[:MAX_STEP])
    raise InvalidAnswer(str(error)) from None


def _tidy(step: str) -> str:
    return step.strip(" ,.;:-—–").strip()
