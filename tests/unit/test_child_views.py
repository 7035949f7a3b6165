"""The child's voice service: who sees a view (a view kept to practitioners is not there for
the rest of the family), who records and answers, words-or-drawing, "you said — we did"
needing why when the decision differs, version conflicts, and the audit rows (private
views' rows left out of the family's trail)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from fgdm.accounts.models import StaffRole
from fgdm.audit import service as audit_service
from fgdm.audit.models import AuditEvent, Outcome
from fgdm.db import NotAllowedHere, NotFound, StaleEdit
from fgdm.exports import service as exports_service
from fgdm.voice import view_service
from fgdm.voice.models import ChildView, ChildViewLink, HowGiven, ThreeHouses
from fgdm.voice.view_service import AnswerForm, ViewForm, ViewsError
from tests.factories import actor_for, make_family, make_user
from tests.unit.test_images import gps_photo
from tests.unit.test_voice_service import access_of, child_of


@pytest.fixture
def family(db, settings):
    setup = make_family(db, settings)
    child = child_of(db, setup.id)
    db.add(
        ThreeHouses(
            family_group_id=setup.id, child_id=child.id, own_account_id=setup.young_person.id
        )
    )
    db.commit()
    return setup


def record(db, settings, family, user, form=None, **kw):
    view = view_service.record_view(
        db,
        actor=actor_for(settings, user),
        access=access_of(db, user, family.id),
        child_id=child_of(db, family.id).id,
        form=form or ViewForm(words="I miss my dad", heard_by="Sam"),
        **kw,
    )
    db.commit()
    return view


def answer(db, settings, family, user, view, form):
    link = view_service.add_answer(
        db,
        actor=actor_for(settings, user),
        access=access_of(db, user, family.id),
        view_id=view.id,
        form=form,
    )
    db.commit()
    return link


def listed_words(db, settings, family, user):
    found = view_service.list_views(
        db, actor=actor_for(settings, user), access=access_of(db, user, family.id)
    )
    db.commit()
    return [item.view.words for cv in found for item in cv.views]


def test_a_view_keeps_the_childs_words_how_and_who_heard_it(db, settings, family):
    view = record(
        db,
        settings,
        family,
        family.practitioner,
        ViewForm(words=" I want to see Nan ", how_given="through_advocate", heard_by="Jo"),
    )
    assert (view.words, view.how_given, view.heard_by) == (
        "I want to see Nan",
        HowGiven.through_advocate,
        "Jo",
    )
    assert view.shared_with_family is True
    assert view.version == 1


def test_a_view_needs_words_or_a_drawing(db, settings, family):
    with pytest.raises(ViewsError) as caught:
        record(db, settings, family, family.practitioner, ViewForm(words=" "))
    assert set(caught.value.errors) == {"words"}
    drawn = record(db, settings, family, family.practitioner, ViewForm(), upload=gps_photo())
    assert drawn.drawing_mime == "image/jpeg"
    assert b"SecretPhoneMaker" not in (drawn.drawing_content or b"")


def test_a_made_up_way_of_telling_is_refused(db, settings, family):
    with pytest.raises(ViewsError) as caught:
        record(db, settings, family, family.practitioner, ViewForm(words="x", how_given="sang"))
    assert "how_given" in caught.value.errors


def test_a_private_view_is_left_out_for_a_parent_and_answers_not_found(db, settings, family):
    private = record(
        db,
        settings,
        family,
        family.practitioner,
        ViewForm(words="Secret", shared_with_family=False),
    )
    record(db, settings, family, family.practitioner, ViewForm(words="Open"))
    assert listed_words(db, settings, family, family.parent) == ["Open"]
    assert sorted(listed_words(db, settings, family, family.young_person)) == ["Open", "Secret"]
    assert sorted(listed_words(db, settings, family, family.practitioner)) == ["Open", "Secret"]
    with pytest.raises(NotFound):
        view_service.get_view(
            db,
            actor=actor_for(settings, family.parent),
            access=access_of(db, family.parent, family.id),
            view_id=private.id,
        )
    refused = db.exec(
        select(AuditEvent).where(AuditEvent.action == "child_view_view_refused")
    ).one()
    assert refused.outcome == Outcome.refused
    assert refused.object_type == "child_view_private"


def test_a_young_person_who_is_not_the_child_sees_no_private_view(db, settings, family):
    record(
        db,
        settings,
        family,
        family.practitioner,
        ViewForm(words="Secret", shared_with_family=False),
    )
    db.exec(select(ThreeHouses)).one().own_account_id = None
    db.commit()
    assert listed_words(db, settings, family, family.young_person) == []


def test_only_practitioners_and_the_childs_own_sign_in_record(db, settings, family):
    assert (
        record(db, settings, family, family.young_person).recorded_by_id == family.young_person.id
    )
    with pytest.raises(NotAllowedHere):
        record(db, settings, family, family.parent)
    manager = make_user(db, settings, role=StaffRole.manager, team="Team A")
    with pytest.raises(NotAllowedHere):
        record(db, settings, family, manager)


def test_you_said_we_did_needs_why_when_it_differs(db, settings, family):
    view = record(db, settings, family, family.practitioner)
    with pytest.raises(ViewsError) as caught:
        answer(
            db,
            settings,
            family,
            family.practitioner,
            view,
            AnswerForm(
                decision="Contact", we_did="You will see Dad at the centre.", differs_from_wish=True
            ),
        )
    assert set(caught.value.errors) == {"why_different"}
    db.rollback()
    assert db.exec(select(ChildViewLink)).all() == []
    link = answer(
        db,
        settings,
        family,
        family.practitioner,
        view,
        AnswerForm(
            decision="Contact",
            we_did="You will see Dad at the centre.",
            differs_from_wish=True,
            why_different="The judge has not said yes to home visits yet.",
        ),
    )
    assert link.why_different.startswith("The judge")
    assert link.answered_at is not None


def test_a_why_is_not_kept_when_the_decision_is_what_the_child_wanted(db, settings, family):
    view = record(db, settings, family, family.practitioner)
    link = answer(
        db,
        settings,
        family,
        family.practitioner,
        view,
        AnswerForm(decision="Contact", we_did="Yes.", why_different="left over"),
    )
    assert (link.differs_from_wish, link.why_different) == (False, "")


def test_only_practitioners_answer(db, settings, family):
    view = record(db, settings, family, family.practitioner)
    for user in (family.young_person, family.parent):
        with pytest.raises(NotAllowedHere):
            answer(db, settings, family, user, view, AnswerForm(decision="x", we_did="y"))


def test_a_stale_change_raises_and_keeps_the_newer_words(db, settings, family):
    view = record(db, settings, family, family.practitioner)
    args = {
        "actor": actor_for(settings, family.practitioner),
        "access": access_of(db, family.practitioner, family.id),
        "view_id": view.id,
    }
    view_service.update_view(db, version=1, form=ViewForm(words="Newer"), **args)
    db.commit()
    with pytest.raises(StaleEdit):
        view_service.update_view(db, version=1, form=ViewForm(words="Older"), **args)
    db.rollback()
    assert db.get(ChildView, view.id).words == "Newer"


def test_the_family_trail_leaves_out_private_views_for_everyone_but_practitioners(
    db, settings, family
):
    record(
        db,
        settings,
        family,
        family.practitioner,
        ViewForm(words="Secret", shared_with_family=False),
    )
    types = {e.object_type for e in db.exec(select(AuditEvent)).all()}
    assert "child_view_private" in types

    def sentences(user):
        page = audit_service.list_for_family(
            db, actor=actor_for(settings, user), access=access_of(db, user, family.id)
        )
        return [e.sentence for e in page.items]

    added = "added something to what the children have said"
    assert not any(added in s for s in sentences(family.parent))
    assert any(added in s for s in sentences(family.practitioner))


def test_a_subject_access_export_holds_a_childs_views_for_review(db, settings, family):
    view = record(
        db,
        settings,
        family,
        family.practitioner,
        ViewForm(words="Secret", shared_with_family=False),
    )
    shared = record(
        db,
        settings,
        family,
        family.practitioner,
        ViewForm(words="I like football", shared_with_family=True),
    )
    held = exports_service.gather(db, family_id=family.id).held
    private = [h for h in held if h.key == f"child_view:{view.id}"]
    assert [(h.reason, h.summary) for h in private] == [("child_chose", "a child's view: Secret")]
    # A view the child shared with the family is released like the rest of the record.
    assert not [h for h in held if h.key == f"child_view:{shared.id}"]
