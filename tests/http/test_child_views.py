"""The child's voice over HTTP: recording a view (words, a cleaned drawing, how, where, who
heard it), "you said — we did" answers (why required when the decision differs), views
kept to practitioners invisible to the rest of the family, the child's own page, and the
usual refusals: the wrong family group 404, a manager's write 403, a stale version 409."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from fgdm.accounts.models import StaffRole
from fgdm.meetings.models import Meeting
from fgdm.network.models import Person
from fgdm.plans.models import FamilyPlan, PlanGoal
from fgdm.stories.models import Story
from fgdm.voice.models import ChildView, ChildViewLink, ThreeHouses
from tests.factories import make_family, make_user
from tests.http.test_voice import signed_in, soup
from tests.unit.test_images import gps_photo


@pytest.fixture
def family(db, settings):
    return make_family(db, settings, children=("Amir", "Bea"))


def child_named(db, family, name):
    return db.exec(
        select(Person).where(Person.family_group_id == family.id, Person.known_as == name)
    ).one()


@pytest.fixture
def amir(db, family):
    return child_named(db, family, "Amir")


@pytest.fixture
def own_account(db, family, amir):
    """The young person's sign-in is Amir's own (said on the three houses page)."""
    db.add(
        ThreeHouses(
            family_group_id=family.id, child_id=amir.id, own_account_id=family.young_person.id
        )
    )
    db.commit()
    return family.young_person


def views_url(family, child):
    return f"/families/{family.id}/children/{child.id}/views"


def record(browser, family, child, words="I want to live with Nan", photo=None, **fields):
    data = {
        "words": words,
        "how_given": "said_it",
        "where_given": "At school",
        "heard_by": "Sam, the coordinator",
        "given_on": "2026-03-02",
        "shared_with_family": "yes",
        "csrf_token": browser.token(),
    }
    data.update(fields)
    data = {k: v for k, v in data.items() if v is not None}
    files = {"photo": ("drawing.jpg", photo, "image/jpeg")} if photo is not None else None
    return browser.post(views_url(family, child), data=data, files=files)


def views(db):
    db.expire_all()
    return list(db.exec(select(ChildView).order_by(col(ChildView.id))))


def answers(db):
    db.expire_all()
    return list(db.exec(select(ChildViewLink).order_by(col(ChildViewLink.id))))


def answer(browser, family, view, **fields):
    data = {"touched": "", "decision": "Where Amir lives", "we_did": "You will stay with Nan."}
    data.update(fields)
    return browser.submit(f"/families/{family.id}/views/{view.id}/answers", data)


@pytest.fixture
def worker(make_client, family):
    return signed_in(make_client, family.practitioner)


def test_a_practitioner_records_a_view_and_sees_it_with_who_heard_it(worker, db, family, amir):
    made = record(worker, family, amir)
    assert made.status_code == 303
    [view] = views(db)
    assert made.headers["location"] == f"{views_url(family, amir)}#view-{view.id}"
    assert (view.words, view.where_given, view.heard_by) == (
        "I want to live with Nan",
        "At school",
        "Sam, the coordinator",
    )
    assert view.recorded_by_id == family.practitioner.id
    page = soup(worker.get(views_url(family, amir)))
    shown = page.select_one(f"#view-{view.id}")
    assert shown.select_one(".child-view__words").get_text(strip=True) == "I want to live with Nan"
    about = shown.select_one(".child-view__about").get_text(" ", strip=True)
    assert "They said it" in about
    assert "Heard by: Sam, the coordinator" in about
    listed = soup(worker.get(f"/families/{family.id}/views"))
    assert listed.select_one(f"#view-{view.id} .child-view__words")


def test_a_date_in_the_future_is_refused_beside_the_field_keeping_what_was_typed(
    worker, db, family, amir
):
    response = record(worker, family, amir, given_on="2999-01-01")
    assert response.status_code == 422
    page = soup(response)
    assert "The date cannot be in the future." in page.select_one("#given_on-error").get_text()
    summary = [a["href"] for a in page.select(".error-summary a")]
    assert "#given_on" in summary
    assert page.select_one("#where_given")["value"] == "At school"
    assert views(db) == []


def test_words_missing_message_sits_beside_the_words(worker, db, family, amir):
    page = soup(record(worker, family, amir, words=""))
    assert (
        "Write what Amir told us, or add a photo of their drawing."
        in page.select_one("#words-error").get_text()
    )
    assert page.select_one("#words")["aria-invalid"] == "true"
    assert views(db) == []


def test_a_meeting_of_another_family_is_refused(worker, db, settings, family, amir):
    other = make_family(db, settings, name="Other family")
    meeting = Meeting(family_group_id=other.id)
    db.add(meeting)
    db.commit()
    response = record(worker, family, amir, meeting_id=str(meeting.id))
    assert response.status_code == 422
    assert (
        "Choose one of the meetings listed."
        in soup(response).select_one("#meeting_id-error").get_text()
    )
    assert views(db) == []


def test_a_drawing_is_cleaned_and_served_only_with_no_store(worker, make_client, db, family, amir):
    assert record(worker, family, amir, words="", photo=gps_photo()).status_code == 303
    [view] = views(db)
    assert view.drawing_content
    assert b"SecretPhoneMaker" not in view.drawing_content
    assert b"12 Secret Road" not in view.drawing_content
    assert b"Exif" not in view.drawing_content
    page = soup(worker.get(views_url(family, amir)))
    img = page.select_one(f"#view-{view.id} img")
    assert img["alt"] == "A drawing by Amir"
    drawing = worker.get(img["src"])
    assert drawing.status_code == 200
    assert drawing.headers["cache-control"] == "private, no-store"
    assert drawing.content == view.drawing_content


def test_a_file_that_is_not_a_picture_is_refused_beside_the_photo(worker, db, family, amir):
    response = record(worker, family, amir, photo=b"%PDF-1.4 not a picture")
    assert response.status_code == 422
    assert "not a photo" in soup(response).select_one("#photo-error").get_text()
    assert views(db) == []


def test_a_private_view_is_invisible_to_a_parent_but_not_to_the_child_or_practitioners(
    worker, make_client, db, family, amir, own_account
):
    record(
        worker,
        family,
        amir,
        words="Kept to practitioners",
        photo=gps_photo(),
        shared_with_family=None,
    )
    record(worker, family, amir, words="Everyone may see this")
    private, shared = views(db)
    assert private.shared_with_family is False
    mum = signed_in(make_client, family.parent)
    for url in (
        f"/families/{family.id}/views/{private.id}",
        f"/families/{family.id}/views/{private.id}/drawing",
    ):
        response = mum.get(url)
        assert response.status_code == 404, url
        assert "Kept to practitioners" not in response.text
    for url in (
        f"/families/{family.id}/views",
        views_url(family, amir),
        f"/families/{family.id}/children/{amir.id}",
    ):
        page = mum.get(url)
        assert page.status_code == 200
        assert page.text.count("Kept to practitioners") == 0, url
        assert soup(page).select_one(f"#view-{shared.id}"), url
    assert mum.get(f"/families/{family.id}/views/{shared.id}").status_code == 200
    audit = soup(mum.get(f"/families/{family.id}/audit")).get_text(" ", strip=True)
    # Only the shared view's recording shows; the private one leaves no trace.
    assert audit.count("added something to what the children have said") == 1

    amir_phone = signed_in(make_client, own_account)
    mine = soup(amir_phone.get(f"/families/{family.id}/children/{amir.id}"))
    assert mine.select_one("h1").get_text(strip=True) == "Your page"
    assert mine.select_one(f"#view-{private.id} .child-view__words").get_text(strip=True) == (
        "Kept to practitioners"
    )
    assert amir_phone.get(f"/families/{family.id}/views/{private.id}/drawing").status_code == 200
    seen = soup(worker.get(f"/families/{family.id}/views"))
    assert seen.select_one(f"#view-{private.id} .tag--private")
    worker_audit = soup(worker.get(f"/families/{family.id}/audit")).get_text(" ", strip=True)
    assert worker_audit.count("added something to what the children have said") == 2


def test_the_childs_own_sign_in_records_their_own_view_but_not_a_siblings(
    make_client, db, family, amir, own_account
):
    amir_phone = signed_in(make_client, own_account)
    assert record(amir_phone, family, amir, words="My own words").status_code == 303
    bea = child_named(db, family, "Bea")
    assert record(amir_phone, family, bea, words="For Bea").status_code == 403
    assert [v.words for v in views(db)] == ["My own words"]


def test_a_parent_cannot_record_or_change_a_view(worker, make_client, db, family, amir):
    record(worker, family, amir)
    [view] = views(db)
    mum = signed_in(make_client, family.parent)
    assert record(mum, family, amir, words="Mum's words").status_code == 403
    changed = mum.submit(
        f"/families/{family.id}/views/{view.id}",
        {"version": str(view.version), "words": "Changed", "how_given": "said_it"},
    )
    assert changed.status_code == 403
    assert [v.words for v in views(db)] == ["I want to live with Nan"]
    page = soup(mum.get(views_url(family, amir)))
    assert page.select_one("form.view-form") is None


def test_a_team_manager_reads_shared_views_but_cannot_write(
    worker, make_client, db, settings, family, amir
):
    record(worker, family, amir)
    record(worker, family, amir, words="Private", shared_with_family=None)
    shared, private = views(db)
    boss = signed_in(make_client, make_user(db, settings, role=StaffRole.manager, team="Team A"))
    listed = boss.get(f"/families/{family.id}/views")
    assert listed.status_code == 200
    assert "Private" not in soup(listed).select_one("main").get_text()
    assert record(boss, family, amir, words="Manager").status_code == 403
    assert answer(boss, family, shared).status_code == 403
    assert boss.get(f"/families/{family.id}/views/{private.id}").status_code == 404
    assert len(views(db)) == 2
    assert answers(db) == []


def test_someone_outside_the_family_group_gets_not_found(
    worker, make_client, db, settings, family, amir
):
    record(worker, family, amir)
    [view] = views(db)
    other = make_family(db, settings, name="Other family", team="Team B")
    stranger = signed_in(make_client, other.practitioner)
    for url in (
        f"/families/{family.id}/views",
        views_url(family, amir),
        f"/families/{family.id}/views/{view.id}",
        f"/families/{family.id}/children/{amir.id}",
    ):
        assert stranger.get(url).status_code == 404, url
    assert record(stranger, family, amir, words="Stranger").status_code == 404
    # A child of another family group through one's own family group's address: 404 too.
    theirs = child_named(db, other, "Amir")
    assert worker.get(views_url(family, theirs)).status_code == 404
    assert len(views(db)) == 1


def test_a_stale_change_of_a_view_gets_the_conflict_page(worker, db, family, amir):
    record(worker, family, amir)
    [view] = views(db)
    first = worker.submit(
        f"/families/{family.id}/views/{view.id}",
        {
            "version": "1",
            "words": "First change",
            "how_given": "said_it",
            "shared_with_family": "yes",
        },
    )
    assert first.status_code == 303
    second = worker.submit(
        f"/families/{family.id}/views/{view.id}",
        {"version": "1", "words": "Second change", "how_given": "said_it"},
    )
    assert second.status_code == 409
    assert [v.words for v in views(db)] == ["First change"]


def test_you_said_we_did_needs_why_when_the_decision_differs(worker, db, family, amir):
    record(worker, family, amir)
    [view] = views(db)
    refused = answer(worker, family, view, differs_from_wish="yes", why_different="")
    assert refused.status_code == 422
    page = soup(refused)
    assert (
        "Say why the decision is different from what Amir wanted."
        in page.select_one("#new-why_different-error").get_text()
    )
    assert page.select_one("#new-we_did").get_text() == "You will stay with Nan."
    assert page.select_one("#new-differs_from_wish").has_attr("checked")
    assert answers(db) == []
    made = answer(
        worker, family, view, differs_from_wish="yes", why_different="Nan's flat is too small."
    )
    assert made.status_code == 303
    [link] = answers(db)
    assert (link.differs_from_wish, link.why_different) == (True, "Nan's flat is too small.")
    assert link.answered_by_id == family.practitioner.id


def test_an_answer_needs_we_did_and_what_it_touched(worker, db, family, amir):
    record(worker, family, amir)
    [view] = views(db)
    page = soup(answer(worker, family, view, decision="", we_did="", touched="goal:99"))
    assert page.select_one("#new-touched-error")
    assert page.select_one("#new-we_did-error")
    assert answers(db) == []


def test_an_answer_linked_to_a_plan_goal_shows_under_the_view_for_the_child(
    worker, make_client, db, family, amir, own_account
):
    plan = FamilyPlan(family_group_id=family.id)
    db.add(plan)
    db.commit()
    goal = PlanGoal(plan_id=plan.id, text="Amir sees Nan every weekend")
    db.add(goal)
    db.commit()
    record(worker, family, amir)
    [view] = views(db)
    form = soup(worker.get(f"/families/{family.id}/views/{view.id}"))
    options = [o["value"] for o in form.select("#new-touched option")]
    assert f"goal:{goal.id}" in options
    assert answer(worker, family, view, touched=f"goal:{goal.id}", decision="").status_code == 303
    amir_phone = signed_in(make_client, own_account)
    shown = soup(amir_phone.get(f"/families/{family.id}/children/{amir.id}"))
    item = shown.select_one(f"#view-{view.id}")
    assert item.select_one(".child-view__title").get_text(" ", strip=True).startswith("You said")
    assert item.select_one(".you-said__we-did").get_text(" ", strip=True) == (
        "We did You will stay with Nan."
    )
    assert "Amir sees Nan every weekend" in item.select_one(".you-said__touched").get_text()
    assert item.select_one(".you-said__why") is None


def test_only_practitioners_answer(make_client, worker, db, family, amir, own_account):
    record(worker, family, amir)
    [view] = views(db)
    amir_phone = signed_in(make_client, own_account)
    assert answer(amir_phone, family, view).status_code == 403
    mum = signed_in(make_client, family.parent)
    assert answer(mum, family, view).status_code == 403
    assert answers(db) == []


def test_a_stale_answer_change_gets_the_conflict_page(worker, db, family, amir):
    record(worker, family, amir)
    [view] = views(db)
    answer(worker, family, view)
    [link] = answers(db)
    url = f"/families/{family.id}/views/{view.id}/answers/{link.id}"
    fields = {"decision": "Where Amir lives", "version": "1"}
    assert worker.submit(url, {**fields, "we_did": "Changed once."}).status_code == 303
    assert worker.submit(url, {**fields, "we_did": "Changed twice."}).status_code == 409
    assert [a.we_did for a in answers(db)] == ["Changed once."]


def test_the_childs_page_links_their_stories_plan_and_houses(worker, make_client, db, family, amir):
    story = Story(family_group_id=family.id, child_id=amir.id, title="Why Amir is at Nan's")
    db.add(story)
    db.commit()
    page = soup(worker.get(f"/families/{family.id}/children/{amir.id}"))
    assert page.select_one("h1").get_text(strip=True) == "Amir's page"
    hrefs = [a["href"] for a in page.select(".my-page__links a")]
    assert f"/families/{family.id}/stories/{story.id}/read" in hrefs
    assert f"/families/{family.id}/plan/children" in hrefs
    assert f"/families/{family.id}/three-houses/{amir.id}" in hrefs
    mum = signed_in(make_client, family.parent)
    theirs = [
        a["href"]
        for a in soup(mum.get(f"/families/{family.id}/children/{amir.id}")).select(
            ".my-page__links a"
        )
    ]
    assert f"/families/{family.id}/three-houses/{amir.id}" not in theirs
    assert f"/families/{family.id}/stories/{story.id}/read" in theirs
