"""The safety plan over HTTP: who may see and change it, forms that keep what was typed,
stale edits, the readable history, agreeing and agreeing again, the children's version
and the printed plan."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlmodel import select

from fgdm.accounts.models import StaffRole
from fgdm.audit.models import AuditEvent
from fgdm.families import service as families_service
from fgdm.network import service as network_service
from fgdm.network.service import PersonInput
from fgdm.safety.models import SafetyNetworkMember, SafetyPlanAgreement, SafetyRule
from tests.factories import (
    PASSPHRASE,
    actor_for,
    make_family,
    make_user,
    reads_of,
    statements_run,
)
from tests.http.test_every_string_translatable import bracketed, untranslated  # noqa: F401

PAGES = [
    "",
    "/rules/new",
    "/network",
    "/if-not-working",
    "/history",
    "/agree",
    "/children",
    "/print",
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
    return f"/families/{family.id}/safety-plan"


def add_rule(browser, family, what="Nan picks the children up from school", **fields):
    data = {"what": what, **fields}
    return browser.submit(base(family) + "/rules", data)


def only_rule(db):
    db.expire_all()
    return db.exec(select(SafetyRule)).one()


def test_someone_from_another_family_gets_not_found_on_every_page(make_client, db, settings):
    ours = make_family(db, settings)
    theirs = make_family(db, settings, name="Other family")
    other = signed_in(make_client, theirs.parent)
    for page in PAGES:
        assert other.get(base(ours) + page).status_code == 404, page
    mum = signed_in(make_client, ours.parent)
    add_rule(mum, ours)
    rule = only_rule(db)
    assert other.get(f"{base(ours)}/rules/{rule.id}").status_code == 404
    response = other.submit(f"{base(ours)}/rules/{rule.id}", {"what": "x", "version": "1"})
    assert response.status_code == 404
    assert only_rule(db).what == "Nan picks the children up from school"


def test_everyone_in_the_family_group_can_read_every_page_and_each_read_is_audited(
    make_client, db, settings, family
):
    manager = make_user(db, settings, role=StaffRole.manager)
    for user in (family.parent, family.young_person, family.practitioner, manager):
        browser = signed_in(make_client, user)
        for page in PAGES:
            before = plan_reads(db, user)
            assert browser.get(base(family) + page).status_code == 200, (user.login, page)
            assert plan_reads(db, user) == before + 1, (user.login, page)


def plan_reads(db, user):
    db.expire_all()
    return len(
        db.exec(
            select(AuditEvent).where(
                AuditEvent.object_type == "safety_plan", AuditEvent.actor_id == user.id
            )
        ).all()
    )


def test_a_young_person_cannot_change_the_plan(make_client, db, family):
    young = signed_in(make_client, family.young_person)
    assert add_rule(young, family).status_code == 403
    response = young.submit(base(family) + "/if-not-working", {"if_not_working": "x"})
    assert response.status_code == 403
    db.expire_all()
    assert db.exec(select(SafetyRule)).all() == []
    page = soup(young.get(base(family)))
    assert page.select_one(f'a[href="{base(family)}/rules/new"]') is None


def test_a_manager_cannot_change_the_plan(make_client, db, settings, family):
    manager = signed_in(make_client, make_user(db, settings, role=StaffRole.manager))
    assert add_rule(manager, family).status_code == 403
    db.expire_all()
    assert db.exec(select(SafetyRule)).all() == []


def test_a_rule_without_words_is_shown_again_with_the_message_and_what_was_typed(
    make_client, db, settings, family
):
    nan = person(db, settings, family, "Nan")
    mum = signed_in(make_client, family.parent)
    response = add_rule(
        mum, family, what="  ", when_happens="Every school day", who=str(nan.id), pictogram="bus"
    )
    assert response.status_code == 422
    page = soup(response)
    assert page.select_one("#what-error").get_text(strip=True).endswith("Write what will happen.")
    assert page.select_one(".error-summary a[href='#what']") is not None
    assert page.select_one("#when_happens").get_text() == "Every school day"
    assert page.select_one("#who")["value"] == str(nan.id)
    assert page.select_one("#who").has_attr("checked")
    assert page.select_one("#pictogram-bus").has_attr("checked")


def test_a_person_from_another_family_is_refused_beside_the_field(
    make_client, db, settings, family
):
    other = make_family(db, settings, name="Other family")
    stranger = person(db, settings, other, "Stranger")
    mum = signed_in(make_client, family.parent)
    response = add_rule(mum, family, who=str(stranger.id))
    assert response.status_code == 422
    assert "grown-ups from this family" in soup(response).select_one("#who-error").get_text()
    db.expire_all()
    assert db.exec(select(SafetyRule)).all() == []


def test_a_stale_rule_gets_the_conflict_page_with_both_versions(make_client, db, family):
    mum = signed_in(make_client, family.parent)
    worker = signed_in(make_client, family.practitioner)
    add_rule(mum, family)
    rule = only_rule(db)
    worker.submit(f"{base(family)}/rules/{rule.id}", {"what": "Nan collects", "version": "1"})
    response = mum.submit(
        f"{base(family)}/rules/{rule.id}", {"what": "Mum's words", "version": "1"}
    )
    assert response.status_code == 409
    cells = [td.get_text(strip=True) for td in soup(response).select("table td")]
    assert cells == ["Mum's words", "Nan collects"]
    assert only_rule(db).what == "Nan collects"


def test_long_sentences_for_the_children_are_saved_with_a_warning(make_client, db, family):
    mum = signed_in(make_client, family.parent)
    words = "Nan will pick you up from school every single day and walk you home."
    response = add_rule(mum, family, child_words=words)
    assert response.status_code == 303
    page = soup(mum.get(response.headers["location"]))
    assert words in page.select_one(".plan-warning").get_text()
    assert only_rule(db).child_words == words


def test_the_plan_lists_rules_with_who_does_them_and_the_findings(
    make_client, db, settings, family
):
    nan = person(db, settings, family, "Nan")
    mum = signed_in(make_client, family.parent)
    add_rule(mum, family, who=str(nan.id))
    add_rule(mum, family, what="Someone checks the fridge")
    mum.submit(base(family) + "/network", {"person_id": str(nan.id), "what_they_do": "Calls"})
    page = soup(mum.get(base(family)))
    rules = page.select(".plan-rule")
    assert [r.select_one(".plan-rule__what").get_text(strip=True) for r in rules] == [
        "Nan picks the children up from school",
        "Someone checks the fridge",
    ]
    assert rules[0].select_one(".plan-rule__who").get_text(strip=True) == "Nan"
    assert rules[1].select_one(".plan-rule__who").get_text(strip=True) == "Nobody yet"
    helper = page.select_one(".plan-helper")
    assert "Has not seen the story yet" in helper.get_text()
    assert len(page.select(".findings .finding")) >= 2


def test_the_plan_page_reads_the_rules_and_safety_network_once(
    make_client, app, db, settings, family
):
    """The findings beside the plan come from the rules and safety network the page has
    just read, not from reading them again (each read is a round trip to the database)."""
    nan = person(db, settings, family, "Nan")
    mum = signed_in(make_client, family.parent)
    add_rule(mum, family, who=str(nan.id))
    add_rule(mum, family, what="Someone checks the fridge")
    mum.submit(base(family) + "/network", {"person_id": str(nan.id), "what_they_do": "Calls"})
    with statements_run(app.state.engine) as statements:
        page = soup(mum.get(base(family)))

    findings = [f.get_text(" ", strip=True) for f in page.select(".findings .finding")]
    assert any("Someone checks the fridge" in f for f in findings), findings
    for table in ("safety_plan", "safety_rule", "safety_rule_responsible", "safety_network_member"):
        assert len(reads_of(statements, table)) == 1, table


def test_moving_a_rule_up_changes_the_order(make_client, db, family):
    mum = signed_in(make_client, family.parent)
    add_rule(mum, family, what="First")
    add_rule(mum, family, what="Second")
    db.expire_all()
    second = db.exec(select(SafetyRule).where(SafetyRule.what == "Second")).one()
    response = mum.submit(
        f"{base(family)}/rules/{second.id}/move", {"direction": "up", "version": "1"}
    )
    assert response.status_code == 303
    page = soup(mum.get(base(family)))
    assert [p.get_text(strip=True) for p in page.select(".plan-rule__what")] == ["Second", "First"]


def test_the_history_shows_who_changed_what_word_by_word(make_client, db, family):
    mum = signed_in(make_client, family.parent)
    worker = signed_in(make_client, family.practitioner)
    add_rule(mum, family, what="Nan picks the children up")
    rule = only_rule(db)
    worker.submit(
        f"{base(family)}/rules/{rule.id}",
        {"what": "Nan picks the children up at three", "version": "1"},
    )
    page = soup(mum.get(base(family) + "/history"))
    newest = page.select(".plan-revision")[0]
    assert family.practitioner.display_name in newest.select_one(".hint").get_text()
    assert newest.select_one(".plan-revision__summary").get_text(strip=True) == "Changed a rule"
    assert [i.get_text(" ", strip=True) for i in newest.select("ins")] == ["added: at three"]
    assert page.select(".plan-revision")[1].select("del") == []


def test_agreeing_then_a_change_asks_to_agree_again_on_the_plan_and_home_page(
    make_client, db, family
):
    mum = signed_in(make_client, family.parent)
    worker = signed_in(make_client, family.practitioner)
    add_rule(worker, family)
    form = soup(mum.get(base(family) + "/agree"))
    assert form.select_one("#name_given")["value"] == family.parent.display_name
    response = mum.submit(
        base(family) + "/agree",
        {"revision": "1", "name_given": "Nadia Khan", "agreed": "yes"},
    )
    assert response.status_code == 303
    agreements = soup(mum.get(base(family))).select(".plan-agreement")
    assert "Agreed on" in agreements[0].get_text() and "«Nadia Khan»" in agreements[0].get_text()

    add_rule(worker, family, what="Dad stays at Uncle's house")
    page = soup(mum.get(base(family)))
    assert "needs to agree again" in page.select_one(".plan-agreement--old").get_text()
    banner = page.select_one(".plan-banner")
    assert banner.select_one("a")["href"] == f"{base(family)}/history?since=1"
    home = soup(mum.get(f"/families/{family.id}"))
    assert "has changed since you agreed" in home.select_one(".plan-banner").get_text()
    changes = soup(mum.get(f"{base(family)}/history?since=1")).select_one(".plan-since")
    assert "Dad stays at Uncle's house" in changes.get_text()
    assert soup(worker.get(f"/families/{family.id}")).select_one(".plan-banner") is None


def test_agreeing_to_a_plan_that_changed_while_reading_records_nothing(make_client, db, family):
    mum = signed_in(make_client, family.parent)
    worker = signed_in(make_client, family.practitioner)
    add_rule(worker, family)
    add_rule(worker, family, what="A second rule")
    response = mum.submit(
        base(family) + "/agree", {"revision": "1", "name_given": "Mum", "agreed": "yes"}
    )
    assert response.status_code == 409
    assert (
        "The plan changed while you were reading"
        in soup(response).select_one(".plan-changed").get_text()
    )
    db.expire_all()
    assert db.exec(select(SafetyPlanAgreement)).all() == []


def test_agreeing_without_the_tick_shows_the_message_and_keeps_the_name(make_client, family):
    mum = signed_in(make_client, family.parent)
    worker = signed_in(make_client, family.practitioner)
    add_rule(worker, family)
    response = mum.submit(base(family) + "/agree", {"revision": "1", "name_given": "Nadia"})
    assert response.status_code == 422
    page = soup(response)
    assert page.select_one("#agreed-error") is not None
    assert page.select_one("#name_given")["value"] == "Nadia"


def test_the_childrens_version_shows_the_picture_and_the_childrens_words(
    make_client, db, settings, family
):
    nan = person(db, settings, family, "Nan")
    mum = signed_in(make_client, family.parent)
    add_rule(mum, family, who=str(nan.id), child_words="Nan takes you to school.", pictogram="bus")
    add_rule(mum, family, what="Mum reads with you at bedtime")
    young = signed_in(make_client, family.young_person)
    page = soup(young.get(base(family) + "/children"))
    cards = page.select(".plan-child-card")
    assert cards[0].select_one("img")["alt"] == "Bus"
    assert cards[0].select_one(".plan-child-card__words").get_text() == "Nan takes you to school."
    assert "Nan" in cards[0].select_one(".plan-child-card__who").get_text()
    assert cards[1].select_one("img") is None
    words = cards[1].select_one(".plan-child-card__words").get_text()
    assert words == "Mum reads with you at bedtime"


def test_the_printed_plan_carries_a_qr_code_back_to_the_page(make_client, family):
    mum = signed_in(make_client, family.parent)
    add_rule(mum, family)
    response = mum.get(base(family) + "/print")
    assert response.status_code == 200
    page = soup(response)
    assert page.select_one("img.qr")["src"].startswith("data:image/svg+xml")
    assert page.select_one(".plan-rule__what").get_text() == "Nan picks the children up from school"


def test_the_safety_network_can_be_added_to_changed_and_a_stale_change_refused(
    make_client, db, settings, family
):
    nan = person(db, settings, family, "Nan")
    mum = signed_in(make_client, family.parent)
    response = mum.submit(
        base(family) + "/network",
        {
            "person_id": str(nan.id),
            "what_they_do": "Calls every evening",
            "knows_the_worries": "yes",
        },
    )
    assert response.status_code == 303
    page = soup(mum.get(base(family) + "/network"))
    assert "Knows the worries" in page.select_one(".plan-helper").get_text()
    assert page.select_one(f"#person_id option[value='{nan.id}']") is None
    link = page.select_one(".plan-helper a")["href"]
    assert mum.submit(link, {"what_they_do": "Visits", "version": "1"}).status_code == 303
    stale = mum.submit(link, {"what_they_do": "Phones", "version": "1"})
    assert stale.status_code == 409


def test_if_the_plan_is_not_working_is_saved_and_a_stale_save_refused(make_client, family):
    mum = signed_in(make_client, family.parent)
    url = base(family) + "/if-not-working"
    version = soup(mum.get(url)).select_one("input[name=version]")["value"]
    assert mum.submit(url, {"if_not_working": "Call Nan", "version": version}).status_code == 303
    assert mum.submit(url, {"if_not_working": "Call Dev", "version": version}).status_code == 409
    text = soup(mum.get(base(family))).select_one("#if-not-working + p").get_text()
    assert text == "Call Nan"
    too_long = mum.submit(url, {"if_not_working": "x" * 1001, "version": "2"})
    assert too_long.status_code == 422
    assert soup(too_long).select_one("#if_not_working").get_text() == "x" * 1001


def test_every_page_of_a_written_plan_is_fully_translatable(
    bracketed,  # noqa: F811
    make_client,
    db,
    settings,
    family,
):
    nan = person(db, settings, family, "Nan")
    mum = signed_in(make_client, family.parent)
    typed = {
        "Nan picks up",
        "Every day",
        "Nan waves",
        "Call Dev",
        "Nan takes you.",
        "Calls",
        "Call Nan",
        "Nadia",
        "Nan picks up at three",
        "at three",  # the words the history shows as added
    }
    add_rule(
        mum,
        family,
        what="Nan picks up",
        who=str(nan.id),
        when_happens="Every day",
        how_child_knows="Nan waves",
        if_broken="Call Dev",
        child_words="Nan takes you.",
        pictogram="bus",
    )
    mum.submit(
        base(family) + "/network",
        {"person_id": str(nan.id), "what_they_do": "Calls", "knows_the_worries": "yes"},
    )
    mum.submit(base(family) + "/if-not-working", {"if_not_working": "Call Nan", "version": "2"})
    mum.submit(base(family) + "/agree", {"revision": "3", "name_given": "Nadia", "agreed": "yes"})
    rule = only_rule(db)
    mum.submit(
        f"{base(family)}/rules/{rule.id}",
        {"what": "Nan picks up at three", "who": str(nan.id), "version": str(rule.version)},
    )
    db.expire_all()
    db.refresh(family.practitioner)
    family.practitioner.locale = "eo"
    db.add(family.practitioner)
    db.commit()
    worker = signed_in(make_client, family.practitioner)
    typed |= {
        family.family.name,
        "Amir",
        "Nan",
        "Parent",
        "Young person",
        family.practitioner.display_name,
        "testclient",
    }
    db.expire_all()
    member_id = db.exec(select(SafetyNetworkMember.id)).one()
    pages = [*PAGES, f"/rules/{rule.id}", f"/network/{member_id}", "/history?since=3"]
    for page in pages:
        response = worker.get(base(family) + page)
        assert response.status_code == 200, page
        assert untranslated(response.text, typed) == [], page
    assert "⟦" in soup(worker.get(base(family) + "/history")).select_one(".plan-change").text
