"""Ids typed into forms and searches that no row could have (too big for the database's
INTEGER columns, which PostgreSQL refuses with an error) find nothing and get a message,
never a server error."""

from __future__ import annotations

from sqlmodel import select

from fgdm.accounts.models import StaffRole
from fgdm.db import parse_id
from fgdm.network.models import Person
from tests.factories import PASSPHRASE, make_family, make_user

TOO_BIG = "2147483648"


def test_parse_id_takes_only_ids_a_row_can_have():
    assert parse_id(" 42 ") == 42
    assert parse_id("2147483647") == 2147483647
    for bad in (TOO_BIG, "0", "-1", "", "1e3", "12a", "9" * 40, "١٢"):
        assert parse_id(bad) is None, bad


def test_a_link_to_a_person_id_too_big_is_refused_beside_the_field(client, db, settings):
    family = make_family(db, settings)
    child = db.exec(select(Person).where(Person.family_group_id == family.id)).first()
    client.sign_in(family.parent.login, PASSPHRASE)
    response = client.submit(
        f"/families/{family.id}/network/people/{child.id}/links",
        {"other_id": TOO_BIG, "closeness": "close"},
    )
    assert response.status_code == 422


def test_a_story_for_a_child_id_too_big_is_refused_beside_the_field(client, db, settings):
    family = make_family(db, settings)
    client.sign_in(family.parent.login, PASSPHRASE)
    response = client.submit(
        f"/families/{family.id}/stories", {"child_id": TOO_BIG, "title": "Our story"}
    )
    assert response.status_code == 422


def test_an_audit_search_for_a_family_number_too_big_says_how_to_write_one(client, db, settings):
    admin = make_user(db, settings, role=StaffRole.admin)
    client.sign_in(admin.login, PASSPHRASE)
    response = client.get("/admin/audit", params={"family": TOO_BIG})
    assert response.status_code in (200, 422)
    assert "Enter the family group number" in response.text


def test_an_export_about_a_person_id_too_big_is_about_the_whole_family(client, db, settings):
    family = make_family(db, settings)
    client.sign_in(family.practitioner.login, PASSPHRASE)
    response = client.get(f"/families/{family.id}/export", params={"person_id": TOO_BIG})
    assert response.status_code == 200
