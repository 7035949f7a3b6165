"""On a phone the pages, the app's stylesheet and its scripts arrive gzip-compressed, and
the compressed files still work."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, Response, expect
from sqlmodel import Session

from fgdm.config import Settings
from tests.browser.helpers import assert_accessible, sign_in
from tests.factories import PASSPHRASE, make_family

pytestmark = pytest.mark.browser


def test_a_phone_gets_the_pages_stylesheet_and_scripts_compressed(
    page: Page, db: Session, settings: Settings
) -> None:
    setup = make_family(db, settings, name="The Nowak family")
    seen: list[Response] = []
    page.on("response", lambda response: seen.append(response))
    sign_in(page, setup.parent.login, PASSPHRASE)

    page.goto(f"/families/{setup.id}")
    expect(page.get_by_role("heading", level=1, name="The Nowak family")).to_be_visible()
    page.wait_for_load_state("load")

    def encoding(response: Response) -> str:
        return response.all_headers().get("content-encoding", "")

    # Files downloaded whole (later pages revalidate them: "not modified", no body).
    downloaded = [r for r in seen if r.status == 200]
    documents = [r for r in downloaded if r.request.resource_type == "document"]
    stylesheets = [r for r in downloaded if r.request.resource_type == "stylesheet"]
    scripts = [r for r in downloaded if r.request.resource_type == "script"]
    assert len(documents) >= 2 and stylesheets and scripts  # sign in, the family home
    assert {encoding(r) for r in documents + stylesheets + scripts} == {"gzip"}
    # Unpacked by the phone, the stylesheet lays out the page and the scripts run.
    # (the browser's own style gives the body an 8px margin; the app's gives none)
    assert page.evaluate("getComputedStyle(document.body).margin") == "0px"
    assert page.evaluate("typeof window.htmx") == "object"
    assert_accessible(page)
