"""Signs of Safety on a phone: a practitioner maps worries, what is working well and what
needs to happen, writes a danger statement with jargon and is warned, and records a scaling
score that shows on the chart; a parent sees only what was shared. axe-core on each page."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from fgdm.config import Settings
from fgdm.safety.models import MappingItem, ScalingScore
from tests.browser.helpers import assert_accessible, screenshot, sign_in
from tests.factories import PASSPHRASE, make_family

pytestmark = pytest.mark.browser

ITEMS = [
    ("What are we worried about?", "Something that happened", "Dad shouted at Amir", False),
    ("What's working well?", "Something good about the family", "Nan walks Amir to school", True),
    ("What needs to happen?", "A next step", "Mum and Dad meet Nan on Friday", True),
]


def _open_mapping(page: Page, family_name: str) -> None:
    page.get_by_role("link", name=family_name).click()
    page.get_by_role("link", name="Worries and what is working well").click()
    expect(
        page.get_by_role("heading", level=1, name="Worries and what is working well")
    ).to_be_visible()
    assert_accessible(page)


def test_practitioner_maps_warns_on_jargon_and_scores_and_the_parent_sees_only_shared(
    page: Page, new_phone: Callable[..., Page], db: Session, settings: Settings
) -> None:
    setup = make_family(db, settings, name="The Okafor family")
    sign_in(page, setup.practitioner.login, PASSPHRASE)
    _open_mapping(page, "The Okafor family")

    for heading, kind, text, share in ITEMS:
        column = page.get_by_role("region", name=heading)
        column.get_by_label(kind, exact=True).check()
        column.get_by_label("In your own words").fill(text)
        if share:
            column.get_by_label("Show this to the family now").check()
        column.get_by_role("button", name=re.compile(r"^Add")).click()
        expect(page.get_by_role("region", name=heading).locator(".mapping-item")).to_contain_text(
            text
        )
    kept = page.get_by_role("region", name="What are we worried about?").locator(".tag--private")
    expect(kept).to_be_visible()
    assert_accessible(page)
    screenshot(page, "safety-mapping")
    db.expire_all()
    assert len(db.exec(select(MappingItem)).all()) == 3

    page.get_by_label("What are people worried could happen?").fill(
        "There is neglect and domestic violence at home."
    )
    page.get_by_role("button", name="Save the danger statement").click()
    warning = page.locator("#text-warning")
    expect(warning).to_contain_text("neglect")
    expect(warning).to_contain_text("domestic violence")
    expect(warning).to_contain_text("what the adult does")
    expect(page.get_by_role("textbox", name="What are people worried could happen?")).to_have_value(
        "There is neglect and domestic violence at home."
    )
    assert_accessible(page)

    page.get_by_role("link", name="Back to worries and what is working well").click()
    page.get_by_role("link", name="Where are things now, from 0 to 10?").click()
    expect(page.get_by_role("heading", level=1, name="Where are things now?")).to_be_visible()
    expect(page.locator("#scale-meaning")).to_contain_text("cannot stay where they are")
    assert_accessible(page)
    page.get_by_label("Score from 0 to 10").fill("12")
    page.get_by_role("button", name="Save the score").click()
    expect(page.locator("#score-error")).to_contain_text("whole number from 0 to 10")
    assert_accessible(page)
    page.get_by_label("Score from 0 to 10").fill("4")
    page.get_by_label("Why this number?").fill("Nan is helping every day")
    page.get_by_label("What would make it one number higher?").fill("Dad goes to his group")
    page.get_by_role("button", name="Save the score").click()
    chart = page.get_by_role("img", name=re.compile(r"^Scores from"))
    expect(chart).to_be_visible()
    expect(chart.locator("desc")).to_contain_text("4 out of 10")
    assert_accessible(page)
    screenshot(page, "safety-scaling")
    # Printed, the chart and the scores stay and the form goes.
    page.emulate_media(media="print")
    expect(chart).to_be_visible()
    expect(page.locator("#scale-meaning")).to_be_visible()
    expect(page.get_by_role("button", name="Save the score")).to_be_hidden()
    page.emulate_media(media="screen")
    db.expire_all()
    assert [s.score for s in db.exec(select(ScalingScore)).all()] == [4]

    # The parent, with JavaScript off, sees the shared items and not the one kept back.
    parent = new_phone(javascript=False)
    sign_in(parent, setup.parent.login, PASSPHRASE)
    _open_mapping(parent, "The Okafor family")
    expect(parent.get_by_text("Nan walks Amir to school")).to_be_visible()
    expect(parent.get_by_text("Mum and Dad meet Nan on Friday")).to_be_visible()
    expect(parent.get_by_text("Dad shouted at Amir")).to_have_count(0)
    worried = parent.get_by_role("region", name="What are we worried about?")
    worried.get_by_label("Something that makes things harder", exact=True).check()
    worried.get_by_label("In your own words").fill("We have no money for the bus")
    worried.get_by_role("button", name=re.compile(r"^Add")).click()
    expect(parent).to_have_url(re.compile(r"/mapping#worried$"))
    expect(worried.locator(".mapping-item")).to_contain_text("We have no money for the bus")
    assert_accessible(parent)


def test_a_stale_edit_shows_the_conflict_page_with_javascript_on(
    page: Page, db: Session, settings: Settings
) -> None:
    from fgdm.families import service as families_service
    from fgdm.safety import service as safety_service
    from tests.factories import actor_for

    family = make_family(db, settings)
    access = families_service.get_access(db, user=family.practitioner, family_group_id=family.id)
    item = safety_service.add_item(
        db,
        actor=actor_for(settings, family.practitioner),
        access=access,
        column="working_well",
        kind="strength",
        text="Nan walks Amir to school",
        share=True,
    )
    db.commit()
    sign_in(page, family.practitioner.login, PASSPHRASE)
    page.goto(f"/families/{family.id}/mapping/items/{item.id}")
    page.get_by_label("In your own words").fill("Nan walks Amir to school every day")

    # Meanwhile someone else saves a change to the same item.
    item.text = "Nan and Uncle Dev walk Amir to school"
    db.add(item)
    db.commit()

    page.get_by_role("button", name="Save changes").click()
    expect(
        page.get_by_role(
            "heading", level=1, name="Someone else changed this while you were working"
        )
    ).to_be_visible()
    expect(page.get_by_text("Nan walks Amir to school every day")).to_be_visible()
    expect(page.get_by_text("Nan and Uncle Dev walk Amir to school").first).to_be_visible()
    assert_accessible(page)
