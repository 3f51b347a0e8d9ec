"""Outbound webhooks: which lead events other systems hear about, and what they receive.

A data warehouse or an ad platform learns from these which leads became deals. Each
published event becomes one JSON document per configured URL, written in the same
transaction as the event itself (so none is lost, and none is sent for a change that was
rolled back), then delivered in order per lead, retried until the receiver says 2xx.
The document carries the event and the lead as it stood when the change was committed.
"""

from datetime import datetime
from typing import Any

from core.events import Event, EventKind
from core.leads import Lead

PUBLISHED: dict[EventKind, str] = {
    EventKind.CAPTURED: "lead.created",
    EventKind.ASSIGNED: "lead.assigned",
    EventKind.QUALIFIED: "lead.qualified",
    EventKind.WON: "lead.won",
    EventKind.LOST: "lead.lost",
}


def _time(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _money(value: object) -> str | None:
    return None if value is None else str(value)


def payload(event: Event, lead: Lead, source: str | None) -> dict[str, Any]:
    """Describe a published event and its lead for a receiver."""
    return {
        "event": PUBLISHED[event.kind],
        "event_id": event.id,
        "occurred_at": _time(event.at),
        "data": dict(event.data),
        "lead": {
            "id": lead.id,
            "created_at": _time(lead.created_at),
            "channel": lead.channel.value,
            "source_id": lead.source_id,
            "source": source,
            "external_id": lead.external_id,
            "utm": dict(lead.utm),
            "owner_id": lead.owner_id,
            "stage": lead.stage,
            "temperature": lead.temperature.value if lead.temperature else None,
            "value": _money(lead.value),
            "won_amount": _money(lead.won_amount),
            "loss_reason": lead.loss_reason.value if lead.loss_reason else None,
        },
    }
