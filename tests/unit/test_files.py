"""Tests for bot.files: reading an import file line by line, and writing the export."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from bot.files import EXPORT_COLUMNS, Exporter, ImportReader
from core.calendar import BusinessCalendar, WeeklySchedule
from core.events import Event, EventKind
from core.leads import Channel, Lead
from core.metrics import summarise
from core.reporting import ExportedLead

BERLIN = ZoneInfo("Europe/Berlin")


def read(text: str, region: str | None = "DE") -> list:
    """Read an import file given as text."""
    return list(ImportReader(BERLIN, region).rows(text.splitlines(keepends=True)))


def test_lines_become_inquiries_with_normalised_contacts_and_local_times() -> None:
    rows = read(
        "Name,Phone,E-mail,Email,Created_at,Value,utm_source\n"
        "Anna,0151 1234 5678,,ANNA@Example.com,2026-11-05 14:30,1200.50,google\n"
    )

    [row] = rows
    inquiry = row.inquiry
    assert (row.line, row.error) == (2, "")
    assert (inquiry.name, inquiry.phone, inquiry.email) == (
        "Anna",
        "+4915112345678",
        "anna@example.com",
    )
    assert (inquiry.channel, inquiry.value, inquiry.utm) == (
        Channel.IMPORT,
        Decimal("1200.50"),
        {"source": "google"},
    )
    assert row.created_at == datetime(2026, 11, 5, 14, 30, tzinfo=BERLIN)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("Bob,not a phone,,", "cannot be read as a phone number"),
        ("Bob,,bob@,", "is not valid"),
        ("Bob,+4915112345678,,yesterday", "created_at 'yesterday' is not a date and time"),
    ],
)
def test_bad_lines_are_rejected_with_their_number_and_reason(line: str, reason: str) -> None:
    [row] = read(f"name,phone,email,created_at\n{line}\n")

    assert row.line == 2
    assert row.inquiry is None
    assert reason in row.error


def test_line_numbers_count_lines_of_the_file_even_inside_quotes() -> None:
    rows = read('name,phone\n"Two\nlines",+4915112345678\nCarl,+4915112345679\n')

    assert [row.line for row in rows] == [3, 4]


def test_a_file_without_contact_columns_is_refused() -> None:
    with pytest.raises(ValueError, match="phone or an email column"):
        read("name,message\nAnna,hi\n")


def test_export_row_has_fields_and_figures() -> None:
    # Arrived 10:00 UTC, reached 10:07 by member 2 (Roman), won 3 days later for 900.
    calendar = BusinessCalendar(ZoneInfo("UTC"), WeeklySchedule.always())
    at = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
    lead = Lead(Channel.API, at, name="Anna", phone="+4915112345678", id=7, owner_id=2)
    lead.stage, lead.source_id = "won", 1
    events = [
        Event(7, EventKind.CAPTURED, at, data={"source_id": 1}),
        Event(7, EventKind.ASSIGNED, at, data={"owner_id": 2}),
        Event(7, EventKind.ATTEMPTED, at + timedelta(minutes=7), 2, {"outcome": "reached"}),
        Event(7, EventKind.WON, at + timedelta(days=3), 2, {"amount": "900"}),
    ]
    exporter = Exporter(calendar, {2: "Roman"}, {1: "landing"})

    row = dict(
        zip(EXPORT_COLUMNS, exporter.row(ExportedLead(lead, summarise(7, events))), strict=True)
    )

    assert (row["id"], row["source"], row["owner"], row["responder"]) == (
        7,
        "landing",
        "Roman",
        "Roman",
    )
    assert (row["response_business_min"], row["response_wall_min"]) == (7.0, 7.0)
    assert (row["outcome"], row["won_amount"], row["cycle_days"]) == ("won", Decimal(900), 3.0)
    assert row["created_at"] == "2026-11-02T10:00:00+00:00"
    assert row["furthest_stage"] == "won"
