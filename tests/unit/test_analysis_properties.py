"""Properties of the gap analysis that hold for every network, checked on random small ones
(hypothesis): the order of the input does not matter, more help never makes a new gap in
cover, losing a person never makes cover stronger, and findings name only real people."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from fgdm.analysis import (
    FindingCode,
    Offer,
    PersonNode,
    Rule,
    Snapshot,
    Tie,
    find_gaps,
    resilience,
    what_if,
    without,
)
from fgdm.network.vocabulary import WEEK, Closeness, Need, PersonKind, Sureness

# Small networks find the corner cases quickly; names repeat on purpose, so sorting by
# name alone would not be enough to be stable.
PROPERTY = settings(max_examples=100, deadline=None)
NAMES = ("Nan", "Mum", "Dad", "Aisha", "Sam", "Uncle Dev", "Jo", "Ms Patel")
AREAS = ("", "LE4 6", "le46", "LE5")
# Linking ties twice as likely as the others, so cycles and single links both turn up.
CLOSENESS = st.sampled_from([*Closeness, Closeness.close, Closeness.some_contact])
NOBODY = 999  # an id no person has: ties, offers and rules may point at someone not shown


@st.composite
def snapshots(draw: st.DrawFn) -> Snapshot:
    ids = draw(st.lists(st.integers(1, 40), min_size=2, max_size=10, unique=True))
    people = tuple(
        PersonNode(
            id=i,
            name=draw(st.sampled_from(NAMES)),
            kind=draw(st.sampled_from(PersonKind)),
            # Mostly adults, around a first person who is nearly always a child.
            is_child=draw(st.integers(0, 4)) != 0 if n == 0 else draw(st.integers(0, 4)) == 0,
            area=draw(st.sampled_from(AREAS)),
            is_worry=draw(st.booleans()),
            in_safety_network=draw(st.booleans()),
        )
        for n, i in enumerate(ids)
    )
    someone = st.sampled_from(ids)
    someone_or_nobody = st.sampled_from([*ids, NOBODY])
    ties = draw(
        st.lists(
            st.builds(Tie, a=someone, b=someone_or_nobody, closeness=CLOSENESS),
            min_size=len(ids) // 2,
            max_size=25,
        )
    )
    offers = draw(st.lists(offers_from(someone_or_nobody), max_size=15))
    rules = draw(
        st.lists(
            st.builds(
                Rule,
                id=st.integers(1, 5),
                text=st.sampled_from(("Lights off by nine", "Nan checks in")),
                responsible_ids=st.frozensets(someone_or_nobody, max_size=3),
            ),
            max_size=3,
            unique_by=lambda r: r.id,
        )
    )
    return Snapshot(
        people=people,
        ties=tuple(ties),
        offers=tuple(offers),
        rules=tuple(rules),
        child_area=draw(st.sampled_from(AREAS)),
    )


@st.composite
def linked_networks(draw: st.DrawFn) -> Snapshot:
    """People and ties only, one or two children, and about as many ties as people: the
    shape where cycles hang off single people, which fully random networks rarely make."""
    count = draw(st.integers(3, 10))
    children = draw(st.integers(1, 2))
    people = tuple(
        PersonNode(id=i, name=NAMES[i % len(NAMES)], is_child=i <= children)
        for i in range(1, count + 1)
    )
    someone = st.integers(1, count)
    ties = draw(
        st.lists(
            st.builds(Tie, a=someone, b=someone, closeness=CLOSENESS),
            min_size=count - 1,
            max_size=2 * count,
        )
    )
    return Snapshot(people=people, ties=tuple(ties))


def offers_from(person_ids: st.SearchStrategy[int]) -> st.SearchStrategy[Offer]:
    return st.builds(
        Offer,
        person_id=person_ids,
        need=st.sampled_from(Need),
        sureness=st.sampled_from(Sureness),
        slots=st.frozensets(st.sampled_from(WEEK), max_size=8),
    )


def uncovered_needs(snapshot: Snapshot) -> set[Need | None]:
    return {f.need for f in find_gaps(snapshot) if f.code == FindingCode.need_uncovered}


@PROPERTY
@given(snapshot=snapshots(), data=st.data())
def test_findings_do_not_depend_on_the_order_of_people_ties_offers_or_rules(snapshot, data):
    shuffled = Snapshot(
        people=tuple(data.draw(st.permutations(snapshot.people))),
        ties=tuple(
            Tie(a=t.b, b=t.a, closeness=t.closeness) if data.draw(st.booleans()) else t
            for t in data.draw(st.permutations(snapshot.ties))
        ),
        offers=tuple(data.draw(st.permutations(snapshot.offers))),
        rules=tuple(data.draw(st.permutations(snapshot.rules))),
        child_area=snapshot.child_area,
    )
    removed = data.draw(st.lists(st.sampled_from([p.id for p in snapshot.people]), max_size=2))
    assert find_gaps(shuffled) == find_gaps(snapshot)
    assert resilience(shuffled) == resilience(snapshot)
    assert what_if(shuffled, reversed(removed)) == what_if(snapshot, removed)


@PROPERTY
@given(snapshot=snapshots(), data=st.data())
def test_adding_an_offer_never_adds_an_uncovered_need(snapshot, data):
    new = data.draw(offers_from(st.sampled_from([p.id for p in snapshot.people])))
    more_help = replace(snapshot, offers=(*snapshot.offers, new))
    assert uncovered_needs(more_help) <= uncovered_needs(snapshot)
    giver = next(p for p in snapshot.people if p.id == new.person_id)
    if not giver.is_worry:
        assert new.need not in uncovered_needs(more_help)


@PROPERTY
@given(snapshot=snapshots(), data=st.data())
def test_taking_a_person_out_never_makes_any_need_more_resilient(snapshot, data):
    gone = data.draw(st.sampled_from([p.id for p in snapshot.people]))
    before, after = resilience(snapshot), resilience(without(snapshot, [gone]))
    assert all(after[need] <= before[need] for need in Need)
    assert uncovered_needs(without(snapshot, [gone])) >= uncovered_needs(snapshot)
    result = what_if(snapshot, [gone])
    assert set(result.uncovered_needs) == {n for n in Need if before[n] > 0 and after[n] == 0}


@PROPERTY
@given(snapshot=snapshots())
def test_what_if_nobody_is_taken_out_changes_nothing(snapshot):
    for removed in ([], [NOBODY]):
        result = what_if(snapshot, removed)
        assert result.removed == ()
        assert result.appeared == result.gone == ()
        assert result.uncovered_needs == result.cut_off == ()


@PROPERTY
@given(snapshot=snapshots(), data=st.data())
def test_every_finding_names_only_people_in_the_network(snapshot, data):
    ids = {p.id for p in snapshot.people}
    rule_ids = {r.id for r in snapshot.rules}
    findings = find_gaps(snapshot)
    for finding in findings:
        assert set(finding.people) <= ids
        assert list(finding.people) == sorted(set(finding.people))
        assert finding.rule_id is None or finding.rule_id in rule_ids
        assert finding.explanation and finding.question
    gone = data.draw(st.lists(st.sampled_from(sorted(ids)), max_size=3))
    for finding in what_if(snapshot, gone).appeared:
        assert set(finding.people) <= ids - set(gone)


@PROPERTY
@given(snapshot=snapshots())
def test_findings_come_serious_first_then_by_code_then_people(snapshot):
    keys = [(-f.severity, f.code.value, f.people) for f in find_gaps(snapshot)]
    assert keys == sorted(keys)


@settings(max_examples=300, deadline=None)
@given(snapshot=st.one_of(snapshots(), linked_networks()))
def test_single_links_are_exactly_the_people_whose_loss_cuts_someone_off(snapshot):
    """The fast search agrees with the slow way: take each person out in turn and see who
    is no longer linked to any child."""
    expected = set()
    for person in snapshot.people:
        if not person.is_child:
            cut_off = what_if(snapshot, [person.id]).cut_off
            if cut_off:
                expected.add(tuple(sorted((person.id, *cut_off))))
    found = {f.people for f in find_gaps(snapshot) if f.code == FindingCode.single_link}
    assert found == expected
