"""The journey and the referral over HTTP: who may read and change them, forms that keep
what was typed with the message beside the field, stale versions, the family's consent
and "where we are" on the family home page."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlmodel import select

from fgdm.accounts.models import StaffRole
from fgdm.audit.models import AuditEvent
from fgdm.families import journey
from fgdm.families.models import FamilyGroup, Referral, Stage, StageChange
from tests.factories import PASSPHRASE, make_family, make_user
from tests.unit.test_journey import full_referral, user_for


@pytest.fixture
def family(db, settings):
    return make_family(db, settings, name="The Osei family")


def signed_in(make_client, user):
    browser = make_client()
    browser.sign_in(user.login, PASSPHRASE)
    return browser


def soup(response):
    return BeautifulSoup(response.text, "html.parser")


def journey_url(family):
    return f"/families/{family.id}/journey"


def referral_url(family):
    return f"/families/{family.id}/referral"


def version_of(db, family):
    db.expire_all()
    return db.get(FamilyGroup, family.id).version


def stage_of(db, family):
    db.expire_all()
    return db.get(FamilyGroup, family.id).stage


REFERRAL_FORM = {
    "referred_by": "Sam Lee, social worker",
    "worries": "Nobody is sure who looks after Amir.",
    "decision_to_make": "Who Amir lives with.",
    "family_consents": "yes",
    "consent_date": "2026-03-02",
    "consent_given_by": "Ama Osei",
    "version": "0",
}


def steps(page):
    return [
        li.select_one(".where-we-are__words").get_text(strip=True)
        for li in page.select(".where-we-are__steps > li")
    ]


def current_step(page):
    found = page.select(".where-we-are__steps > li[aria-current=step]")
    assert len(found) == 1
    return found[0].select_one(".where-we-are__words").get_text(strip=True)


# --- Reading -----------------------------------------------------------------------------


def test_everyone_in_the_group_sees_where_we_are_on_the_home_and_journey_pages(
    make_client, db, settings, family
):
    manager = make_user(db, settings, role=StaffRole.manager)
    for user in (family.parent, family.young_person, family.practitioner, manager):
        browser = signed_in(make_client, user)
        for url in (f"/families/{family.id}", journey_url(family)):
            page = soup(browser.get(url))
            assert steps(page) == [
                "Asking for a family meeting",
                "Getting ready",
                "The family meeting",
                "Our plan is agreed",
                "Checking how it is going",
                "Finished",
            ], (user.login, url)
            assert current_step(page) == "Asking for a family meeting"


def test_only_practitioners_see_the_form_to_change_the_step(make_client, db, settings, family):
    manager = make_user(db, settings, role=StaffRole.manager)
    for user in (family.parent, family.young_person, manager):
        page = soup(signed_in(make_client, user).get(journey_url(family)))
        assert page.select_one("form.journey-move") is None
    page = soup(signed_in(make_client, family.practitioner).get(journey_url(family)))
    form = page.select_one("form.journey-move")
    labels = [label.get_text(" ", strip=True) for label in form.select(".radios__label")]
    assert labels == [
        "Move on to: Getting ready",
        "Close: the family meeting work is finished",
    ]
    needs = form.select_one("#to_stage-needs").get_text(" ", strip=True)
    assert "The worries, in plain words" in needs


def test_reading_the_journey_and_the_referral_is_audited(make_client, db, family):
    full_referral(db, family)
    mum = signed_in(make_client, family.parent)
    assert mum.get(journey_url(family)).status_code == 200
    assert mum.get(referral_url(family)).status_code == 200
    db.expire_all()
    kinds = db.exec(
        select(AuditEvent.object_type).where(
            AuditEvent.actor_id == family.parent.id, AuditEvent.action == "view"
        )
    ).all()
    assert "journey" in kinds and "referral" in kinds


def test_someone_from_another_family_gets_not_found_and_changes_nothing(
    make_client, db, settings, family
):
    full_referral(db, family)
    theirs = make_family(db, settings, name="Other family")
    other = signed_in(make_client, theirs.practitioner)
    before = version_of(db, family)
    assert other.get(journey_url(family)).status_code == 404
    assert other.get(referral_url(family)).status_code == 404
    response = other.submit(
        journey_url(family) + "/stage", {"to_stage": "preparation", "version": str(before)}
    )
    assert response.status_code == 404
    assert other.submit(referral_url(family), REFERRAL_FORM).status_code == 404
    assert stage_of(db, family) == Stage.referral
    assert db.exec(select(Referral)).one().worries == "Nobody is sure who looks after Amir."


# --- Moving the stage --------------------------------------------------------------------


def test_a_practitioner_moves_the_family_group_on_and_the_family_sees_getting_ready(
    make_client, db, family
):
    full_referral(db, family)
    worker = signed_in(make_client, family.practitioner)
    response = worker.submit(
        journey_url(family) + "/stage",
        {"to_stage": "preparation", "version": str(version_of(db, family))},
    )
    assert response.status_code == 303
    assert response.headers["location"] == journey_url(family)
    assert stage_of(db, family) == Stage.preparation
    mum = signed_in(make_client, family.parent)
    assert current_step(soup(mum.get(f"/families/{family.id}"))) == "Getting ready"
    history = soup(mum.get(journey_url(family))).select(".journey-history > li")
    assert family.practitioner.display_name in history[0].get_text()
    assert "Getting ready" in history[0].get_text()


@pytest.mark.parametrize("who", ["parent", "young_person", "manager"])
def test_family_members_young_people_and_managers_cannot_move_the_stage(
    make_client, db, settings, family, who
):
    full_referral(db, family)
    user = user_for(db, settings, family, who)
    browser = signed_in(make_client, user)
    response = browser.submit(
        journey_url(family) + "/stage",
        {"to_stage": "preparation", "version": str(version_of(db, family))},
    )
    assert response.status_code == 403
    assert stage_of(db, family) == Stage.referral
    assert db.exec(select(StageChange)).all() == []


def test_moving_on_without_what_is_needed_says_so_beside_the_choice(make_client, db, family):
    worker = signed_in(make_client, family.practitioner)
    response = worker.submit(
        journey_url(family) + "/stage",
        {"to_stage": "preparation", "version": str(version_of(db, family))},
    )
    assert response.status_code == 422
    page = soup(response)
    message = page.select_one("#to_stage-error").get_text(" ", strip=True)
    assert "The family's agreement to a family meeting" in message
    assert page.select_one(".error-summary a[href='#to_stage']") is not None
    assert page.select_one("#to_stage")["value"] == "preparation"
    assert page.select_one("#to_stage").has_attr("checked")
    assert stage_of(db, family) == Stage.referral


def test_closing_without_a_reason_keeps_the_choice_and_asks_why(make_client, db, family):
    worker = signed_in(make_client, family.practitioner)
    response = worker.submit(
        journey_url(family) + "/stage",
        {"to_stage": "closed", "version": str(version_of(db, family)), "note": " "},
    )
    assert response.status_code == 422
    page = soup(response)
    assert (
        page.select_one("#note-error")
        .get_text(strip=True)
        .endswith("Say why, so the family and others can see the reason.")
    )
    assert page.select_one("input[name=to_stage][value=closed]").has_attr("checked")
    assert stage_of(db, family) == Stage.referral
    response = worker.submit(
        journey_url(family) + "/stage",
        {"to_stage": "closed", "version": str(version_of(db, family)), "note": "Moved away"},
    )
    assert response.status_code == 303
    page = soup(worker.get(journey_url(family)))
    assert current_step(page) == "Finished"
    note = page.select_one(".journey-history__note").get_text(" ", strip=True)
    assert note == "Why: Moved away"


def test_a_stale_move_gets_the_conflict_page_and_changes_nothing(make_client, db, family):
    full_referral(db, family)
    old = str(version_of(db, family))
    worker = signed_in(make_client, family.practitioner)
    first = worker.submit(
        journey_url(family) + "/stage", {"to_stage": "preparation", "version": old}
    )
    assert first.status_code == 303
    stale = worker.submit(
        journey_url(family) + "/stage", {"to_stage": "closed", "version": old, "note": "x"}
    )
    assert stale.status_code == 409
    page = soup(stale)
    assert [td.get_text(strip=True) for td in page.select("table td")] == [
        "Finished",
        "Getting ready",
    ]
    assert page.select_one(f"a[href='{journey_url(family)}']") is not None
    assert stage_of(db, family) == Stage.preparation
    assert len(db.exec(select(StageChange)).all()) == 1


# --- The referral ------------------------------------------------------------------------


def test_a_practitioner_writes_the_referral_and_the_family_reads_it(make_client, db, family):
    worker = signed_in(make_client, family.practitioner)
    response = worker.submit(referral_url(family), REFERRAL_FORM)
    assert response.status_code == 303
    mum = signed_in(make_client, family.parent)
    page = soup(mum.get(referral_url(family)))
    rows = {
        row.select_one("dt").get_text(strip=True): row.select_one("dd").get_text(" ", strip=True)
        for row in page.select(".referral-summary .summary-list__row")
    }
    assert rows["The worries"] == "Nobody is sure who looks after Amir."
    assert rows["What the family is asked to decide"] == "Who Amir lives with."
    assert rows["Does the family agree to a family meeting?"].startswith("Yes – Ama Osei")
    assert page.select_one("form.referral-form") is None


def test_a_referral_form_with_problems_keeps_what_was_typed(make_client, db, family):
    worker = signed_in(make_client, family.practitioner)
    response = worker.submit(
        referral_url(family),
        {**REFERRAL_FORM, "referred_by": "", "consent_date": "not a date"},
    )
    assert response.status_code == 422
    page = soup(response)
    assert (
        page.select_one("#referred_by-error")
        .get_text(strip=True)
        .endswith("Say who asked for the family meeting.")
    )
    assert page.select_one("#consent_date-error") is not None
    assert page.select_one("#consent_date")["value"] == "not a date"
    assert page.select_one("#worries").get_text() == "Nobody is sure who looks after Amir."
    assert page.select_one("input[name=family_consents][value=yes]").has_attr("checked")
    assert db.exec(select(Referral)).all() == []


def test_a_stale_referral_gets_the_conflict_page_with_both_versions(make_client, db, family):
    full_referral(db, family)
    worker = signed_in(make_client, family.practitioner)
    response = worker.submit(
        referral_url(family), {**REFERRAL_FORM, "worries": "Mine", "version": "0"}
    )
    assert response.status_code == 409
    cells = [td.get_text(strip=True) for td in soup(response).select("table td")]
    assert "Mine" in cells and "Nobody is sure who looks after Amir." in cells
    db.expire_all()
    assert db.exec(select(Referral)).one().worries == "Nobody is sure who looks after Amir."


@pytest.mark.parametrize("who", ["parent", "young_person", "manager"])
def test_only_practitioners_write_the_referral(make_client, db, settings, family, who):
    user = user_for(db, settings, family, who)
    browser = signed_in(make_client, user)
    assert browser.submit(referral_url(family), REFERRAL_FORM).status_code == 403
    assert db.exec(select(Referral)).all() == []


def test_a_family_member_agrees_to_a_family_meeting_with_the_button(make_client, db, family):
    full_referral(db, family, family_consents=False, consent_date=None, consent_given_by="")
    mum = signed_in(make_client, family.parent)
    page = soup(mum.get(referral_url(family)))
    form = page.select_one("form.referral-consent")
    assert form.select_one("button").get_text(strip=True) == "We agree to a family meeting"
    version = form.select_one("input[name=version]")["value"]
    response = mum.submit(referral_url(family) + "/consent", {"version": version})
    assert response.status_code == 303
    db.expire_all()
    referral = db.exec(select(Referral)).one()
    assert referral.family_consents
    assert referral.consent_given_by == family.parent.display_name
    assert referral.consent_date == journey.today()
    page = soup(mum.get(referral_url(family)))
    assert page.select_one("form.referral-consent") is None


def test_a_young_person_and_a_manager_cannot_give_the_familys_consent(
    make_client, db, settings, family
):
    full_referral(db, family, family_consents=False, consent_date=None, consent_given_by="")
    manager = make_user(db, settings, role=StaffRole.manager)
    for user in (family.young_person, manager, family.practitioner):
        browser = signed_in(make_client, user)
        page = soup(browser.get(referral_url(family)))
        assert page.select_one("form.referral-consent") is None
        response = browser.submit(referral_url(family) + "/consent", {"version": "1"})
        assert response.status_code == 403
    db.expire_all()
    assert not db.exec(select(Referral)).one().family_consents


def test_consent_on_a_changed_referral_gets_the_conflict_page(make_client, db, family):
    full_referral(db, family, family_consents=False, consent_date=None, consent_given_by="")
    mum = signed_in(make_client, family.parent)
    response = mum.submit(referral_url(family) + "/consent", {"version": "5"})
    assert response.status_code == 409
    db.expire_all()
    assert not db.exec(select(Referral)).one().family_consents
