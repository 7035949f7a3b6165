"""The Signs of Safety service: mapping items and who sees them, statements, scaling, and
the scaling chart's geometry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from fgdm.audit.models import AuditEvent
from fgdm.db import StaleEdit
from fgdm.families import service as families_service
from fgdm.safety import service as safety_service
from fgdm.safety.models import MappingColumn, MappingItem, ScalingScore
from fgdm.safety.service import StatementKind, chart_geometry
from tests.factories import actor_for, make_family


@pytest.fixture
def family(db, settings):
    return make_family(db, settings)


def access_of(db, user, family_id):
    access = families_service.get_access(db, user=user, family_group_id=family_id)
    assert access is not None
    return access


def add(db, settings, family, user, text, *, column="worried", kind="past_harm", share=False):
    item = safety_service.add_item(
        db,
        actor=actor_for(settings, user),
        access=access_of(db, user, family.id),
        column=column,
        kind=kind,
        text=text,
        share=share,
    )
    db.commit()
    return item


def visible_texts(db, settings, family, user):
    view = safety_service.load_mapping(
        db, actor=actor_for(settings, user), access=access_of(db, user, family.id)
    )
    return [iv.item.text for items in view.columns.values() for iv in items]


def test_a_practitioners_item_kept_back_is_seen_by_practitioners_only(db, settings, family):
    add(db, settings, family, family.practitioner, "Kept back")
    add(db, settings, family, family.practitioner, "Shared now", share=True)
    assert visible_texts(db, settings, family, family.practitioner) == ["Kept back", "Shared now"]
    assert visible_texts(db, settings, family, family.parent) == ["Shared now"]
    assert visible_texts(db, settings, family, family.young_person) == ["Shared now"]


def test_a_kept_back_item_is_not_found_for_a_family_member(db, settings, family):
    item = add(db, settings, family, family.practitioner, "Kept back")
    with pytest.raises(safety_service.NotFound):
        safety_service.get_item(
            db,
            actor=actor_for(settings, family.parent),
            access=access_of(db, family.parent, family.id),
            item_id=item.id,
        )


def test_a_family_members_item_is_always_shared_even_when_a_practitioner_edits_it(
    db, settings, family
):
    item = add(db, settings, family, family.parent, "Our words", share=False)
    assert item.shared_with_family is True
    safety_service.update_item(
        db,
        actor=actor_for(settings, family.practitioner),
        access=access_of(db, family.practitioner, family.id),
        item_id=item.id,
        version=item.version,
        kind="past_harm",
        text="Our words, tidied",
        share=False,
    )
    db.commit()
    assert db.get(MappingItem, item.id).shared_with_family is True


def test_a_kind_from_another_column_is_refused(db, settings, family):
    with pytest.raises(safety_service.SafetyError) as caught:
        add(db, settings, family, family.parent, "Text", column="worried", kind="strength")
    assert set(caught.value.errors) == {"kind"}


def test_editing_with_an_old_version_raises_a_stale_edit(db, settings, family):
    item = add(db, settings, family, family.parent, "First", column="working_well", kind="strength")
    access = access_of(db, family.parent, family.id)
    actor = actor_for(settings, family.parent)
    safety_service.update_item(
        db,
        actor=actor,
        access=access,
        item_id=item.id,
        version=1,
        kind="strength",
        text="Second",
        share=True,
    )
    db.commit()
    with pytest.raises(StaleEdit):
        safety_service.update_item(
            db,
            actor=actor,
            access=access,
            item_id=item.id,
            version=1,
            kind="strength",
            text="Third",
            share=True,
        )


def test_someone_elses_item_cannot_be_changed_by_a_family_member(db, settings, family):
    item = add(db, settings, family, family.young_person, "Mine")
    with pytest.raises(safety_service.NotAllowedHere):
        safety_service.remove_item(
            db,
            actor=actor_for(settings, family.parent),
            access=access_of(db, family.parent, family.id),
            item_id=item.id,
            version=item.version,
        )


def test_statements_are_written_by_practitioners_and_carry_their_jargon(db, settings, family):
    access = access_of(db, family.practitioner, family.id)
    actor = actor_for(settings, family.practitioner)
    safety_service.add_statement(
        db, actor=actor, access=access, kind=StatementKind.danger, text="Chaotic home"
    )
    safety_service.add_statement(
        db, actor=actor, access=access, kind=StatementKind.goal, text="Nan stays every night"
    )
    db.commit()
    view = safety_service.load_mapping(
        db, actor=actor_for(settings, family.parent), access=access_of(db, family.parent, family.id)
    )
    assert [(s.statement.text, s.jargon) for s in view.danger_statements] == [
        ("Chaotic home", ["chaotic"])
    ]
    assert [s.statement.text for s in view.safety_goals] == ["Nan stays every night"]
    db.commit()  # the view's audit row; a refusal is audited in a transaction of its own
    with pytest.raises(safety_service.NotAllowedHere):
        safety_service.add_statement(
            db,
            actor=actor_for(settings, family.parent),
            access=access_of(db, family.parent, family.id),
            kind=StatementKind.goal,
            text="Parent goal",
        )


def test_scores_are_grouped_per_person_in_time_order_and_audited(db, settings, family):
    access = access_of(db, family.parent, family.id)
    actor = actor_for(settings, family.parent)
    for score in ("3", "5"):
        safety_service.add_score(
            db,
            actor=actor,
            access=access,
            scorer=f"user:{family.parent.id}",
            score=score,
            why="",
            one_point_higher="",
        )
    db.commit()
    view = safety_service.load_scaling(db, actor=actor, access=access)
    assert [(s.name, [r.score for r in s.scores]) for s in view.series] == [
        (family.parent.display_name, [3, 5])
    ]
    actions = db.exec(select(AuditEvent.action)).all()
    assert actions.count("scaling_score_add") == 2


def test_a_person_from_the_network_can_be_given_a_score(db, settings, family):
    access = access_of(db, family.practitioner, family.id)
    view = safety_service.load_scaling(
        db, actor=actor_for(settings, family.practitioner), access=access
    )
    child_key = next(key for key, name in view.scorers if key.startswith("person:"))
    safety_service.add_score(
        db,
        actor=actor_for(settings, family.practitioner),
        access=access,
        scorer=child_key,
        score="7",
        why="I feel safe with Nan",
        one_point_higher="",
    )
    db.commit()
    row = db.exec(select(ScalingScore)).one()
    assert row.person_id == int(child_key.split(":")[1]) and row.user_id is None
    assert row.recorded_by_id == family.practitioner.id


@pytest.mark.parametrize("score", ["0", "10", " 7 "])
def test_whole_numbers_from_0_to_10_are_accepted(score):
    errors = safety_service.check_score(
        scorer="user:1", score=score, why="", one_point_higher="", scorers={"user:1"}
    )
    assert errors == {}


@pytest.mark.parametrize("score", ["11", "-1", "5.5", "", "²", "100", "1e1"])
def test_anything_else_is_refused_with_a_message_for_the_score(score):
    errors = safety_service.check_score(
        scorer="user:1", score=score, why="", one_point_higher="", scorers={"user:1"}
    )
    assert list(errors) == ["score"]


def test_chart_puts_10_at_the_top_0_at_the_bottom_and_spreads_scores_in_order():
    start = datetime(2026, 1, 1, tzinfo=UTC)
    chart = chart_geometry(
        [(start, 0), (start + timedelta(days=7), 10), (start + timedelta(days=30), 5)],
        width=320,
        height=200,
    )
    xs = [p.x for p in chart.points]
    ys = [p.y for p in chart.points]
    assert xs == sorted(xs) and xs[0] == chart.left and xs[-1] == chart.right
    assert ys[0] == chart.bottom and ys[1] == chart.top
    assert ys[2] == pytest.approx((chart.top + chart.bottom) / 2)
    assert [s for s, _y in chart.ticks] == [0, 2, 4, 6, 8, 10]
    assert chart.polyline.count(",") == 3


def test_a_single_score_sits_in_the_middle_of_the_chart():
    chart = chart_geometry([(datetime(2026, 1, 1, tzinfo=UTC), 4)])
    assert chart.points[0].x == (chart.left + chart.right) / 2


def test_mapping_columns_are_all_present_even_when_empty(db, settings, family):
    view = safety_service.load_mapping(
        db,
        actor=actor_for(settings, family.parent),
        access=access_of(db, family.parent, family.id),
    )
    assert list(view.columns) == list(MappingColumn)
