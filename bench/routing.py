"""How fast routing decides, and how fairly: 10,000 leads over 50 reps with mixed profiles.

Part one times `core.routing.Router` alone (the chain and the pick, with loads counted
as leads are given and closed), for each strategy, best and median of several runs.
Outside the timed part it checks the outcome: each rep's share against the share a fair
split gives it (every lead divided among the reps who could take it, by weight for
weighted), and that no rep ever held more open leads than their capacity.

Part two times the use case that re-offers waiting leads (`offer_unassigned`, what a
shift start, a resume or a freed slot runs) on a fresh SQLite file: 1,000 waiting leads,
50 reps, one transaction.

    .venv/bin/python -m bench.routing [--leads 10000] [--reps 50] [--runs 7] [--waiting 1000]
"""

import argparse
import asyncio
import dataclasses
import random
import statistics
import tempfile
import time
from collections import Counter, deque
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from core.clock import FixedClock
from core.distributing import OFFER_BATCH
from core.leads import Channel, Lead
from core.ports import UnitOfWork
from core.routing import LeadFacts, Router, RoutingPolicy, Strategy, eligible
from core.rules import Rules
from core.services import Services, UnitOfWorkFactory
from core.team import Member

TODAY = date(2026, 12, 2)
NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
PRODUCTS = ["roofs", "doors", "windows", "gutters", "solar"]
REGIONS = ["north", "south", "east", "west"]
OPEN_AT_ONCE = 1_500  # leads close in arrival order once this many are open


def team(size: int, seed: int = 7) -> list[Member]:
    """Make reps with mixed profiles: generalists, specialists, capacities, weights, tiers."""
    rng = random.Random(seed)
    reps = []
    for n in range(1, size + 1):
        products = frozenset(rng.sample(PRODUCTS, rng.choice([1, 2]))) if n % 3 else frozenset()
        regions = frozenset(rng.sample(REGIONS, rng.choice([1, 2]))) if n % 4 == 0 else frozenset()
        reps.append(
            Member(
                telegram_id=10_000 + n,
                name=f"Rep {n}",
                id=n,
                products=products,
                regions=regions,
                capacity=rng.choice([None, None, 40, 60, 100]),
                weight=rng.choice([1, 1, 2, 3]),
                tier=1 if n % 5 == 0 else 0,
            )
        )
    return reps


def leads(count: int, seed: int = 11) -> list[LeadFacts]:
    """Make a stream of leads for assorted products and regions, some of high value."""
    rng = random.Random(seed)
    return [
        LeadFacts(
            rng.choice([*PRODUCTS, None]),
            rng.choice([*REGIONS, None, None]),
            Decimal(rng.choice([500, 2_000, 5_000, 50_000])),
        )
        for _ in range(count)
    ]


def route_all(reps: list[Member], stream: list[LeadFacts], policy: RoutingPolicy):
    """Route a stream with loads counted and leads closing; return owners and peak loads."""
    router = Router(reps, {}, policy, {}, TODAY)
    open_leads: deque[int] = deque()
    owners: list[int | None] = []
    peak: Counter[int] = Counter()
    for facts in stream:
        decision = router.decide(facts)
        router.take(decision)
        owners.append(decision.owner_id)
        if decision.owner_id is not None:
            open_leads.append(decision.owner_id)
            peak[decision.owner_id] = max(peak[decision.owner_id], router.loads[decision.owner_id])
            if len(open_leads) > OPEN_AT_ONCE:
                router.release(open_leads.popleft())
    return owners, peak


def fairness(
    reps: list[Member], stream: list[LeadFacts], owners: list[int | None], policy: RoutingPolicy
) -> float:
    """Give the largest gap, in percentage points, between a rep's share and its fair share.

    The fair split ignores capacity, so the bench measures it on the same team with every
    capacity lifted.
    """
    expected: Counter[int] = Counter()
    for facts in stream:
        pool, _ = eligible(reps, facts, {}, policy, TODAY)
        weighted = policy.strategy is Strategy.WEIGHTED
        weights = {m.id: (m.weight if weighted else 1) for m in pool}
        total = sum(weights.values())
        for member_id, weight in weights.items():
            expected[member_id] += weight / total
    actual = Counter(owner for owner in owners if owner is not None)
    return 100 * max(abs(actual[m.id] - expected[m.id]) / len(stream) for m in reps)


def bench_router(count: int, size: int, runs: int) -> None:
    """Time the router alone, per strategy, and check its outcome."""
    reps, stream = team(size), leads(count)
    print(f"Routing {count:,} leads over {size} reps, best and median of {runs} runs:")
    for strategy in Strategy:
        policy = RoutingPolicy(strategy, senior_value_threshold=Decimal(10_000))
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            owners, peak = route_all(reps, stream, policy)
            times.append(time.perf_counter() - started)
        over = [m.name for m in reps if m.capacity is not None and peak[m.id] > m.capacity]
        unassigned = owners.count(None)
        gap = "n/a (picks by load)"
        if strategy is not Strategy.LEAST_LOADED:
            free = [dataclasses.replace(m, capacity=None) for m in reps]
            gap = f"{fairness(free, stream, route_all(free, stream, policy)[0], policy):.3f} pp"
        print(
            f"  {strategy.value:<13} best {min(times) * 1000:4.0f} ms"
            f"  median {statistics.median(times) * 1000:4.0f} ms"
            f"  ({count / min(times):,.0f} leads/s)"
            f"  unassigned {unassigned}  over capacity {len(over)}"
            f"  worst share gap {gap}"
        )


async def bench_offer(waiting: int, size: int) -> None:
    """Time one re-offer of many waiting leads on SQLite."""
    from storage.database import make_engine, session_factories
    from storage.migrate import upgrade_async
    from storage.unit_of_work import Signals, uow_factory

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        await upgrade_async(url)
        engine = make_engine(url)
        writer, _ = session_factories(engine)
        services = Services(uow_factory(writer, Signals()), FixedClock(NOW), Rules())
        rng = random.Random(5)
        async with services.uow() as uow:
            for member in team(size):
                member.id = None
                await uow.members.add(member)
            for n, facts in enumerate(leads(waiting)):
                lead = Lead(Channel.API, NOW, phone=f"+49151{n:08d}", product=facts.product)
                lead.region = facts.region if rng.random() < 0.5 else None
                await uow.leads.add(lead)
            await uow.commit()

        held: list[float] = []
        services.uow = _timed(services.uow, held)
        started = time.perf_counter()
        moved = await services.offer_unassigned()
        took = time.perf_counter() - started
        await engine.dispose()
    print(
        f"Offering {waiting:,} waiting leads to {size} reps on SQLite: {took * 1000:.0f} ms "
        f"({len(moved)} found an owner, {waiting / took:,.0f} leads/s) in {len(held)} "
        f"transactions of at most {OFFER_BATCH} leads; the longest held the write lock "
        f"{max(held) * 1000:.0f} ms"
    )


def _timed(factory: UnitOfWorkFactory, held: list[float]) -> UnitOfWorkFactory:
    """Wrap a unit-of-work factory to record how long each transaction ran until its commit."""

    def opened() -> UnitOfWork:
        uow = factory()
        started, commit = time.perf_counter(), uow.commit

        async def timed_commit() -> None:
            await commit()
            held.append(time.perf_counter() - started)

        uow.commit = timed_commit  # type: ignore[method-assign]
        return uow

    return opened


def main() -> None:
    """Run both parts and print the figures."""
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--leads", type=int, default=10_000)
    options.add_argument("--reps", type=int, default=50)
    options.add_argument("--runs", type=int, default=7)
    options.add_argument("--waiting", type=int, default=1_000)
    args = options.parse_args()
    bench_router(args.leads, args.reps, args.runs)
    asyncio.run(bench_offer(args.waiting, args.reps))


if __name__ == "__main__":
    main()
