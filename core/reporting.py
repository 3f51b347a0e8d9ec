"""Analysis: reports read from the event history, ad spend, and leads in and out as files.

A report reads the summaries of the period's leads (what their events say, see
`core.metrics`) through a read-only unit of work, so a long report never holds the write
lock; the figures themselves are computed in a worker thread, so the event loop keeps
serving. Imports come in batches, one unit of work per batch, with bulk writes.

Known limits: imported leads are records, not new inquiries: they are not routed, alerted
or timed, and keep no owner. The pipeline the funnel counts is the default one
(`core.metrics.PIPELINE`), not yet one configured per team.
"""

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from core.errors import InvalidInquiry, NotAManager, NotOnTeam
from core.events import Event, EventKind
from core.leads import Channel, Inquiry, Lead
from core.metrics import (
    LeadSummary,
    Period,
    Report,
    SpendEntry,
    build_report,
)
from core.notices import Notice, Template
from core.ports import UnitOfWork
from core.team import Member
from core.usecase import UseCases

logger = logging.getLogger(__name__)


class View(StrEnum):
    """What a stats message shows."""

    TEAM = "team"
    REPS = "reps"
    SOURCES = "sources"
    FUNNEL = "funnel"
    LOSSES = "losses"


@dataclass(frozen=True)
class Analysis:
    """A report with the names of the reps and sources it mentions."""

    report: Report
    reps: dict[int, str]
    sources: dict[int, str]

    def rep_name(self, member_id: int | None) -> str:
        """Name a rep; 'nobody' for leads without an owner."""
        if member_id is None:
            return "nobody"
        return self.reps.get(member_id, f"member {member_id}")

    def source_name(self, source_id: int | None) -> str:
        """Name a source; 'no source' for leads that came without one."""
        if source_id is None:
            return "no source"
        return self.sources.get(source_id, f"source {source_id}")


@dataclass(frozen=True)
class ImportRow:
    """One line of an import file, read by the adapter: an inquiry, or why it is not one."""

    line: int
    inquiry: Inquiry | None = None
    created_at: datetime | None = None
    source: str = ""
    error: str = ""


@dataclass
class ImportResult:
    """What became of the lines of an import: taken, merged, already there, rejected."""

    taken: int = 0
    merged: int = 0
    already: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)

    def add(self, other: "ImportResult") -> None:
        """Add another batch's counts to these."""
        self.taken += other.taken
        self.merged += other.merged
        self.already += other.already
        self.rejected.extend(other.rejected)


@dataclass(frozen=True)
class ExportedLead:
    """A lead with what its history says about it, for the export file."""

    lead: Lead
    summary: LeadSummary | None


class Reporting(UseCases):
    """Use cases that read the history and bring leads and spend in and out."""

    async def analyse(self, period: Period, telegram_id: int | None = None) -> Analysis:
        """Compute a period's report: for a rep their own figures, else the whole team's.

        Args:
            period: the period whose arriving leads are the cohort.
            telegram_id: who asks; None for the command line, which sees everything.

        Raises:
            NotOnTeam: the person asking is not an active member.
        """
        now = self.clock.now()
        tz = self.rules.calendar.tz
        async with self.read_uow() as uow:
            viewer = await self._viewer(uow, telegram_id)
            rep_id = viewer.id if viewer is not None and not viewer.is_manager else None
            summaries = await uow.summaries.arrived_between(period.start, period.end)
            first, last = period.local_dates(tz)
            spend = await uow.spend.overlapping(first, last) if rep_id is None else []
            reps = {m.id: m.name for m in await uow.members.all()}
            sources = {s.id: s.name for s in await uow.sources.all()}
        report = await asyncio.to_thread(
            build_report,
            summaries,
            period,
            self.rules.calendar,
            self.rules.first_response,
            now,
            spend,
            rep_id=rep_id,
        )
        return Analysis(report, reps, sources)

    async def _viewer(self, uow: UnitOfWork, telegram_id: int | None) -> Member | None:
        if telegram_id is None:
            return None
        member = await uow.members.by_telegram_id(telegram_id)
        if member is None or not member.active:
            raise NotOnTeam("Stats are for the team only.")
        return member

    async def request_stats(
        self, telegram_id: int, chat_id: int, view: View, period: Period
    ) -> None:
        """Queue a stats message (text and chart) for a member; a rep's shows their own."""
        async with self.uow() as uow:
            await self._viewer(uow, telegram_id)
            data = {
                "view": view.value,
                "start": period.start.isoformat(),
                "end": period.end.isoformat(),
                "label": period.label,
                "telegram_id": telegram_id,
            }
            await uow.outbox.put(Notice(chat_id, Template.STATS, None, data))
            await uow.commit()
        logger.info("Stats (%s, %s) asked for by %s", view.value, period.label, telegram_id)

    async def request_export(self, telegram_id: int, chat_id: int, period: Period) -> None:
        """Queue the CSV export of a period's leads as a document; managers only."""
        async with self.uow() as uow:
            await self._manager(uow, telegram_id, "Only a manager can export leads.")
            data = {
                "start": period.start.isoformat(),
                "end": period.end.isoformat(),
                "label": period.label,
            }
            await uow.outbox.put(Notice(chat_id, Template.EXPORT, None, data))
            await uow.commit()
        logger.info("Export (%s) asked for by %s", period.label, telegram_id)

    async def _manager(self, uow: UnitOfWork, telegram_id: int | None, refusal: str) -> None:
        if telegram_id is None:
            return
        member = await uow.members.by_telegram_id(telegram_id)
        if member is None or not member.is_manager:
            raise NotAManager(refusal)

    # spend -----------------------------------------------------------------------------

    async def add_spend(
        self,
        source_name: str,
        amount: Decimal,
        first: date,
        last: date,
        telegram_id: int | None = None,
        note: str = "",
    ) -> SpendEntry:
        """Record ad spend on a source over local dates; managers only (or the command line).

        Raises:
            NotAManager: a member who is not a manager tried.
            InvalidInquiry: the source is unknown or the amount or dates make no sense.
        """
        async with self.uow() as uow:
            await self._manager(uow, telegram_id, "Only a manager can enter ad spend.")
            source = await uow.sources.by_name(source_name.strip())
            if source is None:
                raise InvalidInquiry("source", f"There is no source named {source_name!r}.")
            try:
                entry = SpendEntry(source.id, first, last, amount, note)
            except ValueError as exc:
                raise InvalidInquiry("amount", str(exc)) from None
            entry = await uow.spend.add(entry)
            await uow.commit()
        logger.info("Spend %s on source %s for %s..%s recorded", amount, source.id, first, last)
        return entry

    async def spend_between(self, first: date, last: date) -> list[tuple[SpendEntry, str]]:
        """List the spend entries touching the dates, each with its source's name."""
        async with self.read_uow() as uow:
            entries = await uow.spend.overlapping(first, last)
            names = {s.id: s.name for s in await uow.sources.all()}
        return [(entry, names.get(entry.source_id, "?")) for entry in entries]

    # import and export -----------------------------------------------------------------

    async def import_leads(self, rows: Sequence[ImportRow]) -> ImportResult:
        """Bring in a batch of lines as leads, in one unit of work.

        A line whose contact has an open lead (in the database or earlier in the file) is
        merged into that lead as a repeated inquiry; a line whose source already sent its
        external id is already there and changes nothing; a line without a way to reach
        the person, or naming an unknown source, is rejected with its line number.
        """
        result = ImportResult()
        async with self.uow() as uow:
            batch = _ImportBatch(self, uow, result)
            await batch.run(rows)
            await uow.commit()
        return result

    async def export(
        self, period: Period | None = None, batch: int = 1000
    ) -> AsyncIterator[list[ExportedLead]]:
        """Yield the leads created in the period (all when None), with their summaries."""
        start, end = (period.start, period.end) if period else (None, None)
        after = 0
        while True:
            async with self.read_uow() as uow:
                leads = await uow.leads.page(start, end, after, batch)
                summaries = await uow.summaries.of_leads([lead.id for lead in leads])
            if not leads:
                return
            yield [ExportedLead(lead, summaries.get(lead.id)) for lead in leads]
            after = leads[-1].id

    async def names(self) -> tuple[dict[int, str], dict[int, str]]:
        """Map member ids and source ids to names."""
        async with self.read_uow() as uow:
            reps = {m.id: m.name for m in await uow.members.all()}
            sources = {s.id: s.name for s in await uow.sources.all()}
        return reps, sources


class _ImportBatch:
    """The work of importing one batch of lines inside one unit of work."""

    def __init__(self, use_cases: Reporting, uow: UnitOfWork, result: ImportResult) -> None:
        self.calendar = use_cases.rules.calendar
        self.now = use_cases.clock.now()
        self.uow = uow
        self.result = result
        self.by_contact: dict[str, Lead] = {}
        self.new: list[Lead] = []
        self.merged: dict[int, Lead] = {}
        self.events: list[tuple[Lead, Event]] = []

    async def run(self, rows: Sequence[ImportRow]) -> None:
        sources = {s.name: s.id for s in await self.uow.sources.all()}
        rows = [row for row in rows if self._acceptable(row, sources)]
        rows = await self._not_yet_imported(rows)
        await self._load_open_leads(rows)
        for row in rows:
            self._take(row)
        await self._write()

    def _acceptable(self, row: ImportRow, sources: dict[str, int]) -> bool:
        if row.error or row.inquiry is None:
            self.result.rejected.append((row.line, row.error or "The line is empty."))
            return False
        if not row.inquiry.has_contact:
            self.result.rejected.append((row.line, "No phone or e-mail to reach the person."))
            return False
        if row.source:
            if row.source not in sources:
                reason = f"Unknown source {row.source!r}; add it with `leadline source add`."
                self.result.rejected.append((row.line, reason))
                return False
            row.inquiry.source_id = sources[row.source]
        return True

    async def _not_yet_imported(self, rows: list[ImportRow]) -> list[ImportRow]:
        wanted: dict[int, set[str]] = {}
        for row in rows:
            inquiry = row.inquiry
            if inquiry.external_id and inquiry.source_id is not None:
                wanted.setdefault(inquiry.source_id, set()).add(inquiry.external_id)
        known: set[tuple[int, str]] = set()
        for source_id, external_ids in wanted.items():
            found = await self.uow.leads.by_external_ids(source_id, external_ids)
            known |= {(source_id, external) for external in found}
        fresh = []
        for row in rows:
            key = (row.inquiry.source_id, row.inquiry.external_id)
            if key[1] and key in known:
                self.result.already += 1
                continue
            if key[1] and key[0] is not None:
                known.add(key)
            fresh.append(row)
        return fresh

    async def _load_open_leads(self, rows: list[ImportRow]) -> None:
        phones = {row.inquiry.phone for row in rows if row.inquiry.phone}
        emails = {row.inquiry.email for row in rows if row.inquiry.email}
        for lead in await self.uow.leads.open_by_contacts(phones, emails):
            for contact in (lead.phone, lead.email):
                if contact:
                    self.by_contact.setdefault(contact, lead)

    def _take(self, row: ImportRow) -> None:
        inquiry = row.inquiry
        at = row.created_at or self.now
        contacts = [c for c in (inquiry.phone, inquiry.email) if c]
        earlier = next((self.by_contact[c] for c in contacts if c in self.by_contact), None)
        if earlier is not None:
            self.events.append((earlier, earlier.merge_inquiry(inquiry, at)))
            if earlier.id is not None:
                self.merged[earlier.id] = earlier
            self.result.merged += 1
            return
        lead = Lead.from_inquiry(inquiry, at)
        lead.after_hours = not self.calendar.is_open(at)
        self.new.append(lead)
        data = {
            "channel": Channel.IMPORT.value,
            "source_id": lead.source_id,
            "after_hours": lead.after_hours,
            "line": row.line,
        }
        self.events.append((lead, Event(None, EventKind.CAPTURED, at, data=data)))
        for contact in contacts:
            self.by_contact[contact] = lead
        self.result.taken += 1

    async def _write(self) -> None:
        await self.uow.leads.add_many(self.new)
        for lead in self.merged.values():
            await self.uow.leads.save(lead)
        for lead, event in self.events:
            event.lead_id = lead.id
        await self.uow.events.append_many([event for _, event in self.events])
