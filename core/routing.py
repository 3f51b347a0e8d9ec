"""Routing: who gets a new lead, as a chain of filters and then a pick.

The chain is: members who can take leads at all (reps, active, not paused or on
leave), who have not let too many alerts in a row go untaken, who serve the lead's
product and region, who are under their capacity, who are senior enough when the
lead's value passes the threshold, and who are on shift now (or, when nobody is, whose
shift starts first). A returning contact
goes back to its previous owner when that rep is still eligible. Among the rest one
strategy picks: round robin (fair over time, its cursor kept in the database), least
loaded (open leads relative to capacity), or weighted (smooth weighted round robin, so
a rep with weight 2 gets two leads for every one of a rep with weight 1, interleaved).

Every decision carries a reason in words, which becomes part of the lead's history.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from core.team import Member, Role

STATE_KEY = "routing"
"""Where the pick keeps its state (the round-robin cursor, the weighted counters)."""


class Strategy(StrEnum):
    """How to pick among the eligible reps."""

    ROUND_ROBIN = "round_robin"
    LEAST_LOADED = "least_loaded"
    WEIGHTED = "weighted"


@dataclass(frozen=True)
class RoutingPolicy:
    """The team's routing settings."""

    strategy: Strategy = Strategy.ROUND_ROBIN
    senior_value_threshold: Decimal | None = None
    senior_tier: int = 1
    prefer_previous_owner: bool = True
    untaken_limit: int | None = 3


@dataclass(frozen=True)
class LeadFacts:
    """What routing needs to know about a lead."""

    product: str | None = None
    region: str | None = None
    value: Decimal | None = None
    previous_owner_id: int | None = None
    exclude: frozenset[int] = frozenset()
    shift_openings: Mapping[int, datetime] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class Decision:
    """The routing outcome: an owner, or none, and why."""

    owner_id: int | None
    reason: str
    state: dict[str, Any] = field(default_factory=dict)


def _matches(wanted: str | None, served: frozenset[str]) -> bool:
    return not served or wanted is None or wanted.casefold() in {s.casefold() for s in served}


def _needs_senior(facts: LeadFacts, policy: RoutingPolicy) -> bool:
    threshold = policy.senior_value_threshold
    return threshold is not None and facts.value is not None and facts.value >= threshold


def _filters(facts: LeadFacts, loads: Mapping[int, int], policy: RoutingPolicy, today: date):
    """Yield (words for a rejection, predicate) in the order they are applied."""
    yield "no rep is available", lambda m: m.role is Role.REP and m.is_available(today)
    yield "a rep was excluded", lambda m: m.id not in facts.exclude
    if policy.untaken_limit is not None:
        limit = policy.untaken_limit
        yield "every rep has left alerts untaken", lambda m: m.untaken_alerts < limit
    yield f"no rep for product {facts.product}", lambda m: _matches(facts.product, m.products)
    yield f"no rep for region {facts.region}", lambda m: _matches(facts.region, m.regions)
    yield (
        "every rep is at capacity",
        lambda m: m.capacity is None or loads.get(m.id, 0) < m.capacity,
    )
    if _needs_senior(facts, policy):
        yield "no senior rep for a high-value lead", lambda m: m.tier >= policy.senior_tier


def eligible(
    members: Sequence[Member],
    facts: LeadFacts,
    loads: Mapping[int, int],
    policy: RoutingPolicy,
    today: date,
) -> tuple[list[Member], str]:
    """Filter the team down to who may take the lead; say what emptied the list if it did."""
    pool = sorted(members, key=lambda m: m.id or 0)
    for rejection, keep in _filters(facts, loads, policy, today):
        remaining = [m for m in pool if keep(m)]
        if not remaining:
            return [], rejection
        pool = remaining
    return _first_on_shift(pool, facts.shift_openings), ""


def _first_on_shift(pool: list[Member], openings: Mapping[int, datetime]) -> list[Member]:
    """Keep the reps whose shift is open now, or else opens first; all when none is known."""
    known = [openings[m.id] for m in pool if m.id in openings]
    if not known:
        return pool
    first = min(known)
    return [m for m in pool if openings.get(m.id) == first]


def _round_robin(pool: list[Member], state: Mapping[str, Any]) -> tuple[Member, dict[str, Any]]:
    cursor = state.get("cursor") or 0
    chosen = next((m for m in pool if (m.id or 0) > cursor), pool[0])
    return chosen, {**state, "cursor": chosen.id}


def _least_loaded(
    pool: list[Member], loads: Mapping[int, int], state: Mapping[str, Any]
) -> tuple[Member, dict[str, Any]]:
    def fill(m: Member) -> float:
        return loads.get(m.id or 0, 0) / (m.capacity or 100)

    lowest = min(fill(m) for m in pool)
    tied = [m for m in pool if fill(m) == lowest]
    return _round_robin(tied, state)


def _weighted(pool: list[Member], state: Mapping[str, Any]) -> tuple[Member, dict[str, Any]]:
    current = {int(k): v for k, v in (state.get("current") or {}).items()}
    for m in pool:
        current[m.id] = current.get(m.id, 0) + max(m.weight, 0)
    chosen = max(pool, key=lambda m: (current[m.id], -(m.id or 0)))
    current[chosen.id] -= sum(max(m.weight, 0) for m in pool)
    kept = {str(m.id): current[m.id] for m in pool}
    return chosen, {**state, "current": kept}


def route(
    members: Sequence[Member],
    facts: LeadFacts,
    loads: Mapping[int, int],
    policy: RoutingPolicy,
    state: Mapping[str, Any],
    today: date,
) -> Decision:
    """Choose the owner of a lead, or nobody, with the reason in words."""
    pool, rejection = eligible(members, facts, loads, policy, today)
    if not pool:
        return Decision(None, rejection, dict(state))

    if policy.prefer_previous_owner and facts.previous_owner_id is not None:
        previous = next((m for m in pool if m.id == facts.previous_owner_id), None)
        if previous is not None:
            return Decision(
                previous.id, "returning contact, back to its previous owner", dict(state)
            )

    if policy.strategy is Strategy.LEAST_LOADED:
        chosen, new_state = _least_loaded(pool, loads, state)
    elif policy.strategy is Strategy.WEIGHTED:
        chosen, new_state = _weighted(pool, state)
    else:
        chosen, new_state = _round_robin(pool, state)
    reason = f"{policy.strategy.value.replace('_', ' ')} among {len(pool)} eligible"
    return Decision(chosen.id, reason, new_state)
