"""Server-side sessions: a fresh id at sign-in, sign-out that really ends the session,
idle and absolute time-outs, and changes to an account that take effect at once."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from bs4 import BeautifulSoup
from sqlmodel import col, select

from fgdm.accounts import service as accounts_service
from fgdm.accounts.models import StaffRole, UserSession
from tests.factories import PASSPHRASE, actor_for, make_family, make_user

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
COOKIE = "fgdm_session"


def _cookie_set_by(response) -> str:
    """The session token the server gave in this response."""
    for header in response.headers.get_list("set-cookie"):
        if header.startswith(COOKIE + "="):
            return header.split(";")[0].split("=", 1)[1]
    raise AssertionError("no session cookie was set")


def _with_cookie(make_client, token: str):
    """A new browser holding only this session cookie (someone replaying a stolen one)."""
    browser = make_client()
    browser.cookies.set(COOKIE, token)
    return browser


def _login_token(browser) -> str:
    """The CSRF token on the sign-in page, as a browser with any cookie would get it."""
    page = BeautifulSoup(browser.get("/login").text, "html.parser")
    return page.select_one("input[name=csrf_token]")["value"]


def _signed_out(response) -> bool:
    return response.status_code == 303 and response.headers["location"].startswith("/login")


@pytest.fixture
def setup(db, settings):
    return make_family(db, settings)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def test_sign_in_gives_a_new_session_id_not_one_planted_before(client, setup):
    client.cookies.set(COOKIE, "planted-by-someone-else")
    response = client.post(
        "/login",
        data={
            "login": setup.parent.login,
            "passphrase": PASSPHRASE,
            "csrf_token": _login_token(client),
        },
    )
    assert response.status_code == 303
    token = _cookie_set_by(response)
    assert token != "planted-by-someone-else"
    assert len(token) >= 40


def test_signing_in_over_someone_elses_session_ends_theirs(client, make_client, setup):
    attacker = make_client()
    planted = _cookie_set_by(attacker.sign_in(setup.young_person.login, PASSPHRASE))
    # The attacker's session cookie is planted in the victim's browser.
    victim = _with_cookie(make_client, planted)
    login_token = BeautifulSoup(victim.get("/account").text, "html.parser").select_one(
        "input[name=csrf_token]"
    )["value"]
    response = victim.post(
        "/login",
        data={"login": setup.parent.login, "passphrase": PASSPHRASE, "csrf_token": login_token},
    )
    assert response.status_code == 303
    assert _cookie_set_by(response) != planted
    assert _signed_out(_with_cookie(make_client, planted).get("/families"))


def test_each_sign_in_gets_its_own_session(make_client, setup):
    first = _cookie_set_by(make_client().sign_in(setup.parent.login, PASSPHRASE))
    second = _cookie_set_by(make_client().sign_in(setup.parent.login, PASSPHRASE))
    assert first != second


def test_only_a_hash_of_the_session_token_is_stored(client, setup, db):
    token = _cookie_set_by(client.sign_in(setup.parent.login, PASSPHRASE))
    stored = db.exec(select(UserSession.id)).all()
    assert token not in stored
    assert len(stored) == 1


def test_sign_out_ends_the_session_and_the_old_cookie_no_longer_works(client, make_client, setup):
    token = _cookie_set_by(client.sign_in(setup.parent.login, PASSPHRASE))
    response = client.submit("/logout")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?signed_out=1"
    assert response.headers["Clear-Site-Data"]
    page = BeautifulSoup(client.get(response.headers["location"]).text, "html.parser")
    assert "You have signed out." in page.select_one("[role=status]").get_text()
    replay = _with_cookie(make_client, token).get(f"/families/{setup.id}")
    assert _signed_out(replay)
    assert client.get("/families").status_code == 303


def test_idle_session_times_out_and_the_login_page_says_why(client, setup, settings, clock):
    client.sign_in(setup.parent.login, PASSPHRASE)
    clock.shift(timedelta(minutes=settings.session_idle_minutes - 1))
    assert client.get("/families").status_code == 200
    clock.shift(timedelta(minutes=settings.session_idle_minutes))
    response = client.get(f"/families/{setup.id}")
    assert _signed_out(response)
    assert response.headers["location"] == f"/login?next=/families/{setup.id}"
    page = BeautifulSoup(client.get(response.headers["location"]).text, "html.parser")
    assert "nothing happened" in page.select_one("[role=status]").get_text()
    # Coming back does not bring the session back to life.
    clock.shift(timedelta(minutes=1))
    assert _signed_out(client.get("/families"))


def test_using_the_app_keeps_the_session_alive(client, setup, settings, clock):
    client.sign_in(setup.parent.login, PASSPHRASE)
    for _ in range(6):
        clock.shift(timedelta(minutes=settings.session_idle_minutes - 5))
        assert client.get("/families").status_code == 200


def test_stay_signed_in_button_resets_the_idle_timer(client, setup, settings, clock):
    client.sign_in(setup.parent.login, PASSPHRASE)
    clock.shift(timedelta(minutes=settings.session_idle_minutes - 2))
    token = client.token()
    # Loading a page to read the token counts as activity too, so go past it again.
    clock.shift(timedelta(minutes=settings.session_idle_minutes - 2))
    response = client.post(
        "/session/keep-alive", data={"csrf_token": token}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 204
    clock.shift(timedelta(minutes=settings.session_idle_minutes - 2))
    assert client.get("/families").status_code == 200


def test_session_ends_after_the_absolute_limit_even_when_in_use(client, setup, settings, clock):
    client.sign_in(setup.parent.login, PASSPHRASE)
    step = timedelta(minutes=20)
    limit = timedelta(hours=settings.session_absolute_hours)
    used = timedelta()
    while used + step < limit:
        clock.shift(step)
        used += step
        assert client.get("/families").status_code == 200
    clock.shift(limit - used)
    response = client.get("/families")
    assert _signed_out(response)
    page = BeautifulSoup(client.get(response.headers["location"]).text, "html.parser")
    assert "Sign in again" in page.select_one("[role=status]").get_text()


def test_disabling_an_account_ends_its_sessions_on_the_next_request(client, setup, db, settings):
    client.sign_in(setup.parent.login, PASSPHRASE)
    assert client.get(f"/families/{setup.id}").status_code == 200
    admin = make_user(db, settings, role=StaffRole.admin, team=None)
    accounts_service.set_active(
        db, actor=actor_for(settings, admin), user=setup.parent, is_active=False
    )
    db.commit()
    assert _signed_out(client.get(f"/families/{setup.id}"))
    # The sign-in page does not blame a time-out for it.
    notice = BeautifulSoup(client.get("/login").text, "html.parser").select_one("[role=status]")
    assert notice is None or "nothing happened" not in notice.get_text()
    # Signing in again is refused with the usual message.
    response = client.post(
        "/login",
        data={
            "login": setup.parent.login,
            "passphrase": PASSPHRASE,
            "csrf_token": _login_token(client),
        },
    )
    assert response.status_code == 422


def test_changing_the_passphrase_ends_other_sessions_but_keeps_this_one(client, make_client, setup):
    phone = make_client()
    phone.sign_in(setup.parent.login, PASSPHRASE)
    client.sign_in(setup.parent.login, PASSPHRASE)
    new = "a brand new passphrase for me"
    response = client.submit("/account/passphrase", {"current": PASSPHRASE, "new": new})
    assert response.status_code == 303
    page = BeautifulSoup(client.get(response.headers["location"]).text, "html.parser")
    assert "signed out everywhere else" in page.select_one("[role=status]").get_text()
    assert client.get(f"/families/{setup.id}").status_code == 200
    assert _signed_out(phone.get(f"/families/{setup.id}"))
    assert make_client().sign_in(setup.parent.login, new).status_code == 303


def test_wrong_current_passphrase_changes_nothing(client, make_client, setup):
    phone = make_client()
    phone.sign_in(setup.parent.login, PASSPHRASE)
    client.sign_in(setup.parent.login, PASSPHRASE)
    response = client.submit(
        "/account/passphrase", {"current": "not my passphrase", "new": "another good passphrase"}
    )
    assert response.status_code == 422
    page = BeautifulSoup(response.text, "html.parser")
    assert "not right" in page.select_one("#current-error").get_text()
    assert phone.get("/families").status_code == 200
    assert make_client().sign_in(setup.parent.login, PASSPHRASE).status_code == 303


def _session_cards(browser) -> list:
    page = BeautifulSoup(browser.get("/account").text, "html.parser")
    return page.select("#sessions ~ ul .card")


def test_person_sees_their_sessions_and_signs_out_another_device(client, make_client, setup):
    phone = make_client()
    phone.headers["User-Agent"] = "Old phone"
    phone.sign_in(setup.parent.login, PASSPHRASE)
    client.sign_in(setup.parent.login, PASSPHRASE)
    cards = _session_cards(client)
    assert len(cards) == 2
    this = [c for c in cards if "This device" in c.get_text()]
    other = [c for c in cards if "Another device" in c.get_text()]
    assert len(this) == 1 and len(other) == 1
    assert "Old phone" in other[0].get_text()
    assert this[0].find("form") is None
    form = other[0].find("form")
    ref = form.select_one("input[name=session_ref]")["value"]
    response = client.submit(form["action"], {"session_ref": ref})
    assert response.status_code == 303
    assert _signed_out(phone.get("/families"))
    assert client.get("/families").status_code == 200
    assert len(_session_cards(client)) == 1


def test_person_cannot_sign_out_someone_elses_session(client, make_client, setup, db):
    other = make_client()
    other.sign_in(setup.young_person.login, PASSPHRASE)
    client.sign_in(setup.parent.login, PASSPHRASE)
    theirs = db.exec(
        select(UserSession.id).where(UserSession.user_id == setup.young_person.id)
    ).one()
    for ref in (theirs[:16], theirs, "%" * 16, "_" * 16):
        response = client.submit("/account/sessions/end", {"session_ref": ref})
        assert response.status_code == 422
    assert other.get("/families").status_code == 200
    assert client.get("/families").status_code == 200


def test_ending_this_device_from_the_list_is_refused_with_a_hint(client, setup, db):
    client.sign_in(setup.parent.login, PASSPHRASE)
    mine = db.exec(select(UserSession.id)).one()
    response = client.submit("/account/sessions/end", {"session_ref": mine[:16]})
    assert response.status_code == 422
    assert "Sign out" in BeautifulSoup(response.text, "html.parser").main.get_text()
    assert client.get("/families").status_code == 200


def test_removed_member_loses_access_on_their_next_request(client, make_client, setup, db):
    client.sign_in(setup.parent.login, PASSPHRASE)
    assert client.get(f"/families/{setup.id}").status_code == 200
    practitioner = make_client()
    practitioner.sign_in(setup.practitioner.login, PASSPHRASE)
    page = BeautifulSoup(practitioner.get(f"/families/{setup.id}/members").text, "html.parser")
    form = page.find("button", string="Remove Parent").find_parent("form")
    version = form.select_one("input[name=version]")["value"]
    assert practitioner.submit(form["action"], {"version": version}).status_code == 303
    assert client.get(f"/families/{setup.id}").status_code == 404
    assert setup.family.name not in client.get("/families").text


def test_refusal_is_quick_for_a_session_that_was_quiet_for_a_while(
    client, setup, db, settings, clock
):
    outsider = make_family(db, settings, name="Other family", team="Team B")
    client.sign_in(outsider.parent.login, PASSPHRASE)
    # A few quiet minutes mean this request also notes the session is still in use.
    clock.shift(timedelta(minutes=5))
    started = time.monotonic()
    response = client.get(f"/families/{setup.id}")
    assert response.status_code == 404
    assert time.monotonic() - started < 5
    assert client.get("/families").status_code == 200


def test_every_session_of_a_person_ends_when_they_are_disabled(make_client, setup, db, settings):
    browsers = [make_client() for _ in range(3)]
    for browser in browsers:
        browser.sign_in(setup.parent.login, PASSPHRASE)
    accounts_service.set_active(db, actor=actor_for(settings), user=setup.parent, is_active=False)
    db.commit()
    assert all(_signed_out(b.get("/families")) for b in browsers)
    db.expire_all()
    live = db.exec(
        select(UserSession).where(
            UserSession.user_id == setup.parent.id, col(UserSession.ended_at).is_(None)
        )
    ).all()
    assert live == []


def test_htmx_request_after_a_time_out_sends_the_whole_page_to_sign_in(
    client, setup, settings, clock
):
    client.sign_in(setup.parent.login, PASSPHRASE)
    clock.shift(timedelta(minutes=settings.session_idle_minutes + 1))
    response = client.get(f"/families/{setup.id}", headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == f"/login?next=/families/{setup.id}"
