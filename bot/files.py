"""Leads as CSV files: the export (fields and figures) and reading an import file.

The export has one line per lead: its fields, then what its history says (first
response in business and wall minutes, whose response it was, the furthest stage, the
outcome, the deal's amount and cycle). An export can be imported again: the import reads
the columns it knows (name, phone, email, message, product, region, value, external_id,
source, created_at, utm_*) and ignores the rest.
"""

import csv
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta, tzinfo
from decimal import Decimal, InvalidOperation

from core.calendar import BusinessCalendar
from core.leads import Channel, Inquiry
from core.metrics import PIPELINE, LeadSummary
from core.reporting import ExportedLead, ImportRow
from intake.contacts import ContactError, normalise_email, normalise_phone

UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
EXPORT_COLUMNS = (
    "id",
    "created_at",
    "source",
    "channel",
    "name",
    "phone",
    "email",
    "message",
    "product",
    "region",
    "value",
    "external_id",
    *UTM_KEYS,
    "owner",
    "stage",
    "temperature",
    "attempts",
    "after_hours",
    "first_response_at",
    "response_business_min",
    "response_wall_min",
    "responder",
    "furthest_stage",
    "outcome",
    "won_amount",
    "closed_at",
    "cycle_days",
    "loss_reason",
    "loss_note",
)


class Exporter:
    """Turns exported leads into CSV lines, with names and times as people read them."""

    def __init__(
        self, calendar: BusinessCalendar, reps: dict[int, str], sources: dict[int, str]
    ) -> None:
        self.calendar = calendar
        self.tz = calendar.tz
        self.reps = reps
        self.sources = sources

    def header(self) -> list[str]:
        """Name the columns."""
        return list(EXPORT_COLUMNS)

    def row(self, item: ExportedLead) -> list[object]:
        """Write one lead's fields and figures."""
        lead, summary = item.lead, item.summary
        fields: dict[str, object] = {
            "id": lead.id,
            "created_at": self._time(lead.created_at),
            "source": self.sources.get(lead.source_id, "") if lead.source_id else "",
            "channel": lead.channel.value,
            "name": lead.name,
            "phone": lead.phone or "",
            "email": lead.email or "",
            "message": lead.message,
            "product": lead.product or "",
            "region": lead.region or "",
            "value": lead.value if lead.value is not None else "",
            "external_id": lead.external_id or "",
            **{key: lead.utm.get(key.removeprefix("utm_"), "") for key in UTM_KEYS},
            "owner": self.reps.get(lead.owner_id, "") if lead.owner_id else "",
            "stage": lead.stage,
            "temperature": lead.temperature.value if lead.temperature else "",
            "attempts": lead.attempts,
            "after_hours": "yes" if lead.after_hours else "no",
            "loss_note": lead.loss_note or "",
        }
        if summary is not None:
            fields.update(self._figures(summary))
        return [fields.get(column, "") for column in EXPORT_COLUMNS]

    def _figures(self, summary: LeadSummary) -> dict[str, object]:
        responded = summary.first_response_at
        figures: dict[str, object] = {
            "furthest_stage": PIPELINE[summary.furthest],
            "outcome": summary.outcome or "open",
            "loss_reason": summary.loss_reason or "",
        }
        if responded is not None:
            business = self.calendar.business_time_between(summary.arrived_at, responded)
            figures["first_response_at"] = self._time(responded)
            figures["response_business_min"] = _minutes(business)
            figures["response_wall_min"] = _minutes(responded - summary.arrived_at)
            figures["responder"] = self.reps.get(summary.responder_id, "")
        if summary.closed_at is not None:
            figures["closed_at"] = self._time(summary.closed_at)
        if summary.outcome == "won":
            figures["won_amount"] = summary.amount
            figures["cycle_days"] = round(
                (summary.closed_at - summary.arrived_at) / timedelta(days=1), 2
            )
        return figures

    def _time(self, moment: datetime) -> str:
        return moment.astimezone(self.tz).isoformat(timespec="seconds")


def _minutes(delta: timedelta) -> float:
    return round(delta.total_seconds() / 60, 1)


class ImportReader:
    """Reads an import file line by line into inquiries, or says why a line is not one."""

    def __init__(self, tz: tzinfo, phone_region: str | None) -> None:
        self.tz = tz
        self.phone_region = phone_region

    def rows(self, lines: Iterable[str]) -> Iterator[ImportRow]:
        """Read the lines of a CSV file with a header; line numbers count the header as 1."""
        reader = csv.DictReader(lines)
        if reader.fieldnames is None:
            return
        known = {name.strip().lower(): name for name in reader.fieldnames if name}
        if not ({"phone", "email"} & set(known)):
            raise ValueError("The file needs a header line with a phone or an email column.")
        for record in reader:
            values = {key: (record.get(name) or "").strip() for key, name in known.items()}
            yield self._row(reader.line_num, values)

    def _row(self, line: int, values: dict[str, str]) -> ImportRow:
        try:
            inquiry = Inquiry(
                channel=Channel.IMPORT,
                name=values.get("name", ""),
                phone=self._phone(values.get("phone", "")),
                email=normalise_email(values["email"]) if values.get("email") else None,
                message=values.get("message", ""),
                product=values.get("product") or None,
                region=values.get("region") or None,
                value=_decimal(values.get("value", "")),
                external_id=values.get("external_id") or None,
                utm={key.removeprefix("utm_"): values[key] for key in UTM_KEYS if values.get(key)},
            )
            created = self._moment(values.get("created_at", ""))
        except (ContactError, ValueError) as exc:
            return ImportRow(line, error=str(exc))
        return ImportRow(line, inquiry, created, values.get("source", ""))

    def _phone(self, raw: str) -> str | None:
        return normalise_phone(raw, self.phone_region) if raw else None

    def _moment(self, raw: str) -> datetime | None:
        if not raw:
            return None
        try:
            moment = datetime.fromisoformat(raw)
        except ValueError:
            raise ValueError(
                f"created_at {raw!r} is not a date and time; write 2026-11-05 14:30."
            ) from None
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=self.tz)


def _decimal(raw: str) -> Decimal | None:
    if not raw:
        return None
    try:
        return Decimal(raw.replace(",", "."))
    except InvalidOperation:
        raise ValueError(f"value {raw!r} is not a number.") from None
