"""My account on a phone: where you are signed in, and changing your passphrase."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from fgdm.config import Settings
from tests.browser.helpers import assert_accessible, sign_in
from tests.factories import PASSPHRASE, make_family

pytestmark = pytest.mark.browser

NEW_PASSPHRASE = "marble heron cactus violin"


def test_account_lists_both_phones_and_signs_out_the_other_one(
    page: Page, new_phone: Callable[..., Page], db: Session, settings: Settings
) -> None:
    parent = make_family(db, settings).parent
    other_phone = new_phone()
    sign_in(other_phone, parent.login, PASSPHRASE)
    sign_in(page, parent.login, PASSPHRASE)

    page.get_by_role("link", name="My account").click()
    expect(page.get_by_role("heading", level=1, name="My account")).to_be_visible()
    sessions = page.get_by_role("list").filter(has=page.get_by_text("This device"))
    expect(sessions.get_by_role("listitem")).to_have_count(2)
    expect(sessions.get_by_text("Another device")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Sign out this device").click()
    expect(page.get_by_role("status")).to_have_text("That device has been signed out.")
    expect(page.get_by_role("button", name="Sign out this device")).to_have_count(0)
    assert_accessible(page)

    other_phone.reload()
    expect(other_phone.get_by_role("heading", level=1, name="Sign in")).to_be_visible()
    assert_accessible(other_phone)


def test_a_common_password_is_refused_beside_the_field_and_a_passphrase_is_accepted(
    page: Page, db: Session, settings: Settings
) -> None:
    parent = make_family(db, settings).parent
    sign_in(page, parent.login, PASSPHRASE)
    page.goto("/account")

    page.get_by_label("Current passphrase").fill(PASSPHRASE)
    page.get_by_label("New passphrase").fill("password123")
    page.get_by_role("button", name="Change passphrase").click()

    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link", name=re.compile("too common"))).to_be_visible()
    new_field = page.get_by_label("New passphrase")
    expect(new_field).to_have_attribute("aria-invalid", "true")
    expect(new_field).to_have_accessible_description(
        re.compile("Error: That passphrase is too common and easy to guess.")
    )
    # Passphrases are never sent back to the page.
    expect(new_field).to_have_value("")
    assert_accessible(page)

    # The summary's link takes a keyboard user straight to the field.
    summary.get_by_role("link").click()
    expect(new_field).to_be_focused()

    page.get_by_label("Current passphrase").fill(PASSPHRASE)
    new_field.fill(NEW_PASSPHRASE)
    page.get_by_role("button", name="Change passphrase").click()
    expect(page.get_by_role("status")).to_contain_text("Your passphrase has been changed.")
    assert_accessible(page)

    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Sign in")).to_be_visible()
    sign_in(page, parent.login, NEW_PASSPHRASE)
