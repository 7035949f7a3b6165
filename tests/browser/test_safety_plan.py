"""The safety plan on a tablet and a phone: a practitioner adds a rule with a person who
does it and a picture, a parent reads the plan and agrees with their name, the rule
changes, the parent sees the banner, reads what changed and agrees again; the children's
version shows the picture. axe-core on every page state."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from fgdm.config import Settings
from fgdm.families import service as families_service
from fgdm.network import service as network_service
from fgdm.network.service import PersonInput
from fgdm.safety.models import SafetyPlanAgreement
from tests.browser.helpers import assert_accessible, screenshot, sign_in
from tests.factories import PASSPHRASE, actor_for, make_family

pytestmark = pytest.mark.browser

TABLET = {"width": 800, "height": 1280}


def _open_plan(page: Page, family_name: str) -> None:
    page.goto("/families")
    page.get_by_role("link", name=family_name).click()
    page.get_by_role("link", name="Our safety plan").click()
    expect(page.get_by_role("heading", level=1, name="Our safety plan")).to_be_visible()
    assert_accessible(page)


def test_a_rule_is_added_agreed_changed_and_agreed_again(
    page: Page, new_phone: Callable[..., Page], db: Session, settings: Settings
) -> None:
    setup = make_family(db, settings, name="The Khan family")
    access = families_service.get_access(db, user=setup.practitioner, family_group_id=setup.id)
    assert access is not None
    network_service.add_person(
        db,
        actor=actor_for(settings, setup.practitioner),
        access=access,
        data=PersonInput(known_as="Nan", kind="family"),
    )
    db.commit()

    # The practitioner's tablet: add a rule with Nan doing it and a picture.
    page.set_viewport_size(TABLET)
    sign_in(page, setup.practitioner.login, PASSPHRASE)
    _open_plan(page, "The Khan family")
    page.get_by_role("link", name="Add a rule").click()
    expect(page.get_by_role("heading", level=1, name="Add a rule")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("What will happen").fill("Nan picks the children up from school")
    page.get_by_role("group", name="Who does it").get_by_label("Nan").check()
    page.get_by_label("Words for the children").fill("Nan takes you home from school.")
    page.locator("label[for=pictogram-bus]").click()
    expect(page.get_by_role("radio", name="Bus")).to_be_checked()
    page.get_by_role("button", name="Add the rule").click()
    rule = page.locator(".plan-rule").first
    expect(rule.locator(".plan-rule__what")).to_have_text("Nan picks the children up from school")
    expect(rule.locator(".plan-rule__who")).to_have_text("Nan")
    assert_accessible(page)
    screenshot(page, "safety-plan-tablet")

    # The parent's phone: read the plan and agree with their name.
    phone = new_phone()
    sign_in(phone, setup.parent.login, PASSPHRASE)
    _open_plan(phone, "The Khan family")
    expect(phone.locator(".plan-rule__what")).to_have_text("Nan picks the children up from school")
    phone.get_by_role("link", name="Agree to this plan").click()
    expect(phone.get_by_role("heading", level=1, name="Agree to the safety plan")).to_be_visible()
    expect(phone.get_by_label("Your name")).to_have_value(setup.parent.display_name)
    assert_accessible(phone)
    phone.get_by_label("Your name").fill("Nadia Khan")
    phone.get_by_label("I agree to this plan").check()
    phone.get_by_role("button", name="Agree").click()
    expect(phone.locator(".plan-agreement")).to_contain_text("as «Nadia Khan»")
    assert_accessible(phone)
    screenshot(phone, "safety-plan-agreed")

    # The practitioner changes the rule.
    page.get_by_role("link", name="Change rule 1").click()
    expect(page.get_by_role("heading", level=1, name="Rule 1")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("What will happen").fill("Nan picks the children up from school at three")
    page.get_by_role("button", name="Save the rule").click()
    expect(page.locator(".plan-rule__what")).to_have_text(
        "Nan picks the children up from school at three"
    )
    expect(page.locator(".plan-agreement--old")).to_contain_text("needs to agree again")

    # The parent sees the banner on the family page, reads the changes and agrees again.
    phone.get_by_role("link", name="Back to The Khan family").click()
    banner = phone.locator(".plan-banner")
    expect(banner).to_contain_text("The safety plan has changed since you agreed to it.")
    assert_accessible(phone)
    banner.get_by_role("link", name="Read what changed").click()
    since = phone.locator(".plan-since")
    expect(since.locator("ins")).to_contain_text("at three")
    assert_accessible(phone)
    screenshot(phone, "safety-plan-changes")
    since.get_by_role("link", name="Read the plan and agree again").click()
    expect(phone.get_by_text(re.compile(r"This is version 2 of the plan"))).to_be_visible()

    # While the parent reads, the practitioner writes what happens if the plan is not working.
    page.get_by_role("link", name="Change what we do if the plan is not working").click()
    assert_accessible(page)
    page.get_by_label("What will everyone do if the plan is not working?").fill("Call Nan")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#if-not-working + p")).to_have_text("Call Nan")

    # The parent's agreement is to a version they did not see: nothing is recorded.
    phone.get_by_label("I agree to this plan").check()
    phone.get_by_role("button", name="Agree").click()
    expect(phone.locator(".plan-changed")).to_contain_text(
        "The plan changed while you were reading. Read the changes and agree again."
    )
    expect(phone.get_by_text(re.compile(r"This is version 3 of the plan"))).to_be_visible()
    expect(phone.get_by_text("Call Nan")).to_be_visible()
    assert_accessible(phone)
    phone.get_by_label("I agree to this plan").check()
    phone.get_by_role("button", name="Agree").click()
    expect(phone.locator(".plan-agreement")).not_to_contain_text("needs to agree again")
    expect(phone.locator(".plan-banner")).to_have_count(0)
    db.expire_all()
    assert [a.revision for a in db.exec(select(SafetyPlanAgreement))] == [1, 3]

    # The children's version: the picture and the children's words, big.
    phone.get_by_role("link", name="The plan for the children").click()
    card = phone.locator(".plan-child-card")
    expect(card.get_by_role("img", name="Bus")).to_be_visible()
    expect(card.locator(".plan-child-card__words")).to_have_text("Nan takes you home from school.")
    assert_accessible(phone)
    screenshot(phone, "safety-plan-children")
