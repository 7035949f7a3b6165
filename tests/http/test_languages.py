"""Choosing a language: before signing in (kept in this browser), signed in (saved on the
account and used on every device), and what a wrong or stale choice does."""

from __future__ import annotations

from functools import cache
from urllib.parse import parse_qs, urlsplit

import pytest
from babel.messages.pofile import read_po
from bs4 import BeautifulSoup
from sqlmodel import select

from fgdm import i18n
from fgdm.accounts.models import User
from fgdm.audit.models import AuditEvent
from tests.factories import PASSPHRASE, make_family
from tests.http.test_invites import join_form, make_invite
from tests.security.test_headers import (  # noqa: F401 - fixtures
    _set_cookie,
    production_app,
    production_client,
)

NAVIGATION = ("Families", "My account")


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


@cache
def urdu(english: str) -> str:
    """The Urdu translators' words for an English string, read from their catalogue, so
    these tests follow the translation as it changes."""
    with i18n.catalogue_path("ur").open("rb") as po:
        catalogue = read_po(po, locale="ur")
    words = catalogue[english].string
    assert words, f"{english!r} is not translated into Urdu yet"
    assert words != english
    return words


def language_form(client, url: str = "/language") -> dict[str, str]:
    """The hidden fields of the Language page's form, as the page gives them."""
    page = soup(client.get(url))
    form = page.select_one("form[action='/language']")
    return {field["name"]: field.get("value", "") for field in form.select("input[type=hidden]")}


def choose(client, locale: str, url: str = "/language"):
    return client.post("/language", data={**language_form(client, url), "locale": locale})


def html_tag(response) -> tuple[str, str]:
    root = soup(response).select_one("html")
    return root["lang"], root["dir"]


def nav_words(response) -> list[str]:
    return [a.get_text(strip=True) for a in soup(response).select("nav.bottom-nav a")]


def user_named(db, login: str) -> User:
    db.expire_all()
    return db.exec(select(User).where(User.login == login)).one()


def test_the_language_page_names_each_language_in_its_own_words_and_direction(client):
    page = soup(client.get("/language"))

    names = {
        span["lang"]: (span.get_text(strip=True), span["dir"])
        for span in page.select("form[action='/language'] button[name=locale] span[lang]")
    }
    assert names == {
        "en": ("English", "ltr"),
        "gu": ("ગુજરાતી", "ltr"),
        "ur": ("اردو", "rtl"),
        "pl": ("Polski", "ltr"),
    }
    chosen = page.select_one("button[aria-current=true]")
    assert chosen["value"] == "en"


def test_choosing_urdu_before_signing_in_keeps_it_in_this_browser_and_the_page_turns_right_to_left(
    client,
):
    response = choose(client, "ur", "/language?next=/login")

    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith("fgdm_lang=ur;")
    assert "samesite=lax" in cookie and "httponly" in cookie and "path=/" in cookie
    sign_in = client.get("/login")
    assert html_tag(sign_in) == ("ur", "rtl")
    page = soup(sign_in)
    assert page.select_one(".site-header__home").get_text(strip=True) == urdu("Family Network")
    assert page.select_one(".skip-link").get_text(strip=True) == urdu("Skip to main content")


def test_the_browsers_language_is_used_until_a_choice_is_made_and_a_choice_wins(client):
    client.headers["Accept-Language"] = "ur-PK,ur;q=0.9,en;q=0.5"
    assert html_tag(client.get("/login")) == ("ur", "rtl")

    choose(client, "pl")

    assert html_tag(client.get("/login")) == ("pl", "ltr")


def test_choosing_urdu_signed_in_saves_it_on_the_account_and_the_navigation_is_in_urdu(
    client, db, settings
):
    setup = make_family(db, settings)
    client.sign_in(setup.parent.login, PASSPHRASE)

    response = choose(client, "ur", "/language?next=/families")

    assert response.status_code == 303
    assert response.headers["location"] == "/families"
    assert user_named(db, setup.parent.login).locale == "ur"
    families = client.get("/families")
    assert html_tag(families) == ("ur", "rtl")
    words = nav_words(families)
    assert words == [urdu(english) for english in NAVIGATION]
    assert not set(words) & set(NAVIGATION)
    change = db.exec(select(AuditEvent).where(AuditEvent.action == "language_change")).one()
    assert (change.object_id, change.detail) == (str(setup.parent.id), "ur")


def test_a_signed_in_choice_follows_the_person_to_a_new_session_on_another_device(
    client, make_client, db, settings
):
    setup = make_family(db, settings)
    client.sign_in(setup.parent.login, PASSPHRASE)
    choose(client, "ur")

    other_phone = make_client()
    other_phone.headers["Accept-Language"] = "en-GB"
    other_phone.sign_in(setup.parent.login, PASSPHRASE)
    families = other_phone.get("/families")

    assert html_tag(families) == ("ur", "rtl")
    assert nav_words(families) == [urdu(english) for english in NAVIGATION]


def test_the_accounts_language_wins_over_one_chosen_in_the_browser_before_signing_in(
    client, db, settings
):
    setup = make_family(db, settings)
    choose(client, "pl")

    client.sign_in(setup.parent.login, PASSPHRASE)

    assert html_tag(client.get("/families")) == ("en", "ltr")


def test_a_language_chosen_before_joining_is_saved_on_the_new_account(client, db, settings):
    setup = make_family(db, settings)
    made = make_invite(db, settings, setup)
    join_page = f"/join/{made.token}"
    link = soup(client.get(join_page)).select_one(".language-link a")["href"]
    assert parse_qs(urlsplit(link).query)["next"] == [join_page]

    chosen = choose(client, "ur", link)
    assert chosen.headers["location"] == join_page
    assert html_tag(client.get(join_page)) == ("ur", "rtl")
    client.submit(join_page, join_form())

    assert user_named(db, "gran.rose").locale == "ur"


@pytest.mark.parametrize("code", ["xx", "", "UR", "ur<script>", "en-GB"])
def test_a_language_the_app_does_not_offer_is_refused_beside_the_field_and_nothing_changes(
    client, db, settings, code
):
    setup = make_family(db, settings)
    client.sign_in(setup.parent.login, PASSPHRASE)
    version = user_named(db, setup.parent.login).version

    response = choose(client, code)

    assert response.status_code == 422
    page = soup(response)
    assert (
        "Choose one of the languages on this page."
        in page.select_one(".form-group--error #locale-error").get_text()
    )
    assert page.select_one(".error-summary a")["href"] == "#locale"
    assert "set-cookie" not in response.headers
    user = user_named(db, setup.parent.login)
    assert (user.locale, user.version) == ("en", version)


def test_choosing_a_language_needs_the_csrf_token(client, db, settings):
    setup = make_family(db, settings)
    client.sign_in(setup.parent.login, PASSPHRASE)
    form = language_form(client)
    form.pop("csrf_token")

    response = client.post("/language", data={**form, "locale": "ur"})

    assert response.status_code == 403
    assert "set-cookie" not in response.headers
    assert user_named(db, setup.parent.login).locale == "en"


def test_a_choice_made_on_a_page_older_than_the_account_shows_the_conflict_and_saves_nothing(
    client, db, settings
):
    setup = make_family(db, settings)
    client.sign_in(setup.parent.login, PASSPHRASE)
    form = language_form(client)
    # Meanwhile, on another phone, the person chose Polish.
    user = user_named(db, setup.parent.login)
    user.locale = "pl"
    db.add(user)
    db.commit()

    response = client.post("/language", data={**form, "locale": "ur"})

    assert response.status_code == 409
    # The page speaks the account's language as saved now: Polish.
    row = soup(response).select_one("table tbody tr")
    assert [cell.get_text(strip=True) for cell in row.select("th, td")] == [
        i18n.translations("pl").gettext("Language"),
        "اردو",
        "Polski",
    ]
    assert user_named(db, setup.parent.login).locale == "pl"


@pytest.mark.parametrize(
    ("next_url", "lands"),
    [
        ("/families?tab=2", "/families?tab=2"),
        ("//evil.example/x", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
    ],
)
def test_after_choosing_the_person_goes_back_only_to_a_page_of_this_site(client, next_url, lands):
    form = {**language_form(client), "next": next_url, "locale": "gu"}

    response = client.post("/language", data=form)

    assert response.status_code == 303
    assert response.headers["location"] == lands


def test_the_sign_in_page_the_account_page_and_every_pages_header_link_to_the_language_page(
    client, db, settings
):
    setup = make_family(db, settings)
    sign_in = soup(client.get("/login"))
    assert sign_in.select_one(".language-link a")["href"].startswith("/language?next=/login")
    assert sign_in.select_one(".site-header__language")["href"].startswith("/language")

    client.sign_in(setup.parent.login, PASSPHRASE)
    account = soup(client.get("/account"))
    link = account.select_one("a[href^='/language']:not(.site-header__language)")
    assert link.get_text(strip=True) == "Change language"
    assert parse_qs(urlsplit(link["href"]).query)["next"] == ["/account"]
    home = soup(client.get(f"/families/{setup.id}"))
    header_link = home.select_one(".site-header__language")
    assert header_link.get_text(strip=True) == "Language"
    assert header_link.select_one("svg[aria-hidden=true]")
    assert parse_qs(urlsplit(header_link["href"]).query)["next"] == [f"/families/{setup.id}"]


def test_the_meeting_tablet_in_family_time_cannot_change_the_practitioners_language(
    client, db, settings, monkeypatch
):
    setup = make_family(db, settings)
    client.sign_in(setup.practitioner.login, PASSPHRASE)
    form = language_form(client)
    monkeypatch.setattr("fgdm.i18n.routes.on_family_device", lambda request: True)

    response = client.post("/language", data={**form, "locale": "ur"})

    assert response.status_code == 303
    assert response.headers["location"] == "/family-time"
    assert user_named(db, setup.practitioner.login).locale == "en"


def test_prints_childrens_versions_and_error_pages_carry_the_language_and_direction_too(
    client, db, settings
):
    setup = make_family(db, settings)
    client.sign_in(setup.parent.login, PASSPHRASE)
    choose(client, "ur")
    pages = [
        f"/families/{setup.id}/plan/print",
        f"/families/{setup.id}/plan/children",
        f"/families/{setup.id}/safety-plan/print",
        f"/families/{setup.id}/safety-plan/children",
        f"/families/{setup.id}/network",
        "/no-such-page",
        "/families/999999",
    ]

    for path in pages:
        assert html_tag(client.get(path)) == ("ur", "rtl"), path


def test_in_production_the_language_cookie_is_secure_and_host_only_and_is_read_back(
    production_client,  # noqa: F811 - the fixture imported above
):
    page = soup(production_client.get("/language?next=/login"))
    token = page.select_one("input[name=csrf_token]")["value"]

    response = production_client.post(
        "/language", data={"csrf_token": token, "next": "/login", "locale": "ur"}
    )

    assert response.status_code == 303
    flags = _set_cookie(response, "__Host-fgdm_lang")
    assert {"secure", "httponly", "samesite=lax", "path=/"} <= set(flags)
    assert not [flag for flag in flags if flag.startswith("domain")]
    assert html_tag(production_client.get("/login")) == ("ur", "rtl")
