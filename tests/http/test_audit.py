"""Who has looked at our record: the family's own page of the audit trail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from bs4 import BeautifulSoup
from sqlmodel import select

from fgdm.accounts.models import StaffRole
from fgdm.audit.models import AuditEvent
from tests.conftest import Browser
from tests.factories import PASSPHRASE, make_family, make_user


def page(response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def sentences(response) -> list[str]:
    return [
        p.get_text(" ", strip=True)
        for p in page(response).select("#audit-events li > p:first-child")
    ]


def test_family_member_sees_the_practitioner_who_looked_by_name(db, settings, make_client):
    setup = make_family(db, settings)
    practitioner = make_client()
    practitioner.sign_in(setup.practitioner.login, PASSPHRASE)
    assert practitioner.get(f"/families/{setup.id}").status_code == 200
    parent = make_client()
    parent.sign_in(setup.parent.login, PASSPHRASE)

    response = parent.get(f"/families/{setup.id}/audit")

    assert response.status_code == 200
    assert page(response).h1.get_text(strip=True) == "Who has looked at our record"
    name = setup.practitioner.display_name
    assert sentences(response)[0] == f"{name} (practitioner) looked at your family's page."
    assert f"{name} (practitioner) added Parent to your family group." in sentences(response)
    assert page(response).select_one("#audit-events time")["datetime"]


@pytest.mark.parametrize("who", ["parent", "young_person", "practitioner", "manager"])
def test_everyone_in_the_family_group_and_the_team_manager_can_see_it(db, settings, client, who):
    setup = make_family(db, settings, team="Team A")
    if who == "manager":
        user = make_user(db, settings, role=StaffRole.manager, team="Team A")
    else:
        user = getattr(setup, who)
    client.sign_in(user.login, PASSPHRASE)

    response = client.get(f"/families/{setup.id}/audit")

    assert response.status_code == 200
    assert page(response).h1.get_text(strip=True) == "Who has looked at our record"


def test_looking_at_the_page_is_recorded(db, settings, client):
    setup = make_family(db, settings)
    client.sign_in(setup.young_person.login, PASSPHRASE)

    client.get(f"/families/{setup.id}/audit")

    rows = db.exec(
        select(AuditEvent).where(AuditEvent.object_type == "audit", AuditEvent.action == "view")
    ).all()
    assert [(r.actor_id, r.family_group_id) for r in rows] == [(setup.young_person.id, setup.id)]


@pytest.mark.parametrize("who", ["other_parent", "admin", "other_manager"])
def test_people_outside_the_family_group_get_not_found(db, settings, client, who):
    setup = make_family(db, settings, team="Team A")
    users = {
        "other_parent": lambda: make_family(db, settings, name="Other").parent,
        "admin": lambda: make_user(db, settings, role=StaffRole.admin),
        "other_manager": lambda: make_user(db, settings, role=StaffRole.manager, team="Team B"),
    }
    client.sign_in(users[who]().login, PASSPHRASE)

    assert client.get(f"/families/{setup.id}/audit").status_code == 404


def test_signed_out_visitor_is_sent_to_sign_in(db, settings, client):
    setup = make_family(db, settings)

    response = client.get(f"/families/{setup.id}/audit")

    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next=/families/{setup.id}/audit"


def test_someone_from_another_family_who_tried_is_shown_without_their_name(
    db, settings, client, make_client
):
    setup = make_family(db, settings)
    other = make_family(db, settings, name="Other")
    other.parent.display_name = "Zed Otherfamily"
    db.add(other.parent)
    db.commit()
    outsider = make_client()
    outsider.sign_in(other.parent.login, PASSPHRASE)
    assert outsider.get(f"/families/{setup.id}").status_code == 404
    client.sign_in(setup.parent.login, PASSPHRASE)

    response = client.get(f"/families/{setup.id}/audit")

    assert sentences(response)[0] == (
        "Someone outside your family group tried to open your family's record, and was stopped."
    )
    assert "Zed" not in response.text


def test_practitioners_address_and_request_id_are_not_shown_to_the_family(db, settings, app):
    setup = make_family(db, settings)
    with Browser(app, follow_redirects=False, client=("203.0.113.77", 50000)) as practitioner:
        practitioner.sign_in(setup.practitioner.login, PASSPHRASE)
        viewed = practitioner.get(f"/families/{setup.id}")
    request_id = viewed.headers["X-Request-ID"]
    row = db.exec(select(AuditEvent).where(AuditEvent.request_id == request_id)).one()
    assert row.ip_address == "203.0.113.77"
    with Browser(app, follow_redirects=False) as parent:
        parent.sign_in(setup.parent.login, PASSPHRASE)
        response = parent.get(f"/families/{setup.id}/audit")

    assert setup.practitioner.display_name in response.text
    assert "203.0.113.77" not in response.text
    assert request_id not in response.text


def test_a_long_record_comes_fifty_to_a_page(db, settings, client):
    setup = make_family(db, settings)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for n in range(60):
        db.add(
            AuditEvent(
                at=start + timedelta(minutes=n),
                actor_id=setup.practitioner.id,
                actor_role="practitioner",
                family_group_id=setup.id,
                action="view",
                object_type="family_group",
            )
        )
    db.commit()
    client.sign_in(setup.parent.login, PASSPHRASE)

    first = client.get(f"/families/{setup.id}/audit")
    older = page(first).find("a", string="Older")
    second = client.get(older["href"])

    assert len(sentences(first)) == 50
    assert older["href"] == f"/families/{setup.id}/audit?page=2"
    assert second.status_code == 200
    # 63 rows, plus the first look at the page, leaves 14 for the second page.
    assert len(sentences(second)) == 14
    assert page(second).find("a", string="Newer") is not None
    assert page(second).find("a", string="Older") is None


def test_a_page_past_the_end_says_there_is_nothing_more(db, settings, client):
    setup = make_family(db, settings)
    client.sign_in(setup.parent.login, PASSPHRASE)

    response = client.get(f"/families/{setup.id}/audit?page=9")

    assert response.status_code == 200
    assert sentences(response) == []
    assert "There is nothing more to show." in page(response).main.get_text()
    assert client.get(f"/families/{setup.id}/audit?page=0").status_code == 400


def test_looking_at_a_childs_three_houses_shows_only_to_those_who_may_see_them(
    db, settings, make_client
):
    from sqlmodel import col

    from fgdm.network.models import Person

    setup = make_family(db, settings)
    child = db.exec(
        select(Person).where(Person.family_group_id == setup.id, col(Person.is_child).is_(True))
    ).first()
    practitioner = make_client()
    practitioner.sign_in(setup.practitioner.login, PASSPHRASE)
    assert practitioner.get(f"/families/{setup.id}/three-houses/{child.id}").status_code == 200
    looked = f"{setup.practitioner.display_name} (practitioner) looked at the three houses."

    assert looked in sentences(practitioner.get(f"/families/{setup.id}/audit"))
    parent = make_client()
    parent.sign_in(setup.parent.login, PASSPHRASE)
    shown = sentences(parent.get(f"/families/{setup.id}/audit"))
    assert shown  # the parent still sees the rest of the record's trail
    assert not [s for s in shown if "three houses" in s]
