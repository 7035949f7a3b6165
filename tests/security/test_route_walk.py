"""Walks every route the app has and checks who may reach it.

The routes are read from the app itself, not listed here, so a route added later without
a sign-in check, a family access check or a role check fails these tests. Only the
routes in PUBLIC may be used without signing in."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from sqlmodel import Session
from starlette.routing import Mount

from fgdm.accounts.models import User
from fgdm.main import create_app
from tests.conftest import Browser, database_of_its_own, test_settings
from tests.factories import PASSPHRASE
from tests.security.conftest import World, build_world, ok_events

# Routes anyone may use without signing in: (method, path).
PUBLIC = {
    ("GET", "/"),
    ("GET", "/login"),
    ("POST", "/login"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    # The service worker, the manifest (browsers fetch it without cookies) and the page a
    # phone shows offline, kept by the service worker for anyone: none holds personal data.
    ("GET", "/sw.js"),
    ("GET", "/manifest.webmanifest"),
    ("GET", "/offline"),
    # Choosing the language of the pages, before signing in too.
    ("GET", "/language"),
    ("POST", "/language"),
}
# The second step of a staff sign-in: reached only with a half-way session (passphrase
# accepted, code not yet), so without one they send the visitor back to the first step.
SECOND_STEP = {
    ("GET", "/login/two-step"),
    ("POST", "/login/two-step"),
    ("GET", "/login/two-step/set-up"),
    ("POST", "/login/two-step/set-up"),
}
# Invite links are opened by people who do not have an account yet.
PUBLIC_PREFIXES = ("/join/",)
# The interactive API docs (absent in production, tested in test_headers.py).
NOT_PAGES = {"/docs", "/docs/oauth2-redirect", "/openapi.json", "/redoc"}
# Parts of a family group only its practitioners may use.
PRACTITIONER_ONLY = re.compile(
    r"^/families/\{family_id\}/(members|invites|export|safety-arrangements)(/|$)"
)
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")


def _app():
    return create_app(test_settings("sqlite:///:memory:", Path(tempfile.gettempdir())))


def _walk() -> list[tuple[str, str]]:
    """(method, path) for every route of a freshly built app, including those of included
    routers (which app.routes no longer lists one by one)."""
    found = []
    for route in iter_route_contexts(_app().routes):
        if isinstance(route.original_route, Mount) or route.path in NOT_PAGES:
            continue
        for method in sorted(route.methods or ()):
            if method in ("HEAD", "OPTIONS"):
                continue
            found.append((method, route.path))
    return found


ROUTES = _walk()


def _is_public(method: str, path: str) -> bool:
    return (
        (method, path) in PUBLIC
        or (method, path) in SECOND_STEP
        or path.startswith(PUBLIC_PREFIXES)
    )


PROTECTED = [r for r in ROUTES if not _is_public(*r)]
FAMILY_ROUTES = [r for r in ROUTES if "{family_id}" in r[1]]
PRACTITIONER_ROUTES = [r for r in FAMILY_ROUTES if PRACTITIONER_ONLY.match(r[1])]
FAMILY_WRITES = [r for r in FAMILY_ROUTES if r[0] in UNSAFE]
ADMIN_ROUTES = [r for r in ROUTES if r[1] == "/admin" or r[1].startswith("/admin/")]
NEW_FAMILY = [r for r in ROUTES if r[1] == "/families/new"]
# (method, path, who): staff pages that someone with this role must not use.
ROLE_REFUSALS = [
    (*route, who)
    for route in ADMIN_ROUTES
    for who in ("a.parent", "a.young_person", "a.practitioner", "manager_a")
] + [(*route, who) for route in NEW_FAMILY for who in ("a.parent", "a.young_person", "manager_a")]


@dataclass
class Walk:
    """The walk's app and world, and one signed-in browser per person, kept open."""

    app: FastAPI
    db: Session
    world: World
    browsers: dict[int, Browser] = field(default_factory=dict)

    def browser_for(self, user: User) -> Browser:
        if user.id not in self.browsers:
            browser = Browser(self.app, follow_redirects=False)
            browser.__enter__()
            browser.sign_in(user.login, PASSPHRASE)
            self.browsers[user.id] = browser
        return self.browsers[user.id]


@pytest.fixture(scope="module")
def walk(migrated_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Walk]:
    """One world for the whole walk, in a database of its own. Every request of the walk
    must be refused and change nothing (each case checks that nothing was done), so the
    cases share the world and the signed-in browsers instead of building them again for
    each of more than a thousand cases."""
    folder = tmp_path_factory.mktemp("walk")
    with database_of_its_own(migrated_template, folder, "walk") as url:
        settings = test_settings(url, folder)
        app = create_app(settings)
        with Session(app.state.engine, expire_on_commit=False) as db:
            state = Walk(app=app, db=db, world=build_world(db, settings))
            yield state
            for browser in state.browsers.values():
                browser.__exit__(None, None, None)
        app.state.engine.dispose()


@pytest.fixture
def world(walk: Walk) -> World:
    return walk.world


@pytest.fixture
def db(walk: Walk) -> Session:
    return walk.db


@pytest.fixture
def browser_for(walk: Walk) -> Callable[[User], Browser]:
    return walk.browser_for


@pytest.fixture
def anonymous(walk: Walk) -> Iterator[Browser]:
    with Browser(walk.app, follow_redirects=False) as browser:
        yield browser


def _ids(routes: list[tuple[str, str]]) -> list[str]:
    return [f"{method} {path}" for method, path in routes]


def _fill(path: str, world: World, db) -> str:
    """The path with real ids from family group A in place of its parameters."""
    known = {
        "family_id": world.a.id,
        "membership_id": world.membership_id(db, world.a.parent, world.a),
        "invite_id": world.invite_a.id,
        "user_id": world.a.parent.id,
    }
    return PARAM.sub(lambda m: str(known.get(m.group(1), 1)), path)


def _person(world: World, who: str):
    """A person of the world by dotted name, like "b.parent" or "admin"."""
    holder, _, attr = who.rpartition(".")
    return getattr(getattr(world, holder) if holder else world, attr)


def _send(browser, method: str, url: str, *, token: str):
    if method == "GET":
        return browser.get(url)
    return browser.request(method, url, data={"csrf_token": token})


@pytest.mark.parametrize(("method", "path"), sorted(SECOND_STEP), ids=_ids(sorted(SECOND_STEP)))
def test_the_second_step_without_a_half_way_session_goes_back_to_sign_in(method, path, client):
    response = _send(client, method, path, token=client.token())
    assert response.status_code == 303
    assert response.headers["location"] == "/login"


@pytest.mark.parametrize(("method", "path"), sorted(PUBLIC), ids=_ids(sorted(PUBLIC)))
def test_public_routes_answer_without_signing_in(method, path, client):
    response = _send(client, method, path, token=client.token())
    assert response.status_code < 500
    assert response.headers.get("location", "").split("?")[0] != "/login" or path == "/"


def test_the_walk_finds_the_routes_it_must_check():
    assert ("GET", "/families/{family_id}") in PROTECTED
    assert ("POST", "/families/{family_id}/members/{membership_id}/remove") in FAMILY_WRITES
    assert ("GET", "/families/{family_id}/members") in PRACTITIONER_ROUTES
    assert ("GET", "/families/new") in PROTECTED
    assert not [r for r in ROUTES if r[1] in NOT_PAGES]


def test_the_walk_misses_nothing_the_api_description_lists():
    described = {
        (method.upper(), path)
        for path, operations in _app().openapi()["paths"].items()
        for method in operations
    }
    assert described
    assert described <= set(ROUTES)


@pytest.mark.parametrize(("method", "path"), PROTECTED, ids=_ids(PROTECTED))
def test_anonymous_visitor_is_sent_to_sign_in(method, path, anonymous, world, db):
    url = _fill(path, world, db)
    token = anonymous.token()
    response = _send(anonymous, method, url, token=token)
    if path.startswith("/api/"):
        assert response.status_code == 401
        return
    assert response.status_code == 303, response.text[:300]
    location = urlsplit(response.headers["location"])
    assert location.path == "/login"
    assert not location.netloc
    if method == "GET":
        assert parse_qs(location.query)["next"] == [url]
    assert world.a.family.name not in response.text


@pytest.mark.parametrize(("method", "path"), FAMILY_ROUTES, ids=_ids(FAMILY_ROUTES))
@pytest.mark.parametrize(
    "outsider",
    ["b.parent", "b.young_person", "b.practitioner", "manager_b", "admin"],
)
def test_anyone_outside_the_family_group_gets_not_found(
    method, path, outsider, world, db, browser_for
):
    browser = browser_for(_person(world, outsider))
    before = ok_events(db, world.a.id)
    response = _send(browser, method, _fill(path, world, db), token=browser.token())
    assert response.status_code == 404
    assert world.a.family.name not in response.text
    assert ok_events(db, world.a.id) == before


@pytest.mark.parametrize(("method", "path"), PRACTITIONER_ROUTES, ids=_ids(PRACTITIONER_ROUTES))
@pytest.mark.parametrize("member", ["young_person", "parent"])
def test_family_members_cannot_use_practitioner_pages(method, path, member, world, db, browser_for):
    browser = browser_for(getattr(world.a, member))
    before = ok_events(db, world.a.id)
    response = _send(browser, method, _fill(path, world, db), token=browser.token())
    assert response.status_code in (403, 404)
    assert ok_events(db, world.a.id) == before


@pytest.mark.parametrize(("method", "path"), FAMILY_WRITES, ids=_ids(FAMILY_WRITES))
def test_team_manager_cannot_change_a_family_group(method, path, world, db, browser_for):
    browser = browser_for(world.manager_a)
    before = ok_events(db, world.a.id)
    response = _send(browser, method, _fill(path, world, db), token=browser.token())
    assert response.status_code in (403, 404)
    assert ok_events(db, world.a.id) == before


@pytest.mark.parametrize(
    ("method", "path", "who"), ROLE_REFUSALS, ids=[" ".join(r) for r in ROLE_REFUSALS]
)
def test_staff_pages_refuse_other_roles(method, path, who, world, db, browser_for):
    browser = browser_for(_person(world, who))
    response = _send(browser, method, _fill(path, world, db), token=browser.token())
    assert response.status_code in (403, 404)


ID_ROUTES = [r for r in ROUTES if re.search(r"\{\w+_id\}", r[1])]
IMPOSSIBLE_IDS = [
    "2147483648",
    "99999999999999999999",
    "9223372036854775808",
    "0",
    "-1",
    "9" * 5000,
]


@pytest.mark.parametrize(("method", "path"), ID_ROUTES, ids=_ids(ID_ROUTES))
def test_ids_no_record_can_have_answer_not_found(method, path, world, db, browser_for):
    browser = browser_for(world.a.practitioner)
    token = browser.token()
    for impossible in IMPOSSIBLE_IDS:
        url = PARAM.sub(lambda m, v=impossible: v if m.group(1).endswith("_id") else "1", path)
        response = _send(browser, method, url, token=token)
        assert response.status_code in (403, 404), f"{impossible[:20]}: {response.status_code}"
