"""Every form that changes something needs this browser's CSRF token; refusals change
nothing, show a friendly page and are audited."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlmodel import col, func, select

from fgdm.audit.models import AuditEvent, Outcome
from fgdm.families.models import FamilyGroup
from tests.factories import PASSPHRASE, make_family


def _family_count(db) -> int:
    db.expire_all()
    return db.exec(select(func.count()).select_from(FamilyGroup)).one()


def _new_family_form(**extra: str) -> dict[str, str]:
    return {"name": "The Gamma family", "child_0_first_name": "Gil", "child_0_age": "6", **extra}


@pytest.fixture
def practitioner_browser(client, db, settings):
    setup = make_family(db, settings)
    client.sign_in(setup.practitioner.login, PASSPHRASE)
    client.setup = setup
    return client


@pytest.mark.parametrize(
    "token",
    [None, "", "not-the-token", "0" * 64],
    ids=["missing", "empty", "wrong", "wrong-length-right"],
)
def test_form_without_the_right_token_is_refused_and_changes_nothing(
    practitioner_browser, db, token
):
    before = _family_count(db)
    form = _new_family_form()
    if token is not None:
        form["csrf_token"] = token
    response = practitioner_browser.post("/families/new", data=form)
    assert response.status_code == 403
    page = BeautifulSoup(response.text, "html.parser")
    assert page.h1.get_text(strip=True) == "That did not work"
    assert "Nothing was changed" in page.main.get_text()
    assert _family_count(db) == before


def test_token_from_another_persons_session_is_refused(
    practitioner_browser, make_client, db, settings
):
    other = make_client()
    other.sign_in(practitioner_browser.setup.parent.login, PASSPHRASE)
    stolen = other.token()
    before = _family_count(db)
    response = practitioner_browser.post("/families/new", data=_new_family_form(csrf_token=stolen))
    assert response.status_code == 403
    assert _family_count(db) == before


def test_token_from_before_sign_in_is_refused_after_sign_in(client, db, settings):
    setup = make_family(db, settings)
    old_token = client.token()
    client.sign_in(setup.practitioner.login, PASSPHRASE)
    before = _family_count(db)
    response = client.post("/families/new", data=_new_family_form(csrf_token=old_token))
    assert response.status_code == 403
    assert _family_count(db) == before


def test_sign_in_form_needs_the_token_too(client, db, settings):
    setup = make_family(db, settings)
    response = client.post(
        "/login", data={"login": setup.practitioner.login, "passphrase": PASSPHRASE}
    )
    assert response.status_code == 403
    assert "fgdm_session" not in response.cookies


def test_token_in_the_htmx_header_is_accepted(practitioner_browser, db):
    token = practitioner_browser.token()
    before = _family_count(db)
    response = practitioner_browser.post(
        "/families/new",
        data=_new_family_form(),
        headers={"X-CSRF-Token": token, "HX-Request": "true"},
    )
    assert response.status_code == 204
    assert response.headers["HX-Redirect"].startswith("/families/")
    assert _family_count(db) == before + 1


def test_wrong_token_in_the_htmx_header_is_refused_even_with_a_right_form_field(
    practitioner_browser, db
):
    token = practitioner_browser.token()
    before = _family_count(db)
    response = practitioner_browser.post(
        "/families/new",
        data=_new_family_form(csrf_token=token),
        headers={"X-CSRF-Token": "wrong", "HX-Request": "true"},
    )
    assert response.status_code == 403
    assert _family_count(db) == before


def test_refusal_is_audited_with_who_and_where(practitioner_browser, db):
    practitioner_browser.post("/families/new", data=_new_family_form())
    db.expire_all()
    event = db.exec(
        select(AuditEvent)
        .where(AuditEvent.action == "csrf_refused")
        .order_by(col(AuditEvent.id).desc())
    ).first()
    assert event is not None
    assert event.outcome == Outcome.refused
    assert event.actor_id == practitioner_browser.setup.practitioner.id
    assert event.detail == "/families/new"


def test_json_body_without_a_token_is_refused(practitioner_browser, db):
    before = _family_count(db)
    response = practitioner_browser.post("/families/new", json=_new_family_form())
    assert response.status_code == 403
    assert _family_count(db) == before


def test_sign_out_without_the_token_keeps_the_person_signed_in(practitioner_browser):
    response = practitioner_browser.post("/logout")
    assert response.status_code == 403
    assert practitioner_browser.get("/families").status_code == 200


def test_removing_a_member_without_the_token_keeps_them(practitioner_browser, make_client):
    setup = practitioner_browser.setup
    page = BeautifulSoup(
        practitioner_browser.get(f"/families/{setup.id}/members").text, "html.parser"
    )
    button = page.find("button", string="Remove Parent")
    form = button.find_parent("form")
    response = practitioner_browser.post(form["action"], data={"version": "1"})
    assert response.status_code == 403
    parent = make_client()
    parent.sign_in(setup.parent.login, PASSPHRASE)
    assert parent.get(f"/families/{setup.id}").status_code == 200
