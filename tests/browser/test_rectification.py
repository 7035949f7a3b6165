"""Rectification on a phone: a parent reads a practitioner's worry, says they do not agree
in their own words, and the note shows beside the worry; the practitioner's correction
keeps what it said before. axe-core on each page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from fgdm.config import Settings
from fgdm.families import service as families_service
from fgdm.safety import service as safety_service
from tests.browser.helpers import assert_accessible, screenshot, sign_in
from tests.factories import PASSPHRASE, actor_for, make_family

pytestmark = pytest.mark.browser

WORRY = "Dad shouted at the children at the school gate"


def test_a_parent_says_they_do_not_agree_beside_the_practitioners_worry(
    page: Page, db: Session, settings: Settings
) -> None:
    setup = make_family(db, settings, name="The Novak family")
    access = families_service.get_access(db, user=setup.practitioner, family_group_id=setup.id)
    item = safety_service.add_item(
        db,
        actor=actor_for(settings, setup.practitioner),
        access=access,
        column="worried",
        kind="past_harm",
        text=WORRY,
        share=True,
    )
    db.commit()
    safety_service.update_item(
        db,
        actor=actor_for(settings, setup.practitioner),
        access=access,
        item_id=item.id,
        version=1,
        kind="past_harm",
        text=WORRY + " on Monday",
        share=True,
    )
    db.commit()

    sign_in(page, setup.parent.login, PASSPHRASE)
    page.get_by_role("link", name="The Novak family").click()
    page.get_by_role("link", name="Worries and what is working well").click()
    page.get_by_role("link", name="Say you do not agree with this").click()
    expect(page.get_by_role("heading", level=1, name="Say you do not agree")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Save my note").click()
    expect(page.locator("#text-error")).to_contain_text("own words")
    assert_accessible(page)
    page.get_by_label("What do you not agree with, and why?").fill(
        "He raised his voice at me, not at the children"
    )
    page.get_by_role("button", name="Save my note").click()

    worry = page.locator(".mapping-item").filter(has_text=WORRY)
    expect(worry.locator(".family-note")).to_contain_text("Parent does not agree")
    expect(worry.locator(".family-note")).to_contain_text("not at the children")
    worry.get_by_text("Changed once: see what it said before").click()
    expect(worry.locator(".earlier-wording .safety-text")).to_have_text(WORRY)
    assert_accessible(page)
    screenshot(page, "rectification-note")
