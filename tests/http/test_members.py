"""Adding a colleague to a family group, and who may do it."""

from bs4 import BeautifulSoup

from fgdm.accounts.models import StaffRole
from fgdm.families import service as families_service
from tests.factories import PASSPHRASE, make_family, make_user


def test_practitioner_adds_a_colleague_who_then_sees_the_family(client, make_client, db, settings):
    setup = make_family(db, settings)
    colleague = make_user(db, settings, role=StaffRole.practitioner, name="Dee Colleague")
    client.sign_in(setup.practitioner.login, PASSPHRASE)
    response = client.submit(
        f"/families/{setup.id}/members/add", {"login": colleague.login.upper() + "  "}
    )
    assert response.status_code == 303
    page = BeautifulSoup(client.get(f"/families/{setup.id}/members").text, "html.parser")
    assert "Dee Colleague" in [p.get_text(strip=True) for p in page.select(".card__title")]
    other = make_client()
    other.sign_in(colleague.login, PASSPHRASE)
    assert other.get(f"/families/{setup.id}").status_code == 200


def test_adding_an_unknown_or_family_account_shows_a_message_beside_the_field(client, db, settings):
    setup = make_family(db, settings)
    client.sign_in(setup.practitioner.login, PASSPHRASE)
    for login in ("nobody@council.example.org", setup.parent.login):
        response = client.submit(f"/families/{setup.id}/members/add", {"login": login})
        assert response.status_code == 422
        page = BeautifulSoup(response.text, "html.parser")
        assert "no practitioner account" in page.select_one("#login-error").get_text()
        assert page.select_one("input#login")["value"] == login
    members = families_service.list_members(
        db,
        access=families_service.get_access(db, user=setup.practitioner, family_group_id=setup.id),
    )
    assert len(members) == 3


def test_family_member_cannot_add_people(client, db, settings):
    setup = make_family(db, settings)
    colleague = make_user(db, settings, role=StaffRole.practitioner)
    client.sign_in(setup.parent.login, PASSPHRASE)
    response = client.submit(f"/families/{setup.id}/members/add", {"login": colleague.login})
    assert response.status_code == 403
    assert families_service.get_access(db, user=colleague, family_group_id=setup.id) is None


def test_opening_the_members_page_is_audited(client, db, settings):
    from sqlmodel import select

    from fgdm.audit.models import AuditEvent

    setup = make_family(db, settings)
    client.sign_in(setup.practitioner.login, PASSPHRASE)
    assert client.get(f"/families/{setup.id}/members").status_code == 200
    rows = db.exec(
        select(AuditEvent).where(
            AuditEvent.family_group_id == setup.id, AuditEvent.object_type == "members"
        )
    ).all()
    assert [(r.action, r.actor_id) for r in rows] == [("view", setup.practitioner.id)]
