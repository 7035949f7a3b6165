"""Benchmark of the ecomap's layout: the CPU time to place everyone when the network has
changed (the drawing is cached until it changes), for 15, 40, 80 and 120 people, spread
over the kinds of people and all in one crowded sector (everyone a friend).

Run: .venv/bin/python bench/ecomap.py"""

from __future__ import annotations

import statistics
import time

from fgdm.analysis import PersonNode, Snapshot, Tie
from fgdm.network import ecomap
from fgdm.network.vocabulary import Closeness, PersonKind

SIZES = (15, 40, 80, 120)
KINDS = tuple(PersonKind)
CLOSENESS = tuple(c for c in Closeness if c is not Closeness.conflict)


def network(size: int, *, crowded: bool) -> Snapshot:
    """Two children and `size` other people, each tied to the first child."""
    people = [
        PersonNode(id=1, name="Aisha", is_child=True),
        PersonNode(id=2, name="Yusuf", is_child=True),
    ]
    ties = []
    for n in range(3, size + 3):
        kind = PersonKind.friend if crowded else KINDS[n % len(KINDS)]
        people.append(PersonNode(id=n, name=f"Helper number {n}", kind=kind))
        ties.append(Tie(a=1, b=n, closeness=CLOSENESS[n % len(CLOSENESS)]))
    return Snapshot(people=tuple(people), ties=tuple(ties))


def median_ms(snapshot: Snapshot, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        started = time.process_time()
        ecomap._layout(snapshot, width=ecomap.BASE_WIDTH, rtl=False)
        times.append((time.process_time() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    print("ecomap layout after a change (CPU ms, median of 3)")
    print(f"{'people':>8} {'spread over kinds':>18} {'one crowded sector':>19}")
    for size in SIZES:
        spread = median_ms(network(size, crowded=False))
        crowded = median_ms(network(size, crowded=True))
        print(f"{size:>8} {spread:>15.0f} ms {crowded:>16.0f} ms")


if __name__ == "__main__":
    main()
