"""Who has looked at a family's record, the admin pages, and the error pages, on a phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from fgdm.accounts.models import StaffRole
from fgdm.config import Settings
from tests.browser.helpers import assert_accessible, sign_in
from tests.factories import PASSPHRASE, make_family, make_user

pytestmark = pytest.mark.browser


def test_family_member_sees_who_has_looked_at_their_record(
    page: Page, db: Session, settings: Settings
) -> None:
    setup = make_family(db, settings, name="The Novak family")
    sign_in(page, setup.parent.login, PASSPHRASE)
    page.get_by_role("link", name="The Novak family").click()
    expect(page.get_by_role("heading", level=1, name="The Novak family")).to_be_visible()

    page.get_by_role("link", name="Who has looked at our record").click()
    heading = page.get_by_role("heading", level=1, name="Who has looked at our record")
    expect(heading).to_be_visible()
    # Opening the family's page a moment ago is written down.
    expect(page.get_by_role("main").get_by_role("listitem").first).to_be_visible()
    assert_accessible(page)


def test_admin_finds_staff_accounts_and_searches_the_audit_trail(
    page: Page, db: Session, settings: Settings
) -> None:
    practitioner = make_user(db, settings, role=StaffRole.practitioner, name="Priya Shah")
    admin = make_user(db, settings, role=StaffRole.admin)
    sign_in(page, admin.login, PASSPHRASE)
    nav = page.get_by_role("navigation", name="Main")

    nav.get_by_role("link", name="Accounts").click()
    expect(page.get_by_role("heading", level=1, name="Staff accounts")).to_be_visible()
    expect(page.get_by_role("rowheader", name="Priya Shah")).to_be_visible()
    assert_accessible(page)

    nav.get_by_role("link", name="Audit").click()
    expect(page.get_by_role("heading", level=1, name="Audit search")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Sign-in name of the person").fill(practitioner.login)
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", level=2, name=re.compile(r"events? found"))).to_be_visible()
    assert_accessible(page)


def test_page_not_found_is_accessible_signed_out_and_signed_in(
    page: Page, db: Session, settings: Settings
) -> None:
    response = page.goto("/no-such-page")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1, name="Page not found")).to_be_visible()
    assert_accessible(page)

    setup = make_family(db, settings)
    sign_in(page, setup.parent.login, PASSPHRASE)
    response = page.goto("/families/999999")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1, name="Page not found")).to_be_visible()
    page.get_by_role("link", name="Go to the start page").click()
    expect(page.get_by_role("heading", level=1, name="Families")).to_be_visible()
    assert_accessible(page)


def test_page_a_family_member_may_not_use_says_so_accessibly(
    page: Page, db: Session, settings: Settings
) -> None:
    setup = make_family(db, settings)
    sign_in(page, setup.parent.login, PASSPHRASE)
    response = page.goto("/families/new")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1, name="You cannot use this page")).to_be_visible()
    assert_accessible(page)
