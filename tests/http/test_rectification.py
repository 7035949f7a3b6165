"""Rectification over HTTP: a family member says they do not agree with a professional's
statement and the note shows beside it; corrections show the earlier wording; who may do
what."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlmodel import select

from fgdm.accounts.models import StaffRole
from fgdm.safety.models import FamilyNote, MappingItem
from tests.factories import PASSPHRASE, make_family, make_user

WORRY = "Dad shouted at the children"


@pytest.fixture
def family(db, settings):
    return make_family(db, settings)


def signed_in(make_client, user):
    browser = make_client()
    browser.sign_in(user.login, PASSPHRASE)
    return browser


def soup(response):
    return BeautifulSoup(response.text, "html.parser")


@pytest.fixture
def item_id(make_client, family, db):
    sam = signed_in(make_client, family.practitioner)
    data = {"column": "worried", "kind": "past_harm", "text": WORRY, "share": "yes"}
    assert sam.submit(f"/families/{family.id}/mapping/items", data).status_code == 303
    return db.exec(select(MappingItem.id).where(MappingItem.text == WORRY)).one()


def notes_beside(page, text):
    card = next(
        li
        for li in page.select(".mapping-item")
        if li.select_one(".safety-text").get_text() == text
    )
    return [
        (
            n.select_one(".family-note__heading").get_text(strip=True),
            n.select_one(".safety-text").get_text(strip=True),
        )
        for n in card.select(".family-note")
    ]


def test_a_parent_says_they_do_not_agree_and_everyone_sees_it_beside_the_worry(
    make_client, family, item_id
):
    mum = signed_in(make_client, family.parent)
    page = soup(mum.get(f"/families/{family.id}/mapping"))
    link = page.find("a", string="Say you do not agree with this")
    assert link["href"] == f"/families/{family.id}/mapping/items/{item_id}/note"
    form = soup(mum.get(link["href"]))
    assert form.select_one("blockquote").get_text() == WORRY
    response = mum.submit(link["href"], {"text": "He shouted at me, not the children"})
    assert response.status_code == 303

    for reader in (mum, signed_in(make_client, family.practitioner)):
        page = soup(reader.get(f"/families/{family.id}/mapping"))
        assert notes_beside(page, WORRY) == [
            ("Parent does not agree", "He shouted at me, not the children")
        ]


def test_a_note_with_no_words_gets_a_message_beside_the_field_and_nothing_is_saved(
    make_client, family, item_id, db
):
    mum = signed_in(make_client, family.parent)
    response = mum.submit(f"/families/{family.id}/mapping/items/{item_id}/note", {"text": " "})
    assert response.status_code == 422
    page = soup(response)
    assert "own words" in page.select_one("#text-error").get_text()
    assert page.select_one(".error-summary") is not None
    too_long = "x" * 1001
    response = mum.submit(f"/families/{family.id}/mapping/items/{item_id}/note", {"text": too_long})
    assert soup(response).select_one("#text").get_text() == too_long
    assert db.exec(select(FamilyNote)).all() == []


def test_practitioners_and_managers_cannot_write_a_familys_note(
    make_client, family, item_id, db, settings
):
    url = f"/families/{family.id}/mapping/items/{item_id}/note"
    sam = signed_in(make_client, family.practitioner)
    assert sam.get(url).status_code == 403
    assert sam.submit(url, {"text": "I disagree"}).status_code == 403
    manager = signed_in(make_client, make_user(db, settings, role=StaffRole.manager))
    assert manager.submit(url, {"text": "I disagree"}).status_code == 403
    assert db.exec(select(FamilyNote)).all() == []


def test_only_the_author_changes_their_note_and_a_stale_change_gets_the_conflict_page(
    make_client, family, item_id, db
):
    mum = signed_in(make_client, family.parent)
    mum.submit(f"/families/{family.id}/mapping/items/{item_id}/note", {"text": "Not true"})
    note = db.exec(select(FamilyNote)).one()
    url = f"/families/{family.id}/mapping/notes/{note.id}"
    young = signed_in(make_client, family.young_person)
    assert young.get(url).status_code == 404
    assert young.submit(url, {"text": "Changed", "version": "1"}).status_code == 404
    assert (
        signed_in(make_client, family.practitioner)
        .submit(url + "/remove", {"version": "1"})
        .status_code
        == 404
    )

    assert mum.submit(url, {"text": "Not true at all", "version": "1"}).status_code == 303
    stale = mum.submit(url, {"text": "Older tab", "version": "1"})
    assert stale.status_code == 409
    db.expire_all()
    assert db.exec(select(FamilyNote.text)).one() == "Not true at all"
    assert mum.submit(url + "/remove", {"version": "2"}).status_code == 303
    page = soup(mum.get(f"/families/{family.id}/mapping"))
    assert notes_beside(page, WORRY) == []


def test_a_correction_shows_what_the_statement_said_before(make_client, family, item_id):
    sam = signed_in(make_client, family.practitioner)
    changed = {"kind": "past_harm", "text": "Dad shouted", "share": "yes", "version": "1"}
    assert sam.submit(f"/families/{family.id}/mapping/items/{item_id}", changed).status_code == 303
    page = soup(signed_in(make_client, family.parent).get(f"/families/{family.id}/mapping"))
    details = page.select_one(".earlier-wording")
    assert "Changed once" in details.select_one("summary").get_text()
    assert details.select_one(".safety-text").get_text() == WORRY


def test_an_unknown_kind_of_statement_is_not_found(make_client, family, item_id):
    mum = signed_in(make_client, family.parent)
    assert mum.get(f"/families/{family.id}/mapping/stories/{item_id}/note").status_code == 404
