"""Subject access exports: every table of family data, every version and the audit trail;
held-back rows listed for review and released only when ticked; no secrets ever."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from sqlmodel import SQLModel, select

import fgdm.models  # noqa: F401
from fgdm.audit.models import AuditEvent
from fgdm.db import NotAllowedHere, NotFound
from fgdm.exports import service as exports_service
from fgdm.families import service as families_service
from fgdm.meetings.models import ArrangementKind, SafetyArrangement
from fgdm.network import service as network_service
from fgdm.network.models import Person
from fgdm.network.service import PersonInput
from fgdm.safety import service as safety_service
from tests.factories import actor_for, make_family

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "docs/export-schema.json").read_text())


def access_of(db, user, family_id):
    access = families_service.get_access(db, user=user, family_group_id=family_id)
    assert access is not None
    return access


@pytest.fixture
def family(db, settings):
    """A family with a network: Nan with a phone everyone sees, Mum with an address only
    named people see, Grandad with a worry kept to practitioners, and a mapping item
    kept to practitioners."""
    setup = make_family(db, settings)
    actor = actor_for(settings, setup.practitioner)
    access = access_of(db, setup.practitioner, setup.id)
    people = {}
    for name in ("Nan", "Mum", "Grandad"):
        people[name] = network_service.add_person(
            db, actor=actor, access=access, data=PersonInput(known_as=name, kind="family")
        )
    for name, field, value, visibility, named in (
        ("Nan", "phone", "07700 900555", "everyone", set()),
        ("Mum", "address", "1 Hidden Lane", "named", {setup.parent.id}),
        ("Grandad", "worry", "Drinks at weekends", "practitioners", set()),
    ):
        network_service.add_detail(
            db,
            actor=actor,
            access=access,
            person_id=people[name].id,
            field_name=field,
            value=value,
            visibility=visibility,
            named=named,
        )
    safety_service.add_item(
        db,
        actor=actor,
        access=access,
        column="worried",
        kind="past_harm",
        text="Not yet talked through",
        share=False,
    )
    db.commit()
    setup.people = people  # type: ignore[attr-defined]
    return setup


def export(db, settings, family, *, person_id=None, release=()):
    return exports_service.make_export(
        db,
        actor=actor_for(settings, family.practitioner),
        access=access_of(db, family.practitioner, family.id),
        person_id=person_id,
        release=set(release),
    )


def test_the_export_follows_its_documented_schema(db, settings, family):
    made = export(db, settings, family)
    jsonschema.validate(made.document, SCHEMA)
    text = json.dumps(made.document)
    for secret in ("password_hash", "token_hash", "totp_secret", "$argon2"):
        assert secret not in text


def test_every_table_that_holds_family_data_can_be_exported():
    family_tables = {t.name for t in SQLModel.metadata.sorted_tables} - set(
        exports_service.ACCOUNT_TABLES
    )
    reachable = {t.name for t in exports_service._family_tables()}
    assert family_tables == reachable
    for table in exports_service._family_tables():
        if table.name in ("family_group", "audit_event") or "family_group_id" in table.c:
            continue
        # Every other table hangs off one that does, so its rows are found through it.
        assert exports_service._parent_links(table), table.name


def test_the_whole_record_is_there_with_versions_and_the_audit_trail(db, settings, family):
    records = export(db, settings, family).document["records"]
    assert [p["known_as"] for p in records["person"] if not p["is_child"]] == [
        "Nan",
        "Mum",
        "Grandad",
    ]
    assert all("version" in p for p in records["person"])
    actions = {e["action"] for e in records["audit_event"]}
    assert {"person_add", "mapping_item_add"} <= actions
    assert all("ip_address" not in e for e in records["audit_event"])


def test_third_party_hidden_and_practitioner_only_rows_are_held_back_until_ticked(
    db, settings, family
):
    made = export(db, settings, family)
    held = {(w["table"], w["why"]) for w in made.document["withheld"]}
    assert held == {
        ("person_detail", "third_party"),
        ("person_detail", "named_people_only"),
        ("person_detail", "practitioners_only"),
        ("mapping_item", "practitioners_only"),
    }
    text = json.dumps(made.document, ensure_ascii=False)
    for value in ("07700 900555", "1 Hidden Lane", "Drinks at weekends", "Not yet talked through"):
        assert value not in text
    assert made.document["records"]["detail_viewer"] == []

    nan_phone = next(w["key"] for w in made.document["withheld"] if w["why"] == "third_party")
    released = export(db, settings, family, release=[nan_phone])
    text = json.dumps(released.document, ensure_ascii=False)
    assert "07700 900555" in text and "1 Hidden Lane" not in text


def test_an_export_about_one_person_holds_what_refers_to_them(db, settings, family):
    mum = family.people["Mum"]
    made = export(db, settings, family, person_id=mum.id, release=["x:1"])
    records = made.document["records"]
    assert [p["known_as"] for p in records["person"]] == ["Mum"]
    assert made.document["subject"] == {
        "kind": "person",
        "family_group_id": family.id,
        "family_group_name": family.family.name,
        "person_id": mum.id,
        "person_name": "Mum",
    }
    # Her own address, kept to named people, is still held back for review.
    assert [w["why"] for w in made.document["withheld"]] == ["named_people_only"]
    assert {e["object_id"] for e in records["audit_event"]} == {str(mum.id)}
    jsonschema.validate(made.document, SCHEMA)


def test_only_practitioners_export_and_the_export_is_audited(db, settings, family):
    export(db, settings, family)
    db.commit()
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "export")).one()
    assert event.actor_id == family.practitioner.id
    assert event.detail == "released 0 of 4 reviewed"
    with pytest.raises(NotAllowedHere):
        exports_service.make_export(
            db,
            actor=actor_for(settings, family.parent),
            access=access_of(db, family.parent, family.id),
            person_id=None,
            release=set(),
        )


def test_a_person_of_another_family_cannot_be_the_subject(db, settings, family):
    other = make_family(db, settings, name="Another family")
    their_child = db.exec(select(Person).where(Person.family_group_id == other.id)).first()
    with pytest.raises(NotFound):
        export(db, settings, family, person_id=their_child.id)


def test_a_safety_arrangement_and_its_reason_are_held_back_until_ticked(db, settings, family):
    arrangement = SafetyArrangement(
        family_group_id=family.id,
        kind=ArrangementKind.must_not_meet,
        person_id=family.people["Mum"].id,
        other_person_id=family.people["Grandad"].id,
        reason="Court order after the assault in May",
        recorded_by_id=family.practitioner.id,
    )
    db.add(arrangement)
    db.commit()
    made = export(db, settings, family)
    assert ("safety_arrangement", "practitioners_only") in {
        (w["table"], w["why"]) for w in made.document["withheld"]
    }
    assert "Court order" not in json.dumps(made.document, ensure_ascii=False)
    released = export(db, settings, family, release=[f"safety_arrangement:{arrangement.id}"])
    assert "Court order" in json.dumps(released.document, ensure_ascii=False)
    jsonschema.validate(released.document, SCHEMA)
