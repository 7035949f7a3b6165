"""Agreeing the plan over HTTP: presenting, the decision form with a reason beside each part
not agreed, what the family reads, who may do what (404 outside the group, 403 for the
family and managers), stale forms (409), the plan changing since it was presented, answers
to requests for help, and every string translatable."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlmodel import select

from fgdm.accounts.models import StaffRole
from fgdm.audit.models import AuditEvent
from fgdm.meetings.models import Meeting, MeetingPart
from fgdm.plans.models import (
    AgencyConcern,
    AgencyDecision,
    FamilyPlan,
    PlanAction,
    ServiceAnswer,
    ServiceRequest,
)
from tests.factories import PASSPHRASE, make_family, make_user
from tests.http.test_every_string_translatable import bracketed, untranslated  # noqa: F401
from tests.unit.test_plan_decision import make_plan, revise


@pytest.fixture
def family(db, settings):
    return make_family(db, settings)


def signed_in(make_client, user):
    browser = make_client()
    browser.sign_in(user.login, PASSPHRASE)
    return browser


def soup(response):
    return BeautifulSoup(response.text, "html.parser")


def base(family):
    return f"/families/{family.id}/plan"


def plan_of(db, family):
    db.expire_all()
    return db.exec(select(FamilyPlan).where(FamilyPlan.family_group_id == family.id)).one()


def action_of(db, plan):
    return db.exec(select(PlanAction).where(PlanAction.plan_id == plan.id)).one()


def request_of(db, plan):
    db.expire_all()
    return db.exec(select(ServiceRequest).where(ServiceRequest.plan_id == plan.id)).one()


def decisions(db):
    db.expire_all()
    return db.exec(select(AgencyDecision)).all()


def present(browser, db, family):
    return browser.submit(base(family) + "/present", {"version": plan_of(db, family).version})


def decision_form(browser, family):
    """The hidden fields of the decision form as the practitioner's page has them."""
    page = soup(browser.get(base(family) + "/decision"))
    form = page.select_one("form.plan-decide")
    assert form is not None
    return {i["name"]: i["value"] for i in form.select("input[type=hidden]")}


def test_someone_from_another_family_gets_not_found(make_client, db, settings, family):
    plan = make_plan(db, family)
    theirs = make_family(db, settings, name="Other family")
    for user in (theirs.parent, theirs.practitioner):
        other = signed_in(make_client, user)
        assert other.get(base(family) + "/decision").status_code == 404
        assert present(other, db, family).status_code == 404
        assert other.submit(base(family) + "/decision", {"choice": "agree"}).status_code == 404
        row = request_of(db, plan)
        url = f"{base(family)}/requests/{row.id}/answer"
        assert other.submit(url, {"answer": "agreed", "version": "1"}).status_code == 404
    assert plan_of(db, family).presented_revision is None
    assert decisions(db) == []
    assert request_of(db, plan).answer == ServiceAnswer.waiting


def test_a_request_of_another_family_group_is_not_found(make_client, db, settings, family):
    make_plan(db, family)
    theirs = make_family(db, settings, name="Other family", practitioner=family.practitioner)
    other_plan = make_plan(db, theirs)
    worker = signed_in(make_client, family.practitioner)
    row = request_of(db, other_plan)
    url = f"{base(family)}/requests/{row.id}/answer"
    assert worker.submit(url, {"answer": "agreed", "version": "1"}).status_code == 404
    assert worker.submit(f"{base(family)}/requests/x1/answer", {}).status_code == 404
    assert request_of(db, other_plan).answer == ServiceAnswer.waiting


def test_the_family_presents_the_plan_and_the_page_says_so(make_client, db, family):
    make_plan(db, family)
    mum = signed_in(make_client, family.parent)
    page = soup(mum.get(base(family) + "/decision"))
    assert page.select_one("form.plan-present button").get_text(strip=True) == "Present this plan"
    response = present(mum, db, family)
    assert response.status_code == 303
    assert plan_of(db, family).presented_revision == 1
    page = soup(mum.get(base(family) + "/decision"))
    status = page.select_one(".plan-presented__status").get_text(" ", strip=True)
    assert "presented version 1" in status
    assert page.select_one("form.plan-present") is None
    assert page.select_one("form.plan-decide") is None


def test_a_plan_without_actions_is_not_presented_and_the_page_says_why(make_client, db, family):
    make_plan(db, family, actions=())
    mum = signed_in(make_client, family.parent)
    response = present(mum, db, family)
    assert response.status_code == 422
    message = soup(response).select_one("#present-error").get_text(" ", strip=True)
    assert "Add at least one action" in message
    assert plan_of(db, family).presented_revision is None


def test_presenting_from_an_old_page_is_a_conflict(make_client, db, family):
    make_plan(db, family)
    mum = signed_in(make_client, family.parent)
    version = plan_of(db, family).version
    assert present(mum, db, family).status_code == 303
    response = mum.submit(base(family) + "/present", {"version": version})
    assert response.status_code == 409


def test_a_manager_cannot_present_or_decide_or_answer(make_client, db, settings, family):
    plan = make_plan(db, family)
    manager = signed_in(make_client, make_user(db, settings, role=StaffRole.manager))
    assert manager.get(base(family) + "/decision").status_code == 200
    assert present(manager, db, family).status_code == 403
    assert plan_of(db, family).presented_revision is None
    present(signed_in(make_client, family.parent), db, family)
    response = manager.submit(base(family) + "/decision", {"choice": "agree", "revision": "1"})
    assert response.status_code == 403
    row = request_of(db, plan)
    url = f"{base(family)}/requests/{row.id}/answer"
    assert manager.submit(url, {"answer": "agreed", "version": row.version}).status_code == 403
    assert decisions(db) == []
    assert request_of(db, plan).answer == ServiceAnswer.waiting


def test_a_family_member_cannot_decide_or_answer(make_client, db, family):
    plan = make_plan(db, family)
    mum = signed_in(make_client, family.parent)
    present(mum, db, family)
    for user in (family.parent, family.young_person):
        browser = signed_in(make_client, user)
        page = soup(browser.get(base(family) + "/decision"))
        assert page.select_one("form.plan-decide") is None
        assert page.select_one("form.plan-answer") is None
        response = browser.submit(
            base(family) + "/decision", {"choice": "agree", "revision": "1", "last_decision": "0"}
        )
        assert response.status_code == 403
        row = request_of(db, plan)
        url = f"{base(family)}/requests/{row.id}/answer"
        assert browser.submit(url, {"answer": "agreed", "version": row.version}).status_code == 403
    assert decisions(db) == []
    assert request_of(db, plan).answer == ServiceAnswer.waiting


def test_the_practitioner_agrees_the_plan_and_the_family_reads_who_agreed_it(
    make_client, db, family
):
    make_plan(db, family)
    present(signed_in(make_client, family.parent), db, family)
    worker = signed_in(make_client, family.practitioner)
    form = decision_form(worker, family)
    response = worker.submit(base(family) + "/decision", {**form, "choice": "agree"})
    assert response.status_code == 303
    [decision] = decisions(db)
    assert decision.accepted and decision.revision == 1
    mum = signed_in(make_client, family.parent)
    status = soup(mum.get(base(family) + "/decision")).select_one(".plan-decision__status")
    text = status.get_text(" ", strip=True)
    assert text.startswith("The plan was agreed on")
    assert f"by {family.practitioner.display_name} (practitioner)" in text


def test_a_part_not_agreed_without_a_reason_gets_a_message_beside_it_and_nothing_is_saved(
    make_client, db, family
):
    plan = make_plan(db, family)
    present(signed_in(make_client, family.parent), db, family)
    action = action_of(db, plan)
    worker = signed_in(make_client, family.practitioner)
    form = decision_form(worker, family)
    response = worker.submit(
        base(family) + "/decision",
        {
            **form,
            "choice": "not_all",
            "not_agreed": f"action:{action.id}",
            "reason_what_we_want": "Typed but not ticked",
        },
    )
    assert response.status_code == 422
    page = soup(response)
    field = f"reason_action_{action.id}"
    error = page.select_one(f"#{field}-error").get_text(" ", strip=True)
    assert "Say why this part would leave a child unsafe" in error
    assert page.select_one(f"#{field}")["aria-invalid"] == "true"
    assert page.select_one(f'.error-summary a[href="#{field}"]') is not None
    # What was typed is kept.
    assert page.select_one(f"#not-{field}").has_attr("checked")
    assert page.select_one("#reason_what_we_want").get_text() == "Typed but not ticked"
    assert page.select_one("#choice-2").has_attr("checked")
    assert decisions(db) == []


def test_deciding_nothing_gets_a_message_beside_the_field(make_client, db, family):
    make_plan(db, family)
    present(signed_in(make_client, family.parent), db, family)
    worker = signed_in(make_client, family.practitioner)
    form = decision_form(worker, family)
    response = worker.submit(base(family) + "/decision", {**form, "choice": "not_all"})
    assert response.status_code == 422
    assert soup(response).select_one("#parts-error") is not None
    response = worker.submit(base(family) + "/decision", form)
    assert response.status_code == 422
    assert soup(response).select_one("#choice-error") is not None
    assert decisions(db) == []


def test_parts_not_agreed_with_reasons_are_read_by_the_family_in_plain_words(
    make_client, db, family
):
    plan = make_plan(db, family)
    present(signed_in(make_client, family.parent), db, family)
    action = action_of(db, plan)
    worker = signed_in(make_client, family.practitioner)
    form = decision_form(worker, family)
    response = worker.submit(
        base(family) + "/decision",
        {
            **form,
            "choice": "not_all",
            "not_agreed": f"action:{action.id}",
            f"reason_action_{action.id}": "Nan works until six, so nobody would collect Amir.",
        },
    )
    assert response.status_code == 303
    db.expire_all()
    [concern] = db.exec(select(AgencyConcern)).all()
    assert concern.part == f"action:{action.id}"
    young = signed_in(make_client, family.young_person)
    page = soup(young.get(base(family) + "/decision"))
    summary = page.select_one("#decision .plan-decision")
    assert "These parts were not agreed, and why" in summary.get_text(" ", strip=True)
    [item] = summary.select(".plan-concern")
    assert item.select_one(".plan-concern__part").get_text(" ", strip=True) == (
        "An action: Nan picks Amir up from school every day"
    )
    assert "Nan works until six, so nobody would collect Amir." in item.get_text(" ", strip=True)
    # The plan page itself says so too, with the way to the children's version.
    plan_page = soup(signed_in(make_client, family.parent).get(base(family)))
    on_plan = plan_page.select_one("section[aria-labelledby=decision-title] .plan-decision")
    assert "Nan works until six" in on_plan.get_text(" ", strip=True)
    assert plan_page.find("a", string="The plan for the children")["href"] == (
        base(family) + "/children"
    )


def test_a_plan_changed_since_it_was_presented_is_refused_with_a_message(make_client, db, family):
    plan = make_plan(db, family)
    present(signed_in(make_client, family.parent), db, family)
    worker = signed_in(make_client, family.practitioner)
    form = decision_form(worker, family)
    revise(db, plan, "Amir lives with Nan for now")
    response = worker.submit(base(family) + "/decision", {**form, "choice": "agree"})
    assert response.status_code == 409
    alert = soup(response).select_one("[role=alert]").get_text(" ", strip=True)
    assert "changed since the family presented it" in alert
    assert decisions(db) == []
    page = soup(worker.get(base(family) + "/decision"))
    assert page.select_one("form.plan-decide") is None


def test_the_family_revises_presents_again_and_a_new_decision_is_needed(make_client, db, family):
    plan = make_plan(db, family)
    mum = signed_in(make_client, family.parent)
    present(mum, db, family)
    action = action_of(db, plan)
    worker = signed_in(make_client, family.practitioner)
    form = decision_form(worker, family)
    worker.submit(
        base(family) + "/decision",
        {
            **form,
            "choice": "not_all",
            "not_agreed": f"action:{action.id}",
            f"reason_action_{action.id}": "Nan works until six.",
        },
    )
    revise(db, plan, "Grandad collects Amir")
    page = soup(mum.get(base(family) + "/decision"))
    assert "present it again" in page.select_one(".plan-presented__status").get_text(" ")
    assert present(mum, db, family).status_code == 303
    page = soup(mum.get(base(family) + "/decision"))
    assert "waiting for a decision" in page.select_one(".plan-presented__status").get_text(" ")
    form = decision_form(worker, family)
    assert form["revision"] == "2"
    assert worker.submit(base(family) + "/decision", {**form, "choice": "agree"}).status_code == 303
    page = soup(mum.get(base(family) + "/decision"))
    history = page.select("#history li.card")
    assert len(history) == 2
    assert "agreed" in history[0].get_text(" ", strip=True)
    assert "Nan works until six." in history[1].get_text(" ", strip=True)


def test_a_decision_form_opened_before_another_decision_is_a_conflict(make_client, db, family):
    make_plan(db, family)
    present(signed_in(make_client, family.parent), db, family)
    worker = signed_in(make_client, family.practitioner)
    form = decision_form(worker, family)
    assert worker.submit(base(family) + "/decision", {**form, "choice": "agree"}).status_code == 303
    response = worker.submit(base(family) + "/decision", {**form, "choice": "agree"})
    assert response.status_code == 409
    assert len(decisions(db)) == 1


def test_no_decision_during_private_family_time(make_client, db, family):
    make_plan(db, family)
    present(signed_in(make_client, family.parent), db, family)
    worker = signed_in(make_client, family.practitioner)
    form = decision_form(worker, family)
    db.add(Meeting(family_group_id=family.id, part=MeetingPart.private_family_time))
    db.commit()
    response = worker.submit(base(family) + "/decision", {**form, "choice": "agree"})
    assert response.status_code == 423
    assert decisions(db) == []


def test_answers_to_requests_need_their_reason_and_the_family_sees_them(make_client, db, family):
    plan = make_plan(db, family)
    worker = signed_in(make_client, family.practitioner)
    row = request_of(db, plan)
    url = f"{base(family)}/requests/{row.id}/answer"
    response = worker.submit(url, {"answer": "not_agreed", "reason": "", "version": row.version})
    assert response.status_code == 422
    page = soup(response)
    assert "Say why" in page.select_one(f"#reason-{row.id}-error").get_text(" ", strip=True)
    assert page.select_one(f"#answer-{row.id}-2").has_attr("checked")
    assert request_of(db, plan).answer == ServiceAnswer.waiting

    response = worker.submit(
        url, {"answer": "referred_on", "referred_to": "", "version": row.version}
    )
    assert response.status_code == 422
    assert soup(response).select_one(f"#referred_to-{row.id}-error") is not None

    response = worker.submit(
        url, {"answer": "referred_on", "referred_to": "Early Help team", "version": row.version}
    )
    assert response.status_code == 303
    row = request_of(db, plan)
    assert (row.answer, row.answer_reason) == (ServiceAnswer.referred_on, "Early Help team")

    mum = signed_in(make_client, family.parent)
    card = soup(mum.get(base(family) + "/decision")).select_one(f"#request-{row.id}")
    text = card.get_text(" ", strip=True)
    assert "Passed on to someone else" in text
    assert "Passed on to: Early Help team" in text
    assert card.select_one("form") is None


def test_an_answer_from_an_old_page_is_a_conflict(make_client, db, family):
    plan = make_plan(db, family)
    worker = signed_in(make_client, family.practitioner)
    row = request_of(db, plan)
    url = f"{base(family)}/requests/{row.id}/answer"
    old = row.version
    assert worker.submit(url, {"answer": "agreed", "version": old}).status_code == 303
    response = worker.submit(url, {"answer": "not_agreed", "reason": "Full", "version": old})
    assert response.status_code == 409
    assert request_of(db, plan).answer == ServiceAnswer.agreed


def test_every_read_and_write_is_audited(make_client, db, family):
    make_plan(db, family)
    mum = signed_in(make_client, family.parent)
    mum.get(base(family) + "/decision")
    present(mum, db, family)
    worker = signed_in(make_client, family.practitioner)
    form = decision_form(worker, family)
    worker.submit(base(family) + "/decision", {**form, "choice": "agree"})
    db.expire_all()
    actions = {
        (e.actor_id, e.action)
        for e in db.exec(select(AuditEvent).where(AuditEvent.object_type == "family_plan"))
    }
    assert {
        (family.parent.id, "view_plan_decision"),
        (family.parent.id, "plan_present"),
        (family.practitioner.id, "view_plan_decision"),
        (family.practitioner.id, "plan_decision"),
    } <= actions


def test_the_decision_page_is_fully_translatable(
    bracketed,  # noqa: F811
    make_client,
    db,
    family,
):
    plan = make_plan(db, family)
    present(signed_in(make_client, family.parent), db, family)
    action = action_of(db, plan)
    worker = signed_in(make_client, family.practitioner)
    form = decision_form(worker, family)
    worker.submit(
        base(family) + "/decision",
        {
            **form,
            "choice": "not_all",
            "not_agreed": f"action:{action.id}",
            f"reason_action_{action.id}": "Nan works late",
        },
    )
    row = request_of(db, plan)
    worker.submit(
        f"{base(family)}/requests/{row.id}/answer",
        {"answer": "not_agreed", "reason": "Club is full", "version": row.version},
    )
    db.expire_all()
    for user in (family.practitioner, family.parent):
        db.refresh(user)
        user.locale = "eo"
        db.add(user)
    db.commit()
    typed = {
        family.family.name,
        "Amir",
        "Parent",
        "Young person",
        family.practitioner.display_name,
        "Amir stays at home with his mum",
        "Amir feels safe at home",
        "Nan picks Amir up from school every day",
        "every day",
        "Mum calls Nan",
        "A place at the after-school club",
        "School",
        "Nan works late",
        "Club is full",
        "testclient",
    }
    for user in (family.practitioner, family.parent):
        browser = signed_in(make_client, user)
        response = browser.get(base(family) + "/decision")
        assert response.status_code == 200
        assert untranslated(response.text, typed) == []
