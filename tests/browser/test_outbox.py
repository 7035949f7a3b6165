"""Writing while offline on a phone (360x740): a change made without a connection waits in
the outbox ("Waiting to send") and is saved exactly once when the connection returns, even
when it has to be sent three times; a change that went stale meanwhile ends on the conflict
page with both versions, and nothing is overwritten. axe-core on the page with the list."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, Route, expect
from sqlmodel import Session, select

from fgdm.config import Settings
from fgdm.families import service as families_service
from fgdm.plans import service as plans_service
from fgdm.plans.models import PlanAction
from fgdm.plans.service import ActionInput
from tests.browser.helpers import assert_accessible, screenshot, sign_in
from tests.browser.test_offline import _parent_keeps_the_plan
from tests.factories import PASSPHRASE, actor_for, make_family

pytestmark = pytest.mark.browser

PLAN_HEADING = "Our family plan"


def _actions(db: Session) -> list[str]:
    db.expire_all()
    return [a.what for a in db.exec(select(PlanAction).order_by(PlanAction.id))]


def _open_new_action_form(page: Page, plan_url: str) -> None:
    page.goto(plan_url)
    page.get_by_role("link", name="Add an action").click()
    expect(page.get_by_role("heading", level=1, name="Add an action")).to_be_visible()


def _go_offline(page: Page) -> None:
    # The page has fetched everything it asks for (its icon comes after it has loaded).
    page.wait_for_load_state("networkidle")
    page.context.set_offline(True)


def _add_action_offline(page: Page, db: Session, settings: Settings, what: str) -> str:
    """Signs the parent in, opens the form to add an action, goes offline and sends it;
    returns the plan's address."""
    setup = make_family(db, settings)
    plan_url = f"/families/{setup.id}/plan"
    sign_in(page, setup.parent.login, PASSPHRASE)
    _open_new_action_form(page, plan_url)
    _go_offline(page)
    page.get_by_label("What will be done").fill(what)
    page.get_by_role("button", name="Add the action").click()
    expect(page.locator("#outbox")).to_contain_text("Waiting to send (1)")
    return plan_url


def _plan_actions(page: Page) -> list[str]:
    expect(page.get_by_role("heading", level=1, name=PLAN_HEADING)).to_be_visible()
    return [text.strip() for text in page.locator(".plan-actions > li").all_inner_texts()]


def test_an_action_added_offline_waits_and_is_saved_once_back_online(
    page: Page, db: Session, settings: Settings
) -> None:
    plan_url = _add_action_offline(page, db, settings, "Nan takes Amir to school on Fridays")
    outbox = page.locator("#outbox")
    expect(outbox.get_by_role("listitem")).to_contain_text("Add an action")
    expect(page.get_by_text("It will be sent when you are back online.")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "outbox-waiting")
    assert _actions(db) == []

    page.context.set_offline(False)
    items = _plan_actions(page)
    assert len(items) == 1 and "Nan takes Amir to school on Fridays" in items[0]
    assert _actions(db) == ["Nan takes Amir to school on Fridays"]
    # Opened again, the plan still has it once, and nothing waits any more.
    page.goto(plan_url)
    assert len(_plan_actions(page)) == 1
    expect(page.locator("#outbox")).to_be_empty()


def test_the_same_change_sent_three_times_is_saved_once(
    page: Page, db: Session, settings: Settings
) -> None:
    # A phone without Background Sync (Safari): the page itself sends, so every send
    # passes through the route below.
    page.add_init_script("delete window.SyncManager")
    plan_url = _add_action_offline(page, db, settings, "Grandad cooks on Sundays")

    # The first two sends reach the server, but their answers are lost on the way back
    # (the phone sees a server that is not answering), so the outbox sends again.
    sent: list[str] = []

    def lose_the_answer(route: Route) -> None:
        sent.append(route.request.headers.get("idempotency-key", ""))
        if len(sent) < 3:
            route.fetch()
            route.fulfill(status=503, content_type="text/html", body="<p>Try later</p>")
        else:
            route.continue_()

    page.route(f"**{plan_url}/actions", lose_the_answer)
    outbox = page.locator("#outbox")
    with page.expect_response(f"**{plan_url}/actions"):
        page.context.set_offline(False)
    for _ in range(2):
        # Each send ends before the next one starts (the list is busy while sending).
        expect(outbox).not_to_have_attribute("aria-busy", "true")
        expect(outbox).to_contain_text("Waiting to send (1)")
        page.evaluate("() => { window.fgdmOutbox.flush(); }")
    items = _plan_actions(page)
    assert len(sent) == 3 and len(set(sent)) == 1 and sent[0]
    assert len(items) == 1
    assert _actions(db) == ["Grandad cooks on Sundays"]


def test_a_change_that_went_stale_offline_ends_on_the_conflict_page_with_both_versions(
    page: Page, new_phone: Callable[..., Page], db: Session, settings: Settings
) -> None:
    setup = make_family(db, settings)
    plan_url = f"/families/{setup.id}/plan"
    sign_in(page, setup.parent.login, PASSPHRASE)
    _open_new_action_form(page, plan_url)
    page.get_by_label("What will be done").fill("Nan takes Amir to school")
    page.get_by_role("button", name="Add the action").click()
    page.get_by_role("link", name="Change action 1").click()
    expect(page.get_by_role("heading", level=1, name="Action 1")).to_be_visible()

    _go_offline(page)
    page.get_by_label("What will be done").fill("Mum takes Amir to school")
    page.get_by_role("button", name="Save the action").click()
    expect(page.locator("#outbox")).to_contain_text("Waiting to send (1)")

    # Meanwhile the practitioner changes the same action.
    worker = new_phone()
    sign_in(worker, setup.practitioner.login, PASSPHRASE)
    worker.goto(plan_url)
    worker.get_by_role("link", name="Change action 1").click()
    worker.get_by_label("What will be done").fill("Grandad takes Amir to school")
    worker.get_by_role("button", name="Save the action").click()
    expect(worker.get_by_role("heading", level=1, name=PLAN_HEADING)).to_be_visible()

    page.context.set_offline(False)
    outbox = page.locator("#outbox")
    expect(outbox).to_contain_text("Someone changed this while you were offline")
    assert_accessible(page)
    outbox.get_by_role("button", name="See both versions").click()
    expect(
        page.get_by_role(
            "heading", level=1, name="Someone else changed this while you were working"
        )
    ).to_be_visible()
    cells = page.locator("table td").all_inner_texts()
    assert "Mum takes Amir to school" in cells and "Grandad takes Amir to school" in cells
    expect(page.get_by_role("link", name="Open the newest version")).to_be_visible()
    expect(page.locator("#outbox")).to_be_empty()
    assert _actions(db) == ["Grandad takes Amir to school"]


def test_offline_the_saved_plan_reads_takes_an_edit_and_saves_it_once_back_online(
    page: Page, db: Session, settings: Settings
) -> None:
    setup = make_family(db, settings)
    access = families_service.get_access(db, user=setup.practitioner, family_group_id=setup.id)
    for what in ("Nan takes Amir to school", "Dad phones the school"):
        plans_service.add_action(
            db,
            actor=actor_for(settings, setup.practitioner),
            access=access,
            data=ActionInput(what=what, who=[]),
        )
    db.commit()
    plan_url = _parent_keeps_the_plan(page, setup)

    # No signal: the plan is read from the phone, and an edit made on it waits.
    _go_offline(page)
    page.goto(plan_url)
    expect(page.get_by_text("You are offline.")).to_be_visible()
    page.get_by_role("button", name="Move action 1 down").click()
    expect(page.locator("#outbox")).to_contain_text("Waiting to send (1)")
    assert _actions(db) == ["Nan takes Amir to school", "Dad phones the school"]

    page.context.set_offline(False)
    expect(page.locator(".plan-actions > li").first).to_contain_text("Dad phones the school")
    expect(page.locator("#outbox")).to_be_empty()
    db.expire_all()
    moved = db.exec(select(PlanAction).order_by(PlanAction.position)).all()
    assert [a.what for a in moved] == ["Dad phones the school", "Nan takes Amir to school"]
    # Moved once: the action's version rose by one.
    assert moved[1].version == 2
