"""Agreeing the plan in a real browser: the parent presents the plan on a phone; the
practitioner, on a laptop, first forgets the reason (the message shows beside the field and
what was typed stays), then marks one action not agreed with a reason; the parent's phone
shows which part was not agreed and why. Then the practitioner answers a request for help.
axe-core on every page state, at 360x740 and 1024x768."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from fgdm.config import Settings
from tests.browser.helpers import assert_accessible, screenshot, sign_in
from tests.factories import PASSPHRASE, make_family
from tests.unit.test_plan_decision import make_plan

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1024, "height": 768}
REASON = "Nan works until six, so nobody would collect Amir from school."


def test_an_action_not_agreed_with_a_reason_is_read_by_the_family(
    page: Page, new_phone: Callable[..., Page], db: Session, settings: Settings
) -> None:
    setup = make_family(db, settings, name="The Khan family")
    make_plan(db, setup)
    url = f"/families/{setup.id}/plan/decision"

    # The parent's phone (360x740): present the plan.
    sign_in(page, setup.parent.login, PASSPHRASE)
    page.goto(url)
    expect(page.get_by_role("heading", level=1, name="Agreeing the plan")).to_be_visible()
    expect(page.get_by_text("The family has not presented the plan yet.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Present this plan").click()
    expect(page.get_by_text("The family presented version 1 of the plan.")).to_be_visible()
    assert_accessible(page)

    # The practitioner's laptop (1024x768): a part not agreed, first without the reason.
    laptop = new_phone()
    laptop.set_viewport_size(LAPTOP)
    sign_in(laptop, setup.practitioner.login, PASSPHRASE)
    laptop.goto(url)
    expect(laptop.get_by_text("It is waiting for a decision.")).to_be_visible()
    assert_accessible(laptop)
    laptop.get_by_label("Not agreed (Action 1)").check()
    laptop.get_by_label("Some parts are not agreed").check()
    laptop.get_by_role("button", name="Record the decision").click()
    reason = laptop.get_by_label("Why it would leave a child unsafe (Action 1)")
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(laptop.locator(".error-summary")).to_contain_text(
        "Say why this part would leave a child unsafe."
    )
    expect(laptop.get_by_label("Not agreed (Action 1)")).to_be_checked()
    expect(laptop.get_by_label("Some parts are not agreed")).to_be_checked()
    assert_accessible(laptop)
    reason.fill(REASON)
    laptop.get_by_role("button", name="Record the decision").click()
    decision = laptop.locator("#decision .plan-decision")
    expect(decision).to_contain_text("These parts were not agreed, and why")
    expect(decision.locator(".plan-concern__reason")).to_contain_text(REASON)
    assert_accessible(laptop)

    # The practitioner answers the request for help: passed on, to whom.
    request = laptop.locator(".plan-request").first
    request.get_by_label("Passed on to someone else").check()
    request.get_by_role("textbox", name="Who it was passed on to").fill("Early Help team")
    request.get_by_role("button", name="Save the answer").click()
    request = laptop.locator(".plan-request").first
    expect(request.locator(".plan-request__reason")).to_have_text("Passed on to: Early Help team")
    assert_accessible(laptop)

    # The parent's phone: which part was not agreed, why, and the answer to the request.
    page.reload()
    decision = page.locator("#decision .plan-decision")
    expect(decision.locator(".plan-concern__part")).to_have_text(
        "An action: Nan picks Amir up from school every day"
    )
    expect(decision.locator(".plan-concern__reason")).to_contain_text(REASON)
    expect(page.locator(".plan-request__answer").first).to_contain_text("Passed on to someone else")
    expect(page.get_by_role("button", name="Record the decision")).to_have_count(0)
    assert_accessible(page)
    screenshot(page, "plan-decision-phone")
