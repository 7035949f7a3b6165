"""The caseload service: what each family group's row shows, sorting and filters, whose
family groups are on it, the audit of what was shown, and a statement count that does not
grow with the number of family groups."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import event
from sqlmodel import Session, select

from fgdm.accounts.models import StaffRole, User
from fgdm.audit.models import AuditEvent
from fgdm.config import Settings
from fgdm.db import utcnow
from fgdm.families import caseload as caseload_service
from fgdm.families.caseload import CaseloadQuery, parse_query
from fgdm.families.models import FamilyGroup, Stage
from fgdm.meetings.models import Meeting
from fgdm.network.models import DetailField, Offer, Person, PersonDetail, Relationship, Visibility
from fgdm.network.vocabulary import Closeness, Need, PersonKind, Sureness
from fgdm.plans.models import FamilyPlan, PlanAction, PlanActionPerson
from fgdm.safety.models import (
    SafetyNetworkMember,
    SafetyPlan,
    SafetyRule,
    SafetyRuleResponsible,
    ScalingScore,
)
from tests.factories import actor_for, make_family, make_user

NEEDS = list(Need)


def fill_family(
    session: Session,
    family: FamilyGroup,
    *,
    scorer: User,
    people: int = 10,
    review_date: date | None = None,
    meeting_in_days: int | None = 7,
    score: int | None = 5,
    stage: Stage | None = None,
    actions: int = 2,
) -> None:
    """Gives a family group a network (people tied to the child, offers, a worry), a safety
    plan with a rule and a safety network, a family plan with actions, a meeting and a
    scaling score."""
    child = session.exec(
        select(Person).where(Person.family_group_id == family.id, Person.is_child)
    ).first()
    assert child is not None and child.id is not None and family.id is not None
    made = []
    for n in range(people):
        person = Person(
            family_group_id=family.id,
            known_as=f"Helper {n}",
            kind=PersonKind.family if n % 3 else PersonKind.friend,
            area="Leeds",
        )
        session.add(person)
        made.append(person)
    session.flush()
    for n, person in enumerate(made):
        assert person.id is not None
        a, b = sorted((child.id, person.id))
        session.add(
            Relationship(
                family_group_id=family.id,
                person_a_id=a,
                person_b_id=b,
                closeness=Closeness.close if n % 2 else Closeness.some_contact,
            )
        )
        session.add(
            Offer(
                family_group_id=family.id,
                person_id=person.id,
                need=NEEDS[n % len(NEEDS)],
                sureness=Sureness.yes if n % 2 else Sureness.maybe,
                availability="mon:morning,sat:night",
            )
        )
    session.add(
        PersonDetail(
            person_id=made[0].id,
            field=DetailField.worry,
            value="Shouts at the children",
            visibility=Visibility.practitioners,
        )
    )
    safety_plan = SafetyPlan(family_group_id=family.id)
    session.add(safety_plan)
    session.flush()
    assert safety_plan.id is not None
    rule = SafetyRule(plan_id=safety_plan.id, what="Nan collects from school")
    session.add(rule)
    session.flush()
    assert rule.id is not None
    session.add(SafetyRuleResponsible(rule_id=rule.id, person_id=made[0].id))
    session.add(
        SafetyNetworkMember(plan_id=safety_plan.id, person_id=made[0].id, knows_the_worries=True)
    )
    family_plan = FamilyPlan(family_group_id=family.id, review_date=review_date)
    session.add(family_plan)
    session.flush()
    assert family_plan.id is not None
    for n in range(actions):
        action = PlanAction(plan_id=family_plan.id, position=n, what=f"Action {n}")
        session.add(action)
        session.flush()
        assert action.id is not None
        if n % 2:  # every other action has somebody to do it
            session.add(PlanActionPerson(action_id=action.id, person_id=made[n % people].id))
    if meeting_in_days is not None:
        session.add(
            Meeting(family_group_id=family.id, starts_at=utcnow() + timedelta(days=meeting_in_days))
        )
        session.add(Meeting(family_group_id=family.id, starts_at=utcnow() - timedelta(days=30)))
    if score is not None:
        session.add(
            ScalingScore(
                family_group_id=family.id,
                user_id=scorer.id,
                score=1,
                created_at=utcnow() - timedelta(days=20),
            )
        )
        session.add(ScalingScore(family_group_id=family.id, user_id=scorer.id, score=score))
    if stage is not None:
        family.stage = stage
        session.add(family)
    session.commit()


def names(caseload) -> list[str]:
    return [row.family.name for row in caseload.rows]


def load(db, settings, user, **query):
    result = caseload_service.caseload(
        db, actor=actor_for(settings, user), query=CaseloadQuery(**query)
    )
    db.commit()
    return result


@pytest.fixture
def three(db: Session, settings: Settings):
    """One practitioner with three family groups: overdue, due later, closed and overdue."""
    worker = make_user(db, settings, role=StaffRole.practitioner)
    today = utcnow().date()
    a = make_family(db, settings, practitioner=worker, name="Ahmed", children=("Zara",))
    fill_family(
        db, a.family, scorer=worker, review_date=today - timedelta(days=3), score=3, people=2
    )
    b = make_family(db, settings, practitioner=worker, name="Brown", children=("Leo", "Mia"))
    fill_family(
        db, b.family, scorer=worker, review_date=today + timedelta(days=30), meeting_in_days=2
    )
    c = make_family(db, settings, practitioner=worker, name="Clarke", children=("Ivy",))
    fill_family(
        db,
        c.family,
        scorer=worker,
        review_date=today - timedelta(days=40),
        meeting_in_days=None,
        score=None,
        stage=Stage.closed,
    )
    return worker, a, b, c


def test_each_row_shows_stage_children_meeting_review_findings_and_latest_score(
    db, settings, three
):
    worker, a, b, c = three
    rows = {row.family.name: row for row in load(db, settings, worker).rows}
    assert rows["Brown"].children == ["Leo", "Mia"]
    assert rows["Brown"].stage_label == "Referral"
    assert rows["Clarke"].stage_label == "Closed"
    # The next meeting is the earliest one still to come, not the one last month.
    assert rows["Brown"].next_meeting_at is not None
    assert timedelta(days=1) < rows["Brown"].next_meeting_at - utcnow() < timedelta(days=3)
    assert rows["Clarke"].next_meeting_at is None
    assert rows["Ahmed"].review_overdue is True
    assert rows["Brown"].review_overdue is False
    # A closed family group's past review date is not overdue.
    assert rows["Clarke"].review_overdue is False
    # The newest score, not the older 1.
    assert rows["Ahmed"].score is not None and rows["Ahmed"].score.score == 3
    assert rows["Clarke"].score is None
    # Two helpers cannot make a safety network: the analysis warns about it.
    assert rows["Ahmed"].findings > 0


def test_the_count_of_findings_is_the_number_of_warnings_the_network_page_shows(
    db, settings, three
):
    worker, a, _b, _c = three
    row = next(r for r in load(db, settings, worker).rows if r.family.id == a.id)
    assert row.findings == _expected_findings(db, settings, worker, a.id)


def test_a_changed_network_is_analysed_again(db, settings, three):
    worker, a, _b, _c = three
    before = next(r for r in load(db, settings, worker).rows if r.family.id == a.id).findings
    child = db.exec(select(Person).where(Person.family_group_id == a.id, Person.is_child)).one()
    assert child.id is not None
    for n in range(8):
        nan = Person(family_group_id=a.id, known_as=f"Auntie {n}", area="Leeds")
        db.add(nan)
        db.flush()
        assert nan.id is not None
        db.add(
            Relationship(
                family_group_id=a.id,
                person_a_id=min(child.id, nan.id),
                person_b_id=max(child.id, nan.id),
                closeness=Closeness.close,
            )
        )
    db.commit()
    after = next(r for r in load(db, settings, worker).rows if r.family.id == a.id).findings
    assert after != before
    assert after == _expected_findings(db, settings, worker, a.id)


def _expected_findings(db, settings, worker, family_id) -> int:
    """The warnings the network page's own report finds for this reader."""
    from fgdm.analysis import Severity
    from fgdm.families import service as families_service
    from fgdm.network import service as network_service

    access = families_service.get_access(db, user=worker, family_group_id=family_id)
    assert access is not None
    view = network_service.load_network(
        db, actor=actor_for(settings, worker), access=access, audit=False
    )
    findings = network_service.report(view, settings=settings).findings
    return sum(1 for f in findings if f.severity >= Severity.warning)


@pytest.mark.parametrize(
    ("sort", "order", "expected"),
    [
        ("name", "asc", ["Ahmed", "Brown", "Clarke"]),
        ("name", "desc", ["Clarke", "Brown", "Ahmed"]),
        ("stage", "desc", ["Clarke", "Ahmed", "Brown"]),
        ("review", "asc", ["Clarke", "Ahmed", "Brown"]),
        ("review", "desc", ["Brown", "Ahmed", "Clarke"]),
        # No meeting and no score always come last, whichever way.
        ("meeting", "asc", ["Brown", "Ahmed", "Clarke"]),
        ("meeting", "desc", ["Ahmed", "Brown", "Clarke"]),
        ("score", "asc", ["Ahmed", "Brown", "Clarke"]),
        ("score", "desc", ["Brown", "Ahmed", "Clarke"]),
    ],
)
def test_sorting_by_each_column(db, settings, three, sort, order, expected):
    worker = three[0]
    assert names(load(db, settings, worker, sort=sort, order=order)) == expected


def test_sorting_by_findings_puts_the_network_with_most_gaps_first(db, settings, three):
    worker = three[0]
    rows = load(db, settings, worker, sort="findings", order="desc").rows
    counts = [row.findings for row in rows]
    assert counts == sorted(counts, reverse=True)
    assert rows[0].family.name == "Ahmed"


def test_filters_by_stage_overdue_and_name(db, settings, three):
    worker = three[0]
    assert names(load(db, settings, worker, stage=Stage.closed)) == ["Clarke"]
    assert names(load(db, settings, worker, overdue_only=True)) == ["Ahmed"]
    # A child's first name finds their family group; case does not matter.
    assert names(load(db, settings, worker, search="mIa")) == ["Brown"]
    assert names(load(db, settings, worker, search="nobody")) == []
    assert load(db, settings, worker, search="nobody").total == 3


def test_parse_query_ignores_unknown_sorting_and_explains_unknown_filters():
    query, errors = parse_query(
        {"sort": "id; drop table", "order": "sideways", "stage": "nowhere", "q": "x" * 500}
    )
    assert query == CaseloadQuery()
    assert set(errors) == {"stage", "q"}
    query, errors = parse_query(
        {"sort": "review", "order": "desc", "stage": "review", "overdue": "1"}
    )
    assert query == CaseloadQuery(
        sort="review", order="desc", stage=Stage.review, overdue_only=True
    )
    assert errors == {}


def test_a_practitioner_sees_only_their_own_family_groups(db, settings, three):
    other = make_user(db, settings, role=StaffRole.practitioner)
    theirs = make_family(db, settings, practitioner=other, name="Davies")
    assert names(load(db, settings, other)) == ["Davies"]
    assert "Davies" not in names(load(db, settings, three[0]))
    assert theirs.id


def test_a_manager_sees_every_family_group_of_their_team_and_no_other(db, settings, three):
    manager = make_user(db, settings, role=StaffRole.manager, team="Team A")
    make_family(db, settings, name="Evans", team="Team B")
    caseload = load(db, settings, manager)
    assert names(caseload) == ["Ahmed", "Brown", "Clarke"]
    assert {row.role.value for row in caseload.rows} == {"manager"}


def test_a_family_member_has_no_caseload(db, settings, three):
    _worker, a, _b, _c = three
    assert load(db, settings, a.parent).rows == []


def test_each_family_group_shown_is_audited_once_as_viewed(db, settings, three):
    worker, a, b, c = three
    load(db, settings, worker, search="Brown")
    events = db.exec(
        select(AuditEvent).where(AuditEvent.object_type == "caseload", AuditEvent.action == "view")
    ).all()
    assert [(e.family_group_id, e.actor_id, e.actor_role) for e in events] == [
        (b.id, worker.id, "practitioner")
    ]


def _statements(db: Session, settings: Settings, user: User) -> int:
    count = 0

    def counter(*_args: object) -> None:
        nonlocal count
        count += 1

    engine = db.get_bind()
    event.listen(engine, "before_cursor_execute", counter)
    try:
        load(db, settings, user)
    finally:
        event.remove(engine, "before_cursor_execute", counter)
    return count


def test_the_number_of_sql_statements_does_not_grow_with_the_family_groups(db, settings):
    small = make_user(db, settings, role=StaffRole.practitioner)
    large = make_user(db, settings, role=StaffRole.practitioner)
    for worker, count in ((small, 5), (large, 50)):
        for n in range(count):
            setup = make_family(db, settings, practitioner=worker, name=f"Family {n}")
            fill_family(db, setup.family, scorer=worker, people=3, review_date=date(2030, 1, 1))
    assert len(load(db, settings, large).rows) == 50
    db.expire_all()
    five = _statements(db, settings, small)
    db.expire_all()
    fifty = _statements(db, settings, large)
    assert five == fifty
    assert 8 < fifty < 20
