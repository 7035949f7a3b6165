"""Installable and readable offline, in a real phone-sized Chromium: the manifest and the
service worker are picked up and the app can be installed; a plan opened once reads
offline with a banner saying when it was saved; a page never opened gives the offline
page; signing out, or someone else signing in, leaves nothing of the family behind, and
one person's saved pages are never shown to another.

`context.set_offline(True)` cuts the page's requests and, in Debian's Chromium driven by
this Playwright, the service worker's own fetches too: a saved page reads offline only
because the worker's fetch failed and it answered from its cache. The tests check what the
person sees (the saved copy with its banner, or the offline page), never which layer
refused the request; `test_a_plan_opened_once_reads_offline_with_a_banner_saying_when_it_was_saved`
would fail first if a later browser let the worker's fetches through while offline."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import Error as PlaywrightError
from sqlmodel import Session

from fgdm.config import Settings
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE
from tests.browser.helpers import assert_accessible, sign_in
from tests.factories import PASSPHRASE, FamilySetup, make_family

pytestmark = pytest.mark.browser

# What this phone keeps: cache names, the addresses in each cache, and storage.
KEPT = """async () => {
  const kept = {};
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    kept[name] = (await cache.keys()).map((request) => new URL(request.url).pathname);
  }
  return kept;
}"""
STORAGE = """async () => {
  const databases = indexedDB.databases ? await indexedDB.databases() : [];
  const rows = [];
  for (const info of databases) {
    const db = await new Promise((ok, fail) => {
      const opening = indexedDB.open(info.name);
      opening.onsuccess = () => ok(opening.result);
      opening.onerror = () => fail(opening.error);
    });
    for (const store of db.objectStoreNames) {
      const count = await new Promise((ok) => {
        const asking = db.transaction(store).objectStore(store).count();
        asking.onsuccess = () => ok(asking.result);
      });
      if (count) rows.push(`${info.name}/${store}: ${count}`);
    }
    db.close();
  }
  return { rows: rows, localStorage: localStorage.length };
}"""


@pytest.fixture
def family(db: Session, settings: Settings) -> FamilySetup:
    return make_family(db, settings, name="The Shah family")


def _ready(page: Page) -> None:
    """Waits until the service worker is active and looks after this page."""
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    if not page.evaluate("() => Boolean(navigator.serviceWorker.controller)"):
        page.reload()
    page.wait_for_function("() => Boolean(navigator.serviceWorker.controller)")


def _kept_pages(page: Page) -> dict[str, list[str]]:
    kept = page.evaluate(KEPT)
    return {name: paths for name, paths in kept.items() if name.startswith("fgdm-pages-")}


def _open_and_keep(page: Page, url: str) -> None:
    """Opens a page online, through the service worker, and waits until it is kept."""
    page.goto(url)
    _ready(page)
    page.goto(url)
    page.wait_for_function(
        """async (path) => {
          for (const name of await caches.keys()) {
            if (!name.startsWith("fgdm-pages-")) continue;
            if (await (await caches.open(name)).match(path)) return true;
          }
          return false;
        }""",
        arg=url,
    )


def _parent_keeps_the_plan(page: Page, family: FamilySetup) -> str:
    """The parent signs in and opens the family plan, which the phone keeps; its address."""
    sign_in(page, family.parent.login, PASSPHRASE)
    plan = f"/families/{family.id}/plan"
    _open_and_keep(page, plan)
    return plan


def _offline_page_shown(page: Page) -> None:
    expect(page.get_by_role("heading", level=1, name="You are offline")).to_be_visible()
    expect(page.get_by_text("This page has not been saved on this phone yet.")).to_be_visible()


def test_the_app_is_installable_with_its_manifest_and_service_worker(
    chromium: Browser, live_server: str, family: FamilySetup, tmp_path: Path
) -> None:
    # A browser profile of its own: Chromium never offers to install from a private window,
    # which is what the other tests' browser contexts are.
    context = chromium.browser_type.launch_persistent_context(
        tmp_path / "profile",
        executable_path=str(CHROMIUM),
        args=CHROMIUM_ARGS,
        headless=True,
        base_url=live_server,
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        locale="en-GB",
    )
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    sign_in(page, family.parent.login, PASSPHRASE)
    _ready(page)
    scope = page.evaluate("() => navigator.serviceWorker.ready.then((r) => r.scope)")
    assert scope == page.url.split("/families")[0] + "/"
    cdp = page.context.new_cdp_session(page)
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["errors"] == []
    assert manifest["url"].endswith("/manifest.webmanifest")
    assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []
    context.close()
    assert problems == []


def test_a_plan_opened_once_reads_offline_with_a_banner_saying_when_it_was_saved(
    page: Page, family: FamilySetup
) -> None:
    plan = _parent_keeps_the_plan(page, family)
    expect(page.locator("#offline-banner")).to_have_text("")

    page.context.set_offline(True)
    page.goto(plan)
    expect(page.get_by_role("heading", level=1, name="Our family plan")).to_be_visible()
    banner = page.get_by_role("status").filter(has_text="You are offline.")
    expect(banner).to_be_visible()
    saved = re.compile(r"^Saved on \d{1,2} \w+ \d{4} at \d{2}:\d{2}\. You are offline\.$")
    expect(banner).to_have_text(saved)
    assert_accessible(page)

    # Back online, the page comes from the network again and the banner goes.
    page.context.set_offline(False)
    page.goto(plan)
    expect(page.get_by_role("heading", level=1, name="Our family plan")).to_be_visible()
    expect(page.locator("#offline-banner")).to_have_text("")


def test_the_banner_shows_when_the_connection_drops_and_goes_when_it_returns(
    page: Page, family: FamilySetup
) -> None:
    sign_in(page, family.parent.login, PASSPHRASE)
    page.goto(f"/families/{family.id}/safety-plan")
    banner = page.locator("#offline-banner")
    expect(banner).to_have_text("")
    page.context.set_offline(True)
    expect(banner).to_have_text("You are offline.")
    expect(banner).to_be_visible()
    expect(banner).to_have_attribute("role", "status")
    assert_accessible(page)
    page.context.set_offline(False)
    expect(banner).to_have_text("")


def test_a_page_never_opened_gives_the_offline_page(page: Page, family: FamilySetup) -> None:
    _parent_keeps_the_plan(page, family)
    page.context.set_offline(True)
    page.goto(f"/families/{family.id}/stories")
    _offline_page_shown(page)
    assert_accessible(page)
    # Its way back returns to the page before.
    page.get_by_role("link", name="Go back").click()
    expect(page.get_by_role("heading", level=1, name="Our family plan")).to_be_visible()


def test_signing_out_leaves_no_family_data_on_the_phone(page: Page, family: FamilySetup) -> None:
    _parent_keeps_the_plan(page, family)
    page.evaluate("() => localStorage.setItem('fgdm-test', 'family data')")
    assert _kept_pages(page)

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    assert _kept_pages(page) == {}
    for name, paths in page.evaluate(KEPT).items():
        assert not [path for path in paths if path.startswith("/families")], name
    assert page.evaluate(STORAGE) == {"rows": [], "localStorage": 0}

    # Offline, the plan is not there: the browser's own "no connection" page, or the app's
    # offline page once the (new, empty) service worker has started again.
    page.context.set_offline(True)
    try:
        page.goto(f"/families/{family.id}/plan")
    except PlaywrightError as error:
        assert "ERR_INTERNET_DISCONNECTED" in str(error)
    else:
        _offline_page_shown(page)


def test_another_person_on_the_same_phone_never_gets_the_first_persons_saved_plan(
    page: Page, family: FamilySetup
) -> None:
    plan = _parent_keeps_the_plan(page, family)
    kept = _kept_pages(page)
    assert [plan] in kept.values()

    # The parent's session ends without signing out (it timed out, or the cookie was
    # lost): the sign-in page tells the service worker nobody is signed in.
    page.context.clear_cookies()
    page.goto("/login")
    page.context.set_offline(True)
    page.goto(plan)
    _offline_page_shown(page)
    # Their pages are still kept: it is the partition that kept them from being shown.
    assert _kept_pages(page) == kept

    # The young person signs in on the same phone: the phone empties what was kept.
    page.context.set_offline(False)
    sign_in(page, family.young_person.login, PASSPHRASE)
    assert _kept_pages(page) == {}
    _ready(page)
    page.context.set_offline(True)
    page.goto(plan)
    _offline_page_shown(page)


def test_the_same_person_signing_in_again_keeps_their_saved_plan(
    page: Page, family: FamilySetup
) -> None:
    plan = _parent_keeps_the_plan(page, family)
    page.context.clear_cookies(name="fgdm_session")
    sign_in(page, family.parent.login, PASSPHRASE)
    page.context.set_offline(True)
    page.goto(plan)
    expect(page.get_by_role("heading", level=1, name="Our family plan")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="Saved on")).to_be_visible()


def test_a_kept_page_the_person_may_no_longer_see_is_forgotten(
    page: Page, new_phone: Callable[..., Page], family: FamilySetup, db: Session
) -> None:
    plan = _parent_keeps_the_plan(page, family)
    # Signed out elsewhere (the session ends on the server): the plan now sends the phone
    # to sign in, and the kept copy goes.
    page.context.clear_cookies(name="fgdm_session")
    page.goto(plan)
    expect(page).to_have_url(re.compile(r"/login"))
    assert [plan] not in _kept_pages(page).values()
