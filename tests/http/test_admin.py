"""Admin pages: staff accounts (create, turn off and on) and the audit search."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlmodel import col, select

from fgdm.accounts.models import StaffRole, Team, User, UserSession
from fgdm.audit.models import AuditEvent
from tests.factories import PASSPHRASE, make_family, make_user
from tests.http.test_every_string_translatable import (  # noqa: F401 - bracketed is a fixture
    bracketed,
    untranslated,
)

NEW_PASSPHRASE = "lantern pebble orchard quietly"


def page(response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


@pytest.fixture
def admin(db, settings):
    return make_user(db, settings, role=StaffRole.admin, name="Alex Morgan")


@pytest.fixture
def admin_client(client, admin):
    client.sign_in(admin.login, PASSPHRASE)
    return client


def staff_row(response, login: str):
    return page(response).select_one(f'#staff-accounts tr[data-login="{login}"]')


def fresh(db, user: User) -> User:
    db.expire_all()
    found = db.get(User, user.id)
    assert found is not None
    return found


# --- Who may use the admin pages ------------------------------------------------------


@pytest.mark.parametrize("path", ["/admin/users", "/admin/audit"])
@pytest.mark.parametrize("role", [StaffRole.practitioner, StaffRole.manager, None])
def test_only_admins_can_open_admin_pages(db, settings, client, path, role):
    user = make_user(db, settings, role=role)
    client.sign_in(user.login, PASSPHRASE)

    assert client.get(path).status_code == 403


@pytest.mark.parametrize("role", [StaffRole.practitioner, StaffRole.manager, None])
def test_non_admins_cannot_create_accounts(db, settings, client, role):
    user = make_user(db, settings, role=role)
    client.sign_in(user.login, PASSPHRASE)

    response = client.submit(
        "/admin/users",
        {
            "login": "new.person@council.example.org",
            "display_name": "New Person",
            "staff_role": "admin",
            "team": "",
            "passphrase": NEW_PASSPHRASE,
        },
    )

    assert response.status_code == 403
    assert (
        db.exec(select(User).where(User.login == "new.person@council.example.org")).first() is None
    )


@pytest.mark.parametrize("path", ["/admin/users", "/admin/audit"])
def test_signed_out_visitors_are_sent_to_sign_in(client, path):
    response = client.get(path)

    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next={path}"


# --- Staff accounts -----------------------------------------------------------------------


def test_staff_accounts_page_lists_staff_and_counts_family_accounts(db, settings, admin_client):
    setup = make_family(db, settings)

    response = admin_client.get("/admin/users")

    assert response.status_code == 200
    assert page(response).h1.get_text(strip=True) == "Staff accounts"
    row = staff_row(response, setup.practitioner.login)
    cells = [c.get_text(" ", strip=True) for c in row.find_all(["th", "td"])]
    assert cells[:5] == [
        setup.practitioner.display_name,
        setup.practitioner.login,
        "Practitioner",
        "Team A",
        "Yes",
    ]
    assert "There are 2 family accounts." in page(response).main.get_text(" ", strip=True)
    assert staff_row(response, setup.parent.login) is None
    assert "Parent" not in [c.get_text(strip=True) for c in page(response).select("th")]


def test_create_form_has_the_expected_labels(admin_client):
    soup = page(admin_client.get("/admin/users"))

    labels = {label.get_text(strip=True) for label in soup.select("form label.label")}
    assert {"Email address", "Full name", "Team"} <= labels
    assert soup.select_one("form fieldset legend").get_text(strip=True) == "Role"
    assert soup.find("button", string="Create account") is not None


def test_admin_creates_a_staff_account_who_can_then_sign_in(db, admin_client, make_client):
    response = admin_client.submit(
        "/admin/users",
        {
            "login": "Sam.Okafor@Council.example.org",
            "display_name": "Sam Okafor",
            "staff_role": "practitioner",
            "team": "North Family Help",
            "passphrase": NEW_PASSPHRASE,
        },
    )

    assert response.status_code == 303
    assert response.headers["location"] == "/admin/users?done=created"
    user = db.exec(select(User).where(User.login == "sam.okafor@council.example.org")).one()
    team = db.get(Team, user.team_id)
    assert (user.display_name, user.staff_role, team.name) == (
        "Sam Okafor",
        StaffRole.practitioner,
        "North Family Help",
    )
    listed = admin_client.get(response.headers["location"])
    assert page(listed).select_one(".notice").get_text(strip=True).startswith("The account has")
    assert staff_row(listed, "sam.okafor@council.example.org") is not None
    actions = db.exec(select(AuditEvent.action).where(AuditEvent.object_id == str(user.id))).all()
    assert {"user_create", "staff_role_grant"} <= set(actions)
    make_client().sign_in("sam.okafor@council.example.org", NEW_PASSPHRASE)


GOOD_FORM = {
    "login": "kim.lee@council.example.org",
    "display_name": "Kim Lee",
    "staff_role": "manager",
    "team": "South Family Help",
    "passphrase": NEW_PASSPHRASE,
}


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"login": "kim.lee"}, "login", "Enter a work email address"),
        ({"passphrase": "password123"}, "passphrase", "too common"),
        ({"display_name": ""}, "display_name", "Enter a name"),
        ({"staff_role": ""}, "staff_role", "Choose what this person does"),
        ({"team": ""}, "team", "Enter the name of the team"),
    ],
)
def test_a_form_with_a_mistake_says_what_is_wrong_beside_the_field_and_keeps_what_was_typed(
    db, admin_client, change, field, message
):
    form = {**GOOD_FORM, **change}

    response = admin_client.submit("/admin/users", form)

    assert response.status_code == 422
    soup = page(response)
    assert message in soup.select_one(f"#{field}-error").get_text()
    assert soup.select_one(f'.error-summary a[href="#{field}"]') is not None
    for name in ("login", "display_name", "team"):
        assert soup.select_one(f"input#{name}")["value"] == form[name]
    assert soup.select_one("input#passphrase").get("value") is None
    if form["staff_role"]:
        assert soup.select_one('input[name="staff_role"][checked]')["value"] == form["staff_role"]
    assert db.exec(select(User).where(User.display_name == "Kim Lee")).first() is None
    assert db.exec(select(Team).where(Team.name == "South Family Help")).first() is None


def test_an_email_already_in_use_is_refused_beside_the_email(db, settings, admin_client):
    existing = make_user(db, settings, role=StaffRole.practitioner)

    response = admin_client.submit("/admin/users", {**GOOD_FORM, "login": existing.login})

    assert response.status_code == 422
    assert "already taken" in page(response).select_one("#login-error").get_text()
    assert page(response).select_one("input#login")["value"] == existing.login


def test_creating_an_account_without_the_form_token_is_refused(db, admin_client):
    response = admin_client.post("/admin/users", data=GOOD_FORM)

    assert response.status_code == 403
    assert db.exec(select(User).where(User.login == GOOD_FORM["login"])).first() is None


def test_turning_off_an_account_signs_that_person_out_everywhere(
    db, settings, admin_client, make_client
):
    practitioner = make_user(db, settings, role=StaffRole.practitioner)
    their_phone = make_client()
    their_phone.sign_in(practitioner.login, PASSPHRASE)
    assert their_phone.get("/families").status_code == 200

    response = admin_client.submit(
        f"/admin/users/{practitioner.id}/disable", {"version": practitioner.version}
    )

    assert response.status_code == 303
    next_request = their_phone.get("/families")
    assert next_request.status_code == 303
    assert next_request.headers["location"].startswith("/login")
    assert not fresh(db, practitioner).is_active
    live = db.exec(
        select(UserSession).where(
            UserSession.user_id == practitioner.id, col(UserSession.ended_at).is_(None)
        )
    ).all()
    assert live == []
    listed = admin_client.get("/admin/users")
    assert (
        staff_row(listed, practitioner.login).select_one(".account-status").get_text(strip=True)
        == "No, turned off"
    )
    signing_in = make_client().submit(
        "/login", {"login": practitioner.login, "passphrase": PASSPHRASE}
    )
    assert signing_in.status_code == 422


def test_a_turned_off_account_can_be_turned_on_again(db, settings, admin_client, make_client):
    practitioner = make_user(db, settings, role=StaffRole.practitioner)
    admin_client.submit(f"/admin/users/{practitioner.id}/disable", {"version": 1})

    response = admin_client.submit(
        f"/admin/users/{practitioner.id}/enable", {"version": fresh(db, practitioner).version}
    )

    assert response.status_code == 303
    assert fresh(db, practitioner).is_active
    make_client().sign_in(practitioner.login, PASSPHRASE)


def test_turning_off_from_an_out_of_date_page_shows_the_conflict_page(db, settings, admin_client):
    practitioner = make_user(db, settings, role=StaffRole.practitioner)
    old_version = practitioner.version
    admin_client.submit(f"/admin/users/{practitioner.id}/disable", {"version": old_version})
    admin_client.submit(
        f"/admin/users/{practitioner.id}/enable", {"version": fresh(db, practitioner).version}
    )

    response = admin_client.submit(
        f"/admin/users/{practitioner.id}/disable", {"version": old_version}
    )

    assert response.status_code == 409
    assert fresh(db, practitioner).is_active


def test_an_admin_cannot_turn_off_their_own_account(db, admin, admin_client):
    listed = admin_client.get("/admin/users")
    assert staff_row(listed, admin.login).find("button") is None

    response = admin_client.submit(f"/admin/users/{admin.id}/disable", {"version": admin.version})

    assert response.status_code == 422
    error = page(response).select_one(f"#user-{admin.id}").get_text()
    assert "cannot turn off your own account" in error
    assert fresh(db, admin).is_active
    assert admin_client.get("/admin/users").status_code == 200


def test_turning_off_an_account_that_does_not_exist_is_not_found(admin_client):
    assert admin_client.submit("/admin/users/9999/disable", {"version": 1}).status_code == 404


# --- Audit search ---------------------------------------------------------------------------


def test_audit_search_filters_and_shows_address_and_request_id(
    db, settings, admin_client, make_client
):
    one = make_family(db, settings, name="The Secret family", children=("Amirah",))
    two = make_family(db, settings)
    practitioner = make_client()
    practitioner.sign_in(one.practitioner.login, PASSPHRASE)
    viewed = practitioner.get(f"/families/{one.id}")
    request_id = viewed.headers["X-Request-ID"]

    response = admin_client.get(
        "/admin/audit",
        params={"family": one.id, "actor_login": one.practitioner.login, "action": "view"},
    )

    assert response.status_code == 200
    soup = page(response)
    assert soup.h1.get_text(strip=True) == "Audit search"
    rows = soup.select("#audit-results tbody tr")
    assert len(rows) == 1
    assert rows[0].select_one(".audit-family").get_text(strip=True) == str(one.id)
    assert rows[0].select_one(".audit-ip").get_text(strip=True) == "testclient"
    assert rows[0].select_one(".audit-request").get_text(strip=True) == request_id
    other_family = admin_client.get("/admin/audit", params={"family": two.id})
    families = {
        r.select_one(".audit-family").get_text(strip=True)
        for r in page(other_family).select("#audit-results tbody tr")
    }
    assert families == {str(two.id)}


def test_audit_search_shows_no_family_names_or_child_names(db, settings, admin_client, make_client):
    setup = make_family(db, settings, name="The Zebedee family", children=("Amirah",))
    setup.parent.display_name = "Nadia Begum"
    db.add(setup.parent)
    db.commit()
    parent = make_client()
    parent.sign_in(setup.parent.login, PASSPHRASE)
    parent.get(f"/families/{setup.id}")

    response = admin_client.get("/admin/audit", params={"family": setup.id})

    text = response.text
    assert len(page(response).select("#audit-results tbody tr")) >= 4
    for secret in ("Zebedee", "Amirah", "Nadia", setup.parent.login):
        assert secret not in text
    assert f"Family account {setup.parent.id}" in text


def test_audit_search_with_a_mistake_says_what_is_wrong(admin_client):
    response = admin_client.get(
        "/admin/audit", params={"family": "abc", "date_from": "2026-03-05", "date_to": "2026-03-01"}
    )

    assert response.status_code == 422
    soup = page(response)
    assert "family group number" in soup.select_one("#family-error").get_text()
    assert "end date" in soup.select_one("#date_to-error").get_text()
    assert soup.select_one("input#family")["value"] == "abc"


def test_audit_search_is_itself_recorded(db, admin, admin_client):
    admin_client.get("/admin/audit", params={"outcome": "refused"})

    row = db.exec(select(AuditEvent).where(AuditEvent.action == "audit_search")).one()
    assert (row.actor_id, row.detail) == (admin.id, "outcome=refused")


@pytest.mark.usefixtures("bracketed")
def test_admin_pages_are_fully_translatable(db, settings, admin, admin_client):
    admin.locale = "eo"
    db.add(admin)
    db.commit()
    typed = {admin.display_name, admin.login, "Team A"}

    users_page = admin_client.get("/admin/users")
    search_page = admin_client.get("/admin/audit", params={"family": "999"})
    # Action codes are offered in the search as they are stored, like typed values.
    typed |= set(db.exec(select(AuditEvent.action).distinct()).all())

    assert untranslated(users_page.text, typed) == []
    assert untranslated(search_page.text, typed) == []
