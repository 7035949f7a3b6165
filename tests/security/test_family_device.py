"""The meeting tablet during private family time is the family's: walked over every route
of the app, it reaches only its own family group and only as a family member; every other
family group is not there for it (even one its account works with), and every page outside
the family group sends it to the family time page."""

from __future__ import annotations

from sqlmodel import select

from fgdm.audit.models import AuditEvent, Outcome
from fgdm.meetings.models import Meeting, MeetingPart
from tests.factories import make_family
from tests.security.test_route_walk import (
    FAMILY_ROUTES,
    PARAM,
    PRACTITIONER_ROUTES,
    PROTECTED,
    _send,
)

# Pages outside a family group the family's device still uses.
DEVICE_PAGES = {("GET", "/family-time"), ("POST", "/session/keep-alive"), ("POST", "/logout")}
OUTSIDE = [
    (method, path)
    for method, path in PROTECTED
    if "{family_id}" not in path
    and not path.startswith("/api/")
    and (method, path) not in DEVICE_PAGES
]


def _fill(path: str, family_id: int) -> str:
    return PARAM.sub(lambda m: str(family_id if m.group(1) == "family_id" else 1), path)


def _tablet(world, db, browser_for):
    """Family group A's coordinator leaves the room; their browser is the family's."""
    meeting = Meeting(family_group_id=world.a.id, part=MeetingPart.information_sharing)
    db.add(meeting)
    db.commit()
    tablet = browser_for(world.a.practitioner)
    response = tablet.submit(
        f"/families/{world.a.id}/meetings/{meeting.id}/room/family-time/start",
        {"version": meeting.version},
    )
    assert response.status_code == 303
    return tablet, meeting


def _ok_events(db, family_id: int) -> int:
    """How many things were done (not refused) in a family group's record so far."""
    db.expire_all()
    return len(
        db.exec(
            select(AuditEvent).where(
                AuditEvent.family_group_id == family_id, AuditEvent.outcome == Outcome.ok
            )
        ).all()
    )


def test_another_family_group_of_the_same_coordinator_is_not_there(
    world, db, settings, browser_for
):
    other = make_family(db, settings, name="The Gamma family", practitioner=world.a.practitioner)
    tablet, _meeting = _tablet(world, db, browser_for)
    before = _ok_events(db, other.id)
    for method, path in FAMILY_ROUTES:
        response = _send(tablet, method, _fill(path, other.id), token=tablet.token())
        assert response.status_code == 404, (method, path, response.status_code)
        assert "The Gamma family" not in response.text
    assert _ok_events(db, other.id) == before


def test_practitioner_pages_of_its_own_family_group_are_ok_events(world, db, browser_for):
    tablet, _meeting = _tablet(world, db, browser_for)
    for method, path in PRACTITIONER_ROUTES:
        response = _send(tablet, method, _fill(path, world.a.id), token=tablet.token())
        assert response.status_code in (403, 404), (method, path, response.status_code)


def test_every_page_outside_the_family_group_sends_it_to_family_time(world, db, browser_for):
    tablet, meeting = _tablet(world, db, browser_for)
    for method, path in OUTSIDE:
        response = _send(tablet, method, _fill(path, world.a.id), token=tablet.token())
        assert response.status_code == 303, (method, path, response.status_code)
        assert response.headers["location"] == "/family-time", (method, path)
    assert tablet.get("/family-time").headers["location"] == (
        f"/families/{world.a.id}/meetings/{meeting.id}/family-time"
    )
    refused = db.exec(
        select(AuditEvent).where(
            AuditEvent.actor_id == world.a.practitioner.id,
            AuditEvent.outcome == Outcome.refused,
        )
    ).all()
    assert {e.actor_role for e in refused} <= {"family_device"}
