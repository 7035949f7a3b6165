"""Preparing a family meeting on a phone: a practitioner arranges the meeting, adds two people
to the invite list, records that they must not be in the room together, sees the warning
and opens the printed invitation of one of them. axe-core on every page state, at 360x740
and at 1024x768."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from fgdm.config import Settings
from fgdm.families import service as families_service
from fgdm.network import service as network_service
from fgdm.network.service import PersonInput
from tests.browser.helpers import assert_accessible, screenshot, sign_in
from tests.factories import PASSPHRASE, actor_for, make_family

pytestmark = pytest.mark.browser

REASON = "A court order keeps them apart"


@pytest.mark.parametrize(
    "viewport", [{"width": 360, "height": 740}, {"width": 1024, "height": 768}]
)
def test_a_practitioner_prepares_a_meeting_and_is_warned_about_two_people_kept_apart(
    page: Page, db: Session, settings: Settings, viewport: dict[str, int]
) -> None:
    setup = make_family(db, settings, name="The Khan family")
    access = families_service.get_access(db, user=setup.practitioner, family_group_id=setup.id)
    assert access is not None
    for name in ("Dad", "Mum"):
        network_service.add_person(
            db,
            actor=actor_for(settings, setup.practitioner),
            access=access,
            data=PersonInput(known_as=name, kind="family"),
        )
    db.commit()
    page.set_viewport_size(viewport)
    sign_in(page, setup.practitioner.login, PASSPHRASE)

    # Arrange the meeting.
    page.goto(f"/families/{setup.id}")
    page.get_by_role("link", name="Family meetings").click()
    expect(page.get_by_role("heading", level=1, name="Meetings")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Date").fill("2030-05-14")
    page.get_by_label("Time").fill("10:30")
    page.get_by_role("button", name="Arrange the meeting").click()
    expect(page.get_by_role("heading", level=1, name="Family meeting")).to_be_visible()
    expect(page.locator(".meeting-summary")).to_contain_text("14 May 2030")
    assert_accessible(page)

    # Add Dad and Mum to the invite list, both invited.
    for name in ("Dad", "Mum"):
        page.get_by_label("Who", exact=True).select_option(label=name)
        page.get_by_role("button", name="Add to the list").click()
        page.get_by_label(f"Answer for {name}").select_option(label="Invited")
        page.get_by_role("button", name=f"Save for {name}").click()
        expect(page.get_by_role("heading", level=3, name=name)).to_be_visible()
    expect(page.locator(".meeting-warnings")).to_have_count(0)
    assert_accessible(page)

    # Record that they must not be in the room together.
    page.get_by_role("link", name="Safety arrangements").click()
    expect(page.get_by_role("heading", level=1, name="Safety arrangements")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Must not be in the room together").check()
    page.get_by_label("Person", exact=True).select_option(label="Dad")
    page.get_by_label("The other person").select_option(label="Mum")
    page.get_by_label("Reason").fill(REASON)
    page.get_by_role("button", name="Add the arrangement").click()
    expect(
        page.get_by_role("heading", name="Dad and Mum must not be in the room together")
    ).to_be_visible()
    assert_accessible(page)

    # Back on the meeting: the warning.
    page.get_by_role("link", name="Back to meetings").click()
    page.get_by_role("link", name="Family meeting").click()
    warning = page.get_by_role("alert")
    expect(warning).to_contain_text(
        "Dad and Mum must not be in the room together, and both are asked."
    )
    expect(warning).not_to_contain_text(REASON)
    assert_accessible(page)
    screenshot(page, f"meeting-preparation-{viewport['width']}")

    # Dad's printed invitation leaves Mum out and never tells the reason.
    page.get_by_role("link", name="Print the invitation for Dad").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Dear Dad, you are invited to a family meeting"
    )
    expect(page.get_by_role("heading", level=2, name="Who else is invited")).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text("Mum")
    expect(page.locator("body")).not_to_contain_text(REASON)
    expect(page.locator("body")).to_contain_text(setup.practitioner.display_name)
    assert_accessible(page)
    page.emulate_media(media="print")
    expect(page.get_by_role("link", name="Back to the meeting")).to_be_hidden()
    page.emulate_media(media="screen")
