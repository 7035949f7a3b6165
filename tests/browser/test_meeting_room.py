"""The meeting on a tablet in a real browser: the coordinator opens the room on a tablet
lying down, standing up and on a phone, ticks who is here, leaves the room; the tablet is
the family's until they say they have finished and the coordinator types their passphrase.
axe-core on every page state."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from fgdm.config import Settings
from fgdm.meetings.models import MeetingPart
from tests.browser.helpers import assert_accessible, sign_in
from tests.factories import PASSPHRASE, make_family
from tests.http.test_meeting_room import invite, make_meeting

pytestmark = pytest.mark.browser

SIZES = [
    {"width": 1024, "height": 768},
    {"width": 800, "height": 1280},
    {"width": 360, "height": 740},
]


def test_the_meeting_on_a_tablet_and_private_family_time(
    page: Page, db: Session, settings: Settings
) -> None:
    setup = make_family(db, settings, name="The Osei family")
    meeting = make_meeting(db, setup, part=MeetingPart.information_sharing)
    invite(db, settings, setup, meeting, "Nan")
    room = f"/families/{setup.id}/meetings/{meeting.id}/room"

    sign_in(page, setup.practitioner.login, PASSPHRASE)
    page.goto(room)
    for size in SIZES:
        page.set_viewport_size(size)
        expect(page.get_by_role("heading", level=1, name="Sharing information")).to_be_visible()
        expect(page.get_by_role("button", name="Leave the room")).to_be_visible()
        assert_accessible(page)

    page.get_by_role("button", name="Nan is here").click()
    expect(page.get_by_role("button", name="Nan is not here")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Leave the room").click()
    expect(page).to_have_url(re.compile(rf"/families/{setup.id}/plan$"))

    # The tablet is the family's: pages outside their family group send it to family time.
    page.goto("/families")
    expect(page.get_by_role("heading", level=1, name="Your family's time")).to_be_visible()
    expect(page.get_by_role("heading", name="This is private family time")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="We have finished").click()
    expect(
        page.get_by_role("heading", level=1, name="Ask your coordinator to come back")
    ).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Coordinator's passphrase").fill("not the passphrase")
    page.get_by_role("button", name="I am back").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.locator("#passphrase-error")).to_contain_text("not right")
    assert_accessible(page)

    page.get_by_label("Coordinator's passphrase").fill(PASSPHRASE)
    page.get_by_role("button", name="I am back").click()
    expect(page.get_by_role("heading", level=1, name="Agreeing the plan")).to_be_visible()
    assert_accessible(page)
