"""Open redirects: every place that sends a person on to an address they gave (after sign-in,
after the second step or its set-up, after keeping a session alive, back after signing in)
only ever sends them to a page of this app, however the address is disguised."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urljoin, urlsplit

import pyotp
import pytest
from bs4 import BeautifulSoup

from fgdm.accounts import two_factor
from fgdm.accounts.models import StaffRole, User
from fgdm.db import utcnow
from fgdm.main import create_app
from tests.conftest import Browser, test_settings
from tests.factories import PASSPHRASE, actor_for, make_user

APP = "https://fgdm.council.example"
EVIL = [
    "https://evil.example",
    "//evil.example",
    "/\\evil.example",
    "\\/evil.example",
    "http:evil.example",
    "%2F%2Fevil.example",
    "/%09/evil.example",
    "/\t/evil.example",
    "/\r\nLocation: https://evil.example",
    "/%0d%0aLocation:%20https://evil.example",
    "///evil.example",
    " //evil.example",
    "javascript:alert(1)",
    "/\x00//evil.example",
]
IDS = [repr(e) for e in EVIL]


def is_same_site(url: str) -> bool:
    """True when a browser following `url` from a page of the app stays on the app. Browsers
    drop tabs and line breaks from an address and read a backslash as a slash."""
    if any(ch < " " for ch in url):
        return False
    seen = url.replace("\\", "/")
    if not seen.startswith("/") or seen.startswith("//"):
        return False
    target = urlsplit(urljoin(APP + "/start", seen))
    return (target.scheme, target.netloc) == ("https", urlsplit(APP).netloc)


def test_the_check_tells_same_site_paths_from_other_sites():
    assert is_same_site("/families")
    assert is_same_site("/login?next=/families%3Fx%3D1")
    for evil in ("//evil.example", "/\\evil.example", "https://evil.example", "/\t/evil.example"):
        assert not is_same_site(evil)


def _where(response) -> str:
    assert response.status_code == 303, response.text[:300]
    location = response.headers["location"]
    assert is_same_site(location), location
    return location


def _hidden_next(response) -> str:
    field = BeautifulSoup(response.text, "html.parser").select_one("input[name=next]")
    assert field is not None
    return field["value"]


@pytest.mark.parametrize("evil", EVIL, ids=IDS)
def test_the_sign_in_page_never_keeps_another_site_as_the_next_page(evil, client):
    page = client.get("/login", params={"next": evil})
    assert page.status_code == 200
    assert is_same_site(_hidden_next(page))


@pytest.mark.parametrize("evil", EVIL, ids=IDS)
def test_signing_in_never_sends_a_person_to_another_site(evil, client, db, settings):
    user = make_user(db, settings)
    _where(client.submit("/login", {"login": user.login, "passphrase": PASSPHRASE, "next": evil}))


@pytest.mark.parametrize("evil", EVIL, ids=IDS)
def test_a_signed_in_person_opening_sign_in_is_never_sent_to_another_site(
    evil, client, db, settings
):
    user = make_user(db, settings)
    client.sign_in(user.login, PASSPHRASE)
    _where(client.get("/login", params={"next": evil}))


@pytest.mark.parametrize("evil", EVIL, ids=IDS)
def test_keeping_a_session_alive_never_sends_a_person_to_another_site(evil, client, db, settings):
    user = make_user(db, settings)
    client.sign_in(user.login, PASSPHRASE)
    _where(client.submit("/session/keep-alive", {"next": evil}))


def test_a_same_site_next_page_is_kept_after_signing_in_and_keeping_alive(client, db, settings):
    user = make_user(db, settings)
    response = client.submit(
        "/login", {"login": user.login, "passphrase": PASSPHRASE, "next": "/account?done=x"}
    )
    assert _where(response) == "/account?done=x"
    assert _where(client.submit("/session/keep-alive", {"next": "/account"})) == "/account"


@pytest.mark.parametrize("evil", EVIL, ids=IDS)
def test_the_way_back_after_signing_in_is_always_a_page_of_the_app(evil, client):
    # Someone not signed in is sent to sign in with the page they asked for kept for after.
    response = client.get("/families", params={"next": evil, "x": evil})
    location = _where(response)
    assert urlsplit(location).path == "/login"
    (kept,) = parse_qs(urlsplit(location).query)["next"]
    assert is_same_site(kept)


def _with_two_step(db, settings, user: User) -> None:
    secret = two_factor.begin_setup(db, user=user)
    earlier = pyotp.TOTP(secret).at(utcnow() - timedelta(seconds=30))
    two_factor.confirm_setup(db, actor=actor_for(settings, user), user=user, code=earlier)
    db.commit()


@pytest.mark.parametrize("evil", EVIL, ids=IDS)
def test_the_second_step_of_signing_in_never_sends_staff_to_another_site(
    evil, client, db, settings
):
    user = make_user(db, settings, role=StaffRole.practitioner)
    _with_two_step(db, settings, user)
    first = client.submit("/login", {"login": user.login, "passphrase": PASSPHRASE, "next": evil})
    location = _where(first)
    assert urlsplit(location).path == "/login/two-step"
    assert is_same_site(parse_qs(urlsplit(location).query)["next"][0])
    page = client.get("/login/two-step", params={"next": evil})
    assert is_same_site(_hidden_next(page))
    db.refresh(user)
    code = pyotp.TOTP(user.totp_secret).now()
    _where(client.submit("/login/two-step", {"code": code, "next": evil}))


@pytest.fixture
def required_client(database_url, tmp_path):
    """A browser on an app where staff must set up two-step sign-in."""
    settings = test_settings(database_url, tmp_path, staff_two_factor=True)
    app = create_app(settings)
    with Browser(app, follow_redirects=False) as browser:
        yield browser
    app.state.engine.dispose()


@pytest.mark.parametrize("evil", EVIL, ids=IDS)
def test_setting_up_the_second_step_never_links_staff_to_another_site(
    evil, required_client, db, settings
):
    user = make_user(db, settings, role=StaffRole.practitioner)
    first = required_client.submit(
        "/login", {"login": user.login, "passphrase": PASSPHRASE, "next": evil}
    )
    location = _where(first)
    assert urlsplit(location).path == "/login/two-step/set-up"
    assert is_same_site(parse_qs(urlsplit(location).query)["next"][0])
    page = required_client.get("/login/two-step/set-up", params={"next": evil})
    assert is_same_site(_hidden_next(page))
    db.refresh(user)
    code = pyotp.TOTP(user.totp_secret).now()
    done = required_client.submit("/login/two-step/set-up", {"code": code, "next": evil})
    assert done.status_code == 200
    onward = BeautifulSoup(done.text, "html.parser").select_one("a.button")["href"]
    assert is_same_site(onward)


@pytest.mark.parametrize("evil", EVIL, ids=IDS)
def test_with_htmx_the_next_page_is_a_page_of_the_app_too(evil, client, db, settings):
    # htmx is told where to go in a header instead of a 303; the same rule applies.
    user = make_user(db, settings)
    boosted = {"HX-Request": "true", "HX-Boosted": "true"}
    anonymous = client.get("/families", params={"x": evil}, headers={"HX-Request": "true"})
    assert anonymous.status_code == 204
    assert is_same_site(anonymous.headers["HX-Redirect"])
    signed_in = client.submit(
        "/login",
        {"login": user.login, "passphrase": PASSPHRASE, "next": evil},
        headers=boosted,
    )
    assert signed_in.status_code == 204
    assert is_same_site(signed_in.headers["HX-Location"])
