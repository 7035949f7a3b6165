"""The three houses on phones: a practitioner sitting with Amir puts one thing in each house
and says which sign-in is Amir's own; Amir adds to his house of dreams on his own phone and
chooses his parent; the parent then sees the houses on a third phone, and could not before.
axe-core on every page."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from PIL import Image
from playwright.sync_api import Page, expect
from sqlmodel import Session, col, select

from fgdm.config import Settings
from fgdm.voice.models import House, HouseEntry
from tests.browser.helpers import assert_accessible, screenshot, sign_in
from tests.factories import PASSPHRASE, make_family

pytestmark = pytest.mark.browser

WORRY = "I worry when there is shouting at night."
GOOD = "Playing football with Uncle Joe."
DREAM = "A dog called Biscuit."
OWN_DREAM = "Living near the sea with everyone."
ADD_LABEL = "What do you want to put in this house?"


def drawing() -> bytes:
    image = Image.new("RGB", (120, 90), "white")
    image.paste((30, 90, 200), (20, 20, 100, 70))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def put_in(page: Page, house: str, words: str, photo: bytes | None = None) -> None:
    """Fills the "Add to this house" form of one house and sends it."""
    region = page.get_by_role("region", name=house)
    region.get_by_label(ADD_LABEL).fill(words)
    if photo is not None:
        region.get_by_label("Or add a photo of a drawing").set_input_files(
            {"name": "drawing.png", "mimeType": "image/png", "buffer": photo}
        )
    region.get_by_role("button", name="Put it in the house").click()
    shown = page.get_by_role("region", name=house).locator(".house-entry__text", has_text=words)
    expect(shown).to_be_visible()


def test_the_child_fills_the_houses_with_a_practitioner_and_chooses_who_sees_them(
    page: Page, new_phone: Callable[..., Page], db: Session, settings: Settings
) -> None:
    # make_family puts Amir, aged 8, in the network, and a young person who can sign in.
    setup = make_family(db, settings, name="The Okafor family")

    sign_in(page, setup.practitioner.login, PASSPHRASE)
    page.get_by_role("link", name="The Okafor family").click()
    page.get_by_role("link", name="Three houses: what the children say").click()
    expect(page.get_by_role("heading", level=1, name="Three houses")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Amir's three houses").click()
    expect(page.get_by_role("heading", level=1, name="Amir's three houses")).to_be_visible()
    for house in ("House of worries", "House of good things", "House of dreams"):
        expect(page.get_by_role("heading", level=2, name=house)).to_be_visible()
    assert_accessible(page)

    put_in(page, "House of worries", WORRY)
    put_in(page, "House of good things", GOOD)
    put_in(page, "House of dreams", DREAM, photo=drawing())
    dreams = page.get_by_role("region", name="House of dreams")
    expect(dreams.get_by_role("img", name="A drawing by Amir")).to_be_visible()
    expect(
        dreams.get_by_text(f"Written with {setup.practitioner.display_name} (practitioner)")
    ).to_be_visible()
    assert_accessible(page)

    # Nothing written and no photo: the message is beside the field, nothing is saved.
    worries = page.get_by_role("region", name="House of worries")
    worries.get_by_role("button", name="Put it in the house").click()
    expect(
        page.get_by_role("region", name="House of worries").get_by_text(
            "Write something or add a photo of a drawing."
        )
    ).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    assert_accessible(page)

    page.get_by_role("radio", name="Young person").check()
    page.get_by_role("button", name="Save the sign-in").click()
    expect(page.get_by_text("Young person (this is Amir's own sign-in)")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "three-houses-practitioner")

    db.expire_all()
    saved = {
        e.house: e.text for e in db.exec(select(HouseEntry).order_by(col(HouseEntry.id))).all()
    }
    assert saved == {House.worries: WORRY, House.good_things: GOOD, House.dreams: DREAM}

    # The parent has not been chosen yet: no link, and the page is not there for them.
    parent = new_phone()
    sign_in(parent, setup.parent.login, PASSPHRASE)
    parent.get_by_role("link", name="The Okafor family").click()
    expect(parent.get_by_role("link", name="Three houses: what the children say")).to_have_count(0)
    houses_url = page.url.split("#")[0]
    parent.goto(houses_url)
    expect(parent.get_by_role("heading", level=1, name="Amir's three houses")).to_have_count(0)

    amir = new_phone()
    sign_in(amir, setup.young_person.login, PASSPHRASE)
    amir.get_by_role("link", name="The Okafor family").click()
    amir.get_by_role("link", name="Three houses: what the children say").click()
    amir.get_by_role("link", name="Amir's three houses").click()
    expect(amir.locator(".house-entry__text", has_text=WORRY)).to_be_visible()
    assert_accessible(amir)
    put_in(amir, "House of dreams", OWN_DREAM)
    amir.get_by_role("checkbox", name="Parent").check()
    amir.get_by_role("button", name="Save who can see").click()
    expect(amir.locator(".house-viewers").get_by_text("Parent", exact=True)).to_be_visible()
    assert_accessible(amir)
    screenshot(amir, "three-houses-child")

    parent.goto(f"/families/{setup.id}")
    parent.get_by_role("link", name="Three houses: what the children say").click()
    parent.get_by_role("link", name="Amir's three houses").click()
    expect(parent.get_by_text(OWN_DREAM)).to_be_visible()
    expect(parent.get_by_text(GOOD)).to_be_visible()
    expect(parent.get_by_role("img", name="A drawing by Amir")).to_be_visible()
    expect(parent.get_by_label(ADD_LABEL)).to_have_count(0)
    assert_accessible(parent)

    parent.get_by_role("link", name="Print the three houses").click()
    expect(parent.get_by_role("img", name="QR code for this page")).to_be_attached()
    expect(parent.get_by_text(OWN_DREAM)).to_be_visible()
    assert_accessible(parent)
