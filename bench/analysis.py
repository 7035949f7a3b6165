"""Benchmark of the gap analysis: the median time of find_gaps + resilience on realistic
networks of 10, 60, 500 and 5,000 people, and how the time grows with the size.

Run: .venv/bin/python bench/analysis.py
Targets on a 2-core machine: <= 5 ms at 60 people, <= 1 s at 5,000, close to linear."""

from __future__ import annotations

import random
import statistics
import time

from fgdm.analysis import Offer, PersonNode, Rule, Snapshot, Tie, find_gaps, resilience
from fgdm.network.vocabulary import WEEK, Closeness, Need, PersonKind, Sureness

SIZES = (10, 60, 500, 5000)
TARGETS_MS = {60: 5.0, 5000: 1000.0}
AREAS = ("LE4 6", "LE5 1", "LE2 3", "LE1 7", "NG1 2")
PROFESSIONAL = (PersonKind.school, PersonKind.health, PersonKind.professional)
COMMUNITY = (PersonKind.friend, PersonKind.neighbour, PersonKind.community)


def network(size: int, seed: int = 7) -> Snapshot:
    """A village of `size` people: one child (two from 60 people up) in the middle, dense
    family clusters of 4 to 12 relatives with one to three of them close to the children,
    friends and neighbours hanging off one or two adults, professionals around the
    children, a few conflicts and worries, offers with a week of availability, and rules."""
    rng = random.Random(seed)
    people: list[PersonNode] = []
    ties: list[Tie] = []
    children = [1] if size < 60 else [1, 2]
    for child in children:
        people.append(PersonNode(id=child, name=f"Child {child}", is_child=True, area=AREAS[0]))
    if len(children) == 2:
        ties.append(Tie(1, 2, Closeness.close))
    next_id = len(children) + 1
    adults: list[int] = []

    def add(kind: PersonKind, **extra: object) -> int:
        nonlocal next_id
        person_id = next_id
        next_id += 1
        people.append(
            PersonNode(
                id=person_id,
                name=f"Person {person_id}",
                kind=kind,
                area=rng.choice(AREAS),
                is_worry=rng.random() < 0.02,
                **extra,  # type: ignore[arg-type]
            )
        )
        return person_id

    professionals = max(1, size // 10)
    helpers = max(1, size // 5)  # friends, neighbours, community
    relatives = size - len(children) - professionals - helpers
    while relatives > 0:
        cluster = [add(PersonKind.family) for _ in range(min(relatives, rng.randint(4, 12)))]
        relatives -= len(cluster)
        adults.extend(cluster)
        for i, a in enumerate(cluster):
            for b in cluster[i + 1 :]:
                if rng.random() < 0.5:
                    ties.append(Tie(a, b, rng.choice((Closeness.close, Closeness.some_contact))))
        for a in rng.sample(cluster, k=min(len(cluster), rng.randint(1, 3))):
            ties.append(Tie(rng.choice(children), a, Closeness.close))
    for _ in range(helpers):
        helper = add(rng.choice(COMMUNITY))
        for a in rng.sample(adults, k=rng.randint(1, 2)):
            ties.append(Tie(helper, a, rng.choice(list(Closeness))))
        adults.append(helper)
    for _ in range(professionals):
        worker = add(rng.choice(PROFESSIONAL))
        ties.append(Tie(rng.choice(children), worker, Closeness.some_contact))
    for _ in range(size // 50 + 1):
        a, b = rng.sample(adults, k=2)
        ties.append(Tie(a, b, Closeness.conflict))
    offers = [
        Offer(
            person_id=person,
            need=need,
            sureness=rng.choice((Sureness.yes, Sureness.yes, Sureness.maybe)),
            slots=frozenset(rng.sample(WEEK, k=rng.randint(0, 10))),
        )
        for person in adults
        if rng.random() < 0.4
        for need in rng.sample(list(Need), k=rng.randint(1, 4))
    ]
    rules = [
        Rule(
            id=i,
            text=f"Rule {i}",
            responsible_ids=frozenset(rng.sample(adults, k=rng.randint(0, 2))),
        )
        for i in range(1, min(12, size // 5) + 2)
    ]
    return Snapshot(
        people=tuple(people),
        ties=tuple(ties),
        offers=tuple(offers),
        rules=tuple(rules),
        child_area=AREAS[0],
    )


def median_ms(snapshot: Snapshot, runs: int) -> float:
    """The median time of one full analysis (the findings and the resilience summary)."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        find_gaps(snapshot)
        resilience(snapshot)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> int:
    header = (
        f"{'people':>7} {'ties':>7} {'offers':>7} {'findings':>9} {'runs':>5} "
        f"{'median ms':>10} {'µs/person':>10} {'growth':>14} {'target':>9}"
    )
    print("Gap analysis (find_gaps + resilience), median of repeated runs")
    print(header)
    print("-" * len(header))
    previous: tuple[int, float] | None = None
    failed = False
    for size in SIZES:
        snapshot = network(size)
        runs = max(7, min(300, 30_000 // size))
        find_gaps(snapshot)  # warm up: imports and the catalogue load once per process
        took = median_ms(snapshot, runs)
        if previous is None:
            growth = "-"
        else:
            size_ratio, time_ratio = size / previous[0], took / previous[1]
            growth = f"×{time_ratio:.1f} for ×{size_ratio:.1f}"
        target = TARGETS_MS.get(size)
        verdict = "-"
        if target is not None:
            verdict = f"≤{target:g} {'ok' if took <= target else 'MISS'}"
            failed = failed or took > target
        print(
            f"{size:>7} {len(snapshot.ties):>7} {len(snapshot.offers):>7} "
            f"{len(find_gaps(snapshot)):>9} {runs:>5} {took:>10.2f} "
            f"{took * 1000 / size:>10.1f} {growth:>14} {verdict:>9}"
        )
        previous = (size, took)
    print("growth: how many times slower than the size before, for how many times the people")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
