"""The review in a real browser: the practitioner, on a laptop, records what happened to
each action (forgetting the reason first: the message shows beside the field and the choice
stays), says what has changed and finishes the review; the parent's phone shows the result.
axe-core on every page state, at 360x740 and 1024x768."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from fgdm.config import Settings
from tests.browser.helpers import assert_accessible, sign_in
from tests.factories import PASSPHRASE, make_family
from tests.unit.test_plan_decision import make_plan
from tests.unit.test_review import make_review

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1024, "height": 768}
WHY = "The after-school club was full until June."


def test_a_practitioner_records_the_review_and_the_family_reads_it(
    page: Page, new_phone: Callable[..., Page], db: Session, settings: Settings
) -> None:
    setup = make_family(db, settings, name="The Khan family")
    make_plan(db, setup, actions=("Nan picks Amir up from school", "Mum asks for a club place"))
    meeting = make_review(db, setup)
    url = f"/families/{setup.id}/meetings/{meeting.id}/review"

    laptop = new_phone()
    laptop.set_viewport_size(LAPTOP)
    sign_in(laptop, setup.practitioner.login, PASSPHRASE)
    laptop.goto(f"/families/{setup.id}/meetings/{meeting.id}")
    laptop.get_by_role("link", name="What happened since the plan: the review").click()
    expect(laptop.get_by_role("heading", level=1, name="The review")).to_be_visible()
    assert_accessible(laptop)

    first, second = laptop.locator(".review-action").all()
    first.get_by_label("Done", exact=True).check()
    first.get_by_role("button", name="Save what happened").click()
    expect(laptop.locator(".review-action").first.locator(".review-outcome")).to_have_text("Done")

    second = laptop.locator(".review-action").nth(1)
    second.get_by_label("Partly done").check()
    second.get_by_role("button", name="Save what happened").click()
    second = laptop.locator(".review-action").nth(1)
    why = second.get_by_label("Why")
    expect(why).to_have_attribute("aria-invalid", "true")
    expect(laptop.locator(".error-summary")).to_contain_text("Say why it was not all done.")
    expect(second.get_by_label("Partly done")).to_be_checked()
    assert_accessible(laptop)
    why.fill(WHY)
    second.get_by_role("button", name="Save what happened").click()
    expect(laptop.locator(".review-action").nth(1).locator(".review-outcome")).to_contain_text(WHY)

    laptop.get_by_label("What has changed since the plan was made").fill("Dad moved out in May.")
    laptop.get_by_role("button", name="Save what has changed").click()
    expect(laptop.get_by_label("What has changed since the plan was made")).to_have_value(
        "Dad moved out in May."
    )
    laptop.get_by_role("button", name="Finish the review").click()
    expect(laptop.get_by_role("heading", name="This review is finished")).to_be_visible()
    assert_accessible(laptop)

    # The parent's phone (360x740): the result, and nothing to change here.
    sign_in(page, setup.parent.login, PASSPHRASE)
    page.goto(url)
    expect(page.get_by_role("heading", name="This review is finished")).to_be_visible()
    expect(page.locator(".review-action").nth(1)).to_contain_text(WHY)
    expect(page.get_by_text("Dad moved out in May.")).to_be_visible()
    expect(page.get_by_role("button", name="Save what happened")).to_have_count(0)
    expect(page.get_by_role("link", name="Add new scores")).to_be_visible()
    assert_accessible(page)
