"""The family plan as a handout in a real browser: a practitioner opens the print page on a
phone, ticks the box for their own details and sees them, downloads the PDF and sees the
page as it prints; a young person reads the children's version. axe-core on every page
state, at 360x740 and 1024x768."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from fgdm.config import Settings
from tests.browser.helpers import assert_accessible, screenshot, sign_in
from tests.factories import PASSPHRASE, make_family
from tests.http.test_plan_print import EVERYONE_PHONE, STAFF_PHONE, write_plan

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1024, "height": 768}
PHONE = {"width": 360, "height": 740}


def _check_both_sizes(page: Page) -> None:
    assert_accessible(page)
    page.set_viewport_size(DESKTOP)
    assert_accessible(page)
    page.set_viewport_size(PHONE)


def test_a_practitioner_prints_the_plan_with_and_without_their_details(
    page: Page, db: Session, settings: Settings
) -> None:
    setup = make_family(db, settings, name="The Khan family")
    write_plan(db, settings, setup)
    sign_in(page, setup.practitioner.login, PASSPHRASE)

    page.goto(f"/families/{setup.id}/plan/print")
    expect(page.get_by_role("heading", level=1, name="Our family plan")).to_be_visible()
    table = page.get_by_role("table", name="What we will do")
    expect(table.get_by_role("cell", name="Nan picks Amir up from school")).to_be_visible()
    expect(table).to_contain_text(EVERYONE_PHONE)
    expect(page.locator("body")).not_to_contain_text(STAFF_PHONE)
    expect(page.get_by_role("img", name="QR code for the plan")).to_be_visible()
    _check_both_sizes(page)
    screenshot(page, "plan-print")

    page.get_by_label("Include details only practitioners can see").check()
    page.get_by_role("button", name="Show the plan").click()
    expect(page).to_have_url(f"{page.url.split('?')[0]}?staff=1")
    expect(page.get_by_text("This copy has details only practitioners can see.")).to_be_visible()
    expect(table).to_contain_text(STAFF_PHONE)
    expect(table.get_by_text("A worry")).to_be_visible()
    _check_both_sizes(page)

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the plan as a PDF").click()
    assert download.value.suggested_filename.startswith("family-plan-")
    assert download.value.suggested_filename.endswith(".pdf")

    # As it prints: the plan without the app around it or the tools to print it.
    page.emulate_media(media="print")
    expect(page.get_by_role("heading", level=1, name="Our family plan")).to_be_visible()
    expect(table).to_be_visible()
    expect(page.get_by_role("link", name="Back to the plan")).to_be_hidden()
    expect(page.get_by_role("button", name="Show the plan")).to_be_hidden()
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()


def test_a_young_person_reads_the_childrens_version(
    page: Page, new_phone: Callable[..., Page], db: Session, settings: Settings
) -> None:
    setup = make_family(db, settings, name="The Khan family")
    write_plan(db, settings, setup)
    sign_in(page, setup.young_person.login, PASSPHRASE)

    page.goto(f"/families/{setup.id}/plan/print")
    page.get_by_role("link", name="The plan for the children, with pictures").click()
    expect(page.get_by_role("heading", level=1, name="Our family plan for you")).to_be_visible()
    expect(page.get_by_text("Nan takes you home on Fridays.")).to_be_visible()
    expect(page.get_by_role("img", name="Bus")).to_be_visible()
    expect(page.get_by_text("Who will help: Nan")).to_be_visible()
    expect(page.get_by_text("You go to school.")).to_be_visible()
    _check_both_sizes(page)
    screenshot(page, "plan-children")

    # The print page works the same with scripts off, and a family member has no tick box.
    phone = new_phone(javascript=False)
    sign_in(phone, setup.parent.login, PASSPHRASE)
    phone.goto(f"/families/{setup.id}/plan/print?staff=1")
    expect(phone.get_by_role("heading", level=1, name="Our family plan")).to_be_visible()
    expect(phone.get_by_label("Include details only practitioners can see")).to_have_count(0)
    expect(phone.locator("body")).not_to_contain_text(STAFF_PHONE)
    assert_accessible(phone)
