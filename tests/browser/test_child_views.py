"""The child's voice on phones: a practitioner writes down what Amir told them (with a
drawing), keeps one view to practitioners at Amir's wish, and answers "you said — we did"
(the why is asked for when the decision differs); Amir signs in on his own phone and reads
"You said … We did … Why"; his parent never sees the private view. axe-core on every page,
at 360x740 and at 1024x768."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from fgdm.config import Settings
from fgdm.voice.models import ThreeHouses
from tests.browser.helpers import assert_accessible, screenshot, sign_in
from tests.browser.test_three_houses import drawing
from tests.factories import PASSPHRASE, make_family
from tests.http.test_child_views import child_named

pytestmark = pytest.mark.browser

SAID = "I want to live with Nan."
SECRET = "I am scared of the shouting."
WE_DID = "You will stay with Nan on weekends."
WHY = "Nan's flat is too small for every night."


def record(page: Page, words: str, *, share: bool = True, photo: bytes | None = None) -> None:
    page.get_by_label("What did Amir tell us?").fill(words)
    if photo is not None:
        page.get_by_label("Or add a photo of their drawing").set_input_files(
            {"name": "drawing.png", "mimeType": "image/png", "buffer": photo}
        )
    page.get_by_role("radio", name="They said it").check()
    page.get_by_label("Who heard it?").fill("Sam, the coordinator")
    page.get_by_label("When did they tell us? (date)").fill("2026-03-02")
    if not share:
        page.get_by_role("checkbox", name="Amir is happy for the family to see this").uncheck()
    page.get_by_role("button", name="Save what Amir told us").click()
    expect(page.locator(".child-view__words", has_text=words)).to_be_visible()


def test_a_practitioner_records_and_answers_a_view_and_the_child_reads_it(
    page: Page, new_phone: Callable[..., Page], db: Session, settings: Settings
) -> None:
    setup = make_family(db, settings, name="The Okafor family")
    amir = child_named(db, setup, "Amir")
    db.add(
        ThreeHouses(
            family_group_id=setup.id, child_id=amir.id, own_account_id=setup.young_person.id
        )
    )
    db.commit()

    sign_in(page, setup.practitioner.login, PASSPHRASE)
    page.get_by_role("link", name="The Okafor family").click()
    page.get_by_role("link", name="What the children told us").click()
    expect(page.get_by_role("heading", level=1, name="What the children told us")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Write down what Amir told us").first.click()
    expect(page.get_by_role("heading", level=1, name="What Amir told us")).to_be_visible()
    assert_accessible(page)

    # Nothing written and no drawing: the message is beside the field.
    page.get_by_role("button", name="Save what Amir told us").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    expect(page.locator("#words-error")).to_contain_text(
        "Write what Amir told us, or add a photo of their drawing."
    )
    assert_accessible(page)

    record(page, SAID, photo=drawing())
    expect(page.get_by_role("img", name="A drawing by Amir")).to_be_visible()
    record(page, SECRET, share=False)
    expect(page.get_by_text("Only practitioners can see this")).to_be_visible()
    assert_accessible(page)

    said = page.locator("article.child-view", has_text=SAID)
    said.get_by_role("link", name="Answer or change this view").click()
    expect(
        page.get_by_role("heading", level=2, name="You said — we did: answer Amir")
    ).to_be_visible()
    answer = page.locator("form.answer-form")
    answer.get_by_label("The decision, in words").fill("Where Amir lives")
    answer.get_by_label("We did").fill(WE_DID)
    answer.get_by_role("checkbox", name="This is different from what Amir wanted").check()
    answer.get_by_role("button", name="Save the answer").click()
    expect(page.locator("#new-why_different-error")).to_contain_text(
        "Say why the decision is different from what Amir wanted."
    )
    assert_accessible(page)
    answer = page.locator("form.answer-form")
    expect(answer.get_by_label("We did")).to_have_value(WE_DID)
    answer.get_by_label("Why").fill(WHY)
    answer.get_by_role("button", name="Save the answer").click()
    shown = page.locator("article.child-view")
    expect(shown.locator(".you-said__we-did")).to_have_text(f"We did {WE_DID}")
    expect(shown.locator(".you-said__why")).to_have_text(f"Why {WHY}")
    assert_accessible(page)
    screenshot(page, "child-view-practitioner")

    child = new_phone()
    sign_in(child, setup.young_person.login, PASSPHRASE)
    child.get_by_role("link", name="The Okafor family").click()
    child.get_by_role("link", name="What the children told us").click()
    child.get_by_role("link", name="Amir's own page").click()
    expect(child.get_by_role("heading", level=1, name="Your page")).to_be_visible()
    view = child.locator("article.child-view", has_text=SAID)
    expect(view.get_by_role("heading", name="You said")).to_be_visible()
    expect(view.locator(".you-said__we-did")).to_have_text(f"We did {WE_DID}")
    expect(view.locator(".you-said__why")).to_have_text(f"Why {WHY}")
    expect(child.get_by_text(SECRET)).to_be_visible()
    assert_accessible(child)
    screenshot(child, "child-view-own-page")
    child.set_viewport_size({"width": 1024, "height": 768})
    assert_accessible(child)

    parent = new_phone()
    sign_in(parent, setup.parent.login, PASSPHRASE)
    parent.goto(f"/families/{setup.id}/views")
    expect(parent.get_by_text(SAID)).to_be_visible()
    expect(parent.get_by_text(SECRET)).to_have_count(0)
    assert_accessible(parent)
    parent.set_viewport_size({"width": 1024, "height": 768})
    assert_accessible(parent)
