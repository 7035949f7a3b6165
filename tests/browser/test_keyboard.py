"""The main tasks with only a keyboard, on a phone: signing in, adding a person to the
network, writing a plan action and agreeing the plan, by Tab, Enter, Space and typing. Each
thing the keyboard reaches shows where focus is; after a form is sent back with problems
focus is on the list of problems, and after htmx brings new content focus is on it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page, expect
from sqlmodel import Session

from fgdm.config import Settings
from tests.browser.helpers import assert_accessible
from tests.browser.test_plans import _setup as family_in_family_time
from tests.factories import PASSPHRASE

pytestmark = pytest.mark.browser

# How many presses of Tab may go by on the way to something (a page's header and
# navigation come first).
MOST_TABS = 60

# Where focus is now, whether it is the target, and whether it shows (the outline or
# shadow of :focus-visible, or of :focus on a field), read at one moment.
FOCUS_NOW = """target => {
  const el = document.activeElement;
  if (!el || el === document.body) return {isTarget: false, shown: true, html: ""};
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  return {
    isTarget: el === target,
    shown: outline || style.boxShadow !== "none",
    html: el.outerHTML.slice(0, 120),
  };
}"""


def tab_to(page: Page, target: Locator, *, backwards: bool = False) -> None:
    """Presses Tab until the target has focus, checking that every control passed on the
    way shows that it has focus."""
    for _ in range(MOST_TABS):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        now = target.evaluate(FOCUS_NOW)
        assert now["shown"], f"focus is not shown on {now['html']}"
        if now["isTarget"]:
            return
    pytest.fail(f"Tab never reached {target}", pytrace=False)


def sign_in_by_keyboard(page: Page, login: str, passphrase: str) -> None:
    page.goto("/login")
    tab_to(page, page.get_by_label("Sign-in name or email address"))
    page.keyboard.type(login)
    tab_to(page, page.get_by_label("Passphrase"))
    page.keyboard.type(passphrase)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name="Families")).to_be_visible()


def follow_link(page: Page, name: str) -> None:
    tab_to(page, page.get_by_role("link", name=name, exact=True).first)
    page.keyboard.press("Enter")


def test_signing_in_by_keyboard_and_a_failed_sign_in_puts_focus_on_the_problems(
    page: Page, db: Session, settings: Settings
) -> None:
    setup, _dad = family_in_family_time(db, settings)
    page.goto("/login")
    tab_to(page, page.get_by_role("button", name="Sign in"))
    page.keyboard.press("Enter")
    # A whole new page (no htmx): the list of problems has focus, and is read out.
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_be_focused()
    assert_accessible(page)
    # Its links take the keyboard to the field with the problem.
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_label("Sign-in name or email address")).to_be_focused()

    sign_in_by_keyboard(page, setup.parent.login, PASSPHRASE)


def test_adding_a_person_to_the_network_by_keyboard(
    page: Page, db: Session, settings: Settings
) -> None:
    setup, _dad = family_in_family_time(db, settings)
    sign_in_by_keyboard(page, setup.parent.login, PASSPHRASE)
    follow_link(page, "The Khan family")
    expect(page.get_by_role("heading", level=1, name="The Khan family")).to_be_visible()
    follow_link(page, "People who help us")
    expect(page.get_by_role("heading", level=1, name="People who help us")).to_be_visible()

    # Sent empty, htmx swaps the form back in place with its problems, and focus is on them.
    add = page.get_by_role("button", name="Add to our map")
    tab_to(page, add)
    page.keyboard.press("Enter")
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_be_focused()

    tab_to(page, page.get_by_label("Their name"))
    page.keyboard.type("Auntie Bea")
    # Into each group of choices with Tab; the arrow keys choose in it.
    tab_to(page, page.get_by_role("group", name="They are").get_by_role("radio").first)
    page.keyboard.press("Space")
    tab_to(
        page,
        page.get_by_role("group", name="How close are they to the children?")
        .get_by_role("radio")
        .first,
    )
    page.keyboard.press("Space")
    tab_to(page, add)
    page.keyboard.press("Enter")
    people = page.locator(".people-list")
    expect(people.get_by_role("link", name="Auntie Bea")).to_be_visible()
    # The map and its findings were swapped in: focus is on their first heading.
    expect(page.get_by_role("heading", name="Where the network could be stronger")).to_be_focused()
    assert_accessible(page)


def test_writing_a_plan_action_and_agreeing_the_plan_by_keyboard(
    page: Page, db: Session, settings: Settings
) -> None:
    setup, _dad = family_in_family_time(db, settings)
    sign_in_by_keyboard(page, setup.parent.login, PASSPHRASE)
    page.goto(f"/families/{setup.id}/plan")
    expect(page.get_by_role("heading", level=1, name="Our family plan")).to_be_visible()

    follow_link(page, "Add an action")
    expect(page.get_by_role("heading", level=1, name="Add an action")).to_be_visible()
    tab_to(page, page.get_by_label("What will be done"))
    page.keyboard.type("Nan takes Amir to school")
    tab_to(page, page.get_by_role("group", name="Who will do it").get_by_label("Nan"))
    page.keyboard.press("Space")
    expect(page.get_by_role("group", name="Who will do it").get_by_label("Nan")).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Add the action"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name="Our family plan")).to_be_visible()
    expect(page.locator(".plan-action__what")).to_have_text(["Nan takes Amir to school"])

    follow_link(page, "Agree to this plan")
    expect(page.get_by_role("heading", level=1, name="Agree to our family plan")).to_be_visible()
    tab_to(page, page.get_by_label("Your name"))
    page.keyboard.type("Nadia Khan")
    tab_to(page, page.get_by_label("I agree to this plan"))
    page.keyboard.press("Space")
    tab_to(page, page.get_by_role("button", name="Agree", exact=True))
    page.keyboard.press("Enter")
    expect(page.locator(".plan-agreement")).to_contain_text("Nadia Khan")
    assert_accessible(page)


def test_new_caseload_results_take_focus(page: Page, db: Session, settings: Settings) -> None:
    setup, _dad = family_in_family_time(db, settings)
    sign_in_by_keyboard(page, setup.practitioner.login, PASSPHRASE)
    page.goto("/caseload")
    tab_to(page, page.get_by_label("Search by name"))
    page.keyboard.type("Khan")
    tab_to(page, page.get_by_role("button", name="Show family groups"))
    page.keyboard.press("Enter")
    results = page.locator("#caseload-results")
    expect(results).to_contain_text("Showing 1 of 1 family group.")
    expect(results).to_be_focused()
