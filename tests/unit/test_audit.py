"""The audit trail at the service level: the family's plain-words list, the admin search,
pages of 50, and the database refusing to change what is written."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import select

from fgdm.accounts.models import StaffRole
from fgdm.audit import service as audit_service
from fgdm.audit.models import AuditEvent, Outcome
from fgdm.audit.service import AuditFilters
from fgdm.families import service as families_service
from fgdm.security.deps import NotAllowed
from tests.factories import actor_for, make_family, make_user


def access_for(db, user, family_id):
    access = families_service.get_access(db, user=user, family_group_id=family_id)
    assert access is not None
    return access


def family_sentences(db, settings, user, family_id, page=1):
    result = audit_service.list_for_family(
        db, actor=actor_for(settings, user), access=access_for(db, user, family_id), page=page
    )
    db.commit()
    return result


def test_family_sees_the_practitioner_who_looked_by_name_and_role_newest_first(db, settings):
    setup = make_family(db, settings)
    practitioner = actor_for(settings, setup.practitioner)
    families_service.get_overview(
        db, actor=practitioner, access=access_for(db, setup.practitioner, setup.id)
    )
    db.commit()

    events = family_sentences(db, settings, setup.parent, setup.id).items

    name = setup.practitioner.display_name
    assert events[0].sentence == f"{name} (practitioner) looked at your family's page."
    assert events[-1].sentence == f"{name} (practitioner) started your family's record."
    assert [e.at for e in events] == sorted((e.at for e in events), reverse=True)


def test_family_sees_who_added_whom(db, settings):
    setup = make_family(db, settings)

    sentences = [e.sentence for e in family_sentences(db, settings, setup.parent, setup.id).items]

    name = setup.practitioner.display_name
    assert f"{name} (practitioner) added Parent to your family group." in sentences
    assert f"{name} (practitioner) added Young person to your family group." in sentences


def test_someone_from_another_family_who_was_refused_is_not_named(db, settings):
    setup = make_family(db, settings)
    other = make_family(db, settings, name="Another family")
    other.parent.display_name = "Zed Otherfamily"
    db.add(other.parent)
    db.commit()
    audit_service.record(
        db,
        actor=actor_for(settings, other.parent),
        action="access_refused",
        family_group_id=setup.id,
        object_type="family_group",
        object_id=setup.id,
        outcome=Outcome.refused,
    )
    db.commit()

    events = family_sentences(db, settings, setup.parent, setup.id).items

    assert events[0].sentence == (
        "Someone outside your family group tried to open your family's record, and was stopped."
    )
    assert events[0].was_stopped
    assert not any("Zed" in e.sentence for e in events)


def test_staff_who_were_refused_are_named(db, settings):
    setup = make_family(db, settings)
    admin = make_user(db, settings, role=StaffRole.admin, name="Alex Morgan")
    audit_service.record(
        db,
        actor=actor_for(settings, admin),
        action="access_refused",
        family_group_id=setup.id,
        outcome=Outcome.refused,
    )
    db.commit()

    events = family_sentences(db, settings, setup.young_person, setup.id).items

    assert events[0].sentence == (
        "Alex Morgan (admin) tried to open your family's record, and was stopped."
    )


def test_an_action_without_its_own_sentence_still_reads_as_plain_words(db, settings):
    setup = make_family(db, settings)
    practitioner = actor_for(settings, setup.practitioner)
    audit_service.record(db, actor=practitioner, action="something_new", family_group_id=setup.id)
    audit_service.record(
        db,
        actor=practitioner,
        action="safety_plan_update",
        family_group_id=setup.id,
        object_type="safety_plan",
    )
    db.commit()

    events = family_sentences(db, settings, setup.parent, setup.id).items

    name = setup.practitioner.display_name
    assert events[0].sentence == f"{name} (practitioner) changed the safety plan."
    assert events[1].sentence == f"{name} (practitioner) used your family's record."


def test_looking_at_the_list_is_itself_recorded(db, settings):
    setup = make_family(db, settings)

    family_sentences(db, settings, setup.parent, setup.id)

    row = db.exec(
        select(AuditEvent).where(AuditEvent.object_type == "audit", AuditEvent.action == "view")
    ).one()
    assert row.family_group_id == setup.id
    assert row.actor_id == setup.parent.id
    assert row.actor_role == "family_member"


def add_events(db, settings, user, family_id, count, *, start, **fields):
    for n in range(count):
        db.add(
            AuditEvent(
                at=start + timedelta(minutes=n),
                actor_id=user.id,
                actor_role="practitioner",
                family_group_id=family_id,
                action="view",
                object_type="family_group",
                detail=f"event {n}",
                **fields,
            )
        )
    db.commit()


def test_family_list_comes_fifty_to_a_page_newest_first(db, settings):
    setup = make_family(db, settings)
    start = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    add_events(db, settings, setup.practitioner, setup.id, 120, start=start)
    # make_family wrote 3 rows (started, two added), so 123 in all; each look adds one.

    first = family_sentences(db, settings, setup.parent, setup.id, page=1)
    second = family_sentences(db, settings, setup.parent, setup.id, page=2)
    third = family_sentences(db, settings, setup.parent, setup.id, page=3)

    assert (first.total, second.total, third.total) == (123, 124, 125)
    assert (len(first.items), len(second.items), len(third.items)) == (50, 50, 25)
    assert first.count == 3
    assert not first.has_newer and first.has_older
    assert third.has_newer and not third.has_older
    assert first.items[-1].at >= second.items[0].at
    assert third.items[-1].at == start


# --- Admin search -------------------------------------------------------------------------


def search(db, settings, admin, page=1, **filters):
    result = audit_service.search(
        db, actor=actor_for(settings, admin), filters=AuditFilters(**filters), page=page
    )
    db.commit()
    return result


def test_admin_search_filters_by_family_actor_action_outcome_and_dates(db, settings):
    admin = make_user(db, settings, role=StaffRole.admin)
    one = make_family(db, settings)
    two = make_family(db, settings)
    add_events(db, settings, one.practitioner, one.id, 3, start=datetime(2026, 3, 1, tzinfo=UTC))
    add_events(
        db,
        settings,
        two.practitioner,
        two.id,
        2,
        start=datetime(2026, 3, 5, tzinfo=UTC),
        outcome=Outcome.refused,
    )

    by_family = search(db, settings, admin, family_group_id=two.id)
    assert {r.event.family_group_id for r in by_family.events.items} == {two.id}

    by_actor = search(db, settings, admin, actor_login=one.practitioner.login)
    assert by_actor.actor_found
    assert {r.event.actor_id for r in by_actor.events.items} == {one.practitioner.id}
    assert by_actor.events.items[0].actor_name == one.practitioner.display_name

    by_action = search(db, settings, admin, action="member_add")
    assert by_action.events.total == 4

    refused = search(db, settings, admin, outcome=Outcome.refused)
    assert refused.events.total == 2

    in_march = search(db, settings, admin, date_from=date(2026, 3, 2), date_to=date(2026, 3, 5))
    assert [r.event.detail for r in in_march.events.items] == ["event 1", "event 0"]


def test_admin_search_for_an_unknown_sign_in_name_finds_nothing(db, settings):
    admin = make_user(db, settings, role=StaffRole.admin)
    make_family(db, settings)

    result = search(db, settings, admin, actor_login="nobody@example.org")

    assert not result.actor_found
    assert result.events.total == 0


def test_admin_search_shows_family_accounts_by_number_not_name(db, settings):
    admin = make_user(db, settings, role=StaffRole.admin)
    setup = make_family(db, settings)
    families_service.get_overview(
        db,
        actor=actor_for(settings, setup.parent),
        access=access_for(db, setup.parent, setup.id),
    )
    db.commit()

    result = search(db, settings, admin, actor_login=setup.parent.login)

    assert result.events.items[0].actor_name == f"Family account {setup.parent.id}"
    assert result.events.items[0].actor_login == ""


def test_admin_search_pages_fifty_at_a_time(db, settings):
    admin = make_user(db, settings, role=StaffRole.admin)
    setup = make_family(db, settings)
    add_events(
        db, settings, setup.practitioner, setup.id, 60, start=datetime(2026, 1, 1, tzinfo=UTC)
    )

    first = search(db, settings, admin, family_group_id=setup.id)
    second = search(db, settings, admin, family_group_id=setup.id, page=2)

    # The first search is itself recorded against the family, so the second finds one more.
    assert (first.events.total, second.events.total) == (63, 64)
    assert (len(first.events.items), len(second.events.items)) == (50, 14)


def test_admin_search_is_recorded(db, settings):
    admin = make_user(db, settings, role=StaffRole.admin)

    search(db, settings, admin, family_group_id=7, action="view")

    row = db.exec(select(AuditEvent).where(AuditEvent.action == "audit_search")).one()
    assert row.actor_id == admin.id
    assert row.family_group_id == 7
    assert row.detail == "family=7 action=view"


@pytest.mark.parametrize("role", [StaffRole.practitioner, StaffRole.manager, None])
def test_only_admins_can_search(db, settings, role):
    user = make_user(db, settings, role=role)
    with pytest.raises(NotAllowed):
        audit_service.search(db, actor=actor_for(settings, user), filters=AuditFilters())


def test_search_form_problems_are_named_by_field():
    _filters, errors = audit_service.parse_filters(
        family="twelve",
        actor_login="",
        action="",
        outcome="maybe",
        date_from="2026-03-05",
        date_to="2026-03-01",
    )
    assert set(errors) == {"family", "outcome", "date_to"}

    filters, errors = audit_service.parse_filters(
        family=" 12 ",
        actor_login=" Sam@Example.org ",
        action="view",
        outcome="refused",
        date_from="2026-03-01",
        date_to="",
    )
    assert errors == {}
    assert filters == AuditFilters(
        family_group_id=12,
        actor_login="sam@example.org",
        action="view",
        outcome=Outcome.refused,
        date_from=date(2026, 3, 1),
    )


# --- Append-only --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_event SET detail = 'changed' WHERE id = :id",
        "DELETE FROM audit_event WHERE id = :id",
    ],
)
def test_the_database_refuses_to_change_or_delete_audit_rows(db, settings, statement):
    make_user(db, settings)
    row = db.exec(select(AuditEvent)).first()
    assert row is not None

    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        db.execute(sa.text(statement), {"id": row.id})
    db.rollback()

    kept = db.exec(select(AuditEvent).where(AuditEvent.id == row.id)).one()
    assert kept.detail == row.detail
