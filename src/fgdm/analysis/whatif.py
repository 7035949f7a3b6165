""" "What if" for the family meeting: take one or more people out of the network and show
what it would lose (new gaps, gaps that go, help nobody would give, people cut off)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from fgdm.analysis.findings import Finding
from fgdm.analysis.gaps import find_gaps, linked_to_children, resilience
from fgdm.analysis.snapshot import Snapshot
from fgdm.network.vocabulary import Need


@dataclass(frozen=True)
class WhatIf:
    """What changes when some people could no longer help."""

    removed: tuple[int, ...]  # the ids taken out that were in the network, sorted
    appeared: tuple[Finding, ...]  # findings there would be that are not there now
    gone: tuple[Finding, ...]  # findings now that there would no longer be
    uncovered_needs: tuple[Need, ...]  # help someone gives now that nobody would give
    cut_off: tuple[int, ...]  # people linked to the children now who would not be, sorted


def without(snapshot: Snapshot, removed_ids: Iterable[int]) -> Snapshot:
    """The snapshot with these people gone: their ties, offers and rule places too."""
    gone = frozenset(removed_ids)
    return replace(
        snapshot,
        people=tuple(p for p in snapshot.people if p.id not in gone),
        ties=tuple(t for t in snapshot.ties if t.a not in gone and t.b not in gone),
        offers=tuple(o for o in snapshot.offers if o.person_id not in gone),
        rules=tuple(replace(r, responsible_ids=r.responsible_ids - gone) for r in snapshot.rules),
    )


def what_if(
    snapshot: Snapshot,
    removed_ids: Iterable[int],
    *,
    minimum_trusted: int = 5,
    overload_at: int = 4,
) -> WhatIf:
    """Compares the findings with and without these people. A finding whose words change
    (say, "3 adults" becoming "2 adults") counts as one gone and one appeared."""
    known = {p.id for p in snapshot.people}
    removed = tuple(sorted(set(removed_ids) & known))
    after = without(snapshot, removed)
    options = {"minimum_trusted": minimum_trusted, "overload_at": overload_at}
    findings_before = find_gaps(snapshot, **options)
    findings_after = find_gaps(after, **options)
    before_set, after_set = set(findings_before), set(findings_after)
    cover_before, cover_after = resilience(snapshot), resilience(after)
    return WhatIf(
        removed=removed,
        appeared=tuple(f for f in findings_after if f not in before_set),
        gone=tuple(f for f in findings_before if f not in after_set),
        uncovered_needs=tuple(n for n in Need if cover_before[n] > 0 and cover_after[n] == 0),
        cut_off=tuple(
            sorted(linked_to_children(snapshot) - linked_to_children(after) - set(removed))
        ),
    )
