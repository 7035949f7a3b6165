"""Two-step sign-in for staff: the code after the passphrase, set-up, recovery codes, the
admin reset after a lost phone, and what a half-way session can reach."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
import time_machine
from bs4 import BeautifulSoup
from sqlmodel import select

from fgdm.accounts import two_factor
from fgdm.accounts.models import StaffRole, User, UserSession
from fgdm.audit.models import AuditEvent, Outcome
from fgdm.db import utcnow
from tests.conftest import test_settings
from tests.factories import PASSPHRASE, actor_for, make_family, make_user


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def error_beside(response, field: str) -> str:
    message = soup(response).select_one(f"#{field}-error")
    assert message is not None, response.text[:2000]
    return message.get_text(" ", strip=True)


def turn_on(db, settings, user: User) -> list[str]:
    """Sets two-step sign-in up for a user, as the set-up page would, with the code of
    half a minute ago (so the code of now is still unused for the test's sign-in)."""
    secret = two_factor.begin_setup(db, user=user)
    earlier = pyotp.TOTP(secret).at(utcnow() - timedelta(seconds=30))
    codes = two_factor.confirm_setup(db, actor=actor_for(settings, user), user=user, code=earlier)
    db.commit()
    return codes


def code_for(db, user: User, *, later: int = 0) -> str:
    db.refresh(user)
    return pyotp.TOTP(user.totp_secret).at(utcnow() + timedelta(seconds=later))


@pytest.fixture
def practitioner(db, settings):
    user = make_user(db, settings, role=StaffRole.practitioner)
    turn_on(db, settings, user)
    return user


def test_after_the_passphrase_staff_are_asked_for_a_code_and_reach_nothing_else(
    client, practitioner
):
    response = client.sign_in(practitioner.login, PASSPHRASE)
    assert response.headers["location"] == "/login/two-step?next=/families"
    for path in ("/families", "/account", "/account/two-step"):
        page = client.get(path)
        assert page.status_code == 303
        assert page.headers["location"].startswith("/login")
    page = client.get("/login/two-step")
    assert page.status_code == 200
    assert soup(page).select_one("label[for=code]").get_text(strip=True) == "Code"


def test_the_right_code_signs_in_with_a_new_session_id(client, db, practitioner):
    client.sign_in(practitioner.login, PASSPHRASE)
    half_way = client.cookies.get("fgdm_session")
    response = client.submit(
        "/login/two-step", {"code": code_for(db, practitioner), "next": "/families"}
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/families"
    assert client.cookies.get("fgdm_session") != half_way
    assert client.get("/families").status_code == 200
    ended = db.exec(select(UserSession).where(UserSession.second_factor_pending)).one()
    assert ended.ended_at is not None


def test_a_code_works_only_once(client, make_client, db, practitioner):
    code = code_for(db, practitioner)
    client.sign_in(practitioner.login, PASSPHRASE)
    assert client.submit("/login/two-step", {"code": code}).status_code == 303

    other = make_client()
    other.sign_in(practitioner.login, PASSPHRASE)
    response = other.submit("/login/two-step", {"code": code})
    assert response.status_code == 422
    assert "not right" in error_beside(response, "code")
    assert other.get("/families").status_code == 303


def test_a_wrong_code_is_explained_beside_the_field_and_audited(client, db, practitioner):
    client.sign_in(practitioner.login, PASSPHRASE)
    response = client.submit("/login/two-step", {"code": "000000", "next": "/families/1"})
    assert response.status_code == 422
    assert "newest 6 numbers" in error_beside(response, "code")
    assert soup(response).select_one("input[name=next]")["value"] == "/families/1"
    failed = db.exec(
        select(AuditEvent).where(
            AuditEvent.action == "two_factor", AuditEvent.outcome == Outcome.failed
        )
    ).all()
    assert len(failed) == 1


def test_an_empty_code_asks_for_the_numbers(client, practitioner):
    client.sign_in(practitioner.login, PASSPHRASE)
    response = client.submit("/login/two-step", {"code": "  "})
    assert response.status_code == 422
    assert error_beside(response, "code").endswith("Enter the 6 numbers from your app.")


def test_too_many_wrong_codes_are_throttled_even_with_the_right_one(
    client, db, settings, practitioner
):
    client.sign_in(practitioner.login, PASSPHRASE)
    for _n in range(settings.login_max_failures):
        assert client.submit("/login/two-step", {"code": "123456"}).status_code == 422
    response = client.submit("/login/two-step", {"code": code_for(db, practitioner)})
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "wait" in error_beside(response, "code")


def test_a_recovery_code_signs_in_once(client, make_client, db, settings):
    user = make_user(db, settings, role=StaffRole.manager)
    codes = turn_on(db, settings, user)
    client.sign_in(user.login, PASSPHRASE)
    response = client.submit("/login/two-step", {"code": codes[3].upper()})
    assert response.status_code == 303
    assert response.headers["location"] == "/account/two-step?done=recovery"
    page = client.get("/account/two-step")
    assert "9 recovery codes left" in soup(page).get_text(" ", strip=True)

    other = make_client()
    other.sign_in(user.login, PASSPHRASE)
    assert other.submit("/login/two-step", {"code": codes[3]}).status_code == 422


def test_a_half_way_session_ends_after_a_few_minutes(client, db, settings, practitioner):
    client.sign_in(practitioner.login, PASSPHRASE)
    with time_machine.travel(utcnow() + timedelta(minutes=settings.two_factor_pending_minutes)):
        response = client.get("/login/two-step")
        assert response.status_code == 303
        assert response.headers["location"] == "/login"


def test_family_members_never_get_a_second_step(db, tmp_path, database_url):
    from fgdm.main import create_app
    from tests.conftest import Browser

    required = test_settings(database_url, tmp_path, staff_two_factor=True)
    family = make_family(db, required)
    with Browser(create_app(required), follow_redirects=False) as browser:
        response = browser.sign_in(family.parent.login, PASSPHRASE)
        assert response.headers["location"] == "/families"


@pytest.fixture
def required_client(database_url, tmp_path):
    """A browser on an app where staff must use two-step sign-in."""
    from fgdm.main import create_app
    from tests.conftest import Browser

    settings = test_settings(database_url, tmp_path, staff_two_factor=True)
    with Browser(create_app(settings), follow_redirects=False) as browser:
        browser.settings = settings  # type: ignore[attr-defined]
        yield browser


def test_where_required_staff_set_it_up_before_anything_else(required_client, db, settings):
    user = make_user(db, settings, role=StaffRole.admin)
    response = required_client.sign_in(user.login, PASSPHRASE)
    assert response.headers["location"] == "/login/two-step/set-up?next=/families"
    assert required_client.get("/admin/users").status_code == 303

    page = required_client.get("/login/two-step/set-up")
    assert page.status_code == 200
    assert soup(page).select_one("img.qr")["alt"]
    typed_key = soup(page).select_one("code.secret-key").get_text().replace(" ", "")
    db.refresh(user)
    assert typed_key == user.totp_secret
    # Reloading shows the same key, so the app set up from the first load still works.
    again = required_client.get("/login/two-step/set-up")
    assert soup(again).select_one("code.secret-key").get_text().replace(" ", "") == typed_key

    wrong = required_client.submit("/login/two-step/set-up", {"code": "999999"})
    assert wrong.status_code == 422
    assert "6 numbers your app shows" in error_beside(wrong, "code")

    done = required_client.submit(
        "/login/two-step/set-up", {"code": pyotp.TOTP(typed_key).now(), "next": "/admin/users"}
    )
    assert done.status_code == 200
    assert done.headers["Cache-Control"] == "no-store"
    shown = [c.get_text() for c in soup(done).select(".recovery-codes code")]
    assert len(shown) == 10 and len(set(shown)) == 10
    assert soup(done).select_one("a.button")["href"] == "/admin/users"
    assert required_client.get("/admin/users").status_code == 200


def test_where_required_staff_cannot_turn_it_off(required_client, db, settings):
    user = make_user(db, settings, role=StaffRole.practitioner)
    turn_on(db, settings, user)
    required_client.sign_in(user.login, PASSPHRASE)
    required_client.submit("/login/two-step", {"code": code_for(db, user)})
    page = required_client.get("/account/two-step")
    assert soup(page).select_one("form[action='/account/two-step/off']") is None
    response = required_client.submit(
        "/account/two-step/off", {"off_code": code_for(db, user, later=30)}
    )
    assert response.status_code == 422
    summary = soup(response).select_one(".error-summary").get_text(" ", strip=True)
    assert "required for staff and cannot be turned off" in summary
    db.refresh(user)
    assert user.has_two_factor


def test_staff_can_set_it_up_from_their_account_and_turn_it_off(client, db, settings):
    user = make_user(db, settings, role=StaffRole.practitioner)
    client.sign_in(user.login, PASSPHRASE)
    assert client.get("/families").status_code == 200
    page = client.get("/account/two-step/set-up")
    key = soup(page).select_one("code.secret-key").get_text().replace(" ", "")
    shown = client.submit("/account/two-step/set-up", {"code": pyotp.TOTP(key).now()})
    assert len(soup(shown).select(".recovery-codes code")) == 10

    wrong = client.submit("/account/two-step/off", {"off_code": "111111"})
    assert wrong.status_code == 422
    assert "not right" in error_beside(wrong, "off_code")
    off = client.submit("/account/two-step/off", {"off_code": code_for(db, user, later=30)})
    assert off.headers["location"] == "/account/two-step?done=off"
    db.refresh(user)
    assert not user.has_two_factor and user.totp_secret == ""


def test_new_recovery_codes_replace_the_old_ones(client, make_client, db, settings):
    user = make_user(db, settings, role=StaffRole.practitioner)
    old = turn_on(db, settings, user)
    client.sign_in(user.login, PASSPHRASE)
    client.submit("/login/two-step", {"code": code_for(db, user)})
    page = client.submit("/account/two-step/recovery-codes", {"code": code_for(db, user, later=30)})
    new = [c.get_text() for c in soup(page).select(".recovery-codes code")]
    assert len(new) == 10 and not set(new) & set(old)

    other = make_client()
    other.sign_in(user.login, PASSPHRASE)
    assert other.submit("/login/two-step", {"code": old[0]}).status_code == 422
    assert other.submit("/login/two-step", {"code": new[0]}).status_code == 303


def test_family_members_have_no_two_step_settings(client, db, settings):
    family = make_family(db, settings)
    client.sign_in(family.parent.login, PASSPHRASE)
    assert client.get("/account/two-step").status_code == 403
    assert client.get("/account/two-step/set-up").status_code == 403


def test_an_admin_resets_a_lost_phone_and_the_person_sets_it_up_again(
    client, make_client, db, settings, practitioner
):
    phone = make_client()
    phone.sign_in(practitioner.login, PASSPHRASE)
    phone.submit("/login/two-step", {"code": code_for(db, practitioner)})
    assert phone.get("/families").status_code == 200

    admin = make_user(db, settings, role=StaffRole.admin)
    client.sign_in(admin.login, PASSPHRASE)
    db.refresh(practitioner)
    response = client.submit(
        f"/admin/users/{practitioner.id}/two-step/reset", {"version": practitioner.version}
    )
    assert response.headers["location"] == "/admin/users?done=two_step_reset"
    assert phone.get("/families").status_code == 303  # signed out everywhere

    again = make_client()
    response = again.sign_in(practitioner.login, PASSPHRASE)
    # Not required here, so a reset person signs in with the passphrase alone until they
    # set it up again (where it is required, they are sent to set it up).
    assert response.headers["location"] == "/families"
    reset = db.exec(select(AuditEvent).where(AuditEvent.action == "two_factor_reset")).one()
    assert reset.actor_id == admin.id


def test_only_admins_reset_two_step_sign_in_and_a_stale_page_is_a_conflict(
    client, db, settings, practitioner
):
    other = make_user(db, settings, role=StaffRole.practitioner)
    turn_on(db, settings, other)
    client.sign_in(practitioner.login, PASSPHRASE)
    client.submit("/login/two-step", {"code": code_for(db, practitioner)})
    db.refresh(other)
    refused = client.submit(f"/admin/users/{other.id}/two-step/reset", {"version": other.version})
    assert refused.status_code == 403

    admin = make_user(db, settings, role=StaffRole.admin)
    client.post("/logout", data={"csrf_token": client.token()})
    client.sign_in(admin.login, PASSPHRASE)
    stale = client.submit(f"/admin/users/{other.id}/two-step/reset", {"version": other.version - 1})
    assert stale.status_code == 409
    db.refresh(other)
    assert other.has_two_factor
    family = make_family(db, settings)
    missing = client.submit(
        f"/admin/users/{family.parent.id}/two-step/reset", {"version": family.parent.version}
    )
    assert missing.status_code == 404
