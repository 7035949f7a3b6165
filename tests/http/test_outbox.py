"""The offline outbox over HTTP: a change sent again with its idempotency key is stored
once and answered like the first time; the same key with a different change, or from
someone else, is refused and changes nothing; a conflict or a form with problems leaves
the key free; without a key everything works as before, and CSRF is still needed."""

from __future__ import annotations

import uuid

import pytest
from bs4 import BeautifulSoup
from sqlmodel import select

from fgdm.network.models import Person
from fgdm.plans.models import PlanAction
from fgdm.pwa import idempotency
from fgdm.pwa.models import IdempotencyKey
from tests.factories import PASSPHRASE, make_family

KEY = "Idempotency-Key"


@pytest.fixture
def family(db, settings):
    return make_family(db, settings)


def signed_in(make_client, user):
    browser = make_client()
    browser.sign_in(user.login, PASSPHRASE)
    return browser


def new_key() -> str:
    return str(uuid.uuid4())


def heading(response) -> str:
    return BeautifulSoup(response.text, "html.parser").h1.get_text(" ", strip=True)


def plan(family) -> str:
    return f"/families/{family.id}/plan"


def people_named(db, family, name):
    db.expire_all()
    return list(
        db.exec(select(Person).where(Person.family_group_id == family.id, Person.known_as == name))
    )


def actions(db):
    db.expire_all()
    return list(db.exec(select(PlanAction).order_by(PlanAction.id)))


def keys(db):
    db.expire_all()
    return list(db.exec(select(IdempotencyKey)))


def arrives_at_once(monkeypatch):
    """The next copy looks for its key before the copy sent with it has been saved."""
    real_find = idempotency._find
    looks = iter([None])
    monkeypatch.setattr(idempotency, "_find", lambda session, k: next(looks, real_find(session, k)))


def add_person(browser, family, key, name="Nan"):
    return browser.submit(
        f"/families/{family.id}/network/people",
        {"known_as": name, "kind": "family", "closeness": "close"},
        headers={KEY: key},
    )


def test_a_person_added_three_times_with_one_key_is_added_once(make_client, db, family):
    mum = signed_in(make_client, family.parent)
    key = new_key()
    first, *again = [add_person(mum, family, key) for _ in range(3)]
    assert first.status_code == 303
    assert "Idempotent-Replayed" not in first.headers
    for replay in again:
        assert replay.status_code == 303
        assert replay.headers["location"] == first.headers["location"]
        assert replay.headers["Idempotent-Replayed"] == "true"
    assert len(people_named(db, family, "Nan")) == 1


def test_a_plan_action_sent_three_times_as_a_form_with_its_key_is_added_once(
    make_client, db, family
):
    mum = signed_in(make_client, family.parent)
    form = {"what": "Nan takes Amir to school", "idempotency_key": new_key()}
    answers = [mum.submit(plan(family) + "/actions", form) for _ in range(3)]
    assert {a.status_code for a in answers} == {303}
    assert {a.headers["location"] for a in answers} == {plan(family) + "#actions"}
    assert [a.what for a in actions(db)] == ["Nan takes Amir to school"]
    # The replay ends on the plan, showing the one action.
    page = mum.get(answers[-1].headers["location"])
    items = BeautifulSoup(page.text, "html.parser").select(".plan-actions > li")
    assert len(items) == 1


def test_an_htmx_replay_is_sent_to_the_same_place(make_client, db, family):
    mum = signed_in(make_client, family.parent)
    key = new_key()
    headers = {KEY: key, "HX-Request": "true"}
    form = {"what": "Nan takes Amir to school"}
    first = mum.submit(plan(family) + "/actions", form, headers=headers)
    again = mum.submit(plan(family) + "/actions", form, headers=headers)
    assert first.status_code == again.status_code == 204
    assert again.headers["HX-Redirect"] == first.headers["HX-Redirect"]
    assert len(actions(db)) == 1


def test_the_same_key_with_different_words_is_refused_and_changes_nothing(make_client, db, family):
    mum = signed_in(make_client, family.parent)
    key = new_key()
    assert add_person(mum, family, key, "Nan").status_code == 303
    refused = add_person(mum, family, key, "Grandad")
    assert refused.status_code == 422
    assert "different words" in refused.text
    assert people_named(db, family, "Grandad") == []
    assert len(people_named(db, family, "Nan")) == 1


def test_the_same_key_on_another_page_is_refused(make_client, db, family):
    mum = signed_in(make_client, family.parent)
    key = new_key()
    assert add_person(mum, family, key).status_code == 303
    refused = mum.submit(plan(family) + "/actions", {"what": "Nan"}, headers={KEY: key})
    assert refused.status_code == 422
    assert actions(db) == []


def test_someone_elses_key_is_refused(make_client, db, family):
    mum = signed_in(make_client, family.parent)
    worker = signed_in(make_client, family.practitioner)
    key = new_key()
    assert add_person(mum, family, key).status_code == 303
    refused = add_person(worker, family, key)
    assert refused.status_code == 422
    assert "Idempotent-Replayed" not in refused.headers
    assert len(people_named(db, family, "Nan")) == 1


def test_a_stale_edit_sent_with_a_key_is_a_conflict_and_the_key_is_not_used_up(
    make_client, db, family
):
    mum = signed_in(make_client, family.parent)
    worker = signed_in(make_client, family.practitioner)
    mum.submit(plan(family) + "/actions", {"what": "Nan takes Amir to school"})
    action = actions(db)[0]
    url = f"{plan(family)}/actions/{action.id}"
    assert worker.submit(url, {"what": "Nan collects", "version": "1"}).status_code == 303
    key = new_key()
    form = {"what": "Mum's words", "version": "1"}
    for _ in range(2):  # sent again, it is still a conflict: the key was not stored
        conflict = mum.submit(url, form, headers={KEY: key})
        assert conflict.status_code == 409
        assert heading(conflict) == "Someone else changed this while you were working"
    assert actions(db)[0].what == "Nan collects"
    assert keys(db) == []
    # Made again on the newest version, the same key saves it.
    fixed = mum.submit(url, {**form, "version": "2"}, headers={KEY: key})
    assert fixed.status_code == 303
    assert actions(db)[0].what == "Mum's words"


def test_a_form_with_problems_stores_no_key_and_the_corrected_form_saves_once(
    make_client, db, family
):
    mum = signed_in(make_client, family.parent)
    key = new_key()
    problem = mum.submit(plan(family) + "/actions", {"what": ""}, headers={KEY: key})
    assert problem.status_code == 422
    assert keys(db) == []
    corrected = {"what": "Nan takes Amir to school"}
    answers = [
        mum.submit(plan(family) + "/actions", corrected, headers={KEY: key}) for _ in range(2)
    ]
    assert [a.status_code for a in answers] == [303, 303]
    assert len(actions(db)) == 1
    assert len(keys(db)) == 1


def test_without_a_key_each_send_is_a_new_change(make_client, db, family):
    mum = signed_in(make_client, family.parent)
    for _ in range(2):
        assert mum.submit(plan(family) + "/actions", {"what": "Phone Nan"}).status_code == 303
    assert len(actions(db)) == 2
    assert keys(db) == []


def test_a_key_does_not_replace_the_csrf_token(make_client, db, family):
    mum = signed_in(make_client, family.parent)
    response = mum.post(
        plan(family) + "/actions",
        data={"what": "Phone Nan", "csrf_token": "wrong"},
        headers={KEY: new_key()},
    )
    assert response.status_code == 403
    assert actions(db) == []
    assert keys(db) == []


@pytest.mark.parametrize(
    "key",
    ["short", "x" * 65, "has space in it 12345", "semicolon;0123456789ab", "ünïcode-0123456789"],
)
def test_a_key_that_is_not_letters_digits_and_dashes_is_refused(make_client, db, family, key):
    mum = signed_in(make_client, family.parent)
    response = mum.submit(plan(family) + "/actions", {"what": "Phone Nan", "idempotency_key": key})
    assert response.status_code == 400
    assert heading(response) == "This change could not be sent"
    assert actions(db) == []


def test_two_copies_arriving_at_once_save_one_change_and_both_are_answered(
    make_client, db, family, monkeypatch
):
    mum = signed_in(make_client, family.parent)
    key = new_key()
    assert add_person(mum, family, key).status_code == 303
    # The second copy looked for its key before the first one was committed, so it ran
    # too; its key then meets the first one's when it is written.
    arrives_at_once(monkeypatch)
    second = add_person(mum, family, key)
    assert second.status_code == 303
    assert second.headers["Idempotent-Replayed"] == "true"
    assert len(people_named(db, family, "Nan")) == 1
    assert len(keys(db)) == 1


def test_a_move_sent_twice_at_once_moves_once_and_the_late_copy_is_not_a_conflict(
    make_client, db, family, monkeypatch
):
    mum = signed_in(make_client, family.parent)
    for what in ("Nan takes Amir to school", "Dad phones the school"):
        mum.submit(plan(family) + "/actions", {"what": what})
    first_action = actions(db)[0]
    url = f"{plan(family)}/actions/{first_action.id}/move"
    form = {"version": "1", "direction": "down"}
    key = new_key()
    assert mum.submit(url, form, headers={KEY: key}).status_code == 303
    # The late copy looked for its key before the first one was saved, so it ran on the
    # version the first copy had already moved on.
    arrives_at_once(monkeypatch)
    late = mum.submit(url, form, headers={KEY: key})
    assert late.status_code == 303
    assert late.headers["Idempotent-Replayed"] == "true"
    db.expire_all()
    assert db.get(PlanAction, first_action.id).version == 2
