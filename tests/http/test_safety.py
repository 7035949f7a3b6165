"""The Signs of Safety pages over HTTP: the mapping's three columns, items kept to
practitioners, danger statements with the plain-words check, scaling, and who may do what."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlmodel import select

from fgdm.accounts.models import StaffRole
from fgdm.audit.models import AuditEvent
from fgdm.safety.models import DangerStatement, MappingItem, SafetyGoal, ScalingScore
from tests.factories import PASSPHRASE, make_family, make_user
from tests.http.test_every_string_translatable import bracketed, untranslated  # noqa: F401

SECRET = "Dad was seen shouting at the school gate"


@pytest.fixture
def family(db, settings):
    return make_family(db, settings)


def signed_in(make_client, user):
    browser = make_client()
    browser.sign_in(user.login, PASSPHRASE)
    return browser


def add_item(browser, family_id, text, column="worried", kind="past_harm", share=False, **kw):
    data = {"column": column, "kind": kind, "text": text}
    if share:
        data["share"] = "yes"
    return browser.submit(f"/families/{family_id}/mapping/items", data, **kw)


def soup(response):
    return BeautifulSoup(response.text, "html.parser")


def column_texts(response, column):
    return [
        p.get_text(strip=True)
        for p in soup(response).select(f".mapping__column--{column} .mapping-item .safety-text")
    ]


def item_id(db, text):
    db.expire_all()
    return db.exec(select(MappingItem.id).where(MappingItem.text == text)).one()


def test_the_mapping_page_has_three_columns_with_plain_questions(make_client, family):
    mum = signed_in(make_client, family.parent)
    page = soup(mum.get(f"/families/{family.id}/mapping"))
    headings = [h.get_text(strip=True) for h in page.select(".mapping__column h2")]
    assert headings == [
        "What are we worried about?",
        "What's working well?",
        "What needs to happen?",
    ]


def test_a_parent_adds_an_item_and_it_shows_who_wrote_it(make_client, db, family):
    mum = signed_in(make_client, family.parent)
    response = add_item(
        mum, family.id, "Nan takes the children to school", "working_well", "strength"
    )
    assert response.status_code == 303
    page = mum.get(f"/families/{family.id}/mapping")
    assert column_texts(page, "working_well") == ["Nan takes the children to school"]
    card = soup(page).select_one(".mapping__column--working_well .mapping-item")
    assert family.parent.display_name in card.select_one(".hint").get_text()
    item = db.get(MappingItem, item_id(db, "Nan takes the children to school"))
    assert item.shared_with_family is True
    assert item.author_id == family.parent.id


def test_a_family_member_cannot_keep_their_item_from_the_family(make_client, db, family):
    young = signed_in(make_client, family.young_person)
    add_item(young, family.id, "I like my football club", "working_well", "strength")
    item = db.get(MappingItem, item_id(db, "I like my football club"))
    assert item.shared_with_family is True
    mum = signed_in(make_client, family.parent)
    page = mum.get(f"/families/{family.id}/mapping")
    assert column_texts(page, "working_well") == ["I like my football club"]


def test_a_bad_item_keeps_what_was_typed_and_shows_the_message_beside_the_field(
    make_client, db, family
):
    mum = signed_in(make_client, family.parent)
    response = add_item(mum, family.id, "x" * 2001, "needs_to_happen", "past_harm")
    assert response.status_code == 422
    page = soup(response)
    assert page.select_one(".error-summary a[href='#needs_to_happen-kind']")
    assert page.select_one("#needs_to_happen-kind-error")
    assert page.select_one("#needs_to_happen-text-error")
    assert page.select_one("#needs_to_happen-text").get_text() == "x" * 2001
    assert db.exec(select(MappingItem)).all() == []


def test_practitioner_only_item_never_reaches_family_members(make_client, db, family):
    worker = signed_in(make_client, family.practitioner)
    add_item(worker, family.id, SECRET)
    secret_id = item_id(db, SECRET)
    assert column_texts(worker.get(f"/families/{family.id}/mapping"), "worried") == [SECRET]
    for member in (family.parent, family.young_person):
        browser = signed_in(make_client, member)
        for url in (
            f"/families/{family.id}/mapping",
            f"/families/{family.id}/mapping/items/{secret_id}",
            f"/families/{family.id}/scaling",
        ):
            for headers in (None, {"HX-Request": "true"}):
                response = browser.get(url, headers=headers)
                assert SECRET not in response.text, url
        assert browser.get(f"/families/{family.id}/mapping/items/{secret_id}").status_code == 404
        refused = browser.submit(
            f"/families/{family.id}/mapping/items/{secret_id}",
            {"version": "1", "kind": "past_harm", "text": "changed"},
        )
        assert refused.status_code == 404
        assert SECRET not in refused.text
    db.expire_all()
    assert db.get(MappingItem, secret_id).text == SECRET


def test_sharing_an_item_after_talking_it_through_shows_it_to_the_family(make_client, db, family):
    worker = signed_in(make_client, family.practitioner)
    add_item(worker, family.id, SECRET)
    secret_id = item_id(db, SECRET)
    page = soup(worker.get(f"/families/{family.id}/mapping"))
    assert page.select_one(".mapping-item .tag--private")
    response = worker.submit(
        f"/families/{family.id}/mapping/items/{secret_id}",
        {"version": "1", "kind": "past_harm", "text": SECRET, "share": "yes"},
    )
    assert response.status_code == 303
    mum = signed_in(make_client, family.parent)
    assert column_texts(mum.get(f"/families/{family.id}/mapping"), "worried") == [SECRET]


def test_only_the_author_or_a_practitioner_can_change_an_item(make_client, db, family):
    young = signed_in(make_client, family.young_person)
    add_item(young, family.id, "Mum shouts sometimes", "worried", "complicating_factor")
    the_id = item_id(db, "Mum shouts sometimes")
    mum = signed_in(make_client, family.parent)
    page = soup(mum.get(f"/families/{family.id}/mapping"))
    assert not page.select(f"a[href$='/mapping/items/{the_id}']")
    refused = mum.submit(f"/families/{family.id}/mapping/items/{the_id}/remove", {"version": "1"})
    assert refused.status_code == 403
    worker = signed_in(make_client, family.practitioner)
    removed = worker.submit(
        f"/families/{family.id}/mapping/items/{the_id}/remove", {"version": "1"}
    )
    assert removed.status_code == 303
    db.expire_all()
    assert db.get(MappingItem, the_id) is None


def test_stale_edit_of_an_item_shows_the_conflict_page_and_saves_nothing(make_client, db, family):
    mum = signed_in(make_client, family.parent)
    add_item(mum, family.id, "We go to the park on Sundays", "working_well", "strength")
    the_id = item_id(db, "We go to the park on Sundays")
    url = f"/families/{family.id}/mapping/items/{the_id}"
    first = mum.submit(url, {"version": "1", "kind": "strength", "text": "Park on Sundays"})
    assert first.status_code == 303
    stale = mum.submit(url, {"version": "1", "kind": "strength", "text": "Park every day"})
    assert stale.status_code == 409
    db.expire_all()
    assert db.get(MappingItem, the_id).text == "Park on Sundays"


def test_a_manager_reads_the_mapping_but_cannot_change_it(make_client, db, settings, family):
    manager = make_user(db, settings, role=StaffRole.manager)
    boss = signed_in(make_client, manager)
    page = boss.get(f"/families/{family.id}/mapping")
    assert page.status_code == 200
    assert not soup(page).select("form[action$='/mapping/items']")
    refused = add_item(boss, family.id, "A manager's note")
    assert refused.status_code == 403
    assert db.exec(select(MappingItem)).all() == []


def test_someone_from_another_family_gets_not_found(make_client, db, settings, family):
    other = make_family(db, settings, name="Another family")
    stranger = signed_in(make_client, other.parent)
    for url in (f"/families/{family.id}/mapping", f"/families/{family.id}/scaling"):
        assert stranger.get(url).status_code == 404


def test_a_danger_statement_with_jargon_is_saved_with_a_warning_beside_the_field(
    make_client, db, family
):
    worker = signed_in(make_client, family.practitioner)
    response = worker.submit(
        f"/families/{family.id}/mapping/danger-statements",
        {"text": "Neglect and substance misuse are risk factors."},
        follow_redirects=True,
    )
    assert response.status_code == 200
    page = soup(response)
    warning = page.select_one("#text-warning").get_text(" ", strip=True)
    assert "neglect" in warning
    assert "substance misuse" in warning
    assert "risk factors" in warning
    assert "what the adult does" in warning
    assert "text-warning" in page.select_one("textarea#text")["aria-describedby"]
    db.expire_all()
    assert db.exec(select(DangerStatement.text)).all() == [
        "Neglect and substance misuse are risk factors."
    ]


def test_a_plain_danger_statement_shows_on_the_mapping_without_a_warning(make_client, db, family):
    plain = (
        "Social workers are worried that when Dad drinks he hits Mum, and Amir could be "
        "hurt or very scared."
    )
    worker = signed_in(make_client, family.practitioner)
    response = worker.submit(f"/families/{family.id}/mapping/danger-statements", {"text": plain})
    assert response.headers["location"].endswith("#danger-statements")
    mum = signed_in(make_client, family.parent)
    page = soup(mum.get(f"/families/{family.id}/mapping"))
    assert [
        p.get_text(strip=True) for p in page.select("#danger-statements ~ ul .safety-text")
    ] == [plain]
    assert not page.select(".jargon-warning")


def test_family_members_read_safety_goals_but_cannot_write_them(make_client, db, family):
    mum = signed_in(make_client, family.parent)
    refused = mum.submit(f"/families/{family.id}/mapping/safety-goals", {"text": "A goal"})
    assert refused.status_code == 403
    page = soup(mum.get(f"/families/{family.id}/mapping"))
    assert not page.select("form[action$='/mapping/safety-goals']")


def test_a_scaling_score_is_saved_and_drawn_on_the_persons_chart(make_client, db, family):
    mum = signed_in(make_client, family.parent)
    page = soup(mum.get(f"/families/{family.id}/scaling"))
    meaning = page.select_one("#scale-meaning").get_text(" ", strip=True)
    assert "cannot stay where they are" in meaning
    assert "close the case" in meaning
    for score in ("4", "6"):
        response = mum.submit(
            f"/families/{family.id}/scaling",
            {
                "scorer": f"user:{family.parent.id}",
                "score": score,
                "why": "Nan helps every day",
                "one_point_higher": "Dad goes to his group",
            },
        )
        assert response.status_code == 303
    page = soup(mum.get(f"/families/{family.id}/scaling"))
    chart = page.select_one("svg.scale-chart[role=img]")
    assert family.parent.display_name in chart.select_one("title").get_text()
    desc = chart.select_one("desc").get_text()
    assert "4 out of 10" in desc and "6 out of 10" in desc
    assert len(chart.select("circle")) == 2
    db.expire_all()
    assert sorted(s.score for s in db.exec(select(ScalingScore)).all()) == [4, 6]


@pytest.mark.parametrize("score", ["11", "-1", "5.5", "five", "", "٣"])
def test_a_score_must_be_a_whole_number_from_0_to_10(make_client, db, family, score):
    mum = signed_in(make_client, family.parent)
    response = mum.submit(
        f"/families/{family.id}/scaling",
        {"scorer": f"user:{family.parent.id}", "score": score, "why": "Because"},
    )
    assert response.status_code == 422
    page = soup(response)
    assert page.select_one("#score-error")
    assert page.select_one("input#score")["value"] == score
    assert page.select_one("textarea#why").get_text() == "Because"
    assert db.exec(select(ScalingScore)).all() == []


def test_a_score_for_someone_outside_the_family_is_refused(make_client, db, settings, family):
    other = make_family(db, settings, name="Another family")
    mum = signed_in(make_client, family.parent)
    response = mum.submit(
        f"/families/{family.id}/scaling", {"scorer": f"user:{other.parent.id}", "score": "5"}
    )
    assert response.status_code == 422
    assert soup(response).select_one("#scorer-error")
    assert db.exec(select(ScalingScore)).all() == []


def test_changes_to_the_mapping_are_audited(make_client, db, family):
    mum = signed_in(make_client, family.parent)
    add_item(mum, family.id, "We eat together", "working_well", "strength")
    actions = db.exec(
        select(AuditEvent.action).where(AuditEvent.family_group_id == family.id)
    ).all()
    assert "mapping_item_add" in actions


@pytest.mark.usefixtures("bracketed")
def test_safety_pages_with_items_and_scores_are_fully_translatable(make_client, db, settings):
    setup = make_family(db, settings, name="The Okoro family", children=("Tomi",))
    setup.practitioner.locale = "eo"
    db.add(setup.practitioner)
    db.commit()
    worker = signed_in(make_client, setup.practitioner)
    typed = {"Neglect at home", "Nan helps", "The Okoro family", "Tomi"}
    typed |= {setup.practitioner.display_name, setup.parent.display_name, "Parent"}
    typed |= {"Young person"}
    add_item(worker, setup.id, "Nan helps", "working_well", "strength")
    worker.submit(f"/families/{setup.id}/mapping/danger-statements", {"text": "Neglect at home"})
    worker.submit(
        f"/families/{setup.id}/scaling",
        {"scorer": f"user:{setup.practitioner.id}", "score": "3", "why": "Nan helps"},
    )
    statement_id = db.exec(select(DangerStatement.id)).one()
    for url in (
        f"/families/{setup.id}/mapping",
        f"/families/{setup.id}/mapping/items/{item_id(db, 'Nan helps')}",
        f"/families/{setup.id}/mapping/danger-statements/{statement_id}",
        f"/families/{setup.id}/scaling",
    ):
        response = worker.get(url)
        assert response.status_code == 200
        assert untranslated(response.text, typed) == [], url


def test_a_family_members_refused_change_is_audited_as_refused(make_client, db, family):
    mum = signed_in(make_client, family.parent)
    mum.submit(f"/families/{family.id}/mapping/danger-statements", {"text": "A statement"})
    db.expire_all()
    refused = db.exec(select(AuditEvent).where(AuditEvent.action == "danger_statement_add")).all()
    assert [(e.outcome.value, e.actor_id) for e in refused] == [("refused", family.parent.id)]
    assert db.exec(select(DangerStatement)).all() == []


def test_rewriting_a_statement_in_plain_words_takes_the_warning_away(make_client, db, family):
    worker = signed_in(make_client, family.practitioner)
    worker.submit(f"/families/{family.id}/mapping/safety-goals", {"text": "No toxic trio"})
    goal_id = db.exec(select(SafetyGoal.id)).one()
    url = f"/families/{family.id}/mapping/safety-goals/{goal_id}"
    assert soup(worker.get(url)).select_one("#text-warning")
    response = worker.submit(
        url, {"version": "1", "text": "Nan stays over every night for three months"}
    )
    assert response.status_code == 303
    assert response.headers["location"].endswith("#safety-goals")
    assert not soup(worker.get(url)).select_one("#text-warning")
    stale = worker.submit(url, {"version": "1", "text": "An older edit"})
    assert stale.status_code == 409
    db.expire_all()
    assert db.get(SafetyGoal, goal_id).text == "Nan stays over every night for three months"
    removed = worker.submit(url + "/remove", {"version": "2"})
    assert removed.status_code == 303
    db.expire_all()
    assert db.get(SafetyGoal, goal_id) is None


def test_an_empty_statement_is_refused_beside_its_own_field(make_client, db, family):
    worker = signed_in(make_client, family.practitioner)
    response = worker.submit(f"/families/{family.id}/mapping/danger-statements", {"text": " "})
    assert response.status_code == 422
    page = soup(response)
    assert page.select_one(".error-summary a[href='#danger-text']")
    assert page.select_one("#danger-text-error")
    assert db.exec(select(DangerStatement)).all() == []
