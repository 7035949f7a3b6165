"""Signing in on a phone: errors a person can see and hear, the keyboard, and no JavaScript."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from fgdm.accounts.models import StaffRole
from fgdm.config import Settings
from tests.browser.helpers import assert_accessible, screenshot, sign_in
from tests.factories import PASSPHRASE, make_user

pytestmark = pytest.mark.browser


def test_wrong_passphrase_shows_the_problem_and_moves_focus_to_it(
    page: Page, db: Session, settings: Settings
) -> None:
    practitioner = make_user(db, settings, role=StaffRole.practitioner)
    page.goto("/login")
    expect(page.get_by_role("heading", level=1, name="Sign in")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "sign-in")

    page.get_by_label("Sign-in name or email address").fill(practitioner.login)
    page.get_by_label("Passphrase").fill("not the right passphrase")
    page.get_by_role("button", name="Sign in").click()

    summary = page.get_by_role("alert")
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(summary).to_be_focused()
    message = "The sign-in name or passphrase is not right."
    expect(summary.get_by_role("link", name=message)).to_be_visible()
    # The same message sits beside the field, and the field says it is in error.
    login_field = page.get_by_label("Sign-in name or email address")
    expect(login_field).to_have_attribute("aria-invalid", "true")
    expect(login_field).to_have_accessible_description(re.compile(f"Error: {re.escape(message)}"))
    expect(login_field).to_have_value(practitioner.login)
    assert_accessible(page)
    screenshot(page, "sign-in-error")

    page.get_by_label("Passphrase").fill(PASSPHRASE)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1, name="Families")).to_be_visible()
    expect(page.get_by_text(f"Signed in as {practitioner.display_name}")).to_be_visible()
    assert_accessible(page)


def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_the_main_content(
    page: Page, db: Session, settings: Settings
) -> None:
    practitioner = make_user(db, settings, role=StaffRole.practitioner)
    sign_in(page, practitioner.login, PASSPHRASE)

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    assert_accessible(page)

    page.keyboard.press("Enter")
    expect(page.get_by_role("main")).to_be_focused()
    # The next Tab stop is inside the main content, not back in the header.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Start a new family group")).to_be_focused()


def test_signing_in_and_starting_a_family_group_work_without_javascript(
    new_phone: Callable[..., Page], db: Session, settings: Settings
) -> None:
    practitioner = make_user(db, settings, role=StaffRole.practitioner)
    page = new_phone(javascript=False)
    sign_in(page, practitioner.login, PASSPHRASE)
    assert_accessible(page)

    page.get_by_role("link", name="Start a new family group").click()
    expect(page.get_by_role("heading", level=1, name="Start a new family group")).to_be_visible()
    assert_accessible(page)
    # Sent empty first: the form comes back with the problem, still without scripts.
    page.get_by_role("button", name="Create family group").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Name of the family group").fill("The Okafor family")
    page.get_by_label("First name").first.fill("Tobi")
    page.get_by_label("Or age in years").first.fill("6")
    page.get_by_role("button", name="Create family group").click()

    expect(page.get_by_role("heading", level=1, name="The Okafor family")).to_be_visible()
    expect(page.get_by_text("Tobi", exact=True).first).to_be_visible()
    assert_accessible(page)
