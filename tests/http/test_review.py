"""The review over HTTP: who may read and write (404 outside the group, 403 for the family
and managers writing, nothing saved), a conference has no review page, the reason needed
beside the field with the form kept, stale forms (409), finishing, and every string
translatable."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlmodel import select

from fgdm.accounts.models import StaffRole
from fgdm.meetings.models import ActionOutcome, MeetingKind, ReviewRecord
from fgdm.meetings.review_service import finding_labels
from fgdm.plans.models import PlanAction
from tests.factories import PASSPHRASE, make_family, make_user
from tests.unit.test_plan_decision import make_plan
from tests.unit.test_review import actions_of, agree, make_review


@pytest.fixture
def family(db, settings):
    return make_family(db, settings)


def signed_in(make_client, user):
    browser = make_client()
    browser.sign_in(user.login, PASSPHRASE)
    return browser


def soup(response):
    return BeautifulSoup(response.text, "html.parser")


def url(family, meeting):
    return f"/families/{family.id}/meetings/{meeting.id}/review"


def outcomes(db):
    db.expire_all()
    return db.exec(select(ActionOutcome)).all()


@pytest.fixture
def review(db, family):
    plan = make_plan(db, family)
    meeting = make_review(db, family)
    return plan, meeting, actions_of(db, plan)[0]


def test_everyone_in_the_group_reads_the_review(make_client, db, family, review):
    plan, meeting, action = review
    for user in (family.parent, family.young_person):
        page = soup(signed_in(make_client, user).get(url(family, meeting)))
        assert page.find("h1").get_text(strip=True) == "The review"
        assert page.find(id=f"action-{action.id}") is not None
        assert page.select(f"form[action$='/actions/{action.id}']") == []


def test_someone_from_another_family_gets_not_found(make_client, db, settings, family, review):
    plan, meeting, action = review
    theirs = make_family(db, settings, name="Other family")
    browser = signed_in(make_client, theirs.practitioner)
    assert browser.get(url(family, meeting)).status_code == 404
    response = browser.submit(
        f"{url(family, meeting)}/actions/{action.id}", {"outcome": "done", "version": 0}
    )
    assert response.status_code == 404
    assert outcomes(db) == []


def test_a_conference_has_no_review_page(make_client, db, family):
    make_plan(db, family)
    meeting = make_review(db, family, kind=MeetingKind.conference)
    browser = signed_in(make_client, family.practitioner)
    assert browser.get(url(family, meeting)).status_code == 404


def test_family_members_and_managers_may_not_write(make_client, db, settings, family, review):
    plan, meeting, action = review
    manager = make_user(db, settings, role=StaffRole.manager)
    for user in (family.parent, family.young_person, manager):
        browser = signed_in(make_client, user)
        for path, data in (
            (f"/actions/{action.id}", {"outcome": "done", "version": 0}),
            ("/changes", {"what_has_changed": "Dad moved out", "version": 0}),
            ("/finish", {"version": 0}),
        ):
            response = browser.submit(url(family, meeting) + path, data)
            assert response.status_code == 403, (user.login, path)
    assert outcomes(db) == []
    assert db.exec(select(ReviewRecord)).all() == []


def test_why_is_asked_for_beside_the_field_and_the_form_is_kept(make_client, db, family, review):
    plan, meeting, action = review
    browser = signed_in(make_client, family.practitioner)
    response = browser.submit(
        f"{url(family, meeting)}/actions/{action.id}", {"outcome": "partly", "version": 0}
    )
    assert response.status_code == 422
    page = soup(response)
    error = page.find(id=f"why-{action.id}-error")
    assert error is not None and "Say why" in error.get_text()
    assert page.find(id=f"outcome-{action.id}-2").has_attr("checked")
    assert page.select_one(".error-summary a")["href"] == f"#why-{action.id}"
    assert outcomes(db) == []


def test_a_stale_outcome_is_a_conflict(make_client, db, family, review):
    plan, meeting, action = review
    browser = signed_in(make_client, family.practitioner)
    first = browser.submit(
        f"{url(family, meeting)}/actions/{action.id}", {"outcome": "done", "version": 0}
    )
    assert first.status_code == 303
    stale = browser.submit(
        f"{url(family, meeting)}/actions/{action.id}",
        {"outcome": "not_done", "why": "Nobody went", "version": 0},
    )
    assert stale.status_code == 409
    assert [o.outcome.value for o in outcomes(db)] == ["done"]


def test_finishing_says_what_is_missing_then_closes_done_actions(make_client, db, family, review):
    plan, meeting, action = review
    browser = signed_in(make_client, family.practitioner)
    refused = browser.submit(f"{url(family, meeting)}/finish", {"version": 0})
    assert refused.status_code == 422
    assert action.what in soup(refused).find(id="finish-error").get_text()
    browser.submit(f"{url(family, meeting)}/actions/{action.id}", {"outcome": "done", "version": 0})
    finished = browser.submit(f"{url(family, meeting)}/finish", {"version": 0})
    assert finished.status_code == 303
    db.expire_all()
    assert db.get(PlanAction, action.id).closed_at_review_id == meeting.id
    page = soup(signed_in(make_client, family.parent).get(url(family, meeting)))
    assert "This review is finished" in page.select_one(".review-finished").get_text()
    again = browser.submit(f"{url(family, meeting)}/finish", {"version": 1})
    assert again.status_code == 422


def test_what_has_changed_is_saved_and_a_stale_one_is_a_conflict(make_client, db, family, review):
    plan, meeting, action = review
    browser = signed_in(make_client, family.practitioner)
    path = f"{url(family, meeting)}/changes"
    assert (
        browser.submit(path, {"what_has_changed": "Dad moved out", "version": 0}).status_code == 303
    )
    assert browser.submit(path, {"what_has_changed": "Other", "version": 0}).status_code == 409
    db.expire_all()
    assert db.exec(select(ReviewRecord)).one().what_has_changed == "Dad moved out"


def test_the_review_meeting_links_to_its_review(make_client, db, family, review):
    plan, meeting, action = review
    page = soup(
        signed_in(make_client, family.parent).get(f"/families/{family.id}/meetings/{meeting.id}")
    )
    assert page.find("a", href=url(family, meeting)) is not None


def test_the_gaps_are_compared_with_when_the_plan_was_agreed(make_client, db, family, review):
    plan, meeting, action = review
    agree(db, plan, ["nobody_near"])
    page = soup(signed_in(make_client, family.practitioner).get(url(family, meeting)))
    gone = page.select_one(".review-findings--gone")
    assert gone is not None
    assert gone.get_text(strip=True) == finding_labels()["nobody_near"]
    assert page.find("a", href=f"/families/{family.id}/scaling") is not None
