"""Two-step sign-in on a phone: a practitioner sets up an authenticator app, keeps the
recovery codes, then signs in with a code; every page passes axe-core."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from fgdm.accounts.models import StaffRole
from fgdm.config import Settings
from fgdm.db import utcnow
from tests.browser.helpers import assert_accessible, screenshot, sign_in
from tests.factories import PASSPHRASE, make_user

pytestmark = pytest.mark.browser


def test_a_practitioner_sets_up_two_step_sign_in_and_signs_in_with_a_code(
    page: Page, db: Session, settings: Settings
) -> None:
    practitioner = make_user(db, settings, role=StaffRole.practitioner)
    sign_in(page, practitioner.login, PASSPHRASE)
    page.goto("/account")
    page.get_by_role("link", name="Two-step sign-in").click()
    expect(page.get_by_role("heading", level=1, name="Two-step sign-in")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Set up two-step sign-in").click()

    expect(
        page.get_by_role("img", name="QR code to add fgdm to your authenticator app")
    ).to_be_visible()
    key = page.locator("code.secret-key").inner_text().replace(" ", "")
    totp = pyotp.TOTP(key)
    page.get_by_label("Code from the app").fill("123")
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    expect(page.get_by_role("alert")).to_be_focused()
    expect(page.get_by_label("Code from the app")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)
    screenshot(page, "two-step-set-up")

    # Codes a browser test types are seconds old when the server reads them: the set-up uses
    # the code of now and the sign-in the next one, both inside the server's window of one
    # step either side, and the second after the first as each code works once.
    page.get_by_label("Code from the app").fill(totp.now())
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    expect(page.get_by_role("heading", level=1, name="Your recovery codes")).to_be_visible()
    codes = page.locator(".recovery-codes code")
    expect(codes).to_have_count(10)
    assert_accessible(page)
    page.get_by_role("link", name="I have kept them safe: continue").click()
    expect(page.get_by_text("You have 10 recovery codes left.")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("Sign-in name or email address").fill(practitioner.login)
    page.get_by_label("Passphrase").fill(PASSPHRASE)
    page.get_by_role("button", name="Sign in").click()
    expect(
        page.get_by_role("heading", level=1, name="Enter the code from your app")
    ).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Code").fill(totp.at(utcnow() + timedelta(seconds=30)))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1, name="Families")).to_be_visible()
    expect(page.get_by_text(f"Signed in as {practitioner.display_name}")).to_be_visible()
