"""The demo family's main pages as a family member sees them on a phone and a practitioner
on a tablet: each page shows what it should and passes axe-core. `make screenshots` runs
these tests with FGDM_SCREENSHOTS=docs/screenshots to make the README's pictures."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect
from sqlmodel import Session, select

from fgdm import demo
from fgdm.config import Settings
from fgdm.families.models import FamilyGroup
from fgdm.meetings.models import Meeting
from tests.browser import helpers
from tests.browser.helpers import assert_accessible, sign_in

pytestmark = pytest.mark.browser

TABLET = {"width": 800, "height": 1280}
FAMILY = "The Begum-Clarke family"


def _passphrase(login: str) -> str:
    everyone = demo.STAFF + demo.FAMILY_USERS
    return next(passphrase for user, _name, _role, passphrase in everyone if user == login)


@pytest.fixture
def demo_family(db: Session, settings: Settings) -> int:
    """The demo, loaded as `make run` loads it; the Begum-Clarke family's id."""
    assert demo.load(db, settings=settings)
    db.commit()
    family = db.exec(select(FamilyGroup).where(FamilyGroup.name == FAMILY)).one()
    assert family.id is not None
    return family.id


def keep_picture(page: Page, name: str, show: Locator | None = None) -> None:
    """Keeps what the screen shows (scrolled to `show` if given) as docs' picture `name`,
    when FGDM_SCREENSHOTS names a folder."""
    if not helpers.SCREENSHOT_DIR:
        return
    folder = Path(helpers.SCREENSHOT_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    if show is None:
        page.evaluate("window.scrollTo(0, 0)")
    else:
        show.evaluate("element => element.scrollIntoView({block: 'start'})")
    page.screenshot(path=str(folder / f"{name}.png"))
    page.evaluate("window.scrollTo(0, 0)")


def test_a_family_member_reads_the_familys_pages_on_a_phone(page: Page, demo_family: int) -> None:
    sign_in(page, "nadia", _passphrase("nadia"))
    family = f"/families/{demo_family}"

    page.goto(family)
    expect(page.get_by_role("heading", level=1, name=FAMILY)).to_be_visible()
    expect(page.get_by_role("heading", name="Where we are")).to_be_visible()
    assert_accessible(page)
    keep_picture(page, "phone-family-home")

    page.goto(f"{family}/network")
    expect(page.get_by_role("heading", level=1, name="People who help us")).to_be_visible()
    ecomap = page.get_by_role("img", name="Network map for Aisha, Leo")
    expect(ecomap).to_be_visible()
    expect(ecomap.locator("text", has_text="Nan").first).to_be_visible()
    assert_accessible(page)
    keep_picture(page, "phone-network", show=page.get_by_role("heading", name="Our map"))

    page.goto(f"{family}/safety-plan")
    expect(page.get_by_role("heading", level=1, name="Our safety plan")).to_be_visible()
    expect(page.get_by_role("heading", name="Who has agreed to the plan")).to_be_visible()
    assert_accessible(page)
    keep_picture(page, "phone-safety-plan")

    page.goto(f"{family}/plan")
    expect(page.get_by_role("heading", level=1, name="Our family plan")).to_be_visible()
    expect(page.get_by_text("Nan stays over on Mum's late shifts").first).to_be_visible()
    assert_accessible(page)
    keep_picture(page, "phone-family-plan")

    page.goto(f"{family}/stories")
    page.get_by_role("link", name="Why people are helping our family").first.click()
    page.get_by_role("link", name="Read the story").click()
    title = page.get_by_role("heading", level=1, name="Why people are helping our family")
    expect(title).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Page 1 of \d+$"))).to_be_visible()
    page.get_by_role("link", name="Next").click()
    expect(page.get_by_text(re.compile(r"^Page 2 of \d+$"))).to_be_visible()
    page.get_by_role("link", name="Next").click()
    expect(page.get_by_text("Nan, Uncle Dev and Mrs Patel are helping")).to_be_visible()
    assert_accessible(page)
    keep_picture(page, "phone-story", show=title)


def test_a_practitioner_runs_the_familys_meeting_on_a_tablet(
    new_phone: Callable[..., Page], db: Session, demo_family: int
) -> None:
    tablet = new_phone()
    tablet.set_viewport_size(TABLET)
    login = demo.STAFF[0][0]
    sign_in(tablet, login, _passphrase(login))
    family = f"/families/{demo_family}"

    tablet.goto("/caseload")
    expect(tablet.get_by_role("heading", level=1, name="Caseload")).to_be_visible()
    expect(tablet.get_by_role("table").get_by_role("link", name=FAMILY)).to_be_visible()
    assert_accessible(tablet)
    keep_picture(tablet, "tablet-caseload")

    meeting = db.exec(select(Meeting).where(Meeting.kind == "conference")).one()
    tablet.goto(f"{family}/meetings/{meeting.id}/room")
    tablet.get_by_role("button", name="Start the meeting: sharing information").click()
    expect(tablet.get_by_role("heading", level=1, name="Sharing information")).to_be_visible()
    tablet.get_by_role("button", name="Mum is here").click()
    expect(tablet.get_by_text("1 person is here.")).to_be_visible()
    tablet.get_by_role("button", name="Mrs Patel is here").click()
    expect(tablet.get_by_text("2 people are here.")).to_be_visible()
    assert_accessible(tablet)
    keep_picture(tablet, "tablet-meeting-room")

    tablet.goto(f"{family}/plan/decision")
    expect(tablet.get_by_role("heading", level=1, name="Agreeing the plan")).to_be_visible()
    expect(tablet.get_by_role("heading", name="The plan the family presented")).to_be_visible()
    assert_accessible(tablet)
    keep_picture(tablet, "tablet-plan-decision")
