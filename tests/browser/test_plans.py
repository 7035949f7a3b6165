"""The family plan on two phones during private family time: two family members write the
plan at once, each sees the other's change within two seconds without reloading, changes
to different actions are both kept, the same action gives the conflict page; an action with
nobody shows as a finding; agreeing, and agreeing again after a change. axe-core at 360x740
and 1024x768."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from fgdm.config import Settings
from fgdm.families import service as families_service
from fgdm.families.models import MemberRole
from fgdm.families.service import AccessRole, FamilyAccess
from fgdm.meetings.models import Meeting, MeetingPart
from fgdm.network import service as network_service
from fgdm.network.service import PersonInput
from fgdm.plans.models import PlanAction
from tests.browser.helpers import assert_accessible, screenshot, sign_in
from tests.factories import PASSPHRASE, actor_for, make_family, make_user

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1024, "height": 768}
LIVE = 2_500  # two seconds of polling, and the time to answer


def _setup(db: Session, settings: Settings):
    setup = make_family(db, settings, name="The Khan family")
    dad = make_user(db, settings, name="Dad")
    families_service.add_member(
        db,
        actor=actor_for(settings, setup.practitioner),
        access=FamilyAccess(family=setup.family, role=AccessRole.practitioner),
        user=dad,
        role=MemberRole.family_member,
    )
    access = families_service.get_access(db, user=setup.practitioner, family_group_id=setup.id)
    network_service.add_person(
        db,
        actor=actor_for(settings, setup.practitioner),
        access=access,
        data=PersonInput(known_as="Nan", kind="family"),
    )
    db.add(Meeting(family_group_id=setup.id, part=MeetingPart.private_family_time))
    db.commit()
    return setup, dad


def _on_two_phones(
    mum: Page, new_phone: Callable[..., Page], db: Session, settings: Settings
) -> tuple[str, Page]:
    """Mum and Dad signed in on their phones, Mum on the plan in private family time."""
    setup, dad = _setup(db, settings)
    plan_url = f"/families/{setup.id}/plan"
    sign_in(mum, setup.parent.login, PASSPHRASE)
    mum.goto(plan_url)
    expect(mum.get_by_role("heading", name="This is private family time")).to_be_visible()
    dad_phone = new_phone()
    sign_in(dad_phone, dad.login, PASSPHRASE)
    return plan_url, dad_phone


def _add_action(page: Page, what: str, who: str | None = None) -> None:
    page.get_by_role("link", name="Add an action").click()
    expect(page.get_by_role("heading", level=1, name="Add an action")).to_be_visible()
    page.get_by_label("What will be done").fill(what)
    if who:
        page.get_by_role("group", name="Who will do it").get_by_label(who).check()
    page.get_by_role("button", name="Add the action").click()
    expect(page.get_by_role("heading", level=1, name="Our family plan")).to_be_visible()


def test_two_family_members_write_the_plan_together_in_private_family_time(
    page: Page, new_phone: Callable[..., Page], db: Session, settings: Settings
) -> None:
    mum = page
    plan_url, dad_phone = _on_two_phones(mum, new_phone, db, settings)
    assert_accessible(mum)
    dad_phone.goto(plan_url)
    expect(dad_phone.get_by_text("No actions yet.")).to_be_visible()

    # Mum adds an action with nobody to do it: a finding, with a link to the action.
    _add_action(mum, "Someone fixes the boiler")
    expect(mum.locator(".finding")).to_contain_text("Nobody is named to do this")
    assert_accessible(mum)
    # Dad sees it within two seconds, without reloading.
    expect(dad_phone.locator(".plan-action__what")).to_have_text(
        ["Someone fixes the boiler"], timeout=LIVE
    )

    # Dad adds a second action at the same time; Mum sees it appear.
    _add_action(dad_phone, "Nan takes Amir to school", who="Nan")
    expect(mum.locator(".plan-action__what")).to_have_text(
        ["Someone fixes the boiler", "Nan takes Amir to school"], timeout=LIVE
    )

    # Both change a different action at once: both are kept.
    mum.get_by_role("link", name="Change action 1").click()
    dad_phone.get_by_role("link", name="Change action 2").click()
    mum.get_by_label("What will be done").fill("Uncle Dev fixes the boiler")
    dad_phone.get_by_label("What will be done").fill("Nan takes Amir to school on Mondays")
    mum.get_by_role("button", name="Save the action").click()
    dad_phone.get_by_role("button", name="Save the action").click()
    expected = ["Uncle Dev fixes the boiler", "Nan takes Amir to school on Mondays"]
    expect(mum.locator(".plan-action__what")).to_have_text(expected, timeout=LIVE)
    expect(dad_phone.locator(".plan-action__what")).to_have_text(expected, timeout=LIVE)

    # Both change the same action at once: the second gets the conflict page, nothing lost.
    mum.get_by_role("link", name="Change action 1").click()
    dad_phone.get_by_role("link", name="Change action 1").click()
    mum.get_by_label("What will be done").fill("Mum fixes the boiler")
    dad_phone.get_by_label("What will be done").fill("Dad fixes the boiler")
    mum.get_by_role("button", name="Save the action").click()
    expect(mum.get_by_role("heading", level=1, name="Our family plan")).to_be_visible()
    dad_phone.get_by_role("button", name="Save the action").click()
    expect(
        dad_phone.get_by_role("heading", name="Someone else changed this while you were working")
    ).to_be_visible()
    expect(dad_phone.get_by_role("cell", name="Dad fixes the boiler")).to_be_visible()
    expect(dad_phone.get_by_role("cell", name="Mum fixes the boiler")).to_be_visible()
    assert_accessible(dad_phone)
    db.expire_all()
    assert [a.what for a in db.exec(select(PlanAction).order_by(PlanAction.position))] == [
        "Mum fixes the boiler",
        "Nan takes Amir to school on Mondays",
    ]

    # The plan on a bigger screen is accessible too.
    mum.set_viewport_size(DESKTOP)
    assert_accessible(mum)
    screenshot(mum, "family-plan-desktop")


def test_a_change_from_another_phone_leaves_the_keyboard_where_it_was(
    page: Page, new_phone: Callable[..., Page], db: Session, settings: Settings
) -> None:
    mum = page
    plan_url, dad_phone = _on_two_phones(mum, new_phone, db, settings)
    _add_action(mum, "Someone fixes the boiler")
    # Mum has moved the keyboard to her action's "Change" link and is reading it out.
    mum.get_by_role("link", name="Change action 1").focus()
    dad_phone.goto(plan_url)
    _add_action(dad_phone, "Nan takes Amir to school", who="Nan")

    # Dad's action reaches Mum's phone (how soon is the test above's business); her
    # keyboard is still on the same link.
    expect(mum.locator(".plan-action__what")).to_have_text(
        ["Someone fixes the boiler", "Nan takes Amir to school"], timeout=10_000
    )
    expect(mum.get_by_role("link", name="Change action 1")).to_be_focused()
    mum.keyboard.press("Tab")
    expect(mum.get_by_role("button", name="Move action 1 down")).to_be_focused()


def test_agreeing_and_agreeing_again_after_a_change(
    page: Page, new_phone: Callable[..., Page], db: Session, settings: Settings
) -> None:
    setup, dad = _setup(db, settings)
    plan_url = f"/families/{setup.id}/plan"
    sign_in(page, setup.parent.login, PASSPHRASE)
    page.goto(plan_url)
    _add_action(page, "Nan takes Amir to school", who="Nan")

    page.get_by_role("link", name="Agree to this plan").click()
    expect(page.get_by_role("heading", level=1, name="Agree to our family plan")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Your name").fill("Nadia Khan")
    page.get_by_label("I agree to this plan").check()
    page.get_by_role("button", name="Agree").click()
    expect(page.locator(".plan-agreement")).to_contain_text("Nadia Khan")

    dad_phone = new_phone()
    sign_in(dad_phone, dad.login, PASSPHRASE)
    dad_phone.goto(plan_url)
    dad_phone.get_by_role("link", name="Change: What we want for the children").click()
    dad_phone.get_by_label("In your own words").fill("Amir is safe and happy at home")
    dad_phone.get_by_role("button", name="Save").click()

    # Mum's page shows the change and asks her to agree again, without reloading.
    banner = page.get_by_role("region", name="The plan has changed")
    expect(banner).to_be_visible(timeout=LIVE)
    expect(page.locator("#what_we_want")).to_have_text("Amir is safe and happy at home")
    assert_accessible(page)
    banner.get_by_role("link", name="Read what changed").click()
    expect(page.locator(".plan-since ins")).to_contain_text("Amir is safe and happy at home")
    assert_accessible(page)
    page.get_by_role("link", name="Read the plan and agree again").click()
    page.get_by_label("Your name").fill("Nadia Khan")
    page.get_by_label("I agree to this plan").check()
    page.get_by_role("button", name="Agree").click()
    expect(page.get_by_role("region", name="The plan has changed")).to_have_count(0)
