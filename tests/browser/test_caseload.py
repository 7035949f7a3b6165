"""The caseload in a real browser: on a phone each family group is a card with no sideways
scrolling, sorted by review date with the form; on a desktop a table whose column headers
sort it (htmx swaps the table) and say how it is sorted. axe-core on every state."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from fgdm.accounts.models import StaffRole
from fgdm.config import Settings
from fgdm.db import utcnow
from tests.browser.helpers import assert_accessible, screenshot, sign_in
from tests.factories import PASSPHRASE, make_family, make_user
from tests.unit.test_caseload import fill_family

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1024, "height": 768}


def _caseload(db: Session, settings: Settings):
    worker = make_user(db, settings, role=StaffRole.practitioner)
    today = utcnow().date()
    for name, child, days in (("Adams", "Ben", 20), ("Brown", "Leo", 60), ("Clarke", "Ivy", -5)):
        setup = make_family(db, settings, practitioner=worker, name=name, children=(child,))
        fill_family(db, setup.family, scorer=worker, review_date=today + timedelta(days=days))
    return worker


def _family_names(page: Page) -> list[str]:
    return page.locator("tbody th[scope=row] > a").all_inner_texts()


def test_on_a_phone_each_family_is_a_card_and_sorting_by_review_puts_the_overdue_first(
    page: Page, db: Session, settings: Settings
) -> None:
    worker = _caseload(db, settings)
    sign_in(page, worker.login, PASSPHRASE)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Caseload").click()
    expect(page.get_by_role("heading", level=1, name="Caseload")).to_be_visible()
    assert _family_names(page) == ["Adams", "Brown", "Clarke"]
    assert_accessible(page)
    # Cards, not a table wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    expect(page.locator("thead")).not_to_be_in_viewport()
    card = page.locator("tbody tr").filter(has_text="Clarke")
    # Each value says which column it is, to the eye and to a screen reader.
    expect(card.get_by_role("cell", name=re.compile(r"^Review date: .*Overdue"))).to_be_visible()

    page.get_by_label("Sort by").select_option(label="Review date")
    page.get_by_role("button", name="Show family groups").click()
    expect(page.locator("th[aria-sort=ascending]")).to_contain_text("Review date")
    assert _family_names(page) == ["Clarke", "Adams", "Brown"]
    assert "sort=review" in page.url
    assert_accessible(page)
    screenshot(page, "caseload-phone")

    page.get_by_label("Only reviews that are overdue").check()
    page.get_by_role("button", name="Show family groups").click()
    expect(page.get_by_text("Showing 1 of 3 family groups.")).to_be_visible()
    assert _family_names(page) == ["Clarke"]
    assert_accessible(page)


def test_on_a_desktop_the_column_headers_sort_the_table(
    page: Page, db: Session, settings: Settings
) -> None:
    worker = _caseload(db, settings)
    page.set_viewport_size(DESKTOP)
    sign_in(page, worker.login, PASSPHRASE)
    page.goto("/caseload")
    table = page.get_by_role("table")
    expect(table.get_by_role("columnheader", name="Family")).to_be_visible()
    expect(page.locator("th[aria-sort]")).to_have_attribute("aria-sort", "ascending")
    assert_accessible(page)

    table.get_by_role("link", name="Review date").click()
    expect(page.locator("th[aria-sort=ascending]")).to_contain_text("Review date")
    assert _family_names(page) == ["Clarke", "Adams", "Brown"]
    expect(page.locator("tbody tr").first).to_contain_text("Overdue")
    assert "sort=review" in page.url
    assert_accessible(page)

    table.get_by_role("link", name="Review date").click()
    expect(page.locator("th[aria-sort=descending]")).to_contain_text("Review date")
    assert _family_names(page) == ["Brown", "Adams", "Clarke"]
    assert_accessible(page)
    screenshot(page, "caseload-desktop")
