"""Languages on a phone: a parent switches the app to Urdu and it reads right to left with
Urdu navigation; the network page, the ecomap, the plan and its print keep the names the
family typed exactly as typed (Gujarati, Urdu, emoji). axe-core on every page state."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from fgdm.config import Settings
from fgdm.families import service as families_service
from fgdm.network import service as network_service
from fgdm.network.service import PersonInput
from fgdm.plans.models import FamilyPlan, PlanAction, PlanActionPerson
from tests.browser.helpers import assert_accessible, screenshot, sign_in
from tests.factories import PASSPHRASE, FamilySetup, actor_for, make_family
from tests.http.test_languages import urdu

pytestmark = pytest.mark.browser

NAMES = ("દાદી", "نانی جان", "Auntie 🌻 Priya")


def _family_with_names(db: Session, settings: Settings) -> FamilySetup:
    """A family whose network and plan hold names typed in three scripts and an emoji."""
    setup = make_family(db, settings, name="The Patel family", children=("Amir",))
    access = families_service.get_access(db, user=setup.practitioner, family_group_id=setup.id)
    actor = actor_for(settings, setup.practitioner)
    people = [
        network_service.add_person(
            db,
            actor=actor,
            access=access,
            data=PersonInput(known_as=name, kind="family", closeness="close"),
        )
        for name in NAMES
    ]
    plan = FamilyPlan(family_group_id=setup.id, what_we_want="Amir is safe at home", revision=1)
    db.add(plan)
    db.flush()
    action = PlanAction(plan_id=plan.id, position=0, what="Take Amir to school", by_when="daily")
    db.add(action)
    db.flush()
    db.add_all([PlanActionPerson(action_id=action.id, person_id=p.id) for p in people])
    db.commit()
    return setup


def _is_urdu_right_to_left(page: Page) -> None:
    expect(page.locator("html")).to_have_attribute("lang", "ur")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")


def test_a_parent_switches_to_urdu_and_the_app_reads_right_to_left(
    page: Page, db: Session, settings: Settings
) -> None:
    setup = _family_with_names(db, settings)
    sign_in(page, setup.parent.login, PASSPHRASE)
    expect(page.locator("html")).to_have_attribute("dir", "ltr")

    page.get_by_role("link", name="Language").click()
    expect(page.get_by_role("heading", level=1, name="Choose your language")).to_be_visible()
    expect(page.locator("button[value=ur] span")).to_have_attribute("dir", "rtl")
    expect(page.locator("button[value=gu] span")).to_have_attribute("lang", "gu")
    assert_accessible(page)
    page.get_by_role("button", name="اردو").click()

    expect(page).to_have_url(f"{page.url.split('/families')[0]}/families")
    _is_urdu_right_to_left(page)
    nav = page.get_by_role("navigation", name=urdu("Main"))
    expect(nav.get_by_role("link", name=urdu("Families"))).to_be_visible()
    expect(nav.get_by_role("link", name=urdu("My account"))).to_be_visible()
    expect(nav).not_to_contain_text("My account")
    # The page is laid out from the right: the site's name starts at the right edge.
    header = page.locator(".site-header__home").bounding_box()
    assert header is not None and header["x"] > 180
    assert_accessible(page)
    screenshot(page, "urdu-families")

    page.goto(f"/families/{setup.id}/network")
    _is_urdu_right_to_left(page)
    people = page.locator(".people-list .card__title a").all_text_contents()
    assert sorted(people) == sorted(["Amir", *NAMES])
    ecomap = page.locator("svg.ecomap").first
    expect(ecomap).to_have_attribute("direction", "rtl")
    titles = ecomap.locator(".ecomap__person > title")
    for name in NAMES:
        expect(titles.filter(has_text=name)).to_have_count(1)
    labels = ecomap.locator(".ecomap__label").all_text_contents()
    assert "દાદી" in labels and "نانی جان" in labels
    # Every name on the drawing is inside it, none cut off at the edge in right to left.
    outside = ecomap.evaluate(
        """svg => {
            const width = svg.viewBox.baseVal.width;
            return [...svg.querySelectorAll('.ecomap__label, .ecomap__legend-text')]
              .map(text => [text.textContent, text.getBBox()])
              .filter(([, box]) => box.x < -0.5 || box.x + box.width > width + 0.5)
              .map(([words]) => words);
        }"""
    )
    assert outside == []
    assert_accessible(page)
    screenshot(page, "urdu-network")

    page.goto(f"/families/{setup.id}/plan")
    _is_urdu_right_to_left(page)
    for name in NAMES:
        expect(page.locator("main").get_by_text(name, exact=True).first).to_be_visible()
    assert_accessible(page)

    page.goto(f"/families/{setup.id}/plan/print")
    _is_urdu_right_to_left(page)
    for name in NAMES:
        expect(page.locator("main").get_by_text(name, exact=True).first).to_be_visible()
    assert_accessible(page)
    page.emulate_media(media="print")
    _is_urdu_right_to_left(page)
    for name in NAMES:
        expect(page.locator("main").get_by_text(name, exact=True).first).to_be_visible()


def test_a_language_chosen_before_signing_in_stays_on_this_phone_and_english_is_the_default(
    page: Page,
) -> None:
    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.get_by_role("link", name="Choose your language").click()
    page.get_by_role("button", name="اردو").click()

    expect(page).to_have_url(f"{page.url.split('/login')[0]}/login")
    _is_urdu_right_to_left(page)
    expect(page.locator(".site-header__home")).to_have_text(urdu("Family Network"))
    assert_accessible(page)
    page.reload()
    _is_urdu_right_to_left(page)
