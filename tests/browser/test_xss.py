"""Stored cross-site scripting in a real browser: a family group with attack text in every
free-text field is opened on a phone, page by page, as its practitioner and as a parent. No
script of the attack runs (no alert dialog ever opens), the words show as words, and (as in
every browser test) nothing trips the content security policy or logs an error."""

from __future__ import annotations

import pytest
from playwright.sync_api import Dialog, Page, expect
from sqlmodel import Session

from fgdm.config import Settings
from tests.browser.helpers import sign_in
from tests.factories import PASSPHRASE
from tests.security.test_stored_xss import ALL, SCRIPT, build_payload_family

pytestmark = pytest.mark.browser


def _pages(family_id: int, ids: dict[str, int], person_id: int, child_id: int) -> list[str]:
    family = f"/families/{family_id}"
    story = f"{family}/stories/{ids['story_id']}"
    return [
        family,
        f"{family}/network",
        f"{family}/network/people/{person_id}",
        f"{family}/network/people/{child_id}",
        f"{family}/network/what-if?remove={person_id}",
        f"{family}/mapping",
        f"{family}/mapping/items/{ids['item_id']}",
        f"{family}/mapping/danger-statements/{ids['danger_id']}",
        f"{family}/scaling",
        f"{family}/safety-plan",
        f"{family}/safety-plan/rules/{ids['rule_id']}",
        f"{family}/safety-plan/history",
        f"{family}/safety-plan/children",
        f"{family}/safety-plan/print",
        f"{family}/stories",
        f"{story}/read",
        f"{story}/read?page=2",
        f"{story}/booklet",
        f"{family}/three-houses/{child_id}",
        f"{family}/three-houses/{child_id}/print",
        f"{family}/audit",
        "/families",
        "/account",
    ]


def _open_every_page(page: Page, urls: list[str], dialogs: list[str]) -> int:
    opened = 0
    for url in urls:
        response = page.goto(url)
        assert response is not None
        if response.status != 200:
            continue
        opened += 1
        page.wait_for_load_state("load")
        assert dialogs == [], f"{url}: {dialogs}"
    return opened


def _watch_dialogs(page: Page) -> list[str]:
    dialogs: list[str] = []

    def seen(dialog: Dialog) -> None:
        dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", seen)
    return dialogs


def test_attack_text_never_runs_on_any_page_a_practitioner_opens(
    page: Page, db: Session, settings: Settings
) -> None:
    setup = build_payload_family(db, settings)
    dialogs = _watch_dialogs(page)
    sign_in(page, setup.practitioner.login, PASSPHRASE)
    urls = _pages(setup.family_id, setup.ids, setup.person_ids[0], setup.child_ids[0])
    assert _open_every_page(page, urls, dialogs) == len(urls)

    # The words are shown as words, on the page and in the network map.
    page.goto(f"/families/{setup.family_id}/safety-plan")
    expect(page.get_by_text(ALL).first).to_be_visible()
    page.goto(f"/families/{setup.family_id}/network")
    assert page.locator("svg text", has_text="<script>").count() > 0

    # Typed into a form and sent with htmx, attack text comes back as text too.
    page.get_by_label("Their name").fill(SCRIPT)
    page.get_by_role("button", name="Add to our map").click()
    expect(page.get_by_text(SCRIPT, exact=False).first).to_be_visible()
    page.wait_for_timeout(300)
    assert dialogs == []


def test_attack_text_never_runs_on_any_page_a_parent_opens(
    page: Page, db: Session, settings: Settings
) -> None:
    setup = build_payload_family(db, settings)
    dialogs = _watch_dialogs(page)
    sign_in(page, setup.parent.login, PASSPHRASE)
    urls = _pages(setup.family_id, setup.ids, setup.person_ids[0], setup.child_ids[0])
    # The parent was chosen to see the child's three houses, so every page opens for them.
    assert _open_every_page(page, urls, dialogs) == len(urls)
    page.goto(f"/families/{setup.family_id}")
    expect(page.get_by_text(ALL).first).to_be_visible()
    assert dialogs == []
