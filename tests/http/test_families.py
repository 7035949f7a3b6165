"""Family group pages: the list, starting a family group, its home page, and removing a
member; what a team manager may and may not do."""

from __future__ import annotations

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from sqlmodel import col, func, select

from fgdm.accounts.models import StaffRole
from fgdm.audit.models import AuditEvent
from fgdm.db import StaleEdit, utcnow
from fgdm.families import service as families_service
from fgdm.families.models import FamilyGroup, MemberRole, Membership
from fgdm.families.service import AccessRole, FamilyAccess
from fgdm.network.models import Person
from tests.factories import PASSPHRASE, actor_for, make_family, make_user, reads_of, statements_run


def _page(response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def _family_names(client) -> list[str]:
    page = _page(client.get("/families"))
    return [h.get_text(strip=True) for h in page.select(".card__title")]


def _count(db, table) -> int:
    db.expire_all()
    return db.exec(select(func.count()).select_from(table)).one()


def _events(db, action: str) -> list[AuditEvent]:
    db.expire_all()
    return list(
        db.exec(
            select(AuditEvent).where(AuditEvent.action == action).order_by(col(AuditEvent.id))
        ).all()
    )


def test_family_list_shows_only_the_family_groups_a_person_belongs_to(
    client, make_client, db, settings
):
    mine = make_family(db, settings, name="The Khan family")
    second = make_family(db, settings, name="Team Maya", practitioner=mine.practitioner)
    make_family(db, settings, name="The Other family")
    client.sign_in(mine.practitioner.login, PASSPHRASE)
    assert sorted(_family_names(client)) == ["Team Maya", "The Khan family"]
    parent = make_client()
    parent.sign_in(second.parent.login, PASSPHRASE)
    assert _family_names(parent) == ["Team Maya"]


def test_someone_in_no_family_group_is_told_what_to_do(client, db, settings):
    user = make_user(db, settings)
    client.sign_in(user.login, PASSPHRASE)
    text = _page(client.get("/families")).main.get_text()
    assert "not part of any family group yet" in text
    assert "ask your practitioner" in text


def test_practitioner_starts_a_family_group_with_its_children(client, db, settings):
    practitioner = make_user(db, settings, role=StaffRole.practitioner)
    client.sign_in(practitioner.login, PASSPHRASE)
    page = _page(client.get("/families"))
    assert page.select_one("a[href='/families/new']")
    response = client.submit(
        "/families/new",
        {
            "name": "  The Khan family ",
            "child_0_first_name": "Amir",
            "child_0_date_of_birth": "2017-03-27",
            "child_0_pronouns": "he/him",
            "child_2_first_name": "Zara",
            "child_2_age": "4",
        },
    )
    assert response.status_code == 303
    family = db.exec(select(FamilyGroup)).one()
    assert response.headers["location"] == f"/families/{family.id}"
    assert family.name == "The Khan family"
    home = _page(client.get(response.headers["location"]))
    assert home.h1.get_text(strip=True) == "The Khan family"
    children = [c.get_text(" ", strip=True) for c in home.select(".card")]
    assert any("Amir" in c and "2017" in c for c in children)
    assert any("Zara" in c and "4 years old" in c for c in children)
    members = db.exec(select(Membership).where(Membership.family_group_id == family.id)).all()
    assert [(m.user_id, m.role) for m in members] == [(practitioner.id, MemberRole.practitioner)]
    created = _events(db, "family_create")
    assert [(e.actor_id, e.family_group_id) for e in created] == [(practitioner.id, family.id)]


def _tomorrow() -> str:
    return (utcnow().date() + timedelta(days=1)).isoformat()


BAD_FORMS = {
    "no name": (
        {"name": "", "child_0_first_name": "Amir", "child_0_age": "7"},
        {"name": "Enter a name for the family group"},
    ),
    "no child": (
        {"name": "The Khan family"},
        {"child_0_first_name": "Add at least one child"},
    ),
    "future date of birth": (
        {"name": "The Khan family", "child_0_first_name": "Amir", "child_0_date_of_birth": None},
        {"child_0_date_of_birth": "must be in the past"},
    ),
    "not a date": (
        {"name": "The Khan family", "child_0_first_name": "Amir", "child_0_date_of_birth": "soon"},
        {"child_0_date_of_birth": "real date"},
    ),
    "age in words": (
        {"name": "The Khan family", "child_0_first_name": "Amir", "child_0_age": "seven"},
        {"child_0_age": "whole number"},
    ),
    "age too high": (
        {"name": "The Khan family", "child_0_first_name": "Amir", "child_0_age": "40"},
        {"child_0_age": "from 0 to 25"},
    ),
    "second child without a name": (
        {"name": "The Khan family", "child_0_first_name": "Amir", "child_1_age": "3"},
        {"child_1_first_name": "Enter the child's first name"},
    ),
    "everything wrong": (
        {"name": " ", "child_0_first_name": "Amir", "child_0_age": "seven"},
        {"name": "Enter a name", "child_0_age": "whole number"},
    ),
}


@pytest.mark.parametrize("case", BAD_FORMS)
def test_mistakes_in_a_new_family_group_are_shown_beside_the_fields(case, client, db, settings):
    form, errors = BAD_FORMS[case]
    form = {k: (_tomorrow() if v is None else v) for k, v in form.items()}
    practitioner = make_user(db, settings, role=StaffRole.practitioner)
    client.sign_in(practitioner.login, PASSPHRASE)
    response = client.submit("/families/new", form)
    assert response.status_code == 422
    page = _page(response)
    for field, message in errors.items():
        error = page.select_one(f"#{field}-error")
        assert error is not None, f"no message beside {field}"
        assert message in error.get_text()
        assert page.select_one(f"#{field}")["aria-invalid"] == "true"
        assert page.select_one(f".error-summary a[href='#{field}']")
    shown = {e["id"].removesuffix("-error") for e in page.select(".error-message[id]")}
    assert shown == set(errors)
    for field, value in form.items():
        assert page.select_one(f"input#{field}")["value"] == value
    assert _count(db, FamilyGroup) == 0
    assert _count(db, Person) == 0


def test_family_home_is_audited_as_a_view(client, db, settings):
    setup = make_family(db, settings)
    client.sign_in(setup.parent.login, PASSPHRASE)
    page = _page(client.get(f"/families/{setup.id}"))
    assert page.h1.get_text(strip=True) == "The Test family"
    views = _events(db, "view")
    assert [(e.actor_id, e.family_group_id, e.actor_role) for e in views] == [
        (setup.parent.id, setup.id, "family_member")
    ]
    assert views[0].object_type == "family_group"


def test_family_home_names_every_child_and_reads_the_people_once(client, app, db, settings):
    """The home page names the children, links to their three houses and shows the network's
    gaps from one reading of the family's people (each read is a round trip to the database
    on every visit to the most visited page)."""
    setup = make_family(db, settings, children=("Zara", "Amir", "bilal"))
    for who in (setup.practitioner, setup.parent):
        client.sign_in(who.login, PASSPHRASE)
        with statements_run(app.state.engine) as statements:
            page = _page(client.get(f"/families/{setup.id}"))

        names = [p.get_text(strip=True) for p in page.select("ul.card-list .card__title")]
        assert names == ["Zara", "Amir", "bilal"]  # in the order they were added
        assert len(reads_of(statements, "person")) == 1
        client.post("/logout", data={"csrf_token": client.last_token})
    # The practitioner sees the link to every child's three houses; the parent none, as no
    # child has shared theirs.
    client.sign_in(setup.practitioner.login, PASSPHRASE)
    page = _page(client.get(f"/families/{setup.id}"))
    assert page.select_one(f"a[href='/families/{setup.id}/three-houses']")
    client.post("/logout", data={"csrf_token": client.last_token})
    client.sign_in(setup.parent.login, PASSPHRASE)
    page = _page(client.get(f"/families/{setup.id}"))
    assert page.select_one(f"a[href='/families/{setup.id}/three-houses']") is None


def test_family_home_shows_practitioner_links_only_to_practitioners(
    client, make_client, db, settings
):
    setup = make_family(db, settings)
    client.sign_in(setup.practitioner.login, PASSPHRASE)
    page = _page(client.get(f"/families/{setup.id}"))
    assert page.select_one(f"a[href='/families/{setup.id}/members']")
    young = make_client()
    young.sign_in(setup.young_person.login, PASSPHRASE)
    page = _page(young.get(f"/families/{setup.id}"))
    assert page.select_one(f"a[href='/families/{setup.id}/members']") is None
    assert page.select_one(f"a[href='/families/{setup.id}/invites']") is None


def _remove_form(client, family_id: int, name: str) -> tuple[str, str]:
    """The action and version of the remove button for one member."""
    page = _page(client.get(f"/families/{family_id}/members"))
    button = page.find("button", string=f"Remove {name}")
    assert button is not None, f"no remove button for {name}"
    form = button.find_parent("form")
    return form["action"], form.select_one("input[name=version]")["value"]


def _member_names(client, family_id: int) -> list[str]:
    page = _page(client.get(f"/families/{family_id}/members"))
    return [p.get_text(strip=True) for p in page.select(".card__title")]


def test_practitioner_removes_a_member(client, db, settings):
    setup = make_family(db, settings)
    client.sign_in(setup.practitioner.login, PASSPHRASE)
    action, version = _remove_form(client, setup.id, "Parent")
    response = client.submit(action, {"version": version})
    assert response.status_code == 303
    assert response.headers["location"] == f"/families/{setup.id}/members"
    assert "Parent" not in _member_names(client, setup.id)
    removed = _events(db, "member_remove")
    assert [(e.actor_id, e.family_group_id) for e in removed] == [(setup.practitioner.id, setup.id)]


@pytest.mark.parametrize("who", ["parent", "young_person"])
def test_family_members_cannot_remove_anyone(who, client, make_client, db, settings):
    setup = make_family(db, settings)
    practitioner = make_client()
    practitioner.sign_in(setup.practitioner.login, PASSPHRASE)
    action, version = _remove_form(practitioner, setup.id, "Young person")
    client.sign_in(getattr(setup, who).login, PASSPHRASE)
    response = client.submit(action, {"version": version})
    assert response.status_code == 403
    assert "Young person" in _member_names(practitioner, setup.id)


def test_removing_from_an_old_page_shows_the_conflict_page(client, db, settings):
    setup = make_family(db, settings)
    client.sign_in(setup.practitioner.login, PASSPHRASE)
    action, version = _remove_form(client, setup.id, "Parent")
    # Someone else changed the membership after this page was loaded.
    membership = db.exec(select(Membership).where(Membership.user_id == setup.parent.id)).one()
    membership.role = MemberRole.young_person
    db.add(membership)
    db.commit()
    response = client.submit(action, {"version": version})
    assert response.status_code == 409
    page = _page(response)
    assert "Someone else changed this" in page.h1.get_text()
    assert page.select_one(f"a[href='/families/{setup.id}/members']")
    assert "Parent" in _member_names(client, setup.id)


def test_practitioner_cannot_remove_themselves(client, db, settings):
    setup = make_family(db, settings)
    client.sign_in(setup.practitioner.login, PASSPHRASE)
    own = db.exec(select(Membership).where(Membership.user_id == setup.practitioner.id)).one()
    assert own.id is not None
    page = _page(client.get(f"/families/{setup.id}/members"))
    assert page.select_one(f"form[action$='/members/{own.id}/remove']") is None
    response = client.submit(
        f"/families/{setup.id}/members/{own.id}/remove", {"version": str(own.version)}
    )
    assert response.status_code == 422
    assert "cannot remove yourself" in _page(response).select_one(".error-summary").get_text()
    assert client.get(f"/families/{setup.id}").status_code == 200


def test_a_family_group_keeps_at_least_one_practitioner(db, settings):
    setup = make_family(db, settings)
    only = db.exec(select(Membership).where(Membership.user_id == setup.practitioner.id)).one()
    # Not reachable from the pages (a practitioner cannot remove themselves); the service
    # still refuses, whoever asks.
    admin = make_user(db, settings, role=StaffRole.admin, team=None)
    access = FamilyAccess(family=setup.family, role=AccessRole.practitioner)
    with pytest.raises(families_service.FamilyError, match="at least one practitioner"):
        families_service.remove_member(
            db,
            actor=actor_for(settings, admin),
            access=access,
            membership_id=only.id,
            version=only.version,
        )


def test_one_of_two_practitioners_can_be_removed(client, make_client, db, settings):
    setup = make_family(db, settings)
    colleague = make_user(db, settings, role=StaffRole.practitioner, name="Dee Colleague")
    client.sign_in(setup.practitioner.login, PASSPHRASE)
    assert (
        client.submit(f"/families/{setup.id}/members/add", {"login": colleague.login}).status_code
        == 303
    )
    action, version = _remove_form(client, setup.id, "Dee Colleague")
    assert client.submit(action, {"version": version}).status_code == 303
    other = make_client()
    other.sign_in(colleague.login, PASSPHRASE)
    assert other.get(f"/families/{setup.id}").status_code == 404


def test_removing_a_member_of_another_family_group_is_refused(client, db, settings):
    setup = make_family(db, settings)
    other = make_family(db, settings, name="Other family", practitioner=setup.practitioner)
    theirs = db.exec(
        select(Membership).where(
            Membership.user_id == other.parent.id, Membership.family_group_id == other.id
        )
    ).one()
    client.sign_in(setup.practitioner.login, PASSPHRASE)
    # The membership id belongs to the other family group, the address to this one.
    response = client.submit(
        f"/families/{setup.id}/members/{theirs.id}/remove", {"version": str(theirs.version)}
    )
    assert response.status_code == 422
    db.refresh(theirs)
    assert theirs.removed_at is None


def test_stale_version_is_refused_by_the_service(db, settings):
    setup = make_family(db, settings)
    membership = db.exec(select(Membership).where(Membership.user_id == setup.parent.id)).one()
    access = families_service.get_access(db, user=setup.practitioner, family_group_id=setup.id)
    with pytest.raises(StaleEdit):
        families_service.remove_member(
            db,
            actor=actor_for(settings, setup.practitioner),
            access=access,
            membership_id=membership.id,
            version=membership.version + 1,
        )


@pytest.fixture
def manager(db, settings):
    return make_user(db, settings, role=StaffRole.manager, team="Team A", name="Priya Manager")


def test_manager_sees_the_teams_family_groups_read_only(client, manager, db, settings):
    setup = make_family(db, settings, team="Team A")
    make_family(db, settings, name="Another team's family", team="Team B")
    client.sign_in(manager.login, PASSPHRASE)
    page = _page(client.get("/families"))
    assert [h.get_text(strip=True) for h in page.select(".card__title")] == ["The Test family"]
    assert "read only" in page.select_one(".card .tag").get_text()
    assert page.select_one("a[href='/families/new']") is None
    home = _page(client.get(f"/families/{setup.id}"))
    assert home.h1.get_text(strip=True) == "The Test family"
    assert home.select_one(f"a[href='/families/{setup.id}/members']") is None
    assert home.select_one(f"a[href='/families/{setup.id}/invites']") is None
    views = _events(db, "view")
    assert [(e.actor_id, e.actor_role) for e in views] == [(manager.id, "manager")]


def test_manager_cannot_start_a_family_group(client, manager, db):
    client.sign_in(manager.login, PASSPHRASE)
    assert client.get("/families/new").status_code == 403
    response = client.submit(
        "/families/new", {"name": "Sneaky family", "child_0_first_name": "Amir"}
    )
    assert response.status_code == 403
    assert _page(response).h1.get_text(strip=True) == "You cannot use this page"
    assert _count(db, FamilyGroup) == 0


def test_manager_cannot_see_or_change_members(client, manager, db, settings):
    setup = make_family(db, settings, team="Team A")
    client.sign_in(manager.login, PASSPHRASE)
    assert client.get(f"/families/{setup.id}/members").status_code == 403
    membership = db.exec(select(Membership).where(Membership.user_id == setup.parent.id)).one()
    response = client.submit(
        f"/families/{setup.id}/members/{membership.id}/remove", {"version": "1"}
    )
    assert response.status_code == 403
    db.refresh(membership)
    assert membership.removed_at is None


def test_family_member_cannot_start_a_family_group(client, db, settings):
    setup = make_family(db, settings)
    client.sign_in(setup.parent.login, PASSPHRASE)
    assert client.get("/families/new").status_code == 403
    assert (
        client.submit("/families/new", {"name": "X", "child_0_first_name": "Y"}).status_code == 403
    )
    assert _count(db, FamilyGroup) == 1
