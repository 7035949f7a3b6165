"""Every page of the app, as each person who can open it, passes axe-core (WCAG 2.0, 2.1 and
2.2, levels A and AA) on a phone (360x740) and on a laptop (1280x800).

The pages are found by following links from each person's start page through the demo
family groups (the way a person finds them), plus the few pages a link in a message opens
(an invite) or a sign-in step shows. A test fails when the app has an HTML page that no
one reaches this way, so a new page is checked from the day it is added."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urldefrag, urlsplit

import pyotp
import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI
from fastapi.routing import APIRoute
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from fgdm import demo
from fgdm.accounts import service as accounts_service
from fgdm.accounts import two_factor
from fgdm.config import Settings
from fgdm.families.models import FamilyGroup
from fgdm.families.service import AccessRole, FamilyAccess
from fgdm.invites import service as invites_service
from fgdm.invites.models import InviteRole
from fgdm.meetings.models import MeetingPart
from fgdm.safety import rectification
from fgdm.safety.models import DangerStatement, StatementType
from tests.browser import helpers
from tests.conftest import Browser, walk_routes
from tests.factories import PASSPHRASE, actor_for, make_family
from tests.http.test_meeting_room import make_meeting

pytestmark = pytest.mark.browser

# GET routes that answer something other than an HTML page, so axe has nothing to check.
NOT_HTML = {
    "plan:print_pdf": "the family plan as a PDF",
    "stories:image": "a picture in a story",
    "voice:three_houses_drawing": "a child's drawing",
    "voice:view_drawing": "a child's drawing",
    "api:network": "JSON for other systems",
    "api:findings": "JSON for other systems",
    "plans:live": "the plan's poll during family time (a fragment or nothing)",
    "meeting_room:device_home": "only sends the meeting tablet on to its page",
    "pwa:manifest": "the web app manifest (JSON)",
    "pwa:service_worker": "the service worker (JavaScript)",
    "home": "only sends a person on to the sign-in or their families",
}
# Pages shown only in a moment of a meeting or of signing in, checked by the tests named.
CHECKED_APART = {
    "accounts:two_step": "test_two_step_sign_in_pages_pass_axe",
    "accounts:two_step_setup": "test_two_step_sign_in_pages_pass_axe",
    "meeting_room:family_time": "test_private_family_time_pages_pass_axe",
    "meeting_room:return": "test_private_family_time_pages_pass_axe",
}

# Who signs in (the demo's people; their passphrases are public), and where they start.
ROLES = {
    "parent": ("nadia", "demo sunflower harbour tea"),
    "young person": ("maya", "demo purple dragon music"),
    "practitioner": ("sam.okafor@demo.example.org", "demo blue kettle morning"),
    "manager": ("priya.shah@demo.example.org", "demo green window river"),
    "admin": ("alex.morgan@demo.example.org", "demo yellow garden stone"),
}
SIGNED_OUT = "signed out"
SIZES = {"phone": {"width": 360, "height": 740}, "laptop": {"width": 1280, "height": 800}}
# Addresses that are no page of the app: the error pages a person may meet.
ERROR_PAGES = {
    SIGNED_OUT: ["/no-such-page", "/join/not-a-real-invite"],
    "parent": ["/families/999999", "/families/new"],
}


@dataclass
class Demo:
    """The demo loaded into the test's database, and a live invite into it."""

    invite_path: str


@pytest.fixture
def demo_data(db: Session, settings: Settings) -> Demo:
    assert demo.load(db, settings=settings)
    db.commit()
    family = db.exec(select(FamilyGroup).where(FamilyGroup.name == "Team Maya")).one()
    sam = accounts_service.get_user_by_login(db, login=ROLES["practitioner"][0])
    invite = invites_service.create_invite(
        db,
        actor=actor_for(settings, sam),
        access=FamilyAccess(family=family, role=AccessRole.practitioner),
        invited_name="Uncle Dev",
        role=InviteRole.family_member.value,
    )
    # Nadia disagrees with something a professional wrote (the demo has no such note).
    begum_clarke = db.exec(
        select(FamilyGroup).where(FamilyGroup.name == "The Begum-Clarke family")
    ).one()
    nadia = accounts_service.get_user_by_login(db, login=ROLES["parent"][0])
    statement = db.exec(
        select(DangerStatement).where(DangerStatement.family_group_id == begum_clarke.id)
    ).first()
    assert statement is not None and statement.id is not None
    rectification.add_note(
        db,
        actor=actor_for(settings, nadia),
        access=FamilyAccess(family=begum_clarke, role=AccessRole.family_member),
        statement_type=StatementType.danger,
        statement_id=statement.id,
        text="We see this differently.",
    )
    db.commit()
    return Demo(invite_path=f"/join/{invite.token}")


def _html_routes(app: FastAPI) -> list[APIRoute]:
    return [
        route for route in walk_routes(app) if "GET" in route.methods and route.name not in NOT_HTML
    ]


def _route_for(routes: list[APIRoute], path: str) -> APIRoute | None:
    """The GET route that answers this path, as the app's router would choose it."""
    for route in routes:
        if "GET" in route.methods and route.path_regex.match(path):
            return route
    return None


def _links(html: str) -> Iterable[str]:
    soup = BeautifulSoup(html, "html.parser")
    for link in soup.find_all("a", href=True):
        href = urldefrag(str(link["href"]))[0]
        if href.startswith("/") and not href.startswith(("//", "/static/")):
            yield href


def crawl(app: FastAPI, browser: Browser, seeds: list[str]) -> dict[str, str]:
    """Follows links from the seeds; returns, for each HTML page (route) reached, the first
    address of it that answered 200 with HTML."""
    routes = walk_routes(app)
    found: dict[str, str] = {}
    fetched: dict[str, int] = {}
    queue = deque(seeds)
    seen: set[str] = set()
    while queue:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        route = _route_for(routes, urlsplit(url).path)
        if route is None or route.name in NOT_HTML:
            continue
        # A few addresses of each page, to find links only some of them have.
        if fetched.get(route.name, 0) >= 3:
            continue
        fetched[route.name] = fetched.get(route.name, 0) + 1
        response = browser.get(url)
        if response.status_code in (302, 303, 307):
            queue.appendleft(response.headers["location"])
            continue
        if response.status_code != 200:
            continue
        assert response.headers["content-type"].startswith("text/html"), url
        found.setdefault(route.name, url)
        queue.extend(_links(response.text))
    return found


def _signed_in_browser(app: FastAPI, role: str) -> Browser:
    browser = Browser(app, follow_redirects=False)
    if role != SIGNED_OUT:
        browser.sign_in(*ROLES[role])
    return browser


def pages_for(app: FastAPI, role: str, data: Demo) -> dict[str, str]:
    """Every HTML page this person reaches by following links (and an invite, signed out)."""
    # The offline page is shown by the service worker when a page cannot be loaded.
    seeds = ["/", "/login", "/offline", data.invite_path] if role == SIGNED_OUT else ["/families"]
    with _signed_in_browser(app, role) as browser:
        return crawl(app, browser, seeds)


def test_every_html_page_is_reached_by_someone(app: FastAPI, demo_data: Demo) -> None:
    reached: set[str] = set()
    for role in [*ROLES, SIGNED_OUT]:
        reached |= set(pages_for(app, role, demo_data))
    reached |= set(CHECKED_APART)
    missing = sorted(
        f"{route.name} {route.path}" for route in _html_routes(app) if route.name not in reached
    )
    assert not missing, (
        "These pages are reached by nobody in the accessibility walk: link them from a page, "
        "give the demo what they show, or (if they answer no HTML) add them to NOT_HTML:\n  "
        + "\n  ".join(missing)
    )


def _axe_problems(page: Page, what: str = "", *, sizes: dict | None = None) -> list[str]:
    """axe-core's findings on the page as it is now at each size (a phone's and a laptop's
    unless said), as text (none when it passes). The page is not loaded again for the
    second size: its layout follows the window, as when a tablet is turned round."""
    sizes = sizes or SIZES
    problems = []
    for name, size in sizes.items():
        page.set_viewport_size(size)
        try:
            helpers.assert_accessible(page)
        except pytest.fail.Exception as failure:
            problems.append(f"{what} ({name}): {failure}" if what else f"({name}) {failure}")
    page.set_viewport_size(next(iter(sizes.values())))
    return problems


def _check_all(page: Page, urls: Iterable[str], *, errors: bool = False) -> list[str]:
    """Opens each address and runs axe at both sizes; returns every problem found (not
    only the first).
    A page answering with an error status is a problem too, unless errors are the point."""
    problems = []
    for url in urls:
        response = page.goto(url)
        assert response is not None
        if response.status >= 400 and not errors:
            problems.append(f"{url} answered {response.status}")
        problems += _axe_problems(page)
    return problems


@pytest.mark.parametrize("role", [*ROLES, SIGNED_OUT])
def test_every_page_passes_axe(app: FastAPI, demo_data: Demo, page: Page, role: str) -> None:
    urls = list(pages_for(app, role, demo_data).values())
    # Sixty pages one after another on a busy machine: a slow one is no failure here.
    page.set_default_navigation_timeout(30_000)
    if role != SIGNED_OUT:
        helpers.sign_in(page, *ROLES[role])
    problems = _check_all(page, urls)
    problems += _check_all(page, ERROR_PAGES.get(role, []), errors=True)
    assert not problems, "\n".join(problems)


def test_two_step_sign_in_pages_pass_axe(
    app: FastAPI, db: Session, settings: Settings, page: Page, new_phone
) -> None:
    """The sign-in's second step: the code from the app, and setting the app up where staff
    must use one."""
    assert demo.load(db, settings=settings)
    manager = accounts_service.get_user_by_login(db, login=ROLES["manager"][0])
    secret = two_factor.begin_setup(db, user=manager)
    two_factor.confirm_setup(
        db, actor=actor_for(settings, manager), user=manager, code=pyotp.TOTP(secret).now()
    )
    db.commit()
    app.state.settings.staff_two_factor = True
    problems = []
    # The manager has the app set up (the code page); the admin must set it up first.
    for phone, role, step in ((page, "manager", "two-step?"), (new_phone(), "admin", "set-up?")):
        phone.goto("/login")
        phone.get_by_label("Sign-in name or email address").fill(ROLES[role][0])
        phone.get_by_label("Passphrase").fill(ROLES[role][1])
        phone.get_by_role("button", name="Sign in").click()
        phone.wait_for_url(f"**/{step}**")
        problems += _check_all(phone, [phone.url])
    assert not problems, "\n".join(problems)


def test_private_family_time_pages_pass_axe(
    db: Session, settings: Settings, page: Page, new_phone
) -> None:
    """The meeting tablet once the coordinator has left the room, and a parent's phone."""
    setup = make_family(db, settings, name="The Osei family")
    meeting = make_meeting(db, setup, part=MeetingPart.information_sharing)
    family_time = f"/families/{setup.id}/meetings/{meeting.id}/family-time"
    helpers.sign_in(page, setup.practitioner.login, PASSPHRASE)
    page.goto(f"/families/{setup.id}/meetings/{meeting.id}/room")
    page.get_by_role("button", name="Leave the room").click()
    page.wait_for_url(f"**/families/{setup.id}/plan")
    parent = new_phone()
    helpers.sign_in(parent, setup.parent.login, PASSPHRASE)
    problems = _check_all(page, [family_time]) + _check_all(parent, [family_time])
    page.get_by_role("button", name="We have finished").click()
    page.wait_for_url("**/room/return")
    problems += _check_all(page, [page.url])
    assert not problems, "\n".join(problems)


# The main forms sent empty or wrong: the page each is on (a route the walk reaches), the
# form, and what is typed first (a meeting with a time but no date is wrong; none is not).
EMPTY_FORMS = {
    "add a person": ("network:page", 'form[action$="/network/people"]', {}),
    "a plan action": ("plans:new_action", 'form[action$="/plan/actions"]', {}),
    "a safety rule": ("safety_plan:new_rule", 'form[action$="/safety-plan/rules"]', {}),
    # The first of the mapping's three columns: what we are worried about.
    "a worry": ("safety:mapping", 'form[action$="/mapping/items"]', {}),
    "a story page": ("stories:story", 'form[action$="/pages"][enctype]', {}),
    "the referral": ("journey:referral", "form.referral-form", {}),
    "a meeting": ("meetings:list", 'main form[action$="/meetings"]', {"Time": "10:30"}),
}


def _send(page: Page, form: str, typed: dict[str, str] | None = None) -> None:
    """Types into the form and sends it through its own submit event (so htmx sends it
    where it would), then waits for the problems to be shown."""
    found = page.locator(form).first
    for label, value in (typed or {}).items():
        found.get_by_label(label).fill(value)
    found.evaluate("form => form.requestSubmit()")
    page.locator(".error-summary").wait_for()


def test_forms_sent_back_with_their_problems_pass_axe(
    app: FastAPI, demo_data: Demo, page: Page, new_phone
) -> None:
    addresses = pages_for(app, "practitioner", demo_data)
    helpers.sign_in(page, *ROLES["practitioner"])
    problems = []
    for name, (route, form, typed) in EMPTY_FORMS.items():
        page.goto(addresses[route])
        assert page.locator(form).count() >= 1, f"no form for {name} on {page.url}"
        _send(page, form, typed)
        problems += _axe_problems(page, name)
    signed_out = new_phone()
    for address in ("/login", "/language"):
        signed_out.goto(address)
        _send(signed_out, "main form")
        problems += _axe_problems(signed_out, address)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("size", list(SIZES))
def test_pages_after_htmx_swaps_pass_axe(
    app: FastAPI, demo_data: Demo, page: Page, size: str
) -> None:
    """What htmx swaps in place: a person added to the map, the caseload searched and
    sorted."""
    addresses = pages_for(app, "practitioner", demo_data)
    only = {size: SIZES[size]}
    page.set_viewport_size(SIZES[size])
    helpers.sign_in(page, *ROLES["practitioner"])
    problems = []

    page.goto(addresses["network:page"])
    form = page.locator('form[action$="/network/people"]')
    form.get_by_label("Their name").fill("Auntie Bea")
    form.locator('input[name="kind"]').first.check()
    form.locator('input[name="closeness"]').first.check()
    form.get_by_role("button", name="Add to our map").click()
    expect(page.locator(".people-list").get_by_role("link", name="Auntie Bea")).to_be_visible()
    problems += _axe_problems(page, "a person added to the map", sizes=only)

    page.goto("/caseload")
    page.get_by_label("Search by name").fill("Begum")
    page.get_by_role("button", name="Show family groups").click()
    expect(page.get_by_role("link", name="Team Maya")).to_have_count(0)
    problems += _axe_problems(page, "the caseload searched", sizes=only)
    if size == "phone":  # the column names are hidden on a phone: the form sorts
        page.get_by_label("Sort by").select_option(index=1)
        page.get_by_role("button", name="Show family groups").click()
    else:
        page.locator("a.caseload-sort").first.click()
    expect(page).to_have_url(re.compile(r"sort="))
    problems += _axe_problems(page, "the caseload sorted", sizes=only)

    assert not problems, "\n".join(problems)
