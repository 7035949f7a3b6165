"""The family plan over HTTP: who may see and change it, private family time (423 for
practitioners, the family writes), forms that keep what was typed, stale edits, findings
about actions, the live fragment, the history and agreeing (and again after a change)."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from fgdm.accounts.models import StaffRole
from fgdm.audit.models import AuditEvent
from fgdm.families import service as families_service
from fgdm.meetings.models import Meeting, MeetingPart
from fgdm.network import service as network_service
from fgdm.network.service import PersonInput
from fgdm.plans import service as plans_service
from fgdm.plans.models import FamilyPlan, FamilyPlanAgreement, PlanAction, PlanGoal
from tests.factories import (
    PASSPHRASE,
    actor_for,
    make_family,
    make_user,
    reads_of,
    statements_run,
)

PAGES = [
    "",
    "/history",
    "/agree",
    "/goals/new",
    "/actions/new",
    "/requests/new",
    "/words/what_we_want",
    "/words/review_date",
]


@pytest.fixture
def family(db, settings):
    return make_family(db, settings)


def signed_in(make_client, user):
    browser = make_client()
    browser.sign_in(user.login, PASSPHRASE)
    return browser


def soup(response):
    return BeautifulSoup(response.text, "html.parser")


def person(db, settings, family, name):
    access = families_service.get_access(db, user=family.practitioner, family_group_id=family.id)
    made = network_service.add_person(
        db,
        actor=actor_for(settings, family.practitioner),
        access=access,
        data=PersonInput(known_as=name, kind="family"),
    )
    db.commit()
    return made


def base(family):
    return f"/families/{family.id}/plan"


def add_action(browser, family, what="Nan takes Amir to school", **fields):
    return browser.submit(base(family) + "/actions", {"what": what, **fields})


def actions(db):
    db.expire_all()
    return list(db.exec(select(PlanAction).order_by(PlanAction.id)))


def start_family_time(db, family):
    db.add(Meeting(family_group_id=family.id, part=MeetingPart.private_family_time))
    db.commit()


def test_someone_from_another_family_gets_not_found(make_client, db, settings):
    ours = make_family(db, settings)
    theirs = make_family(db, settings, name="Other family")
    other = signed_in(make_client, theirs.parent)
    for page in PAGES:
        assert other.get(base(ours) + page).status_code == 404, page
    mum = signed_in(make_client, ours.parent)
    add_action(mum, ours)
    action = actions(db)[0]
    assert other.get(f"{base(ours)}/actions/{action.id}").status_code == 404
    response = other.submit(f"{base(ours)}/actions/{action.id}", {"what": "x", "version": "1"})
    assert response.status_code == 404
    assert actions(db)[0].what == "Nan takes Amir to school"


def test_everyone_in_the_group_reads_every_page_and_each_read_is_audited(
    make_client, db, settings, family
):
    manager = make_user(db, settings, role=StaffRole.manager)
    for user in (family.parent, family.young_person, family.practitioner, manager):
        browser = signed_in(make_client, user)
        for page in PAGES:
            db.expire_all()
            before = len(
                db.exec(
                    select(AuditEvent).where(
                        AuditEvent.object_type == "family_plan", AuditEvent.actor_id == user.id
                    )
                ).all()
            )
            assert browser.get(base(family) + page).status_code == 200, (user.login, page)
            db.expire_all()
            after = len(
                db.exec(
                    select(AuditEvent).where(
                        AuditEvent.object_type == "family_plan", AuditEvent.actor_id == user.id
                    )
                ).all()
            )
            assert after == before + 1, (user.login, page)


def test_a_manager_cannot_change_the_plan(make_client, db, settings, family):
    manager = signed_in(make_client, make_user(db, settings, role=StaffRole.manager))
    assert add_action(manager, family).status_code == 403
    assert manager.submit(base(family) + "/goals", {"text": "x"}).status_code == 403
    assert actions(db) == []


def test_a_young_person_reads_but_cannot_change_the_plan(make_client, db, family):
    young = signed_in(make_client, family.young_person)
    assert add_action(young, family).status_code == 403
    assert actions(db) == []
    page = soup(young.get(base(family)))
    assert page.select_one(f'a[href="{base(family)}/actions/new"]') is None


def test_an_action_with_nobody_is_shown_as_a_finding_with_a_link(make_client, db, family):
    mum = signed_in(make_client, family.parent)
    assert add_action(mum, family).status_code == 303
    action = actions(db)[0]
    page = soup(mum.get(base(family)))
    finding = page.select_one(".finding")
    assert "Nobody is named to do this" in finding.get_text()
    assert finding.select_one(f'a[href="#action-{action.id}"]') is not None
    card = page.select_one(f"#action-{action.id}")
    assert card.select_one(".plan-action__who").get_text(strip=True) == "Nobody yet"


def test_the_action_with_people_shows_them_and_no_finding(make_client, db, settings, family):
    nan = person(db, settings, family, "Nan")
    mum = signed_in(make_client, family.parent)
    add_action(mum, family, who=str(nan.id), by_when="every Monday", how_we_know="Amir says")
    page = soup(mum.get(base(family)))
    assert page.select_one(".plan-action__who").get_text(strip=True) == "Nan"
    assert page.select_one(".finding") is None


def test_the_plan_page_reads_the_plan_its_goals_and_actions_once(
    make_client, app, db, settings, family
):
    """The plan page shows each action with its goal and who does it, and the findings
    about the actions, from one reading of each (the gap analysis checks the actions the
    page has just read: each read is a round trip to the database)."""
    nan = person(db, settings, family, "Nan")
    mum = signed_in(make_client, family.parent)
    mum.submit(base(family) + "/goals", {"text": "Amir gets to school on time"})
    goal = db.exec(select(PlanGoal)).one()
    add_action(mum, family, who=str(nan.id), goal_id=str(goal.id))
    add_action(mum, family, what="Someone fixes the boiler")
    with statements_run(app.state.engine) as statements:
        page = soup(mum.get(base(family)))

    cards = page.select(".plan-action")
    assert [c.select_one(".plan-action__who").get_text(strip=True) for c in cards] == [
        "Nan",
        "Nobody yet",
    ]
    assert "Amir gets to school on time" in cards[0].get_text()
    assert "Nobody is named to do this" in page.select_one(".finding").get_text()
    for table in ("family_plan", "plan_goal", "plan_action"):
        assert len(reads_of(statements, table)) == 1, table


def test_the_action_finding_is_beside_the_network_gaps(make_client, db, family):
    mum = signed_in(make_client, family.parent)
    add_action(mum, family, what="Someone fixes the boiler")
    action = actions(db)[0]
    page = soup(mum.get(f"/families/{family.id}/network"))
    assert "Someone fixes the boiler" in page.get_text()
    assert page.select_one(f'a[href="{base(family)}#action-{action.id}"]') is not None


def test_a_bad_action_is_shown_again_with_messages_and_what_was_typed(
    make_client, db, settings, family
):
    nan = person(db, settings, family, "Nan")
    mum = signed_in(make_client, family.parent)
    response = add_action(
        mum, family, what=" ", by_when="every Friday", who=str(nan.id), due_date="not a date"
    )
    assert response.status_code == 422
    page = soup(response)
    assert page.select_one("#what-error").get_text(strip=True).endswith("Write what will be done.")
    assert page.select_one("#due_date-error") is not None
    assert page.select_one(".error-summary a[href='#what']") is not None
    assert page.select_one("#by_when")["value"] == "every Friday"
    assert page.select_one("#who").has_attr("checked")
    assert actions(db) == []


def test_a_stale_action_gets_the_conflict_page_with_both_versions(make_client, db, family):
    mum = signed_in(make_client, family.parent)
    worker = signed_in(make_client, family.practitioner)
    add_action(mum, family)
    action = actions(db)[0]
    url = f"{base(family)}/actions/{action.id}"
    assert worker.submit(url, {"what": "Nan collects", "version": "1"}).status_code == 303
    response = mum.submit(url, {"what": "Mum's words", "version": "1"})
    assert response.status_code == 409
    cells = [td.get_text(strip=True) for td in soup(response).select("table td")]
    assert "Mum's words" in cells and "Nan collects" in cells
    assert actions(db)[0].what == "Nan collects"


def test_two_new_actions_saved_at_the_same_moment_the_second_gets_the_conflict_page(
    make_client, db, family, monkeypatch
):
    mum = signed_in(make_client, family.parent)
    add_action(mum, family, what="First")
    real_save = plans_service.save_revision

    def clashing(session, **kwargs):
        # What the database says when another save took the plan's next revision number
        # between this one's read and its write.
        real_save(session, **kwargs)
        raise IntegrityError("INSERT INTO family_plan_revision", {}, Exception("unique"))

    monkeypatch.setattr(plans_service, "save_revision", clashing)
    response = add_action(mum, family, what="Second")

    assert response.status_code == 409
    heading = soup(response).select_one("h1").get_text(strip=True)
    assert heading == "Someone else changed this while you were working"
    assert mum.get(base(family)).status_code == 200
    assert [a.what for a in actions(db)] == ["First"]


def test_during_private_family_time_a_practitioner_gets_423_and_the_family_writes(
    make_client, db, family
):
    start_family_time(db, family)
    worker = signed_in(make_client, family.practitioner)
    response = add_action(worker, family)
    assert response.status_code == 423
    assert actions(db) == []
    page = soup(worker.get(base(family)))
    assert page.select_one(f'a[href="{base(family)}/actions/new"]') is None
    mum = signed_in(make_client, family.parent)
    assert add_action(mum, family).status_code == 303
    assert len(actions(db)) == 1
    live = soup(mum.get(base(family))).select_one("#plan-live")
    assert live["hx-trigger"] == "every 2s"


def test_the_live_fragment_answers_204_until_the_plan_changes(make_client, db, family):
    start_family_time(db, family)
    mum = signed_in(make_client, family.parent)
    add_action(mum, family)
    headers = {"HX-Request": "true"}
    assert mum.get(base(family) + "/live?revision=1", headers=headers).status_code == 204
    add_action(mum, family, what="Call the school")
    response = mum.get(base(family) + "/live?revision=1", headers=headers)
    assert response.status_code == 200
    page = soup(response)
    assert page.select_one("h1") is None  # only the plan block
    assert len(page.select(".plan-action")) == 2
    assert page.select_one("#plan-live")["hx-get"].endswith("revision=2")


def test_different_sections_at_once_are_both_kept_the_same_one_conflicts(make_client, db, family):
    mum = signed_in(make_client, family.parent)
    dad = signed_in(make_client, family.parent)
    url = base(family) + "/words/"
    assert mum.submit(url + "what_we_want", {"what_we_want": "Safe", "was": ""}).status_code == 303
    response = dad.submit(url + "people_to_call", {"people_to_call": "Nan", "was": ""})
    assert response.status_code == 303
    response = dad.submit(url + "what_we_want", {"what_we_want": "Happy", "was": ""})
    assert response.status_code == 409
    db.expire_all()
    plan = db.exec(select(FamilyPlan)).one()
    assert (plan.what_we_want, plan.people_to_call) == ("Safe", "Nan")


def test_a_bad_review_date_is_refused_beside_the_field(make_client, db, family):
    mum = signed_in(make_client, family.parent)
    response = mum.submit(base(family) + "/words/review_date", {"review_date": "32/13", "was": ""})
    assert response.status_code == 422
    assert soup(response).select_one("#review_date-error") is not None
    assert soup(response).select_one("#review_date")["value"] == "32/13"
    db.expire_all()
    assert db.exec(select(FamilyPlan)).first() is None


def test_goals_are_added_moved_and_removed(make_client, db, family):
    mum = signed_in(make_client, family.parent)
    mum.submit(base(family) + "/goals", {"text": "One"})
    mum.submit(base(family) + "/goals", {"text": "Two"})
    db.expire_all()
    first = db.exec(select(PlanGoal).where(PlanGoal.text == "One")).one()
    mum.submit(f"{base(family)}/goals/{first.id}/move", {"version": "1", "direction": "down"})
    page = soup(mum.get(base(family)))
    assert [g.get_text(strip=True)[:3] for g in page.select(".plan-goal .plan-text")] == [
        "Two",
        "One",
    ]
    db.expire_all()
    first = db.get(PlanGoal, first.id)
    mum.submit(f"{base(family)}/goals/{first.id}/remove", {"version": str(first.version)})
    page = soup(mum.get(base(family)))
    assert [g.get_text(strip=True) for g in page.select(".plan-goal .plan-text")] == ["Two"]


def test_a_request_shows_its_answer_read_only(make_client, db, family):
    mum = signed_in(make_client, family.parent)
    mum.submit(base(family) + "/requests", {"what_we_ask": "Help with rent", "of_whom": "Housing"})
    page = soup(mum.get(base(family)))
    card = page.select_one(".plan-request-card")
    assert "Waiting for an answer" in card.get_text()
    request_page = soup(mum.get(card.select_one("a")["href"]))
    assert request_page.select_one("[name=answer]") is None


def test_agreeing_then_agreeing_again_after_a_change(make_client, db, family):
    mum = signed_in(make_client, family.parent)
    worker = signed_in(make_client, family.practitioner)
    add_action(mum, family)
    response = mum.submit(
        base(family) + "/agree", {"revision": "1", "name_given": "Sam", "agreed": "yes"}
    )
    assert response.status_code == 303
    add_action(worker, family, what="Call the school")
    page = soup(mum.get(base(family)))
    banner = page.select_one(".plan-banner")
    assert "agree again" in banner.get_text()
    assert banner.select_one("a")["href"] == f"{base(family)}/history?since=1"
    stale = mum.submit(
        base(family) + "/agree", {"revision": "1", "name_given": "Sam", "agreed": "yes"}
    )
    assert stale.status_code == 409
    db.expire_all()
    assert len(db.exec(select(FamilyPlanAgreement)).all()) == 1


def test_agreeing_without_a_name_is_refused_beside_the_field(make_client, db, family):
    mum = signed_in(make_client, family.parent)
    add_action(mum, family)
    response = mum.submit(base(family) + "/agree", {"revision": "1", "name_given": " "})
    assert response.status_code == 422
    assert soup(response).select_one("#name_given-error") is not None
    assert soup(response).select_one("#agreed-error") is not None


def test_the_history_shows_words_added_and_taken_out(make_client, db, family):
    mum = signed_in(make_client, family.parent)
    add_action(mum, family, what="Nan takes Amir")
    action = actions(db)[0]
    mum.submit(
        f"{base(family)}/actions/{action.id}", {"what": "Nan takes Amir to school", "version": "1"}
    )
    page = soup(mum.get(base(family) + "/history?since=1"))
    assert [ins.get_text(" ", strip=True) for ins in page.select("#version-2 ins")] == [
        "added: to school"
    ]
    assert page.select_one(".plan-since") is not None
