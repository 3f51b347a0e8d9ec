"""Routing: who gets a new lead, as a chain of filters and then a pick.

The chain is: members who can take leads at all (reps, active, not paused or on
leave), who serve the lead's product and region, who are under their capacity, who
are senior enough when the lead's value passes the threshold, and who were not
excluded (a rep who handed the lead back). A returning contact goes back to its
previous owner when that rep is still eligible. Among the rest one strategy picks:
round robin, least loaded (open leads relative to capacity, turns among the equally
loaded), or weighted (a rep with weight 2 gets two leads for every one of a rep with
weight 1, interleaved).

Round robin and weighted are fair over any mix of leads, not only when every rep may
take every lead: each eligible rep is credited its share of each lead and the rep
with most credit takes it (`_pick_by_credit`). The credit is the persistent state,
stored between leads as JSON; a rep who is away or ineligible earns nothing meanwhile,
so nobody comes back to a burst of catch-up leads.

Every decision carries a reason in words, which becomes part of the lead's history.
`Router` routes a batch of leads in one unit of work, counting each assignment as it
goes so that capacity holds within the batch too.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from core.leads import Lead
from core.team import Member, Role


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


@dataclass(frozen=True)
class LeadFacts:
    """What routing needs to know about a lead."""

    product: str | None = None
    region: str | None = None
    value: Decimal | None = None
    previous_owner_id: int | None = None
    exclude: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Decision:
    """The routing outcome: an owner, or none, and why."""

    owner_id: int | None
    reason: str
    state: dict[str, Any] = field(default_factory=dict)


def _serves(served: frozenset[str], wanted: str) -> bool:
    return not served or any(s.casefold() == wanted for s in served)


def _needs_senior(facts: LeadFacts, policy: RoutingPolicy) -> bool:
    threshold = policy.senior_value_threshold
    return threshold is not None and facts.value is not None and facts.value >= threshold


def _filters(facts: LeadFacts, loads: Mapping[int, int], policy: RoutingPolicy, today: date):
    """Yield (words for an empty list, words for one rep, predicate) in the order applied."""
    yield "no rep is available", "away", lambda m: m.role is Role.REP and m.is_available(today)
    if facts.product:
        product = facts.product.casefold()
        yield (
            f"no rep for product {facts.product}",
            "other products",
            lambda m: _serves(m.products, product),
        )
    if facts.region:
        region = facts.region.casefold()
        yield (
            f"no rep for region {facts.region}",
            "other regions",
            lambda m: _serves(m.regions, region),
        )
    yield (
        "every rep is at capacity",
        "at capacity",
        lambda m: m.capacity is None or loads.get(m.id, 0) < m.capacity,
    )
    if _needs_senior(facts, policy):
        yield (
            "no senior rep for a high-value lead",
            "not senior",
            lambda m: m.tier >= policy.senior_tier,
        )
    if facts.exclude:
        yield "no other rep can take it", "handed it back", lambda m: m.id not in facts.exclude


def eligible(
    members: Sequence[Member],
    facts: LeadFacts,
    loads: Mapping[int, int],
    policy: RoutingPolicy,
    today: date,
) -> tuple[list[Member], str]:
    """Filter the team down to who may take the lead; say what emptied the list if it did."""
    pool = sorted(members, key=lambda m: m.id or 0)
    for rejection, _misfit, keep in _filters(facts, loads, policy, today):
        remaining = [m for m in pool if keep(m)]
        if not remaining:
            return [], rejection
        pool = remaining
    return pool, ""


def _pick_by_credit(
    pool: list[Member], state: Mapping[str, Any], weighted: bool
) -> tuple[Member, dict[str, Any]]:
    """Give each eligible rep its share of this lead as credit; the rep with most credit takes it.

    A rep's share is 1/n of the lead among n eligible reps (round robin) or its weight over
    the pool's total weight (weighted). The winner pays one whole lead. Credit is kept per
    rep across leads, also for reps who could not take this one, so over any stream each
    rep's count stays within a lead or two of the sum of its shares: a specialist behind a
    generalist gets its turns, and nobody is buried. With one pool throughout this is plain
    round robin in id order (or smooth weighted round robin).
    """
    credit = {int(k): float(v) for k, v in (state.get("credit") or {}).items()}
    weights = {m.id: (max(m.weight, 0) if weighted else 1) for m in pool}
    total = sum(weights.values())
    if total == 0:
        weights, total = dict.fromkeys(weights, 1), len(weights)
    for member_id, weight in weights.items():
        credit[member_id] = credit.get(member_id, 0.0) + weight / total
    chosen = max(pool, key=lambda m: (round(credit[m.id], 9), -(m.id or 0)))
    credit[chosen.id] -= 1.0
    kept = {str(k): round(v, 12) for k, v in credit.items()}
    return chosen, {**state, "credit": kept}


def _least_loaded(
    pool: list[Member], loads: Mapping[int, int], state: Mapping[str, Any]
) -> tuple[Member, dict[str, Any]]:
    def fill(m: Member) -> float:
        return loads.get(m.id or 0, 0) / (m.capacity or 100)

    lowest = min(fill(m) for m in pool)
    tied = [m for m in pool if fill(m) == lowest]
    return _pick_by_credit(tied, state, weighted=False)


def forget_absent(state: Mapping[str, Any], members: Sequence[Member]) -> dict[str, Any]:
    """Drop the credit of members who left the team or stopped being reps."""
    current = {str(m.id) for m in members if m.active and m.role is Role.REP}
    credit = state.get("credit") or {}
    return {**state, "credit": {k: v for k, v in credit.items() if k in current}}


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
    else:
        weighted = policy.strategy is Strategy.WEIGHTED
        chosen, new_state = _pick_by_credit(pool, state, weighted)
    reason = f"{policy.strategy.value.replace('_', ' ')} among {len(pool)} eligible"
    return Decision(chosen.id, reason, new_state)


def facts_of(
    lead: Lead, previous_owner_id: int | None = None, exclude: frozenset[int] = frozenset()
) -> LeadFacts:
    """Take from a lead what routing needs to know."""
    return LeadFacts(lead.product, lead.region, lead.value, previous_owner_id, exclude)


@dataclass(frozen=True)
class Candidate:
    """A rep a manager may give a lead to, and why routing would have passed them over."""

    member: Member
    misfit: str = ""


def candidates(
    members: Sequence[Member],
    lead: Lead,
    loads: Mapping[int, int],
    policy: RoutingPolicy,
    today: date,
) -> list[Candidate]:
    """List the reps a manager may give a lead to: every available rep but its owner.

    A manager may overrule products, regions, capacity and tier; each candidate says in a
    word or two which rule it breaks ("at capacity"), and those who break none come first,
    the least loaded first.
    """
    found = [
        Candidate(member, misfit(member, lead, loads, policy, today))
        for member in members
        if member.id != lead.owner_id and member.is_rep and member.is_available(today)
    ]

    def order(c: Candidate) -> tuple[bool, float, int]:
        return bool(c.misfit), loads.get(c.member.id, 0) / (c.member.capacity or 100), c.member.id

    return sorted(found, key=order)


def misfit(
    member: Member, lead: Lead, loads: Mapping[int, int], policy: RoutingPolicy, today: date
) -> str:
    """Say in a word or two why routing would not give a lead to a member; empty if it would."""
    rules = _filters(facts_of(lead), loads, policy, today)
    return next((words for _, words, keep in rules if not keep(member)), "")


class Router:
    """Routes several leads in one unit of work, counting each assignment as it is made."""

    def __init__(
        self,
        members: Sequence[Member],
        loads: Mapping[int, int],
        policy: RoutingPolicy,
        state: Mapping[str, Any],
        today: date,
    ) -> None:
        self.members = list(members)
        self.loads = dict(loads)
        self.policy = policy
        self.state = forget_absent(state, members)
        self.today = today

    def decide(self, facts: LeadFacts) -> Decision:
        """Choose an owner for a lead without counting it yet."""
        return route(self.members, facts, self.loads, self.policy, self.state, self.today)

    def take(self, decision: Decision) -> None:
        """Count a decision that was acted on: its owner's load and the new state."""
        self.state = decision.state
        if decision.owner_id is not None:
            self.loads[decision.owner_id] = self.loads.get(decision.owner_id, 0) + 1

    def release(self, owner_id: int | None) -> None:
        """Count a lead its owner no longer holds."""
        if owner_id is not None and self.loads.get(owner_id, 0) > 0:
            self.loads[owner_id] -= 1

    def member(self, member_id: int | None) -> Member | None:
        """Find a member of the team this router knows."""
        return next((m for m in self.members if m.id == member_id), None)
