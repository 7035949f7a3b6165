"""Words and pictures on phones: a parent writes a story for the child with two pages (a
pictogram and a photo of a drawing), then the young person reads it page by page on their
own phone. axe-core on every page."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from PIL import Image
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from fgdm.config import Settings
from fgdm.stories.models import StoryPage
from tests.browser.helpers import assert_accessible, screenshot, sign_in
from tests.factories import PASSPHRASE, make_family

pytestmark = pytest.mark.browser

FIRST = "Mum and Dad love you very much."
SECOND = "You will stay with Gran for a while. Gran's house is safe."


def drawing() -> bytes:
    image = Image.new("RGB", (120, 90), "white")
    image.paste((200, 30, 30), (20, 20, 60, 60))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def test_a_parent_writes_a_two_page_story_and_the_child_reads_it_page_by_page(
    page: Page, new_phone: Callable[..., Page], db: Session, settings: Settings
) -> None:
    # make_family puts Amir, aged 8, in the network.
    setup = make_family(db, settings, name="The Okafor family")

    sign_in(page, setup.parent.login, PASSPHRASE)
    page.get_by_role("link", name="The Okafor family").click()
    page.get_by_role("link", name="Our story for the children").click()
    expect(page.get_by_role("heading", level=1, name="Our story for the children")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Amir").check()
    page.get_by_label("Name of the story").fill("Why we are at Gran's")
    page.get_by_role("button", name="Start the story").click()
    expect(page.get_by_role("heading", level=1, name="Why we are at Gran's")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Words for the page").fill(FIRST)
    page.locator("label[for='pictogram-heart']").click()
    expect(page.get_by_role("radio", name="Love")).to_be_checked()
    page.get_by_role("button", name="Add the page").click()
    expect(page.get_by_label("Words on page 1")).to_have_value(FIRST)
    assert_accessible(page)

    page.get_by_label("Words for the page").fill(SECOND)
    page.get_by_label("Or add a photo of a drawing").set_input_files(
        {"name": "drawing.png", "mimeType": "image/png", "buffer": drawing()}
    )
    page.get_by_role("button", name="Add the page").click()
    expect(page.get_by_label("Words on page 2")).to_have_value(SECOND)
    expect(page.get_by_role("img", name="A drawing")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "story-editor")
    db.expire_all()
    assert [p.text for p in db.exec(select(StoryPage).order_by(StoryPage.position))] == [
        FIRST,
        SECOND,
    ]

    child = new_phone()
    sign_in(child, setup.young_person.login, PASSPHRASE)
    child.get_by_role("link", name="The Okafor family").click()
    child.get_by_role("link", name="Our story for the children").click()
    assert_accessible(child)
    child.get_by_role("link", name="Read this story").click()
    expect(child.get_by_text(FIRST)).to_be_visible()
    expect(child.get_by_role("img", name="Love")).to_be_visible()
    expect(child.get_by_text("Page 1 of 2")).to_be_visible()
    expect(child.get_by_role("button", name="Read aloud")).to_be_visible()
    expect(child.get_by_role("link", name="Back", exact=True)).to_have_count(0)
    assert_accessible(child)
    screenshot(child, "story-reader")

    child.get_by_role("link", name="Next").click()
    expect(child.get_by_text(SECOND)).to_be_visible()
    expect(child.get_by_role("img", name="A drawing")).to_be_visible()
    expect(child.get_by_text("Page 2 of 2")).to_be_visible()
    assert_accessible(child)

    child.get_by_role("link", name="Back", exact=True).click()
    expect(child.get_by_text(FIRST)).to_be_visible()

    booklet = child.url.replace("/read?page=1", "/booklet")
    child.goto(booklet)
    expect(child.locator(".story-booklet__sheet")).to_have_count(3)
    assert_accessible(child)


def test_the_reader_turns_pages_without_javascript(
    page: Page, new_phone: Callable[..., Page], db: Session, settings: Settings
) -> None:
    setup = make_family(db, settings, name="The Okafor family")
    sign_in(page, setup.parent.login, PASSPHRASE)
    page.goto(f"/families/{setup.id}/stories")
    page.get_by_label("Amir").check()
    page.get_by_label("Name of the story").fill("Our story")
    page.get_by_role("button", name="Start the story").click()
    for text in (FIRST, SECOND):
        page.get_by_label("Words for the page").fill(text)
        page.locator("label[for='pictogram-home']").click()
        page.get_by_role("button", name="Add the page").click()
        expect(page.get_by_text("This story has no pages yet.")).to_have_count(0)
    reader_url = page.url.split("#")[0] + "/read"

    plain = new_phone(javascript=False)
    sign_in(plain, setup.young_person.login, PASSPHRASE)
    plain.goto(reader_url)
    expect(plain.get_by_text(FIRST)).to_be_visible()
    # Without scripts there is no speech, so no button that does nothing.
    expect(plain.get_by_role("button", name="Read aloud")).to_be_hidden()
    assert_accessible(plain)
    plain.get_by_role("link", name="Next").click()
    expect(plain.get_by_text(SECOND)).to_be_visible()
    plain.get_by_role("link", name="Back", exact=True).click()
    expect(plain.get_by_text(FIRST)).to_be_visible()
