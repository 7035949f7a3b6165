"""The journey on a phone: a practitioner writes the referral with the family's consent and
moves the family group on to getting ready; the parent sees "Getting ready" as the step we
are at on the family home page. axe-core on every page state, at 360x740 and 1024x768."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from fgdm.config import Settings
from fgdm.families.models import Referral
from tests.browser.helpers import assert_accessible, screenshot, sign_in
from tests.factories import PASSPHRASE, make_family

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1024, "height": 768}


def _current_step(page: Page):
    return page.locator(".where-we-are__steps li[aria-current=step] .where-we-are__words")


def test_the_referral_is_written_the_family_agrees_and_the_group_moves_on(
    page: Page, new_phone: Callable[..., Page], db: Session, settings: Settings
) -> None:
    setup = make_family(db, settings, name="The Osei family")

    # The practitioner's phone: from the family home page to the journey.
    sign_in(page, setup.practitioner.login, PASSPHRASE)
    page.get_by_role("link", name="The Osei family").click()
    expect(page.get_by_role("heading", level=1, name="The Osei family")).to_be_visible()
    expect(_current_step(page)).to_have_text("Asking for a family meeting")
    page.get_by_role("link", name="Where we are: the steps of our family meeting").click()
    expect(page.get_by_role("heading", level=1, name="Where we are")).to_be_visible()
    expect(
        page.get_by_text("The worries, in plain words, written in the referral.")
    ).to_be_visible()
    assert_accessible(page)
    screenshot(page, "journey-phone")

    # The referral, with a problem first: the message is beside the field.
    page.get_by_role("link", name="Why a family meeting was asked for").click()
    expect(
        page.get_by_role("heading", level=1, name="Why a family meeting was asked for")
    ).to_be_visible()
    assert_accessible(page)
    page.get_by_label("The worries, in plain words").fill("Nobody is sure who looks after Amir.")
    page.get_by_label("The decision the family is asked to make").fill("Who Amir lives with.")
    page.get_by_role("group", name="Does the family agree to a family meeting?").get_by_label(
        "Yes"
    ).check()
    page.get_by_label("Date the family agreed").fill("2026-03-02")
    page.get_by_label("Who in the family agreed").fill("Ama Osei")
    page.get_by_role("button", name="Save the referral").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.locator("#referred_by-error")).to_contain_text(
        "Say who asked for the family meeting."
    )
    expect(page.get_by_label("Who in the family agreed")).to_have_value("Ama Osei")
    assert_accessible(page)
    page.get_by_label("Who asked for the family meeting").fill("Sam Lee, social worker")
    page.get_by_role("button", name="Save the referral").click()
    expect(page.locator(".referral-summary")).to_contain_text("Yes – Ama Osei")
    assert_accessible(page)

    # Back to the journey: nothing is missing now, so move on.
    page.get_by_role("link", name="Back to where we are").click()
    expect(page.get_by_text("Everything needed is in place.")).to_be_visible()
    page.get_by_label("Move on to: Getting ready").check()
    page.get_by_role("button", name="Change the step").click()
    expect(_current_step(page)).to_have_text("Getting ready")
    expect(page.locator(".journey-history li").first).to_contain_text("Getting ready")
    assert_accessible(page)
    screenshot(page, "journey-moved-phone")

    # The parent's phone: the family home page says where we are.
    phone = new_phone()
    sign_in(phone, setup.parent.login, PASSPHRASE)
    phone.get_by_role("link", name="The Osei family").click()
    expect(_current_step(phone)).to_have_text("Getting ready")
    assert_accessible(phone)
    screenshot(phone, "journey-home-phone")
    phone.goto(f"/families/{setup.id}/journey")
    expect(phone.locator("form.journey-move")).to_have_count(0)
    assert_accessible(phone)

    # The same pages on a desktop screen.
    phone.set_viewport_size(DESKTOP)
    phone.goto(f"/families/{setup.id}")
    expect(_current_step(phone)).to_have_text("Getting ready")
    assert_accessible(phone)
    page.set_viewport_size(DESKTOP)
    page.goto(f"/families/{setup.id}/journey")
    assert_accessible(page)
    page.goto(f"/families/{setup.id}/referral")
    assert_accessible(page)


def test_a_family_member_agrees_to_a_family_meeting_on_their_phone(
    page: Page, db: Session, settings: Settings
) -> None:
    setup = make_family(db, settings, name="The Osei family")
    db.add(
        Referral(
            family_group_id=setup.id,
            referred_by="Sam Lee, social worker",
            worries="Nobody is sure who looks after Amir.",
            decision_to_make="Who Amir lives with.",
        )
    )
    db.commit()
    sign_in(page, setup.parent.login, PASSPHRASE)
    page.goto(f"/families/{setup.id}/referral")
    expect(page.get_by_text("Nobody is sure who looks after Amir.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="We agree to a family meeting").click()
    expect(page.locator(".referral-summary")).to_contain_text(f"Yes – {setup.parent.display_name}")
    expect(page.get_by_role("button", name="We agree to a family meeting")).to_have_count(0)
    assert_accessible(page)
