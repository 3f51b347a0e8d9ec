"""Tests for what a prospect is told at once: the off-hours auto-reply and the acknowledgment."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.calendar import BusinessCalendar
from core.clock import FixedClock
from core.events import Event, EventKind
from core.leads import Channel, Inquiry
from core.notices import Notice, Template
from core.replies import Replies, auto_reply, check_template, when_we_open
from core.rules import Rules
from core.services import Services
from tests.unit.conftest import Team
from tests.unit.fakes import FakeStore

BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = BusinessCalendar(BERLIN, "mon-fri 09:00-18:00", holidays={date(2026, 12, 25)})
FRIDAY_NIGHT = datetime(2026, 12, 4, 20, 0, tzinfo=BERLIN)
NORM = timedelta(minutes=15)


@pytest.mark.parametrize(
    ("opening", "language", "words"),
    [
        (datetime(2026, 12, 2, 9, 0, tzinfo=BERLIN), "en", "today at 09:00"),
        (datetime(2026, 12, 3, 9, 0, tzinfo=BERLIN), "en", "tomorrow at 09:00"),
        (datetime(2026, 12, 7, 9, 0, tzinfo=BERLIN), "en", "on Monday at 09:00"),
        (datetime(2026, 12, 28, 9, 0, tzinfo=BERLIN), "en", "on Monday, 28 December at 09:00"),
        (datetime(2026, 12, 2, 9, 0, tzinfo=BERLIN), "ru", "сегодня в 09:00"),
        (datetime(2026, 12, 3, 9, 0, tzinfo=BERLIN), "ru", "завтра в 09:00"),
        (datetime(2026, 12, 8, 9, 0, tzinfo=BERLIN), "ru", "во вторник в 09:00"),
        (datetime(2026, 12, 7, 9, 0, tzinfo=BERLIN), "ru", "в понедельник в 09:00"),
        (datetime(2027, 1, 11, 9, 0, tzinfo=BERLIN), "ru", "11 января в 09:00"),
    ],
)
def test_next_opening_is_said_the_way_a_prospect_reads_it(
    opening: datetime, language: str, words: str
) -> None:
    now = datetime(2026, 12, 2, 7, 30, tzinfo=BERLIN)  # a Wednesday morning

    assert when_we_open(opening, now, BERLIN, language) == words


def test_opening_is_said_in_the_teams_time_zone_whatever_zone_it_comes_in() -> None:
    opening = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)  # 09:00 in Berlin

    assert when_we_open(opening, FRIDAY_NIGHT, BERLIN) == "on Monday at 09:00"


def test_off_hours_reply_names_the_next_opening_after_a_holiday() -> None:
    christmas_eve = datetime(2026, 12, 24, 19, 0, tzinfo=BERLIN)  # a Thursday; Friday is off

    text = auto_reply(Replies(), OFFICE, christmas_eve, NORM)

    assert text == (
        "Thank you, we have received your request. We are closed now; "
        "a manager will contact you on Monday at 09:00."
    )


def test_inside_hours_nothing_is_said_unless_an_acknowledgment_is_set() -> None:
    wednesday = datetime(2026, 12, 2, 11, 0, tzinfo=BERLIN)
    promise = Replies(acknowledgment="Got it! We call back within {norm} minutes.")

    assert auto_reply(Replies(), OFFICE, wednesday, NORM) is None
    assert auto_reply(promise, OFFICE, wednesday, NORM) == (
        "Got it! We call back within 15 minutes."
    )


def test_off_hours_reply_can_be_switched_off_or_written_by_the_team() -> None:
    own = Replies(language="ru", after_hours="Мы откроемся {opening}.")

    assert auto_reply(Replies(after_hours=""), OFFICE, FRIDAY_NIGHT, NORM) is None
    assert auto_reply(own, OFFICE, FRIDAY_NIGHT, NORM) == "Мы откроемся в понедельник в 09:00."


@pytest.mark.parametrize("text", ["Back {when}", "Back {opening", "{0}"])
def test_template_with_an_unknown_placeholder_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"placeholder|cannot be read"):
        check_template(text)


# -- through capture -------------------------------------------------------------------------


@pytest.fixture
def rules() -> Rules:
    """Office hours in Berlin and the built-in English replies."""
    return Rules(calendar=OFFICE)


async def test_http_lead_at_night_gets_the_reply_back_and_in_its_history(
    services: Services, store: FakeStore, team: Team, clock: FixedClock
) -> None:
    clock.set(FRIDAY_NIGHT)

    captured = await services.capture(Inquiry(Channel.API, name="Olga", phone="+79161234567"))

    assert captured.after_hours
    assert captured.reply is not None
    assert captured.reply.endswith("a manager will contact you on Monday at 09:00.")
    assert store.events_of(captured.lead_id)[-1] == Event(
        captured.lead_id,
        EventKind.AUTO_REPLIED,
        FRIDAY_NIGHT,
        data={"text": captured.reply, "after_hours": True},
        id=store.events_of(captured.lead_id)[-1].id,
    )
    assert [n.chat_id for n in store.notices] == [team.anna.chat_id]


async def test_telegram_prospect_at_night_gets_the_reply_in_their_chat(
    services: Services, store: FakeStore, team: Team, clock: FixedClock
) -> None:
    clock.set(FRIDAY_NIGHT)

    captured = await services.capture(
        Inquiry(Channel.TELEGRAM, name="Olga", telegram_chat_id=424242, message="Hi")
    )

    assert store.notices[-1] == Notice(
        424242, Template.TEXT, captured.lead_id, {"text": captured.reply}, id=store.notices[-1].id
    )


async def test_lead_inside_hours_gets_no_reply_by_default(
    services: Services, store: FakeStore, team: Team
) -> None:
    captured = await services.capture(Inquiry(Channel.API, name="Olga", phone="+79161234567"))

    assert captured.reply is None
    assert EventKind.AUTO_REPLIED not in store.kinds_of(captured.lead_id)


async def test_repeat_inquiry_at_night_gets_no_second_reply(
    services: Services, store: FakeStore, team: Team, clock: FixedClock
) -> None:
    clock.set(FRIDAY_NIGHT)
    await services.capture(Inquiry(Channel.API, name="Olga", phone="+79161234567"))

    again = await services.capture(Inquiry(Channel.API, name="Olga", phone="+79161234567"))

    assert again.reply is None
