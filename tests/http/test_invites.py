"""Invite pages: practitioners make and cancel links; people open them to join, once."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from bs4 import BeautifulSoup
from sqlmodel import select

from fgdm import i18n
from fgdm.accounts.models import StaffRole, User
from fgdm.audit.models import AuditEvent
from fgdm.db import utcnow
from fgdm.families.models import Membership
from fgdm.families.service import AccessRole, FamilyAccess
from fgdm.invites import service as invites_service
from fgdm.invites.models import Invite
from tests.factories import PASSPHRASE, actor_for, make_family, make_user
from tests.http.test_every_string_translatable import Bracketing, untranslated

NEW_PASSPHRASE = "blue kettle singing loudly"
NOT_WORKING = (
    "This link does not work. It may have been used already, cancelled, or be more than "
    "7 days old. Ask your practitioner for a new one."
)


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def make_invite(db, settings, setup, *, name="Gran Rose", role="family_member"):
    made = invites_service.create_invite(
        db,
        actor=actor_for(settings, setup.practitioner),
        access=FamilyAccess(family=setup.family, role=AccessRole.practitioner),
        invited_name=name,
        role=role,
    )
    db.commit()
    return made


def invite_status(db, invite_id: int) -> str:
    db.expire_all()
    return invites_service.status_of(db.get(Invite, invite_id)).value


def join_form(**overrides) -> dict[str, str]:
    form = {"display_name": "Rose", "login": "gran.rose", "passphrase": NEW_PASSPHRASE}
    form.update(overrides)
    return form


def main_text(response) -> str:
    return soup(response).select_one("main").get_text(" ", strip=True)


# --- Making and cancelling invites ----------------------------------------------------


def test_practitioner_makes_an_invite_and_sees_the_link_and_qr_code_once(client, db, settings):
    setup = make_family(db, settings)
    client.sign_in(setup.practitioner.login, PASSPHRASE)
    form_page = soup(client.get(f"/families/{setup.id}/invites"))
    assert form_page.select_one("label[for=invited_name]").get_text(strip=True) == "Their name"
    assert form_page.select_one("legend").get_text(strip=True) == "What will they do here?"

    response = client.submit(
        f"/families/{setup.id}/invites", {"invited_name": "Gran Rose", "role": "young_person"}
    )

    assert response.status_code == 200
    page = soup(response)
    link = page.select_one(".invite-link").get_text(strip=True)
    assert link.startswith("http://testserver/join/")
    qr = page.select_one("img[alt='QR code for the invite link']")
    assert qr["src"].startswith("data:image/svg+xml")
    assert "will not be shown again" in page.select_one("[role=status]").get_text()
    assert page.select_one("button[data-print][hidden]") is not None
    invite = db.exec(select(Invite)).one()
    assert invite.invited_name == "Gran Rose" and invite.role.value == "young_person"
    token = link.rsplit("/", 1)[1]
    listing = client.get(f"/families/{setup.id}/invites")
    assert token not in listing.text
    statuses = [p.get_text(" ", strip=True) for p in soup(listing).select(".invite-status")]
    assert len(statuses) == 1 and statuses[0].startswith("Waiting to be used")


def test_an_empty_name_is_shown_beside_the_field_and_the_choice_is_kept(client, db, settings):
    setup = make_family(db, settings)
    client.sign_in(setup.practitioner.login, PASSPHRASE)
    response = client.submit(
        f"/families/{setup.id}/invites", {"invited_name": "  ", "role": "family_member"}
    )
    assert response.status_code == 422
    page = soup(response)
    assert "Enter the name they go by" in page.select_one("#invited_name-error").get_text()
    assert page.select_one(".error-summary a[href='#invited_name']") is not None
    assert page.select_one("input[name=role][value=family_member]").has_attr("checked")
    assert db.exec(select(Invite)).first() is None


def test_practitioner_cancels_an_invite_and_its_link_stops_working(
    client, make_client, db, settings
):
    setup = make_family(db, settings)
    made = make_invite(db, settings, setup)
    client.sign_in(setup.practitioner.login, PASSPHRASE)
    response = client.submit(
        f"/families/{setup.id}/invites/{made.invite.id}/revoke", {"version": made.invite.version}
    )
    assert response.status_code == 303
    listing = soup(client.get(f"/families/{setup.id}/invites"))
    assert listing.select_one(".invite-status").get_text(strip=True).startswith("Cancelled")
    assert listing.find("button", string="Cancel this invite") is None
    visitor = make_client()
    assert NOT_WORKING in main_text(visitor.get(f"/join/{made.token}"))


def test_cancelling_from_an_old_page_shows_the_conflict_page(client, db, settings):
    setup = make_family(db, settings)
    made = make_invite(db, settings, setup)
    client.sign_in(setup.practitioner.login, PASSPHRASE)
    response = client.submit(
        f"/families/{setup.id}/invites/{made.invite.id}/revoke",
        {"version": made.invite.version - 1},
    )
    assert response.status_code == 409
    assert "Someone else changed this" in soup(response).select_one("h1").get_text()
    assert invite_status(db, made.invite.id) == "waiting"


def test_practitioner_cannot_see_or_cancel_another_family_groups_invites(client, db, settings):
    ours = make_family(db, settings, name="Ours")
    theirs = make_family(db, settings, name="Theirs")
    made = make_invite(db, settings, theirs)
    client.sign_in(ours.practitioner.login, PASSPHRASE)
    assert client.get(f"/families/{theirs.id}/invites").status_code == 404
    for family_id in (theirs.id, ours.id):
        response = client.submit(
            f"/families/{family_id}/invites/{made.invite.id}/revoke",
            {"version": made.invite.version},
        )
        assert response.status_code == 404
    created = client.submit(
        f"/families/{theirs.id}/invites", {"invited_name": "X", "role": "family_member"}
    )
    assert created.status_code == 404
    assert invite_status(db, made.invite.id) == "waiting"
    assert len(db.exec(select(Invite)).all()) == 1


@pytest.mark.parametrize("who", ["parent", "young_person", "manager"])
def test_only_the_family_groups_practitioners_can_reach_invites(who, client, db, settings):
    setup = make_family(db, settings)
    made = make_invite(db, settings, setup)
    if who == "manager":
        login = make_user(db, settings, role=StaffRole.manager, team="Team A").login
    else:
        login = getattr(setup, who).login
    client.sign_in(login, PASSPHRASE)
    assert client.get(f"/families/{setup.id}/invites").status_code == 403
    created = client.submit(
        f"/families/{setup.id}/invites", {"invited_name": "Someone", "role": "family_member"}
    )
    assert created.status_code == 403
    revoked = client.submit(
        f"/families/{setup.id}/invites/{made.invite.id}/revoke", {"version": made.invite.version}
    )
    assert revoked.status_code == 403
    assert len(db.exec(select(Invite)).all()) == 1
    assert invite_status(db, made.invite.id) == "waiting"


def test_forms_without_the_csrf_token_are_refused(client, make_client, db, settings):
    setup = make_family(db, settings)
    made = make_invite(db, settings, setup)
    client.sign_in(setup.practitioner.login, PASSPHRASE)
    created = client.post(
        f"/families/{setup.id}/invites", data={"invited_name": "X", "role": "family_member"}
    )
    assert created.status_code == 403
    visitor = make_client()
    visitor.get(f"/join/{made.token}")
    joined = visitor.post(f"/join/{made.token}", data=join_form())
    assert joined.status_code == 403
    assert len(db.exec(select(Invite)).all()) == 1
    assert invite_status(db, made.invite.id) == "waiting"
    assert db.exec(select(User).where(User.login == "gran.rose")).first() is None


# --- Joining with a link --------------------------------------------------------------


def test_a_new_person_joins_and_sees_only_that_family_group(client, db, settings):
    setup = make_family(db, settings, name="The Okoro family")
    make_family(db, settings, name="The Smith family")
    made = make_invite(db, settings, setup, name="Gran Rose")

    page = soup(client.get(f"/join/{made.token}"))
    assert setup.practitioner.display_name in page.select_one("main").get_text()
    assert page.select_one("h1").get_text(strip=True) == "Join The Okoro family"
    assert page.select_one("input#display_name")["value"] == "Gran Rose"
    assert page.select_one("label[for=login]").get_text(strip=True) == "Choose a sign-in name"
    assert page.select_one("input#passphrase")["autocomplete"] == "new-password"

    response = client.submit(f"/join/{made.token}", join_form())

    assert response.status_code == 303
    assert response.headers["location"] == f"/families/{setup.id}"
    families = soup(client.get("/families"))
    assert [a.get_text(strip=True) for a in families.select(".card__title a")] == [
        "The Okoro family"
    ]
    user = db.exec(select(User).where(User.login == "gran.rose")).one()
    membership = db.exec(select(Membership).where(Membership.user_id == user.id)).one()
    assert membership.role.value == "family_member"
    actions = {e.action for e in db.exec(select(AuditEvent)).all()}
    assert {"invite_create", "invite_redeem"} <= actions


def test_a_weak_passphrase_is_shown_beside_the_field_and_the_names_are_kept(client, db, settings):
    setup = make_family(db, settings)
    made = make_invite(db, settings, setup)
    client.get(f"/join/{made.token}")
    response = client.submit(f"/join/{made.token}", join_form(passphrase="short"))
    assert response.status_code == 422
    page = soup(response)
    assert "at least 8 characters" in page.select_one("#passphrase-error").get_text()
    assert page.select_one("input#display_name")["value"] == "Rose"
    assert page.select_one("input#login")["value"] == "gran.rose"
    assert invite_status(db, made.invite.id) == "waiting"


def test_used_expired_cancelled_and_made_up_links_all_get_the_same_page(
    client, make_client, db, settings
):
    setup = make_family(db, settings)
    used = make_invite(db, settings, setup, name="Used")
    expired = make_invite(db, settings, setup, name="Expired")
    cancelled = make_invite(db, settings, setup, name="Cancelled")
    first = make_client()
    first.get(f"/join/{used.token}")
    assert first.submit(f"/join/{used.token}", join_form()).status_code == 303
    invites_service.revoke_invite(
        db,
        actor=actor_for(settings, setup.practitioner),
        access=FamilyAccess(family=setup.family, role=AccessRole.practitioner),
        invite_id=cancelled.invite.id,
        version=cancelled.invite.version,
    )
    db.commit()

    pages = [client.get(f"/join/{used.token}"), client.get(f"/join/{cancelled.token}")]
    pages.append(client.get("/join/this-was-never-a-token"))
    with time_machine.travel(utcnow() + timedelta(days=settings.invite_valid_days, hours=1)):
        pages.append(client.get(f"/join/{expired.token}"))

    assert {p.status_code for p in pages} == {404}
    assert len({main_text(p) for p in pages}) == 1
    assert NOT_WORKING in main_text(pages[0])
    again = client.submit(f"/join/{used.token}", join_form(login="someone.else"))
    assert NOT_WORKING in main_text(again)
    assert db.exec(select(User).where(User.login == "someone.else")).first() is None


def test_after_five_bad_links_even_a_good_one_waits(client, db, settings):
    setup = make_family(db, settings)
    made = make_invite(db, settings, setup)
    for n in range(5):
        assert client.get(f"/join/guess-{n}").status_code == 404
    response = client.get(f"/join/{made.token}")
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "wait" in main_text(response)
    assert client.submit(f"/join/{made.token}", join_form()).status_code == 429
    assert invite_status(db, made.invite.id) == "waiting"
    refused = db.exec(select(AuditEvent).where(AuditEvent.action == "invite_refused")).all()
    assert len(refused) >= 6


def test_a_signed_in_family_member_joins_a_second_family_group(client, db, settings):
    first = make_family(db, settings, name="Mum's family")
    second = make_family(db, settings, name="Dad's family")
    made = make_invite(db, settings, second, name="Gran")
    client.sign_in(first.parent.login, PASSPHRASE)

    page = soup(client.get(f"/join/{made.token}"))
    button = page.select_one(f"form[action='/join/{made.token}/accept'] button")
    assert button.get_text(strip=True) == f"Join as {first.parent.display_name}"
    assert page.select_one("input#passphrase") is None

    response = client.submit(f"/join/{made.token}/accept")

    assert response.status_code == 303
    assert response.headers["location"] == f"/families/{second.id}"
    names = {a.get_text(strip=True) for a in soup(client.get("/families")).select(".card__title a")}
    assert names == {"Mum's family", "Dad's family"}
    assert client.get(f"/families/{second.id}").status_code == 200
    assert invite_status(db, made.invite.id) == "used"


def test_a_staff_account_cannot_use_an_invite(client, db, settings):
    setup = make_family(db, settings)
    made = make_invite(db, settings, setup)
    client.sign_in(setup.practitioner.login, PASSPHRASE)
    page = client.get(f"/join/{made.token}")
    assert page.status_code == 403
    assert "sign out first" in main_text(page)
    assert client.submit(f"/join/{made.token}/accept").status_code == 403
    assert client.submit(f"/join/{made.token}", join_form()).status_code == 403
    assert invite_status(db, made.invite.id) == "waiting"
    assert db.exec(select(User).where(User.login == "gran.rose")).first() is None


# --- Every invite page can be translated ---------------------------------------------


@pytest.fixture
def bracketed(monkeypatch):
    monkeypatch.setitem(i18n.LANGUAGES, "eo", "Bracketed")
    original = i18n.translations
    monkeypatch.setattr(
        i18n, "translations", lambda locale: Bracketing() if locale == "eo" else original(locale)
    )


def test_every_invite_page_is_fully_translatable(bracketed, client, make_client, db, settings):
    setup = make_family(db, settings, name="The Okoro family")
    setup.practitioner.locale = "eo"
    db.add(setup.practitioner)
    db.commit()
    used = make_invite(db, settings, setup, name="Gran")
    waiting = make_invite(db, settings, setup, name="Tomi", role="young_person")
    typed = {"The Okoro family", "Gran", "Tomi", "Rose", "gran.rose"}
    typed |= {setup.practitioner.display_name, setup.practitioner.login}

    visitor = make_client()
    visitor.headers["Accept-Language"] = "eo"
    join_page = visitor.get(f"/join/{waiting.token}")
    bad_form = visitor.submit(f"/join/{waiting.token}", join_form(passphrase="x"))
    joined = visitor.submit(f"/join/{used.token}", join_form())
    welcome = visitor.get(joined.headers["location"])
    visitor.post("/logout", data={"csrf_token": visitor.last_token})
    not_valid = visitor.get("/join/nothing-here")
    for n in range(5):
        visitor.get(f"/join/more-{n}")
    throttled = visitor.get(f"/join/{waiting.token}")

    client.sign_in(setup.practitioner.login, PASSPHRASE)
    staff = client.get(f"/join/{waiting.token}")
    created = client.submit(
        f"/families/{setup.id}/invites", {"invited_name": "Gran", "role": "family_member"}
    )
    link = soup(created).select_one(".invite-link").get_text(strip=True)
    listing = client.get(f"/families/{setup.id}/invites")
    invalid = client.submit(f"/families/{setup.id}/invites", {"invited_name": ""})

    # The family's home page shows the family's own names; it speaks the joiner's language.
    assert welcome.status_code == 200
    assert untranslated(welcome.text, typed | {"Amir", "Parent", "Young person"}) == []
    pages = [join_page, bad_form, not_valid, throttled, staff, created, listing, invalid]
    assert [p.status_code for p in pages] == [200, 422, 404, 429, 403, 200, 200, 422]
    for page in pages:
        assert untranslated(page.text, typed | {link}) == [], page.request.url
