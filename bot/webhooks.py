"""The webhook sender: posts each delivery to its URL, signed, in order per lead, until 2xx.

The body is the delivery's JSON document, serialised the same way on every try (sorted
keys, no spaces), and signed with HMAC-SHA256 over exactly those bytes with the secret
from settings: the header `X-Leadline-Signature: sha256=<hex>` lets the receiver check
that the body came from us unchanged. `X-Leadline-Event` names the event and
`X-Leadline-Delivery` numbers the delivery, the same on every retry, so a receiver can
drop a repeat.

Anything but a 2xx (a timeout, a refused connection, a 4xx or 5xx) postpones the delivery
with exponential backoff up to `MAX_BACKOFF`, stored on the row so it survives a restart;
a delivery is never given up. Only the oldest pending delivery of each URL and lead is
tried, so a receiver hears about a lead's events in order. Known limit, as for the outbox
dispatcher: one sender per database.
"""

import asyncio
import hashlib
import hmac
import json
import logging
import random
from datetime import timedelta
from typing import Any

import httpx

from core.clock import Clock
from storage.webhooks import Delivery, WebhookStore

logger = logging.getLogger(__name__)

MAX_BACKOFF = 3600.0
IDLE_WAIT = 30.0
TIMEOUT = 10.0
CONCURRENCY = 8


def body_of(payload: dict[str, Any]) -> bytes:
    """Serialise a delivery's document the same way every time."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()


def signature(secret: str, body: bytes) -> str:
    """Sign a body with HMAC-SHA256, as the receiver will check it."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookSender:
    """Delivers pending webhooks, several at a time, each URL and lead in order."""

    def __init__(
        self,
        store: WebhookStore,
        secret: str,
        clock: Clock,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.store = store
        self.secret = secret
        self.clock = clock
        self.client = client or httpx.AsyncClient(timeout=TIMEOUT)
        self._wake = asyncio.Event()
        self._in_flight: dict[tuple[str, int | None], asyncio.Task[None]] = {}

    def wake(self) -> None:
        """Look for deliveries now."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until `stop` is set, then let deliveries in flight finish."""
        while not stop.is_set():
            self._wake.clear()
            try:
                wait = await self._round()
            except Exception:
                logger.exception("Webhook round failed; trying again shortly")
                wait = 1.0
            waiters = [
                asyncio.ensure_future(self._wake.wait()),
                asyncio.ensure_future(stop.wait()),
            ]
            await asyncio.wait(waiters, timeout=wait, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()
        if self._in_flight:
            await asyncio.wait(list(self._in_flight.values()), timeout=TIMEOUT)
        await self.client.aclose()

    async def _round(self) -> float:
        free = CONCURRENCY - len(self._in_flight)
        if free > 0:
            for delivery in await self.store.heads(self.clock.now(), limit=free * 4):
                key = (delivery.url, delivery.lead_id)
                if key in self._in_flight or len(self._in_flight) >= CONCURRENCY:
                    continue
                task = asyncio.create_task(self._deliver(delivery))
                self._in_flight[key] = task
                task.add_done_callback(lambda _, key=key: self._finished(key))
        postponed = await self.store.next_wait()
        now = self.clock.now()
        wait = IDLE_WAIT
        if postponed is not None and postponed > now:
            wait = min(wait, (postponed - now).total_seconds())
        return max(wait, 0.05)

    def _finished(self, key: tuple[str, int | None]) -> None:
        self._in_flight.pop(key, None)
        self.wake()

    async def _deliver(self, delivery: Delivery) -> None:
        body = body_of(delivery.payload)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Leadline-Webhooks",
            "X-Leadline-Event": delivery.name,
            "X-Leadline-Delivery": str(delivery.id),
            "X-Leadline-Signature": signature(self.secret, body),
        }
        try:
            response = await self.client.post(delivery.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            await self._back_off(delivery, f"{type(exc).__name__}: {exc}")
            return
        if response.is_success:
            await self.store.sent(delivery, self.clock.now())
            logger.debug("Webhook %s (%s) delivered", delivery.id, delivery.name)
            return
        await self._back_off(delivery, f"HTTP {response.status_code}")

    async def _back_off(self, delivery: Delivery, error: str) -> None:
        delay = min(MAX_BACKOFF, 2.0 ** min(delivery.attempts, 12)) * random.uniform(0.8, 1.2)
        logger.warning(
            "Webhook %s to %s failed (%s); retrying in %.0f s",
            delivery.id,
            httpx.URL(delivery.url).host,  # the path or query may hold a receiver's token
            error,
            delay,
        )
        await self.store.postpone(delivery, self.clock.now() + timedelta(seconds=delay), error)
