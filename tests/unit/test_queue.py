"""Tests for core.queue: the order in which a rep should work their leads."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from core.leads import Channel, Lead, Temperature
from core.queue import PAGE_SIZE, Standing, page_of, rank

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def lead(number: int, **fields: object) -> Lead:
    """A lead captured `number` hours ago, with any field changed."""
    base = Lead(Channel.API, NOW - number * HOUR, id=number, name=f"L{number}")
    return replace(base, **fields)


def test_due_then_hot_then_new_off_hours_first_then_the_rest() -> None:
    reached = {"first_attempt_at": NOW - 9 * HOUR, "first_contact_at": NOW - 9 * HOUR}
    leads = [
        lead(1, **reached),
        lead(2, **reached, remind_at=NOW + HOUR),
        lead(3),
        lead(4, after_hours=True),
        lead(5, **reached, temperature=Temperature.HOT),
        lead(6, first_attempt_at=NOW - HOUR, retry_at=NOW - 5 * 60 * timedelta(seconds=1)),
        lead(7, **reached, remind_at=NOW - 2 * HOUR),
        lead(8, stage="won"),
    ]

    ranked = rank(leads, NOW)

    assert [(e.lead.id, e.standing) for e in ranked] == [
        (7, Standing.DUE),
        (6, Standing.DUE),
        (5, Standing.HOT),
        (4, Standing.NEW),
        (3, Standing.NEW),
        (1, Standing.WAITING),
        (2, Standing.WAITING),
    ]
    assert [e.lead.id for e in ranked if e.needs_next_step] == [5, 1]


def test_pages_cut_the_queue_and_a_page_past_the_end_shows_the_last() -> None:
    ranked = rank([lead(n) for n in range(1, 20)], NOW)

    first, last, beyond = page_of(ranked, 0), page_of(ranked, 2), page_of(ranked, 9)

    assert (first.pages, first.total, len(first.entries)) == (3, 19, PAGE_SIZE)
    assert len(last.entries) == 19 - 2 * PAGE_SIZE
    assert beyond.page == 2
    assert page_of([], 0).pages == 1
