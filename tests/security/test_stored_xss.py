"""Stored cross-site scripting: a family group whose every free-text field holds attack text
is opened on every page, print view, partial, map and API answer a practitioner, a parent,
an admin and an invited person can reach, and nothing of it ever becomes markup or runs."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI
from sqlmodel import Session, col, select

from fgdm.accounts import service as accounts_service
from fgdm.accounts.models import StaffRole, User
from fgdm.api import service as api_service
from fgdm.config import Settings
from fgdm.families import service as families_service
from fgdm.families.models import MemberRole
from fgdm.families.service import AccessRole, ChildInput, FamilyAccess
from fgdm.invites import service as invites_service
from fgdm.network import service as network_service
from fgdm.network.models import Person
from fgdm.network.service import PersonInput
from fgdm.network.vocabulary import Day, PartOfDay
from fgdm.safety import plan_service
from fgdm.safety import service as safety_service
from fgdm.safety.service import StatementKind
from fgdm.stories import service as stories_service
from fgdm.voice import service as voice_service
from tests.conftest import Browser, walk_routes
from tests.factories import PASSPHRASE, actor_for, make_user

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
LINK = "javascript:alert(1)"
TEXTAREA = "</textarea><svg onload=alert(1)>"
TEMPLATE = "{{7*7}}"
RLO = "\u202e"  # right-to-left override: flips the text that follows it
# Every attack at once (114 characters), for fields that take 120 or more.
ALL = SCRIPT + IMG + LINK + TEXTAREA + TEMPLATE + RLO
# One attack each, for shorter fields; the template one is followed by the override so
# that a rendered template ("49" then the override) can be told from any other 49.
EACH = [SCRIPT, IMG, LINK, TEXTAREA, TEMPLATE + RLO]

# Text that only appears in a response if an attack became markup or was evaluated.
SIGNS_OF_MARKUP = [
    "<script>alert",
    "<img src=x",
    "<svg onload",
    "</textarea><svg",
    "49" + RLO,
]
URL_ATTRIBUTES = ("href", "src", "action", "formaction", "xlink:href", "data", "poster")


@dataclass
class PayloadFamily:
    """A family group full of attack text, and the ids the route walk needs."""

    family_id: int
    practitioner: User
    parent: User
    admin: User
    child_ids: list[int]
    person_ids: list[int]
    ids: dict[str, int] = field(default_factory=dict)
    invite_token: str = ""


def build_payload_family(db: Session, settings: Settings) -> PayloadFamily:
    """Fills every free-text field of a family group through the services, as people would
    through the forms."""
    practitioner = make_user(db, settings, role=StaffRole.practitioner, name=ALL)
    admin = make_user(db, settings, role=StaffRole.admin, name=ALL)
    parent = make_user(db, settings, name=ALL)
    other_parent = make_user(db, settings, name=SCRIPT + IMG)
    young = make_user(db, settings, name=TEXTAREA + TEMPLATE + RLO)
    actor = actor_for(settings, practitioner)
    family = families_service.create_family_group(
        db,
        actor=actor,
        name=ALL,
        children=[
            ChildInput(SCRIPT + TEMPLATE + RLO, None, 8, IMG[:40]),
            ChildInput(TEXTAREA + IMG, None, 13, LINK),
        ],
    )
    access = FamilyAccess(family=family, role=AccessRole.practitioner)
    for user, role in (
        (parent, MemberRole.family_member),
        (other_parent, MemberRole.family_member),
        (young, MemberRole.young_person),
    ):
        families_service.add_member(db, actor=actor, access=access, user=user, role=role)
    db.flush()
    assert family.id is not None

    people = []
    for n, attack in enumerate(EACH):
        people.append(
            network_service.add_person(
                db,
                actor=actor,
                access=access,
                data=PersonInput(
                    known_as=f"{n}{attack}",
                    kind="family",
                    relationship_to_child=attack,
                    full_name=ALL,
                    languages=ALL,
                    area=attack,
                    closeness="close",
                ),
            )
        )
    person_ids = [p.id or 0 for p in people]
    for person_id in person_ids:
        for field_name in ("address", "phone", "email", "notes", "worry"):
            network_service.add_detail(
                db,
                actor=actor,
                access=access,
                person_id=person_id,
                field_name=field_name,
                value=ALL,
                visibility="everyone",
                named=set(),
            )
        network_service.add_offer(
            db,
            actor=actor,
            access=access,
            person_id=person_id,
            need="school_run",
            sureness="yes",
            details=ALL,
            slots={(Day.monday, PartOfDay.morning)},
        )
    relationship = network_service.add_relationship(
        db,
        actor=actor,
        access=access,
        person_id=person_ids[0],
        other_id=person_ids[1],
        closeness="conflict",
        note=ALL,
    )

    ids: dict[str, int] = {"relationship_id": relationship.id or 0}
    for column, kind in (
        ("worried", "past_harm"),
        ("working_well", "strength"),
        ("needs_to_happen", "next_step"),
    ):
        item = safety_service.add_item(
            db, actor=actor, access=access, column=column, kind=kind, text=ALL, share=True
        )
        ids["item_id"] = item.id or 0
    danger = safety_service.add_statement(
        db, actor=actor, access=access, kind=StatementKind.danger, text=ALL
    )
    goal = safety_service.add_statement(
        db, actor=actor, access=access, kind=StatementKind.goal, text=ALL
    )
    ids["danger_id"] = danger.id or 0
    ids["goal_id"] = goal.id or 0
    for scorer in (f"user:{parent.id}", f"person:{person_ids[0]}"):
        safety_service.add_score(
            db,
            actor=actor,
            access=access,
            scorer=scorer,
            score="4",
            why=ALL,
            one_point_higher=ALL,
        )

    children = db.exec(
        select(Person)
        .where(Person.family_group_id == family.id, col(Person.is_child).is_(True))
        .order_by(col(Person.id))
    ).all()
    child_ids = [c.id or 0 for c in children]
    story = stories_service.start_story(
        db, actor=actor, access=access, child_id=str(child_ids[0]), title=ALL
    )
    ids["story_id"] = story.id or 0
    for picture in ("family", "safe"):
        page = stories_service.add_page(
            db, actor=actor, access=access, story_id=story.id or 0, text=ALL, pictogram=picture
        )
        ids["page_id"] = page.id or 0

    member = plan_service.add_member(
        db,
        actor=actor,
        access=access,
        person_id=str(person_ids[0]),
        what_they_do=ALL,
        knows_the_worries=True,
    )
    ids["member_id"] = member.id or 0
    for _ in range(2):  # two rules, so the history has a change to show word by word
        rule = plan_service.add_rule(
            db,
            actor=actor,
            access=access,
            data=plan_service.RuleInput(
                what=ALL,
                who=[str(person_ids[0])],
                when_happens=ALL,
                how_child_knows=ALL,
                if_broken=ALL,
                child_words=ALL,
                pictogram="grandparent",
            ),
        )
        ids["rule_id"] = rule.id or 0
    db.flush()
    plan = plan_service.load_plan(db, actor=actor, access=access, settings=settings).plan
    assert plan is not None
    plan_service.update_if_not_working(
        db, actor=actor, access=access, version=plan.version, text=ALL
    )
    db.flush()
    parent_actor = actor_for(settings, parent)
    parent_access = FamilyAccess(family=family, role=AccessRole.family_member)
    current = plan_service.load_plan(db, actor=parent_actor, access=parent_access)
    plan_service.agree(
        db,
        actor=parent_actor,
        access=parent_access,
        revision=current.plan.revision if current.plan else 0,
        name_given=ALL,
        agreed=True,
    )

    for child_id in child_ids:
        houses = voice_service.load(db, actor=actor, access=access, child_id=child_id).houses
        for house in ("worries", "good_things", "dreams"):
            entry = voice_service.add_entry(
                db, actor=actor, access=access, child_id=child_id, house=house, text=ALL
            )
            ids["entry_id"] = entry.id or 0
        # The parent is chosen to see the three houses, so a parent's walk covers them too.
        voice_service.choose_viewers(
            db,
            actor=actor,
            access=access,
            child_id=child_id,
            version=houses.version,
            user_ids=[str(parent.id)],
        )

    invite = invites_service.create_invite(
        db, actor=actor, access=access, invited_name=ALL, role="family_member"
    )
    ids["invite_id"] = invite.invite.id or 0
    api_service.create_token(db, actor=actor, name=SCRIPT + IMG + TEMPLATE + RLO)
    ids["membership_id"] = families_service.list_members(db, access=access)[-1].membership.id or 0
    ids["user_id"] = parent.id or 0
    db.commit()
    return PayloadFamily(
        family_id=family.id,
        practitioner=practitioner,
        parent=parent,
        admin=admin,
        child_ids=child_ids,
        person_ids=person_ids,
        ids=ids,
        invite_token=invite.token,
    )


def markup_problems(text: str, content_type: str) -> list[str]:
    """What in a response shows attack text that became markup, a link or a template."""
    problems = [sign for sign in SIGNS_OF_MARKUP if sign in text]
    if "html" not in content_type and "svg" not in content_type:
        return problems
    soup = BeautifulSoup(text, "html.parser")
    for element in soup.find_all(True):
        for name, value in element.attrs.items():
            if name.lower().startswith("on"):
                problems.append(f"<{element.name} {name}=...>")
            if name.lower() in URL_ATTRIBUTES and re.sub(r"\s", "", str(value)).lower().startswith(
                ("javascript:", "data:text/html", "vbscript:")
            ):
                problems.append(f"<{element.name} {name}={value!r}>")
        if element.name == "script" and not element.get("src"):
            problems.append("an inline <script>")
    return problems


PARAMS = re.compile(r"\{(\w+)\}")


def _urls(app: FastAPI, setup: PayloadFamily) -> list[str]:
    """Every GET address of the app with this family's ids filled in, once for each person,
    child, rule, item or statement it can show, plus the query strings pages understand."""
    values: dict[str, list[str]] = {
        "family_id": [str(setup.family_id)],
        "person_id": [str(i) for i in setup.person_ids + setup.child_ids],
        "statement_id": [str(setup.ids["danger_id"]), str(setup.ids["goal_id"])],
        "token": [setup.invite_token],
        **{name: [str(value)] for name, value in setup.ids.items()},
    }
    urls: list[str] = []
    for route in walk_routes(app):
        if "GET" not in route.methods or route.path.startswith(("/docs", "/openapi", "/redoc")):
            continue
        paths = [route.path]
        for name in PARAMS.findall(route.path):
            paths = [
                p.replace("{" + name + "}", value)
                for p in paths
                for value in values.get(name, ["1"])
            ]
        urls.extend(paths)
    family = f"/families/{setup.family_id}"
    story = f"{family}/stories/{setup.ids['story_id']}"
    urls += [
        f"{story}/read?page=1",
        f"{story}/read?page=2",
        f"{family}/safety-plan/history?since=1",
        f"{family}/network/what-if?remove={setup.person_ids[0]}&remove={setup.person_ids[1]}",
        f"/admin/audit?family={setup.family_id}",
        *(f"{family}/export?person_id={i}" for i in setup.person_ids + setup.child_ids),
    ]
    return urls


def _strings(data: object) -> list[str]:
    """Every string anywhere in a JSON document."""
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        data = list(data.values())
    if isinstance(data, list):
        return [s for item in data for s in _strings(item)]
    return []


def _walk(browser: Browser, urls: list[str]) -> dict[str, int]:
    """Opens every address as a page and as an htmx request; fails on any sign of markup.
    Returns how many answers of each kind were checked."""
    checked: dict[str, int] = {}
    for url in urls:
        for headers in ({}, {"HX-Request": "true"}):
            response = browser.get(url, headers=headers)
            assert response.status_code < 500, url
            if response.status_code != 200:
                continue
            content_type = response.headers["content-type"]
            kind = content_type.split(";")[0]
            checked[kind] = checked.get(kind, 0) + 1
            if url.startswith("/api/") or kind == "application/json":
                # JSON holds the text as typed; a browser never reads it as a page.
                assert kind == "application/json", url
                assert response.headers["x-content-type-options"] == "nosniff"
                data = response.json()
                if url.endswith("/network"):
                    assert ALL in _strings(data), url
            elif kind.startswith("text/") or "svg" in kind or "xml" in kind:
                assert markup_problems(response.text, content_type) == [], url
    return checked


@pytest.fixture
def payload_family(db: Session, settings: Settings) -> PayloadFamily:
    return build_payload_family(db, settings)


def test_the_checks_would_see_attack_text_that_became_markup():
    assert markup_problems(f"<p>{SCRIPT}</p>", "text/html") != []
    assert markup_problems(f'<a href="x{IMG}</a>', "text/html") != []
    assert markup_problems(f'<a href="{LINK}">x</a>', "text/html") != []
    assert markup_problems(f"<textarea>{TEXTAREA}</textarea>", "text/html") != []
    assert markup_problems("<p>49" + RLO + "</p>", "text/html") != []
    escaped = "<p>&lt;script&gt;alert(1)&lt;/script&gt;&#34;&gt;&lt;img src=x onerror=alert(1)&gt;"
    assert markup_problems(escaped + TEMPLATE + RLO + "</p>", "text/html") == []


def test_attack_text_is_shown_as_text_on_every_page_a_practitioner_opens(
    payload_family, app, make_client
):
    browser = make_client()
    browser.sign_in(payload_family.practitioner.login, PASSPHRASE)
    checked = _walk(browser, _urls(app, payload_family))
    assert checked["text/html"] >= 60
    assert checked["application/json"] >= 2
    # The attack text is there, shown as words: escaped markup, the template unrendered.
    page = browser.get(f"/families/{payload_family.family_id}/safety-plan")
    text = BeautifulSoup(page.text, "html.parser").get_text()
    assert ALL in text


def test_attack_text_is_shown_as_text_on_every_page_a_parent_opens(
    payload_family, app, make_client
):
    browser = make_client()
    browser.sign_in(payload_family.parent.login, PASSPHRASE)
    checked = _walk(browser, _urls(app, payload_family))
    assert checked["text/html"] >= 30
    family_page = browser.get(f"/families/{payload_family.family_id}")
    assert ALL in BeautifulSoup(family_page.text, "html.parser").get_text()


def test_attack_text_is_shown_as_text_on_every_staff_page_an_admin_opens(
    payload_family, app, make_client
):
    browser = make_client()
    browser.sign_in(payload_family.admin.login, PASSPHRASE)
    checked = _walk(browser, _urls(app, payload_family))
    assert checked["text/html"] >= 3
    users = BeautifulSoup(browser.get("/admin/users").text, "html.parser")
    assert ALL in users.get_text()


def test_attack_text_in_an_invite_is_shown_as_text_to_the_person_invited(
    payload_family, make_client
):
    stranger = make_client()
    page = stranger.get(f"/join/{payload_family.invite_token}")
    assert page.status_code == 200
    assert markup_problems(page.text, page.headers["content-type"]) == []
    assert ALL in BeautifulSoup(page.text, "html.parser").get_text()


def test_attack_text_typed_into_a_form_comes_back_as_text_in_the_partial_and_the_error(
    payload_family, make_client
):
    browser = make_client()
    browser.sign_in(payload_family.practitioner.login, PASSPHRASE)
    family = f"/families/{payload_family.family_id}"
    htmx = {"HX-Request": "true"}
    added = browser.submit(
        f"{family}/network/people",
        {"known_as": SCRIPT, "kind": "family", "closeness": "close", "area": IMG},
        headers=htmx,
    )
    assert added.status_code == 200
    assert markup_problems(added.text, added.headers["content-type"]) == []
    assert SCRIPT in BeautifulSoup(added.text, "html.parser").get_text()
    # A form sent back with its problems keeps what was typed, as text.
    refused = browser.submit(
        f"{family}/network/people",
        {"known_as": "x" * 81 + TEXTAREA, "kind": "family", "relationship_to_child": ALL},
        headers=htmx,
    )
    assert refused.status_code == 422
    assert markup_problems(refused.text, refused.headers["content-type"]) == []
    soup = BeautifulSoup(refused.text, "html.parser")
    assert soup.select_one("input[name=relationship_to_child]")["value"] == ALL
    assert soup.select_one("input[name=known_as]")["value"] == "x" * 81 + TEXTAREA
    rule = browser.submit(
        f"{family}/safety-plan/rules",
        {"what": "", "child_words": TEXTAREA, "if_broken": ALL},
    )
    assert rule.status_code == 422
    assert markup_problems(rule.text, rule.headers["content-type"]) == []
    assert TEXTAREA in BeautifulSoup(rule.text, "html.parser").get_text()


def test_attack_text_in_a_subject_access_copy_is_text_in_both_the_readable_copy_and_the_data(
    payload_family, make_client
):
    browser = make_client()
    browser.sign_in(payload_family.practitioner.login, PASSPHRASE)
    url = f"/families/{payload_family.family_id}/export"
    review = BeautifulSoup(browser.get(url).text, "html.parser")
    held = [box["value"] for box in review.select("input[name=release]")]
    for person in ["", str(payload_family.person_ids[0])]:
        form = {"person_id": person, "release": held}
        readable = browser.submit(url, {**form, "format": "html"})
        assert readable.status_code == 200
        assert readable.headers["content-type"].startswith("text/html")
        assert markup_problems(readable.text, readable.headers["content-type"]) == []
        assert ALL in BeautifulSoup(readable.text, "html.parser").get_text()
        data = browser.submit(url, {**form, "format": "json"})
        assert data.headers["content-type"].startswith("application/json")
        assert data.headers["x-content-type-options"] == "nosniff"
        assert ALL in _strings(data.json())


def test_account_names_with_attack_text_are_refused_nowhere_and_shown_as_text(
    db, settings, make_client
):
    # A name is only text: the app keeps it as typed and never lets it become markup.
    user = accounts_service.create_user(
        db,
        actor=actor_for(settings),
        login="attacker",
        display_name=ALL,
        passphrase=PASSPHRASE,
        staff_role=None,
    )
    db.commit()
    browser = make_client()
    browser.sign_in(user.login, PASSPHRASE)
    page = browser.get("/account")
    assert markup_problems(page.text, page.headers["content-type"]) == []
    assert ALL in BeautifulSoup(page.text, "html.parser").get_text()
