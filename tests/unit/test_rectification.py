"""Rectification in the mapping: a correction keeps the earlier wording, and a family
member's note disagreeing with a professional's statement stands beside it, changed only by
its author."""

from __future__ import annotations

import pytest
from sqlmodel import select

from fgdm.audit.models import AuditEvent
from fgdm.db import NotFound, StaleEdit
from fgdm.families import service as families_service
from fgdm.safety import rectification
from fgdm.safety import service as safety_service
from fgdm.safety.models import FamilyNote, StatementType, StatementWording
from fgdm.safety.service import StatementKind
from tests.factories import actor_for, make_family

WORRY = "Dad shouted at the children and hit the door"


@pytest.fixture
def family(db, settings):
    return make_family(db, settings)


def access_of(db, user, family_id):
    return families_service.get_access(db, user=user, family_group_id=family_id)


def as_(db, settings, family, user):
    return {"actor": actor_for(settings, user), "access": access_of(db, user, family.id)}


def professional_item(db, settings, family, text=WORRY):
    item = safety_service.add_item(
        db,
        **as_(db, settings, family, family.practitioner),
        column="worried",
        kind="past_harm",
        text=text,
        share=True,
    )
    db.commit()
    return item


def note(db, settings, family, user, statement_type, statement_id, text):
    made = rectification.add_note(
        db,
        **as_(db, settings, family, user),
        statement_type=statement_type,
        statement_id=statement_id,
        text=text,
    )
    db.commit()
    return made


def mapping(db, settings, family, user):
    return safety_service.load_mapping(db, **as_(db, settings, family, user))


def test_a_parents_note_stands_beside_the_practitioners_item_for_everyone(db, settings, family):
    item = professional_item(db, settings, family)
    note(
        db,
        settings,
        family,
        family.parent,
        StatementType.mapping_item,
        item.id,
        "He hit the door, not the children",
    )

    for reader in (family.practitioner, family.parent, family.young_person):
        view = mapping(db, settings, family, reader)
        shown = view.columns[item.column][0]
        assert shown.is_professional
        assert [n.note.text for n in shown.rectification.notes] == [
            "He hit the door, not the children"
        ]
        assert shown.rectification.notes[0].author_name == "Parent"
        assert shown.rectification.notes[0].is_mine == (reader == family.parent)
    # The practitioner's words are untouched.
    assert mapping(db, settings, family, family.parent).columns[item.column][0].item.text == WORRY


def test_a_note_is_only_for_a_professionals_statement_and_only_from_the_family(
    db, settings, family
):
    own = safety_service.add_item(
        db,
        **as_(db, settings, family, family.parent),
        column="worried",
        kind="past_harm",
        text="Money is tight",
        share=True,
    )
    db.commit()
    with pytest.raises(NotFound):
        note(db, settings, family, family.parent, StatementType.mapping_item, own.id, "x")
    item = professional_item(db, settings, family)
    with pytest.raises(NotFound):
        note(db, settings, family, family.practitioner, StatementType.mapping_item, item.id, "x")


def test_an_empty_or_long_note_is_refused_with_a_message(db, settings, family):
    item = professional_item(db, settings, family)
    for text, says in (("  ", "own words"), ("x" * 1001, "1000")):
        with pytest.raises(rectification.NoteError) as error:
            note(db, settings, family, family.parent, StatementType.mapping_item, item.id, text)
        assert says in error.value.errors["text"]
    db.rollback()
    assert db.exec(select(FamilyNote)).all() == []


def test_nobody_but_the_author_changes_or_removes_a_note(db, settings, family):
    item = professional_item(db, settings, family)
    made = note(
        db, settings, family, family.parent, StatementType.mapping_item, item.id, "Not true"
    )
    for other in (family.practitioner, family.young_person):
        with pytest.raises(NotFound):
            rectification.update_note(
                db, **as_(db, settings, family, other), note_id=made.id, version=1, text="Gone"
            )
        with pytest.raises(NotFound):
            rectification.remove_note(
                db, **as_(db, settings, family, other), note_id=made.id, version=1
            )
    rectification.update_note(
        db, **as_(db, settings, family, family.parent), note_id=made.id, version=1, text="Untrue"
    )
    db.commit()
    with pytest.raises(StaleEdit):
        rectification.update_note(
            db, **as_(db, settings, family, family.parent), note_id=made.id, version=1, text="x"
        )
    rectification.remove_note(
        db, **as_(db, settings, family, family.parent), note_id=made.id, version=2
    )
    db.commit()
    actions = [e.action for e in db.exec(select(AuditEvent)).all()]
    assert {"family_note_add", "family_note_update", "family_note_remove"} <= set(actions)


def test_a_correction_keeps_the_earlier_wording(db, settings, family):
    practitioner = as_(db, settings, family, family.practitioner)
    item = professional_item(db, settings, family)
    safety_service.update_item(
        db,
        **practitioner,
        item_id=item.id,
        version=1,
        kind="past_harm",
        text="Dad hit the door",
        share=True,
    )
    db.commit()
    danger = safety_service.add_statement(
        db, **practitioner, kind=StatementKind.danger, text="We are worried Dad will hit"
    )
    db.commit()
    safety_service.update_statement(
        db,
        **practitioner,
        kind=StatementKind.danger,
        statement_id=danger.id,
        version=1,
        text="We are worried Dad will shout",
    )
    db.commit()

    view = mapping(db, settings, family, family.parent)
    earlier = view.columns[item.column][0].rectification.earlier
    assert [w.text for w in earlier] == [WORRY]
    assert view.columns[item.column][0].item.text == "Dad hit the door"
    assert [w.text for w in view.danger_statements[0].rectification.earlier] == [
        "We are worried Dad will hit"
    ]
    # Saving the same words again is not a correction.
    safety_service.update_item(
        db,
        **practitioner,
        item_id=item.id,
        version=2,
        kind="past_harm",
        text="Dad hit the door",
        share=True,
    )
    db.commit()
    assert len(db.exec(select(StatementWording)).all()) == 2


def test_deleting_a_statement_takes_its_notes_and_earlier_wording(db, settings, family):
    practitioner = as_(db, settings, family, family.practitioner)
    item = professional_item(db, settings, family)
    note(db, settings, family, family.parent, StatementType.mapping_item, item.id, "No")
    safety_service.update_item(
        db,
        **practitioner,
        item_id=item.id,
        version=1,
        kind="past_harm",
        text="Changed",
        share=True,
    )
    db.commit()
    safety_service.remove_item(db, **practitioner, item_id=item.id, version=2)
    db.commit()
    assert db.exec(select(FamilyNote)).all() == []
    assert db.exec(select(StatementWording)).all() == []


def test_a_family_member_cannot_note_an_item_kept_from_them(db, settings, family):
    item = safety_service.add_item(
        db,
        **as_(db, settings, family, family.practitioner),
        column="worried",
        kind="past_harm",
        text="Not yet shared",
        share=False,
    )
    db.commit()
    with pytest.raises(NotFound):
        note(db, settings, family, family.parent, StatementType.mapping_item, item.id, "x")
