"""The main flow on two phones: a practitioner starts a family group and makes an invite;
a parent opens the link on their own phone, joins, and sees that family group only."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from fgdm.accounts.models import StaffRole, User
from fgdm.config import Settings
from fgdm.families.models import MemberRole, Membership
from tests.browser.helpers import assert_accessible, screenshot, sign_in
from tests.factories import PASSPHRASE, make_family, make_user

pytestmark = pytest.mark.browser

PARENT_PASSPHRASE = "kettle orchard lantern puffin"


def test_parent_joins_with_an_invite_link_and_sees_only_their_family_group(
    page: Page, new_phone: Callable[..., Page], db: Session, settings: Settings
) -> None:
    someone_else = make_family(db, settings, name="The Hidden family", team="Team B")
    practitioner = make_user(db, settings, role=StaffRole.practitioner)

    # The practitioner's tablet: start the family group.
    sign_in(page, practitioner.login, PASSPHRASE)
    page.get_by_role("link", name="Start a new family group").click()
    expect(page.get_by_role("heading", level=1, name="Start a new family group")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Name of the family group").fill("The Asante family")
    page.get_by_label("First name").first.fill("Kofi")
    page.get_by_label("Or age in years").first.fill("7")
    page.get_by_role("button", name="Create family group").click()
    expect(page.get_by_role("heading", level=1, name="The Asante family")).to_be_visible()
    expect(page.get_by_text("Kofi", exact=True).first).to_be_visible()
    assert_accessible(page)
    screenshot(page, "family-home-practitioner")

    # Make an invite for the parent.
    page.get_by_role("link", name="Invite someone to join").click()
    expect(page.get_by_role("heading", level=1, name="Invite someone to join")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Their name").fill("Ama Asante")
    page.get_by_role("group", name="What will they do here?").get_by_label("Family member").check()
    page.get_by_role("button", name="Make an invite link").click()
    expect(page.get_by_role("heading", level=1, name="Invite link for Ama Asante")).to_be_visible()
    expect(page.get_by_role("img", name="QR code for the invite link")).to_be_visible()
    link = page.locator(".invite-link").inner_text().strip()
    assert "/join/" in link
    assert_accessible(page)
    screenshot(page, "invite-link")

    # The parent's phone: open the link and join.
    parent = new_phone()
    parent.goto(link)
    expect(parent.get_by_role("heading", level=1, name="Join The Asante family")).to_be_visible()
    expect(parent.get_by_label("Your name")).to_have_value("Ama Asante")
    assert_accessible(parent)
    screenshot(parent, "join")
    parent.get_by_label("Choose a sign-in name").fill("ama.asante")
    parent.get_by_label("Choose a passphrase").fill(PARENT_PASSPHRASE)
    parent.get_by_role("button", name="Join", exact=True).click()

    expect(parent.get_by_role("heading", level=1, name="The Asante family")).to_be_visible()
    expect(parent.get_by_text("Signed in as Ama Asante")).to_be_visible()
    # Making invites is for practitioners only.
    expect(parent.get_by_role("link", name="Invite someone to join")).to_have_count(0)
    assert_accessible(parent)
    screenshot(parent, "family-home-parent")

    # Their list of family groups has this one and nothing else.
    parent.get_by_role("navigation", name="Main").get_by_role("link", name="Families").click()
    expect(parent.get_by_role("heading", level=1, name="Families")).to_be_visible()
    family_links = parent.get_by_role("main").get_by_role("heading", level=2).get_by_role("link")
    expect(family_links).to_have_text(["The Asante family"])
    expect(parent.get_by_text("The Hidden family")).to_have_count(0)
    assert_accessible(parent)

    # Another family group's address answers as if it did not exist.
    response = parent.goto(f"/families/{someone_else.id}")
    assert response is not None and response.status == 404
    expect(parent.get_by_role("heading", level=1, name="Page not found")).to_be_visible()
    expect(parent.get_by_text("The Hidden family")).to_have_count(0)
    assert_accessible(parent)

    # The practitioner sees that the invite has been used.
    page.get_by_role("link", name="Back to invites").click()
    expect(page.get_by_text("Used by Ama Asante")).to_be_visible()
    assert_accessible(page)

    joined = db.exec(select(User).where(User.login == "ama.asante")).one()
    memberships = db.exec(select(Membership).where(Membership.user_id == joined.id)).all()
    assert [(m.role, m.removed_at) for m in memberships] == [(MemberRole.family_member, None)]
    assert joined.staff_role is None
