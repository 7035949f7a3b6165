"""The gap analysis, rule by rule, on small hand-made families (Aisha, Nan, Uncle Dev...)."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest
from babel.support import NullTranslations

from fgdm import i18n
from fgdm.analysis import (
    Finding,
    FindingCode,
    Offer,
    PersonNode,
    Rule,
    Severity,
    Snapshot,
    Tie,
    find_gaps,
    resilience,
    what_if,
)
from fgdm.analysis.wording import describe_times
from fgdm.network.vocabulary import WEEK, Closeness, Day, Need, PartOfDay, PersonKind, Sureness

AISHA, SAM, NAN, DEV, JO, MUM, DAD, AUNTIE, FRIEND, TEACHER, NURSE = range(1, 12)


def child(id: int, name: str, **extra) -> PersonNode:
    return PersonNode(id=id, name=name, is_child=True, **extra)


def adult(id: int, name: str, **extra) -> PersonNode:
    return PersonNode(id=id, name=name, **extra)


def close(a: int, b: int) -> Tie:
    return Tie(a=a, b=b, closeness=Closeness.close)


def offer(person_id: int, need: Need, *slots: tuple[Day, PartOfDay], sure: bool = True) -> Offer:
    return Offer(
        person_id=person_id,
        need=need,
        sureness=Sureness.yes if sure else Sureness.maybe,
        slots=frozenset(slots),
    )


def only(findings: list[Finding], code: FindingCode) -> list[Finding]:
    return [f for f in findings if f.code == code]


def nan_is_the_only_link() -> Snapshot:
    """Aisha is close to Nan and Mum; only Nan knows Uncle Dev and Auntie Jo."""
    return Snapshot(
        people=(
            child(AISHA, "Aisha"),
            adult(NAN, "Nan"),
            adult(DEV, "Uncle Dev"),
            adult(JO, "Auntie Jo"),
            adult(MUM, "Mum"),
        ),
        ties=(
            close(AISHA, NAN),
            close(AISHA, MUM),
            close(NAN, DEV),
            Tie(NAN, JO, Closeness.some_contact),
            close(DEV, JO),
        ),
    )


def five_trusted_adults() -> Snapshot:
    people = (child(AISHA, "Aisha"), *(adult(i, f"Adult {i}") for i in range(20, 25)))
    return Snapshot(people=people, ties=tuple(close(AISHA, i) for i in range(20, 25)))


# --- Trusted adults ----------------------------------------------------------------------


def test_five_trusted_adults_are_enough():
    assert only(find_gaps(five_trusted_adults()), FindingCode.too_few_trusted_adults) == []


def test_two_trusted_adults_is_a_warning_that_names_them():
    (finding,) = only(find_gaps(nan_is_the_only_link()), FindingCode.too_few_trusted_adults)
    assert finding.severity == Severity.warning
    assert finding.people == (AISHA, NAN, MUM)
    assert "Only 2 adults" in finding.explanation
    assert "Aisha: Mum and Nan." in finding.explanation
    assert "at least 5" in finding.explanation
    assert finding.question == "Who else could Aisha turn to and feel safe with?"


@pytest.mark.parametrize("count", [0, 1])
def test_none_or_one_trusted_adult_is_serious(count):
    people = (child(AISHA, "Aisha"), *(adult(i, f"Adult {i}") for i in range(20, 20 + count)))
    snapshot = Snapshot(people=people, ties=tuple(close(AISHA, i) for i in range(20, 20 + count)))
    (finding,) = only(find_gaps(snapshot), FindingCode.too_few_trusted_adults)
    assert finding.severity == Severity.serious


def test_professionals_worries_children_and_distant_people_are_not_trusted_adults():
    snapshot = Snapshot(
        people=(
            child(AISHA, "Aisha"),
            child(SAM, "Sam"),
            adult(NAN, "Nan"),
            adult(TEACHER, "Ms Patel", kind=PersonKind.school),
            adult(NURSE, "Nurse Ali", kind=PersonKind.health),
            adult(DAD, "Dad", is_worry=True),
            adult(AUNTIE, "Auntie Bee"),
            adult(DEV, "Uncle Dev"),
        ),
        ties=(
            close(AISHA, SAM),
            close(AISHA, NAN),
            close(SAM, NAN),
            close(AISHA, TEACHER),
            close(AISHA, NURSE),
            close(AISHA, DAD),
            Tie(AISHA, AUNTIE, Closeness.distant),
            close(NAN, DEV),  # Dev is close to Nan, not to a child
        ),
    )
    (finding,) = only(find_gaps(snapshot), FindingCode.too_few_trusted_adults)
    assert finding.people == (AISHA, SAM, NAN)
    assert finding.severity == Severity.serious
    assert "Aisha and Sam: Nan." in finding.explanation


def test_each_child_is_checked_for_their_own_trusted_adults():
    snapshot = Snapshot(
        people=(
            child(AISHA, "Aisha"),
            child(SAM, "Sam"),
            *(adult(i, f"Adult {i}") for i in range(20, 25)),
        ),
        ties=(*(close(AISHA, i) for i in range(20, 25)), close(SAM, 20)),
    )
    (finding,) = only(find_gaps(snapshot), FindingCode.too_few_trusted_adults)
    assert finding.people == (SAM, 20)
    assert "close to Sam: Adult 20." in finding.explanation


def test_the_minimum_of_trusted_adults_is_a_setting():
    findings = find_gaps(nan_is_the_only_link(), minimum_trusted=2)
    assert only(findings, FindingCode.too_few_trusted_adults) == []


# --- Single links ------------------------------------------------------------------------


def test_nan_as_the_only_link_to_uncle_dev_and_auntie_jo_is_found():
    (finding,) = only(find_gaps(nan_is_the_only_link()), FindingCode.single_link)
    assert finding.severity == Severity.warning
    assert finding.people == (NAN, DEV, JO)
    assert finding.explanation == (
        "Only Nan links Aisha to Auntie Jo and Uncle Dev. "
        "If Nan could not help, Aisha would lose touch with them."
    )
    assert finding.question == "Who else could Aisha turn to if Nan was ill?"


def test_a_second_path_to_the_same_people_means_no_single_link():
    snapshot = nan_is_the_only_link()
    snapshot = Snapshot(people=snapshot.people, ties=(*snapshot.ties, close(MUM, JO)))
    assert only(find_gaps(snapshot), FindingCode.single_link) == []


def test_a_distant_tie_is_not_a_link():
    snapshot = Snapshot(
        people=(child(AISHA, "Aisha"), adult(NAN, "Nan"), adult(DEV, "Uncle Dev")),
        ties=(close(AISHA, NAN), Tie(NAN, DEV, Closeness.distant)),
    )
    assert only(find_gaps(snapshot), FindingCode.single_link) == []


def test_every_person_along_a_chain_is_a_single_link_for_those_behind_them():
    snapshot = Snapshot(
        people=(
            child(AISHA, "Aisha"),
            adult(MUM, "Mum"),
            adult(NAN, "Nan"),
            adult(DEV, "Uncle Dev"),
        ),
        ties=(close(AISHA, MUM), close(MUM, NAN), close(NAN, DEV)),
    )
    findings = only(find_gaps(snapshot), FindingCode.single_link)
    assert [f.people for f in findings] == [(NAN, DEV), (NAN, DEV, MUM)]
    assert findings[0].explanation.startswith("Only Nan links Aisha to Uncle Dev.")
    assert findings[1].explanation.startswith("Only Mum links Aisha to Nan and Uncle Dev.")


def test_a_child_is_never_the_single_link_and_brothers_and_sisters_keep_each_other():
    """Sam is the only link to Dad, but Dad is still linked to a child (Sam)."""
    snapshot = Snapshot(
        people=(child(AISHA, "Aisha"), child(SAM, "Sam"), adult(DAD, "Dad")),
        ties=(close(AISHA, SAM), close(SAM, DAD)),
    )
    assert only(find_gaps(snapshot), FindingCode.single_link) == []


def test_a_single_link_names_every_child_who_would_lose_touch():
    snapshot = Snapshot(
        people=(
            child(AISHA, "Aisha"),
            child(SAM, "Sam"),
            adult(MUM, "Mum"),
            adult(NAN, "Nan"),
        ),
        ties=(close(AISHA, MUM), close(SAM, MUM), close(MUM, NAN)),
    )
    (finding,) = only(find_gaps(snapshot), FindingCode.single_link)
    assert finding.explanation.startswith("Only Mum links Aisha and Sam to Nan.")


def test_a_long_list_of_people_cut_off_is_shortened():
    cousins = tuple(adult(i, f"Cousin {i}") for i in range(30, 40))
    snapshot = Snapshot(
        people=(child(AISHA, "Aisha"), adult(NAN, "Nan"), *cousins),
        ties=(close(AISHA, NAN), *(close(NAN, c.id) for c in cousins)),
    )
    (finding,) = only(find_gaps(snapshot), FindingCode.single_link)
    assert len(finding.people) == 11
    assert "Cousin 30, Cousin 31, Cousin 32, Cousin 33, Cousin 34 and 5 other people" in (
        finding.explanation
    )


# --- Needs -------------------------------------------------------------------------------


def test_core_needs_nobody_offers_are_uncovered_and_others_are_not():
    findings = find_gaps(nan_is_the_only_link())
    uncovered = only(findings, FindingCode.need_uncovered)
    assert {f.need for f in uncovered} == {
        Need.school_run,
        Need.after_school,
        Need.overnight,
        Need.emergency_contact,
        Need.someone_to_talk_to,
    }
    severities = {f.need: f.severity for f in uncovered}
    assert severities[Need.emergency_contact] == Severity.serious
    assert severities[Need.school_run] == Severity.warning
    overnight = next(f for f in uncovered if f.need == Need.overnight)
    assert overnight.explanation == "Nobody has said they can help with “Overnight stays” yet."
    assert overnight.people == ()


def test_an_offer_from_a_worry_does_not_cover_a_need():
    snapshot = Snapshot(
        people=(child(AISHA, "Aisha"), adult(DAD, "Dad", is_worry=True)),
        offers=(offer(DAD, Need.overnight),),
    )
    uncovered = only(find_gaps(snapshot), FindingCode.need_uncovered)
    overnight = next(f for f in uncovered if f.need == Need.overnight)
    assert "worries about do not count" in overnight.explanation
    assert "Dad" not in overnight.explanation
    assert resilience(snapshot)[Need.overnight] == 0


def test_one_person_offering_a_need_is_named_and_a_maybe_is_mentioned():
    snapshot = Snapshot(
        people=(child(AISHA, "Aisha"), adult(NAN, "Nan")),
        offers=(offer(NAN, Need.overnight, sure=False), offer(NAN, Need.language)),
    )
    singles = {f.need: f for f in only(find_gaps(snapshot), FindingCode.need_single_provider)}
    overnight = singles[Need.overnight]
    assert overnight.people == (NAN,)
    assert overnight.severity == Severity.warning
    assert overnight.explanation == (
        "Only Nan has offered “Overnight stays”. If Nan could not do it, nobody else would. "
        "Nan is not sure yet."
    )
    assert (
        overnight.question == "Who else could help with “Overnight stays” if Nan was ill or away?"
    )
    assert singles[Need.language].severity == Severity.info
    assert "not sure" not in singles[Need.language].explanation


def test_two_people_offering_a_need_cover_it_but_only_maybes_are_mentioned():
    snapshot = Snapshot(
        people=(child(AISHA, "Aisha"), adult(NAN, "Nan"), adult(MUM, "Mum")),
        offers=(
            offer(NAN, Need.overnight, sure=False),
            offer(MUM, Need.overnight, sure=False),
            offer(NAN, Need.school_run),
            offer(MUM, Need.school_run, sure=False),
        ),
    )
    findings = find_gaps(snapshot)
    about = {f.need for f in findings if f.need is not None}
    assert Need.school_run not in about
    (not_sure,) = only(findings, FindingCode.need_not_sure)
    assert not_sure.need == Need.overnight
    assert not_sure.people == (NAN, MUM)
    assert not_sure.explanation == (
        "Mum and Nan might help with “Overnight stays”, but nobody is sure yet."
    )


def test_resilience_counts_the_people_who_cover_each_need():
    snapshot = Snapshot(
        people=(
            child(AISHA, "Aisha"),
            adult(NAN, "Nan"),
            adult(MUM, "Mum"),
            adult(DAD, "Dad", is_worry=True),
        ),
        offers=(
            offer(NAN, Need.overnight),
            offer(NAN, Need.overnight, (Day.monday, PartOfDay.night)),
            offer(MUM, Need.overnight, sure=False),
            offer(DAD, Need.overnight),
            offer(MUM, Need.school_run),
            offer(99, Need.school_run),  # nobody in the network
        ),
    )
    cover = resilience(snapshot)
    assert set(cover) == set(Need)
    assert cover[Need.overnight] == 2
    assert cover[Need.school_run] == 1
    assert cover[Need.respite] == 0


# --- Times of the week -------------------------------------------------------------------


def test_no_time_finding_until_someone_says_when_they_are_free():
    snapshot = Snapshot(
        people=(child(AISHA, "Aisha"), adult(NAN, "Nan")),
        offers=(offer(NAN, Need.school_run),),
    )
    assert only(find_gaps(snapshot), FindingCode.time_uncovered) == []


def test_times_nobody_is_free_are_listed_in_plain_words():
    weekdays = (Day.monday, Day.tuesday, Day.wednesday, Day.thursday, Day.friday)
    free = [
        slot
        for slot in WEEK
        if not (slot[1] == PartOfDay.evening and slot[0] in weekdays)
        and not (slot[1] == PartOfDay.night and slot[0] not in weekdays)
    ]
    snapshot = Snapshot(
        people=(child(AISHA, "Aisha"), adult(NAN, "Nan"), adult(DAD, "Dad", is_worry=True)),
        offers=(
            offer(NAN, Need.school_run, *free[:10]),
            offer(NAN, Need.after_school, *free[10:]),
            offer(DAD, Need.overnight, *WEEK),  # a worry being free covers no time
        ),
    )
    (finding,) = only(find_gaps(snapshot), FindingCode.time_uncovered)
    assert finding.severity == Severity.warning
    assert finding.explanation == (
        "Nobody who has offered help is free at these times: "
        "Monday to Friday evenings, and weekend nights."
    )
    assert finding.question == "Who could be there for Aisha at these times?"


def test_a_week_fully_covered_has_no_time_finding():
    snapshot = Snapshot(
        people=(child(AISHA, "Aisha"), adult(NAN, "Nan"), adult(MUM, "Mum")),
        offers=(offer(NAN, Need.overnight, *WEEK[:14]), offer(MUM, Need.respite, *WEEK[14:])),
    )
    assert only(find_gaps(snapshot), FindingCode.time_uncovered) == []


@pytest.mark.parametrize(
    ("slots", "words"),
    [
        ([(Day.monday, PartOfDay.evening)], "Monday evening"),
        ([(d, PartOfDay.night) for d in Day], "every night"),
        ([(Day.sunday, p) for p in PartOfDay], "all day Sunday"),
        ([(d, p) for d in (Day.saturday, Day.sunday) for p in PartOfDay], "all weekend"),
        (
            [
                (d, p)
                for d in (Day.monday, Day.tuesday)
                for p in (PartOfDay.evening, PartOfDay.night)
            ],
            "Monday and Tuesday evenings and nights",
        ),
        (
            [(d, PartOfDay.morning) for d in (Day.monday, Day.tuesday, Day.wednesday, Day.friday)],
            "Monday to Wednesday and Friday mornings",
        ),
        (
            [(Day.sunday, p) for p in PartOfDay] + [(Day.monday, PartOfDay.morning)],
            "Monday morning, and all day Sunday",
        ),
    ],
)
def test_times_of_the_week_read_naturally(slots, words):
    assert describe_times(slots) == words


# --- One person carrying too much --------------------------------------------------------


def test_a_person_offering_four_kinds_of_help_is_overloaded():
    needs = (Need.school_run, Need.after_school, Need.overnight, Need.transport)
    snapshot = Snapshot(
        people=(child(AISHA, "Aisha"), adult(NAN, "Nan")),
        offers=(*(offer(NAN, n) for n in needs), offer(NAN, Need.overnight, sure=False)),
    )
    (finding,) = only(find_gaps(snapshot), FindingCode.overloaded)
    assert finding.people == (NAN,)
    assert finding.severity == Severity.warning
    assert finding.explanation == (
        "Nan has offered 4 kinds of help: “School run”, “After school”, “Overnight stays” and "
        "“Transport”. That is a lot for one person."
    )
    assert finding.question == "Who could share some of this with Nan?"
    assert only(find_gaps(snapshot, overload_at=5), FindingCode.overloaded) == []


def test_three_kinds_of_help_is_not_overload():
    snapshot = Snapshot(
        people=(child(AISHA, "Aisha"), adult(NAN, "Nan")),
        offers=tuple(offer(NAN, n) for n in (Need.school_run, Need.after_school, Need.money_food)),
    )
    assert only(find_gaps(snapshot), FindingCode.overloaded) == []


# --- Worries -----------------------------------------------------------------------------


def test_a_worry_offering_to_be_alone_with_the_child_is_serious():
    snapshot = Snapshot(
        people=(child(AISHA, "Aisha"), adult(DAD, "Dad", is_worry=True)),
        offers=(offer(DAD, Need.overnight), offer(DAD, Need.money_food)),
    )
    (finding,) = only(find_gaps(snapshot), FindingCode.worry_in_safety_role)
    assert finding.severity == Severity.serious
    assert finding.people == (DAD,)
    assert finding.explanation == (
        "There are worries about Dad. Dad has offered help that means being alone with Aisha: "
        "“Overnight stays”."
    )
    assert finding.question == (
        "Who else could do this, until the worries about Dad are sorted out?"
    )


def test_a_worry_in_the_safety_network_is_serious():
    snapshot = Snapshot(
        people=(
            child(AISHA, "Aisha"),
            adult(DAD, "Dad", is_worry=True, in_safety_network=True),
        ),
    )
    (finding,) = only(find_gaps(snapshot), FindingCode.worry_in_safety_role)
    assert finding.severity == Severity.serious
    assert "Dad is in the safety network." in finding.explanation


def test_a_worry_offering_help_at_a_distance_is_not_flagged():
    snapshot = Snapshot(
        people=(child(AISHA, "Aisha"), adult(DAD, "Dad", is_worry=True)),
        offers=(offer(DAD, Need.money_food), offer(DAD, Need.emergency_contact)),
    )
    assert only(find_gaps(snapshot), FindingCode.worry_in_safety_role) == []


def test_a_person_who_is_not_a_worry_may_hold_any_role():
    snapshot = Snapshot(
        people=(child(AISHA, "Aisha"), adult(NAN, "Nan", in_safety_network=True)),
        offers=(offer(NAN, Need.overnight),),
    )
    assert only(find_gaps(snapshot), FindingCode.worry_in_safety_role) == []


# --- Who the helpers are -----------------------------------------------------------------


def test_a_network_of_only_professionals_is_found():
    snapshot = Snapshot(
        people=(
            child(AISHA, "Aisha"),
            adult(TEACHER, "Ms Patel", kind=PersonKind.school),
            adult(NURSE, "Nurse Ali", kind=PersonKind.health),
            adult(DAD, "Dad", is_worry=True),
        ),
    )
    findings = find_gaps(snapshot)
    (finding,) = only(findings, FindingCode.only_professionals)
    assert finding.people == (TEACHER, NURSE)
    assert finding.explanation.startswith(
        "Everyone who can help is a professional: Ms Patel and Nurse Ali."
    )
    assert only(findings, FindingCode.no_own_community) == []


def test_only_family_and_professionals_means_no_one_from_the_community():
    snapshot = Snapshot(
        people=(
            child(AISHA, "Aisha"),
            adult(NAN, "Nan"),
            adult(TEACHER, "Ms Patel", kind=PersonKind.school),
        ),
    )
    findings = find_gaps(snapshot)
    (finding,) = only(findings, FindingCode.no_own_community)
    assert finding.severity == Severity.info
    assert only(findings, FindingCode.only_professionals) == []


@pytest.mark.parametrize("kind", [PersonKind.friend, PersonKind.neighbour, PersonKind.community])
def test_a_friend_neighbour_or_community_group_is_the_family_s_own_community(kind):
    snapshot = Snapshot(
        people=(child(AISHA, "Aisha"), adult(NAN, "Nan"), adult(JO, "Jo", kind=kind))
    )
    findings = find_gaps(snapshot)
    assert only(findings, FindingCode.no_own_community) == []
    assert only(findings, FindingCode.only_professionals) == []


# --- Nobody near -------------------------------------------------------------------------


def near_snapshot(nan_area: str, child_area: str = "LE4 6") -> Snapshot:
    return Snapshot(
        people=(
            child(AISHA, "Aisha", area=child_area),
            adult(NAN, "Nan", area=nan_area),
            adult(TEACHER, "Ms Patel", kind=PersonKind.school, area=child_area),
        ),
        ties=(close(AISHA, NAN), close(AISHA, TEACHER)),
        child_area=child_area,
    )


def test_a_trusted_adult_in_the_same_area_written_differently_is_near():
    assert only(find_gaps(near_snapshot(" le46 ")), FindingCode.nobody_near) == []


def test_nobody_trusted_in_the_child_s_area_is_found_without_naming_the_area():
    (finding,) = only(find_gaps(near_snapshot("LE5 1")), FindingCode.nobody_near)
    assert finding.severity == Severity.warning
    assert "LE4" not in finding.explanation + finding.question
    assert finding.explanation.startswith("None of the adults close to Aisha lives near them.")


def test_nobody_near_is_not_checked_while_the_child_s_area_is_unknown():
    assert only(find_gaps(near_snapshot("LE5 1", child_area=" ")), FindingCode.nobody_near) == []


# --- Conflicts ---------------------------------------------------------------------------


def conflict_snapshot(closeness: Closeness, dad_offers: tuple[Need, ...]) -> Snapshot:
    return Snapshot(
        people=(child(AISHA, "Aisha"), adult(MUM, "Mum"), adult(DAD, "Dad")),
        ties=(close(AISHA, MUM), close(AISHA, DAD), Tie(DAD, MUM, closeness)),
        offers=(
            offer(MUM, Need.school_run),
            offer(MUM, Need.transport),
            *(offer(DAD, n) for n in dad_offers),
        ),
    )


def test_two_people_in_conflict_offering_the_same_help_are_found():
    snapshot = conflict_snapshot(Closeness.conflict, (Need.school_run, Need.money_food))
    (finding,) = only(find_gaps(snapshot), FindingCode.conflict_in_need)
    assert finding.people == (MUM, DAD)
    assert finding.need == Need.school_run
    assert finding.severity == Severity.warning
    assert finding.explanation == (
        "Dad and Mum do not get on, and both have offered “School run”. "
        "Arguments between them could be hard for Aisha."
    )


def test_a_conflict_over_several_needs_is_one_finding_naming_them_all():
    snapshot = conflict_snapshot(Closeness.conflict, (Need.transport, Need.school_run))
    (finding,) = only(find_gaps(snapshot), FindingCode.conflict_in_need)
    assert finding.need is None
    assert "“School run” and “Transport”" in finding.explanation


@pytest.mark.parametrize(
    ("closeness", "dad_offers"),
    [(Closeness.distant, (Need.school_run,)), (Closeness.conflict, (Need.money_food,))],
)
def test_no_conflict_finding_without_a_conflict_over_the_same_help(closeness, dad_offers):
    snapshot = conflict_snapshot(closeness, dad_offers)
    assert only(find_gaps(snapshot), FindingCode.conflict_in_need) == []


# --- Safety plan rules -------------------------------------------------------------------


def rules_snapshot(*rules: Rule) -> Snapshot:
    return Snapshot(
        people=(child(AISHA, "Aisha"), adult(NAN, "Nan"), adult(DAD, "Dad", is_worry=True)),
        rules=rules,
    )


def test_a_rule_with_nobody_responsible_is_found():
    rule = Rule(id=7, text="Someone walks Aisha home", responsible_ids=frozenset({99}))
    (finding,) = only(find_gaps(rules_snapshot(rule)), FindingCode.rule_without_person)
    assert finding.severity == Severity.warning
    assert finding.rule_id == 7
    assert finding.people == ()
    assert finding.explanation == (
        "Nobody is named to make this rule happen: “Someone walks Aisha home”."
    )


def test_a_rule_held_only_by_a_worry_is_serious():
    rule = Rule(id=8, text="Dad stays sober", responsible_ids=frozenset({DAD}))
    (finding,) = only(find_gaps(rules_snapshot(rule)), FindingCode.rule_without_person)
    assert finding.severity == Severity.serious
    assert finding.people == (DAD,)
    assert "(Dad)" in finding.explanation


def test_a_rule_with_a_trusted_person_responsible_is_fine():
    rule = Rule(id=9, text="Nan checks in daily", responsible_ids=frozenset({NAN, DAD}))
    assert only(find_gaps(rules_snapshot(rule)), FindingCode.rule_without_person) == []


def safety_network_snapshot(*people: PersonNode) -> Snapshot:
    return Snapshot(people=(child(AISHA, "Aisha"), *people))


def test_helpers_in_the_safety_network_who_have_not_seen_the_story_are_one_finding():
    snapshot = safety_network_snapshot(
        adult(NAN, "Nan", in_safety_network=True),
        adult(DEV, "Uncle Dev", in_safety_network=True),
        adult(JO, "Auntie Jo", in_safety_network=True, knows_the_worries=True),
        adult(MUM, "Mum"),  # not in the safety network: not asked yet
    )
    (finding,) = only(find_gaps(snapshot), FindingCode.does_not_know_the_worries)
    assert finding.severity == Severity.warning
    assert finding.people == tuple(sorted((NAN, DEV)))
    assert finding.explanation == (
        "Nan and Uncle Dev are in the safety network but have not seen the "
        "words-and-pictures story yet, so may not know what the worries are."
    )
    assert finding.question == (
        "When could Nan and Uncle Dev see the story, so that everyone tells Aisha the same thing?"
    )


def test_one_helper_who_has_not_seen_the_story_reads_in_the_singular():
    snapshot = safety_network_snapshot(adult(NAN, "Nan", in_safety_network=True))
    (finding,) = only(find_gaps(snapshot), FindingCode.does_not_know_the_worries)
    assert finding.explanation.startswith("Nan is in the safety network but has not seen")


def test_a_safety_network_that_has_all_seen_the_story_has_no_such_finding():
    snapshot = safety_network_snapshot(
        adult(NAN, "Nan", in_safety_network=True, knows_the_worries=True),
        adult(DEV, "Uncle Dev"),
    )
    assert only(find_gaps(snapshot), FindingCode.does_not_know_the_worries) == []


def test_a_worry_in_the_safety_network_is_flagged_as_a_worry_not_as_unaware():
    snapshot = safety_network_snapshot(adult(DAD, "Dad", in_safety_network=True, is_worry=True))
    codes = {f.code for f in find_gaps(snapshot)}
    assert FindingCode.worry_in_safety_role in codes
    assert FindingCode.does_not_know_the_worries not in codes


# --- Order, what if, words ---------------------------------------------------------------


def test_findings_come_serious_first_then_by_code():
    findings = find_gaps(nan_is_the_only_link())
    keys = [(-f.severity, f.code.value, f.people) for f in findings]
    assert keys == sorted(keys)
    assert findings[0].severity == Severity.serious


def test_what_if_nan_could_not_help_shows_what_breaks():
    snapshot = Snapshot(
        people=(*nan_is_the_only_link().people,),
        ties=nan_is_the_only_link().ties,
        offers=(
            offer(NAN, Need.overnight),
            offer(MUM, Need.school_run),
            offer(NAN, Need.school_run),
        ),
    )
    result = what_if(snapshot, [NAN, 404])
    assert result.removed == (NAN,)
    assert result.cut_off == (DEV, JO)
    assert result.uncovered_needs == (Need.overnight,)
    appeared = {(f.code, f.need) for f in result.appeared}
    assert (FindingCode.need_uncovered, Need.overnight) in appeared
    assert (FindingCode.need_single_provider, Need.school_run) in appeared
    assert (FindingCode.single_link, None) in {(f.code, f.need) for f in result.gone}
    for finding in result.appeared:
        assert NAN not in finding.people
        assert "Nan" not in finding.explanation


def test_what_if_nobody_is_taken_out_changes_nothing():
    result = what_if(nan_is_the_only_link(), [])
    assert (result.appeared, result.gone, result.uncovered_needs, result.cut_off) == ((),) * 4


class Bracketing(NullTranslations):
    def gettext(self, message: str) -> str:
        return f"⟦{message}⟧"

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return f"⟦{singular if n == 1 else plural}⟧"


def test_every_word_of_every_finding_can_be_translated(monkeypatch):
    monkeypatch.setattr(i18n, "translations", lambda locale: Bracketing())
    snapshot = Snapshot(
        people=(
            child(AISHA, "Aisha", area="LE4"),
            adult(NAN, "Nan"),
            adult(DEV, "Uncle Dev"),
            adult(DAD, "Dad", is_worry=True, in_safety_network=True),
            adult(MUM, "Mum"),
            adult(TEACHER, "Ms Patel", kind=PersonKind.school),
        ),
        ties=(close(AISHA, NAN), close(NAN, DEV), Tie(MUM, NAN, Closeness.conflict)),
        offers=(
            *(offer(NAN, n, (Day.monday, PartOfDay.morning)) for n in list(Need)[:5]),
            offer(MUM, Need.school_run, sure=False),
            offer(DAD, Need.overnight),
            offer(MUM, Need.transport, sure=False),
        ),
        rules=(Rule(id=1, text="Lights off by nine"),),
        child_area="LE4",
    )
    findings = find_gaps(snapshot)
    assert len({f.code for f in findings}) >= 10
    typed = ["Aisha", "Nan", "Uncle Dev", "Dad", "Mum", "Ms Patel", "Lights off by nine"]
    for finding in findings:
        for text in (finding.explanation, finding.question):
            remainder = text
            while (shorter := re.sub(r"⟦[^⟦⟧]*⟧", "", remainder)) != remainder:
                remainder = shorter
            for word in typed:
                remainder = remainder.replace(word, "")
            assert re.fullmatch(r"[\s.,:;()“”0-9]*", remainder), (finding.code, text)


# --- No web or database in the analysis --------------------------------------------------

ANALYSIS = Path(__file__).resolve().parents[2] / "src" / "fgdm" / "analysis"
FORBIDDEN = ("fastapi", "starlette", "sqlmodel", "sqlalchemy", "jinja2", "fgdm.db", "fgdm.web")
ALLOWED_FGDM = ("fgdm.analysis", "fgdm.network.vocabulary", "fgdm.i18n")


def imported_modules(path: Path) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path.name}: relative import"
            modules.add(node.module or "")
    return modules


def test_the_analysis_imports_nothing_from_the_web_or_the_database():
    files = sorted(ANALYSIS.glob("*.py"))
    assert {f.name for f in files} >= {"__init__.py", "gaps.py", "snapshot.py"}
    for path in files:
        for module in imported_modules(path):
            top = module.split(".")[0]
            assert not module.startswith(FORBIDDEN), (path.name, module)
            if top == "fgdm":
                assert module.startswith(ALLOWED_FGDM), (path.name, module)
            else:
                assert top in {"networkx", "__future__"} or top in sys.stdlib_module_names, (
                    path.name,
                    module,
                )
