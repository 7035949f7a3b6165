"""What the browser tests do on many pages: check accessibility, sign in, keep screenshots."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, Route, expect

AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"],
    },
    # Full details for the problems only: the rules that pass need no more than a count.
    "resultTypes": ["violations"],
}
# Set FGDM_SCREENSHOTS to a folder to keep phone-size screenshots of the main pages.
SCREENSHOT_DIR = os.environ.get("FGDM_SCREENSHOTS", "")

_axe = Axe()
# Pages with scripts off, and the page with scripts on where axe checks a copy of them.
_copies: dict[Page, Page] = {}


def check_in_copy(page: Page, copy: Page) -> None:
    """Makes assert_accessible check `page` (scripts off) through a copy in `copy`."""
    _copies[page] = copy


def forget_copy(page: Page) -> None:
    _copies.pop(page, None)


def _copy_of(page: Page, copy: Page) -> Page:
    """Loads the page's document, as it is now, at the same address in the copy page, with
    the same stylesheets and without the app's scripts (the original ran none)."""
    html = page.content()
    url = page.url

    def serve(route: Route) -> None:
        if route.request.url == url and route.request.resource_type == "document":
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)
        elif route.request.resource_type == "script":
            route.fulfill(status=200, content_type="text/javascript", body="")
        else:
            route.continue_()

    copy.unroute("**/*")
    copy.route("**/*", serve)
    if page.viewport_size:
        copy.set_viewport_size(page.viewport_size)
    copy.goto(url)
    return copy


def _axe_violations(page: Page) -> list[dict]:
    """axe-core's violations on the page, added to the page first unless it already has it
    (checked again after a change of size or an htmx swap, without loading it again)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe.axe_script)
    return page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)["violations"]


def assert_accessible(page: Page) -> None:
    """Runs axe-core (WCAG 2.0, 2.1 and 2.2, levels A and AA) on the page as it is now,
    once it has loaded and any htmx swap has settled (a half-swapped page has no layout)."""
    page.wait_for_load_state("load")
    page.wait_for_function(
        "() => !document.querySelector("
        "'.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"
    )
    checked = _copy_of(page, _copies[page]) if page in _copies else page
    violations = _axe_violations(checked)
    if not violations:
        return
    lines = [f"axe found {len(violations)} accessibility problem(s) on {page.url}:"]
    for violation in violations:
        targets = [" ".join(node["target"]) for node in violation["nodes"][:3]]
        more = len(violation["nodes"]) - len(targets)
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']}\n"
            f"    at {', '.join(targets)}{f' and {more} more' if more > 0 else ''}\n"
            f"    {violation['helpUrl']}"
        )
    pytest.fail("\n".join(lines), pytrace=False)


def screenshot(page: Page, name: str) -> None:
    """Keeps what the phone's screen shows, at the top and at the end of the page, when
    FGDM_SCREENSHOTS names a folder (the fixed bottom bar shows where a person sees it)."""
    if not SCREENSHOT_DIR:
        return
    folder = Path(SCREENSHOT_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(folder / f"{name}.png"))
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    page.screenshot(path=str(folder / f"{name}-end.png"))
    page.evaluate("window.scrollTo(0, 0)")


def sign_in(page: Page, login: str, passphrase: str) -> None:
    """Signs in through the sign-in page, checking it on the way, and lands on the families."""
    page.goto("/login")
    assert_accessible(page)
    page.get_by_label("Sign-in name or email address").fill(login)
    page.get_by_label("Passphrase").fill(passphrase)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1, name="Families")).to_be_visible()
