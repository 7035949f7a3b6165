"""The gap analysis of the family plan's actions: an action with nobody to do it, or only
people who are a worry, is a finding about that action; actions with someone trusted are
not; snapshots without actions work as before."""

from __future__ import annotations

from fgdm.analysis import PersonNode, PlanAction, Snapshot, find_gaps, plan_action_gaps
from fgdm.analysis.findings import FindingCode, Severity

PEOPLE = (
    PersonNode(id=1, name="Amir", is_child=True),
    PersonNode(id=2, name="Nan"),
    PersonNode(id=3, name="Dad", is_worry=True),
)


def test_an_action_with_nobody_is_a_warning_about_that_action() -> None:
    snapshot = Snapshot(people=PEOPLE, actions=(PlanAction(id=7, text="Fix the boiler"),))
    [finding] = plan_action_gaps(snapshot)
    assert finding.code == FindingCode.action_without_person
    assert finding.severity == Severity.warning
    assert finding.action_id == 7
    assert "Fix the boiler" in finding.explanation
    assert finding.people == ()


def test_an_action_only_for_a_worry_is_serious_and_names_them() -> None:
    action = PlanAction(id=8, text="Take Amir to school", doer_ids=frozenset({3}))
    [finding] = plan_action_gaps(Snapshot(people=PEOPLE, actions=(action,)))
    assert finding.severity == Severity.serious
    assert finding.people == (3,)
    assert "Dad" in finding.explanation


def test_an_action_with_someone_trusted_is_no_finding() -> None:
    action = PlanAction(id=9, text="Take Amir to school", doer_ids=frozenset({2, 3}))
    assert plan_action_gaps(Snapshot(people=PEOPLE, actions=(action,))) == []


def test_someone_not_in_the_snapshot_counts_as_nobody() -> None:
    # A person the reader may not see (or who left) is not relied on, and not named.
    action = PlanAction(id=10, text="Cook tea", doer_ids=frozenset({99}))
    [finding] = plan_action_gaps(Snapshot(people=PEOPLE, actions=(action,)))
    assert finding.severity == Severity.warning and finding.people == ()


def test_action_findings_are_among_the_network_gaps() -> None:
    snapshot = Snapshot(people=PEOPLE, actions=(PlanAction(id=7, text="Fix the boiler"),))
    codes = [f.code for f in find_gaps(snapshot)]
    assert FindingCode.action_without_person in codes
    assert FindingCode.action_without_person not in [
        f.code for f in find_gaps(Snapshot(people=PEOPLE))
    ]
