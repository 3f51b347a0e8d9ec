"""Routing: who gets a new lead, as a chain of filters and then a pick.

The chain is: members who can take leads at all (reps, active, not paused or on
leave), who have not left too many new-lead alerts in a row untaken, who serve the
lead's product and region, who are under their capacity, who are senior enough when
the lead's value passes the threshold, and who were not excluded (a rep who handed the
lead back). Of those, the ones on shift now are kept, or, when nobody is, those whose
shift starts first (`core.shifts`). A returning contact goes back to its previous owner
when that rep is still eligible. Among the rest one strategy picks:
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
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
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
    untaken_limit: int | None = 3


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


@lru_cache(maxsize=4096)
def _folded(served: frozenset[str]) -> frozenset[str]:
    return frozenset(name.casefold() for name in served)


def _needs_senior(facts: LeadFacts, policy: RoutingPolicy) -> bool:
    threshold = policy.senior_value_threshold
    return threshold is not None and facts.value is not None and facts.value >= threshold


AWAY, UNTAKEN, PRODUCT, REGION, FULL, JUNIOR, EXCLUDED = range(7)
_EMPTIED = (
    "no rep is available",
    "every rep has left alerts untaken",
    "no rep for product {product}",
    "no rep for region {region}",
    "every rep is at capacity",
    "no senior rep for a high-value lead",
    "no other rep can take it",
)
_MISFITS = (
    "away",
    "alerts untaken",
    "other products",
    "other regions",
    "at capacity",
    "not senior",
    "handed it back",
)


class _Rules:
    """The chain for one lead, ready to test reps against it quickly."""

    def __init__(
        self, facts: LeadFacts, loads: Mapping[int, int], policy: RoutingPolicy, today: date
    ) -> None:
        self.facts = facts
        self.product = facts.product.casefold() if facts.product else None
        self.region = facts.region.casefold() if facts.region else None
        self.loads = loads
        self.senior_tier = policy.senior_tier if _needs_senior(facts, policy) else None
        self.untaken_limit = policy.untaken_limit
        self.today = today

    def first_broken(self, m: Member) -> int | None:
        """Name the first rule of the chain a rep breaks for this lead; None if none."""
        if m.role is not Role.REP or not m.is_available(self.today):
            return AWAY
        return self.broken_when_available(m)

    def broken_when_available(self, m: Member) -> int | None:
        """Name the first rule broken by a rep known to be available; None if none."""
        if self.untaken_limit is not None and m.untaken_alerts >= self.untaken_limit:
            return UNTAKEN
        if self.product and m.products and self.product not in _folded(m.products):
            return PRODUCT
        if self.region and m.regions and self.region not in _folded(m.regions):
            return REGION
        if m.capacity is not None and self.loads.get(m.id, 0) >= m.capacity:
            return FULL
        if self.senior_tier is not None and m.tier < self.senior_tier:
            return JUNIOR
        if m.id in self.facts.exclude:
            return EXCLUDED
        return None

    def emptied(self, rule: int) -> str:
        """Say in words that a rule left nobody."""
        return _EMPTIED[rule].format(product=self.facts.product, region=self.facts.region)


def _by_id(members: Sequence[Member]) -> list[Member]:
    return sorted(members, key=lambda m: m.id or 0)


def _eligible(
    pool: list[Member],
    facts: LeadFacts,
    loads: Mapping[int, int],
    policy: RoutingPolicy,
    today: date,
    available: bool = False,
    openings: Mapping[int, datetime] | None = None,
) -> tuple[list[Member], str]:
    """Keep the reps who break no rule; with nobody left, name the rule that left nobody.

    Rules apply in order, so the rule that emptied the list is the latest first-broken
    rule among the reps. `available` says every rep in `pool` is known to be available.
    `openings` maps reps to when their shift is next open; of those kept, the ones whose
    shift opens first stay.
    """
    rules = _Rules(facts, loads, policy, today)
    check = rules.broken_when_available if available else rules.first_broken
    kept, latest = [], -1
    for member in pool:
        broken = check(member)
        if broken is None:
            kept.append(member)
        elif broken > latest:
            latest = broken
    if kept:
        return _first_on_shift(kept, openings or {}), ""
    return [], rules.emptied(max(latest, AWAY))


def _first_on_shift(pool: list[Member], openings: Mapping[int, datetime]) -> list[Member]:
    """Keep the reps whose shift is open now, or else opens first; all when none is known."""
    known = [openings[m.id] for m in pool if m.id in openings]
    if not known:
        return pool
    first = min(known)
    return [m for m in pool if openings.get(m.id) == first]


def eligible(
    members: Sequence[Member],
    facts: LeadFacts,
    loads: Mapping[int, int],
    policy: RoutingPolicy,
    today: date,
    openings: Mapping[int, datetime] | None = None,
) -> tuple[list[Member], str]:
    """Filter the team down to who may take the lead, in id order; say what emptied the list."""
    return _eligible(_by_id(members), facts, loads, policy, today, openings=openings)


# Credits within this of each other count as equal, so float rounding never decides a tie.
_TIE = 1e-9


def _pick_by_credit(pool: list[Member], credit: dict[int, float], weighted: bool) -> Member:
    """Give each eligible rep its share of this lead as credit; the rep with most credit takes it.

    A rep's share is 1/n of the lead among n eligible reps (round robin) or its weight over
    the pool's total weight (weighted). The winner pays one whole lead. Credit is kept per
    rep across leads, also for reps who could not take this one, so over any stream each
    rep's count stays within a lead or two of the sum of its shares: a specialist behind a
    generalist gets its turns, and nobody is buried. With one pool throughout this is plain
    round robin in id order (or smooth weighted round robin). Changes `credit` in place;
    `pool` must be in id order, as ties go to the lowest id.
    """
    if weighted and any(m.weight > 0 for m in pool):
        pool = [m for m in pool if m.weight > 0]  # weight 0: only when nobody else may
    weights = [m.weight if weighted and m.weight > 0 else 1 for m in pool]
    total = sum(weights)
    chosen, best = pool[0], float("-inf")
    for member, weight in zip(pool, weights, strict=True):
        earned = credit.get(member.id, 0.0) + weight / total
        credit[member.id] = earned
        if earned > best + _TIE:
            chosen, best = member, earned
    credit[chosen.id] -= 1.0
    return chosen


def _least_loaded(
    pool: list[Member], loads: Mapping[int, int], credit: dict[int, float]
) -> Member:
    def fill(m: Member) -> float:
        return loads.get(m.id or 0, 0) / (m.capacity or 100)

    lowest = min(fill(m) for m in pool)
    tied = [m for m in pool if fill(m) == lowest]
    return _pick_by_credit(tied, credit, weighted=False)


def _credit_in(state: Mapping[str, Any]) -> dict[int, float]:
    """Read the credit from a state, whose keys are strings once it went through JSON."""
    return {int(k): float(v) for k, v in (state.get("credit") or {}).items()}


def forget_absent(state: Mapping[str, Any], members: Sequence[Member]) -> dict[str, Any]:
    """Drop the credit of members who left the team or stopped being reps."""
    current = {m.id for m in members if m.active and m.role is Role.REP}
    credit = state.get("credit") or {}
    return {**state, "credit": {k: v for k, v in credit.items() if int(k) in current}}


def _decide(
    pool: list[Member],
    facts: LeadFacts,
    loads: Mapping[int, int],
    policy: RoutingPolicy,
    state: Mapping[str, Any],
    credit: dict[int, float],
    today: date,
    available: bool = False,
    openings: Mapping[int, datetime] | None = None,
) -> Decision:
    """Route a lead among reps in id order, given the state and its credit already read."""
    pool, rejection = _eligible(pool, facts, loads, policy, today, available, openings)
    if not pool:
        return Decision(None, rejection, dict(state))

    if policy.prefer_previous_owner and facts.previous_owner_id is not None:
        previous = next((m for m in pool if m.id == facts.previous_owner_id), None)
        if previous is not None:
            return Decision(
                previous.id, "returning contact, back to its previous owner", dict(state)
            )

    credit = dict(credit)
    if policy.strategy is Strategy.LEAST_LOADED:
        chosen = _least_loaded(pool, loads, credit)
    else:
        chosen = _pick_by_credit(pool, credit, policy.strategy is Strategy.WEIGHTED)
    reason = f"{policy.strategy.value.replace('_', ' ')} among {len(pool)} eligible"
    return Decision(chosen.id, reason, {**state, "credit": credit})


def route(
    members: Sequence[Member],
    facts: LeadFacts,
    loads: Mapping[int, int],
    policy: RoutingPolicy,
    state: Mapping[str, Any],
    today: date,
    openings: Mapping[int, datetime] | None = None,
) -> Decision:
    """Choose the owner of a lead, or nobody, with the reason in words, and the next state."""
    credit = _credit_in(state)
    return _decide(_by_id(members), facts, loads, policy, state, credit, today, False, openings)


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
    broken = _Rules(facts_of(lead), loads, policy, today).first_broken(member)
    return "" if broken is None else _MISFITS[broken]


class Router:
    """Routes several leads in one unit of work, counting each assignment as it is made."""

    def __init__(
        self,
        members: Sequence[Member],
        loads: Mapping[int, int],
        policy: RoutingPolicy,
        state: Mapping[str, Any],
        today: date,
        openings: Mapping[int, datetime] | None = None,
    ) -> None:
        self.members = _by_id(members)
        self.openings = openings
        self._available = [m for m in self.members if m.is_rep and m.is_available(today)]
        self.loads = dict(loads)
        self.policy = policy
        kept = forget_absent(state, members)
        self._credit = _credit_in(kept)
        self.state: dict[str, Any] = {**kept, "credit": self._credit}
        self.today = today

    def decide(self, facts: LeadFacts) -> Decision:
        """Choose an owner for a lead without counting it yet."""
        return _decide(
            self._available,
            facts,
            self.loads,
            self.policy,
            self.state,
            self._credit,
            self.today,
            available=True,
            openings=self.openings,
        )

    def take(self, decision: Decision) -> None:
        """Count a decision that was acted on: its owner's load and the new state."""
        self.state = decision.state
        self._credit = decision.state["credit"]  # keyed by int: every state here came from us
        if decision.owner_id is not None:
            self.loads[decision.owner_id] = self.loads.get(decision.owner_id, 0) + 1

    def release(self, owner_id: int | None) -> None:
        """Count a lead its owner no longer holds."""
        if owner_id is not None and self.loads.get(owner_id, 0) > 0:
            self.loads[owner_id] -= 1

    def member(self, member_id: int | None) -> Member | None:
        """Find a member of the team this router knows."""
        return next((m for m in self.members if m.id == member_id), None)
