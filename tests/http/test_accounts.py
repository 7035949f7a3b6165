"""Signing in and out, the sign-in form's errors, where people land afterwards, and the
account page."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup

from tests.factories import PASSPHRASE, make_family, make_user


def _page(response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def _login_form(client, url: str = "/login") -> dict[str, str]:
    """The hidden fields of the sign-in form, as the page gives them."""
    page = _page(client.get(url))
    form = page.select_one("form[action='/login']")
    return {i["name"]: i.get("value", "") for i in form.select("input[type=hidden]")}


def _sign_in_from(client, url: str, login: str, passphrase: str = PASSPHRASE):
    form = _login_form(client, url)
    return client.post("/login", data={**form, "login": login, "passphrase": passphrase})


def test_sign_in_takes_a_person_to_their_families(client, db, settings):
    setup = make_family(db, settings)
    response = _sign_in_from(client, "/login", setup.parent.login)
    assert response.status_code == 303
    assert response.headers["location"] == "/families"
    page = _page(client.get("/families"))
    assert "Signed in as Parent" in page.select_one(".site-header__user").get_text()
    assert page.select_one("form[action='/logout'] button")


def test_sign_in_ignores_case_and_spaces_in_the_sign_in_name(client, db, settings):
    make_user(db, settings, login="nadia.b")
    response = _sign_in_from(client, "/login", "  Nadia.B ")
    assert response.status_code == 303


def test_sign_out_returns_to_the_sign_in_page_with_a_message(client, db, settings):
    setup = make_family(db, settings)
    client.sign_in(setup.parent.login, PASSPHRASE)
    response = client.submit("/logout")
    assert response.status_code == 303
    page = _page(client.get(response.headers["location"]))
    assert page.select_one("[role=status]").get_text(strip=True) == "You have signed out."
    assert page.select_one("form[action='/logout']") is None
    assert client.get("/families").status_code == 303


def test_start_page_sends_people_where_they_belong(client, db, settings):
    setup = make_family(db, settings)
    assert client.get("/").headers["location"] == "/login"
    client.sign_in(setup.parent.login, PASSPHRASE)
    assert client.get("/").headers["location"] == "/families"
    assert client.get("/login").headers["location"] == "/families"


@pytest.mark.parametrize(
    ("login", "passphrase", "errors"),
    [
        ("", "", {"login": "Enter your sign-in name", "passphrase": "Enter your passphrase"}),
        ("   ", "something", {"login": "Enter your sign-in name"}),
        ("nadia", "", {"passphrase": "Enter your passphrase"}),
    ],
    ids=["both empty", "blank name", "no passphrase"],
)
def test_empty_fields_get_a_message_beside_them_and_the_name_is_kept(
    client, login, passphrase, errors
):
    response = _sign_in_from(client, "/login", login, passphrase)
    assert response.status_code == 422
    page = _page(response)
    for field, message in errors.items():
        assert message in page.select_one(f"#{field}-error").get_text()
        assert page.select_one(f"#{field}")["aria-invalid"] == "true"
        assert page.select_one(f".error-summary a[href='#{field}']")
    for field in {"login", "passphrase"} - set(errors):
        assert page.select_one(f"#{field}-error") is None
    assert page.select_one("input#login")["value"] == login
    assert not page.select_one("input#passphrase").get("value")


def test_wrong_passphrase_keeps_the_name_but_never_echoes_the_passphrase(client, db, settings):
    user = make_user(db, settings)
    response = _sign_in_from(client, "/login", user.login, "my secret guess")
    assert response.status_code == 422
    page = _page(response)
    assert "not right" in page.select_one("#login-error").get_text()
    assert page.select_one("input#login")["value"] == user.login
    assert "my secret guess" not in response.text
    assert "fgdm_session" not in response.cookies


def test_sign_in_form_helps_password_managers(client):
    page = _page(client.get("/login"))
    assert page.select_one("input#login")["autocomplete"] == "username"
    assert page.select_one("input#passphrase")["autocomplete"] == "current-password"
    assert page.select_one("input#passphrase")["type"] == "password"
    assert page.select_one("label[for=login]") and page.select_one("label[for=passphrase]")


def test_after_sign_in_a_person_returns_to_the_page_they_asked_for(client, db, settings):
    setup = make_family(db, settings)
    wanted = f"/families/{setup.id}"
    location = client.get(wanted).headers["location"]
    assert parse_qs(urlsplit(location).query)["next"] == [wanted]
    response = _sign_in_from(client, location, setup.parent.login)
    assert response.headers["location"] == wanted


def test_the_whole_address_asked_for_survives_sign_in(client, db, settings):
    setup = make_family(db, settings)
    wanted = "/families?view=cards&sort=newest"
    location = client.get(wanted).headers["location"]
    assert parse_qs(urlsplit(location).query)["next"] == [wanted]
    response = _sign_in_from(client, location, setup.parent.login)
    assert response.headers["location"] == wanted


EVIL_NEXTS = [
    "//evil.example",
    "//evil.example/families",
    "https://evil.example",
    "http://evil.example/login",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "javascript:alert(1)",
    "evil.example",
]


@pytest.mark.parametrize("evil", EVIL_NEXTS)
def test_sign_in_never_sends_people_to_another_site(evil, client, db, settings):
    setup = make_family(db, settings)
    form = _login_form(client, "/login?" + "next=" + evil.replace("\t", "%09"))
    assert form["next"] == "/families"
    response = client.post(
        "/login",
        data={**form, "next": evil, "login": setup.parent.login, "passphrase": PASSPHRASE},
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/families"


@pytest.mark.parametrize("evil", EVIL_NEXTS[:4])
def test_a_signed_in_person_is_not_sent_to_another_site_either(evil, client, db, settings):
    setup = make_family(db, settings)
    client.sign_in(setup.parent.login, PASSPHRASE)
    response = client.get("/login", params={"next": evil})
    assert response.headers["location"] == "/families"


def test_account_page_shows_who_is_signed_in(client, db, settings):
    user = make_user(db, settings, name="Rose Williams", login="grandma.rose")
    client.sign_in(user.login, PASSPHRASE)
    page = _page(client.get("/account"))
    values = [dd.get_text(strip=True) for dd in page.select(".summary-list dd")]
    assert values == ["Rose Williams", "grandma.rose"]
    assert page.select_one("input#current")["type"] == "password"


@pytest.mark.parametrize(
    ("new", "says"),
    [
        ("short", "at least 8 characters"),
        ("password123", "too common"),
        ("Grandma.Rose", "same as your name"),
    ],
)
def test_a_weak_new_passphrase_gets_a_message_beside_it(new, says, client, db, settings):
    user = make_user(db, settings, name="Rose", login="grandma.rose")
    client.sign_in(user.login, PASSPHRASE)
    response = client.submit("/account/passphrase", {"current": PASSPHRASE, "new": new})
    assert response.status_code == 422
    page = _page(response)
    assert says in page.select_one("#new-error").get_text()
    assert page.select_one(".error-summary a[href='#new']")
    db.refresh(user)
    assert client.get("/families").status_code == 200


def test_account_page_needs_sign_in(client):
    response = client.get("/account")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/account"
