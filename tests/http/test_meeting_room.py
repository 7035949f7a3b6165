"""The meeting on a tablet over HTTP: the room page and who may open it, moving through the
parts, ticking who is here, and private family time: the tablet handed to the family, "We
have finished", and the coordinator getting the tablet back with their passphrase."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlmodel import select

from fgdm.accounts.models import StaffRole, UserSession
from fgdm.audit.models import AuditEvent
from fgdm.families import service as families_service
from fgdm.meetings.models import Invitation, InvitationStatus, Meeting, MeetingPart
from fgdm.network import service as network_service
from fgdm.network.models import DetailField, Visibility
from fgdm.network.service import PersonInput
from tests.factories import PASSPHRASE, actor_for, make_family, make_user


@pytest.fixture
def family(db, settings):
    return make_family(db, settings)


def signed_in(make_client, user):
    browser = make_client()
    browser.sign_in(user.login, PASSPHRASE)
    return browser


def soup(response):
    return BeautifulSoup(response.text, "html.parser")


def make_meeting(db, family, part=MeetingPart.information_sharing) -> Meeting:
    meeting = Meeting(family_group_id=family.id, part=part, venue="Family centre")
    db.add(meeting)
    db.commit()
    return meeting


def worker_access(db, family):
    access = families_service.get_access(db, user=family.practitioner, family_group_id=family.id)
    assert access is not None
    return access


def invite(db, settings, family, meeting, name, status=InvitationStatus.coming) -> Invitation:
    person = network_service.add_person(
        db,
        actor=actor_for(settings, family.practitioner),
        access=worker_access(db, family),
        data=PersonInput(known_as=name, kind="family", closeness="close"),
    )
    invitation = Invitation(meeting_id=meeting.id, person_id=person.id, status=status)
    db.add(invitation)
    db.commit()
    return invitation


def secret_address(db, settings, family, person_id, value="14 Hidden Road"):
    network_service.add_detail(
        db,
        actor=actor_for(settings, family.practitioner),
        access=worker_access(db, family),
        person_id=person_id,
        field_name=DetailField.address,
        value=value,
        visibility=Visibility.practitioners,
        named=set(),
    )
    db.commit()


def room(family, meeting) -> str:
    return f"/families/{family.id}/meetings/{meeting.id}/room"


def family_time(family, meeting) -> str:
    return f"/families/{family.id}/meetings/{meeting.id}/family-time"


def fresh(db, meeting) -> Meeting:
    db.expire_all()
    found = db.get(Meeting, meeting.id)
    assert found is not None
    return found


def hand_over(make_client, family, meeting):
    """The coordinator presses "Leave the room": their browser becomes the family's."""
    tablet = signed_in(make_client, family.practitioner)
    response = tablet.submit(
        room(family, meeting) + "/family-time/start", {"version": meeting.version}
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/families/{family.id}/plan"
    return tablet


def finish(make_client, family, meeting):
    mum = signed_in(make_client, family.parent)
    assert mum.submit(family_time(family, meeting) + "/end").status_code == 303
    return mum


# --- The room ------------------------------------------------------------------------------


def test_the_coordinator_sees_the_part_the_steps_who_is_invited_and_what_to_hand(
    make_client, db, settings, family
):
    meeting = make_meeting(db, family)
    invite(db, settings, family, meeting, "Nan")
    invite(db, settings, family, meeting, "Uncle Ray", status=InvitationStatus.not_to_be_invited)
    page = soup(signed_in(make_client, family.practitioner).get(room(family, meeting)))
    assert page.h1.get_text(strip=True) == "Sharing information"
    steps = [li.get_text(" ", strip=True) for li in page.select("ol.room-steps li")]
    assert len(steps) == 3
    assert (
        page.select_one('[aria-current="step"]')
        .get_text(" ", strip=True)
        .endswith("Sharing information")
    )
    names = [p.get_text(strip=True) for p in page.select(".room-attendance__name")]
    assert names == ["Nan"]
    assert page.find("button", string="Leave the room")
    links = {a["href"] for a in page.select(".room__links a")}
    assert {f"/families/{family.id}/plan", f"/families/{family.id}/views"} <= links
    assert page.select_one(".room__network svg") is not None
    assert page.find(id="gaps")


@pytest.mark.parametrize("who", ["parent", "young_person"])
def test_family_members_cannot_open_the_room(make_client, db, family, who):
    meeting = make_meeting(db, family)
    response = signed_in(make_client, getattr(family, who)).get(room(family, meeting))
    assert response.status_code == 403


def test_the_manager_cannot_open_the_room_or_move_the_meeting_on(make_client, db, settings, family):
    meeting = make_meeting(db, family)
    manager = signed_in(make_client, make_user(db, settings, role=StaffRole.manager))
    assert manager.get(room(family, meeting)).status_code == 403
    response = manager.submit(room(family, meeting) + "/part", {"version": meeting.version})
    assert response.status_code == 403
    assert fresh(db, meeting).part == MeetingPart.information_sharing


def test_someone_from_another_family_group_gets_not_found(make_client, db, settings, family):
    meeting = make_meeting(db, family)
    theirs = make_family(db, settings, name="Other family")
    other = signed_in(make_client, theirs.practitioner)
    assert other.get(room(family, meeting)).status_code == 404
    # Their own family group's address with our meeting's id finds nothing either.
    assert other.get(room(theirs, meeting)).status_code == 404
    response = other.submit(room(theirs, meeting) + "/part", {"version": meeting.version})
    assert response.status_code == 404
    assert fresh(db, meeting).part == MeetingPart.information_sharing


# --- Moving through the parts --------------------------------------------------------------


def test_the_coordinator_starts_and_ends_the_meeting(make_client, db, family):
    meeting = make_meeting(db, family, part=MeetingPart.not_started)
    worker = signed_in(make_client, family.practitioner)
    page = soup(worker.get(room(family, meeting)))
    assert page.h1.get_text(strip=True) == "Not started yet"
    response = worker.submit(room(family, meeting) + "/part", {"version": meeting.version})
    assert response.status_code == 303
    assert fresh(db, meeting).part == MeetingPart.information_sharing
    assert fresh(db, meeting).part_changed_at is not None
    meeting = fresh(db, meeting)
    meeting.part = MeetingPart.agreeing_the_plan
    db.add(meeting)
    db.commit()
    worker.submit(room(family, meeting) + "/part", {"version": meeting.version})
    page = soup(worker.get(room(family, meeting)))
    assert page.h1.get_text(strip=True) == "The meeting has ended"


def test_a_stale_meeting_version_gets_the_conflict_page(make_client, db, family):
    meeting = make_meeting(db, family, part=MeetingPart.not_started)
    worker = signed_in(make_client, family.practitioner)
    old = meeting.version
    assert worker.submit(room(family, meeting) + "/part", {"version": old}).status_code == 303
    again = worker.submit(room(family, meeting) + "/part", {"version": old})
    assert again.status_code == 409
    assert fresh(db, meeting).part == MeetingPart.information_sharing
    leave = worker.submit(room(family, meeting) + "/family-time/start", {"version": old})
    assert leave.status_code == 409
    assert fresh(db, meeting).part == MeetingPart.information_sharing


def test_private_family_time_is_not_a_next_part_button(make_client, db, family):
    meeting = make_meeting(db, family)
    worker = signed_in(make_client, family.practitioner)
    response = worker.submit(room(family, meeting) + "/part", {"version": meeting.version})
    assert response.status_code == 422
    message = soup(response).select_one("#part .error-message").get_text(" ", strip=True)
    assert "Leave the room" in message
    assert fresh(db, meeting).part == MeetingPart.information_sharing


# --- Who is here ---------------------------------------------------------------------------


def test_ticking_who_is_here(make_client, db, settings, family):
    meeting = make_meeting(db, family)
    nan = invite(db, settings, family, meeting, "Nan")
    worker = signed_in(make_client, family.practitioner)
    url = room(family, meeting) + f"/attendance/{nan.id}"
    response = worker.submit(url, {"version": nan.version, "attended": "yes"})
    assert response.status_code == 303
    row = soup(worker.get(room(family, meeting))).select_one(f"#invitation-{nan.id}")
    assert row.select_one(".room-attendance__state").get_text(strip=True) == "Here"
    assert row.find("button", string="Nan is not here")
    # The page loaded before the tick is stale: nothing is overwritten.
    stale = worker.submit(url, {"version": nan.version, "attended": "no"})
    assert stale.status_code == 409
    db.expire_all()
    assert db.get(Invitation, nan.id).attended is True
    events = db.exec(select(AuditEvent).where(AuditEvent.action == "meeting_attendance")).all()
    assert [e.object_id for e in events] == [str(nan.id)]


def test_family_members_and_managers_cannot_tick_who_is_here(make_client, db, settings, family):
    meeting = make_meeting(db, family)
    nan = invite(db, settings, family, meeting, "Nan")
    url = room(family, meeting) + f"/attendance/{nan.id}"
    manager = make_user(db, settings, role=StaffRole.manager)
    for user in (family.parent, manager):
        response = signed_in(make_client, user).submit(
            url, {"version": nan.version, "attended": "yes"}
        )
        assert response.status_code == 403
    db.expire_all()
    assert db.get(Invitation, nan.id).attended is None


# --- Private family time -------------------------------------------------------------------


def test_leaving_the_room_hands_this_browser_to_the_family(make_client, db, family):
    meeting = make_meeting(db, family)
    hand_over(make_client, family, meeting)
    meeting = fresh(db, meeting)
    assert meeting.part == MeetingPart.private_family_time
    assert meeting.family_time_started_at is not None
    assert meeting.family_time_started_by_id == family.practitioner.id
    devices = db.exec(
        select(UserSession).where(UserSession.family_time_meeting_id == meeting.id)
    ).all()
    assert len(devices) == 1


def test_the_family_device_sees_only_the_familys_view(make_client, db, settings, family):
    meeting = make_meeting(db, family)
    nan = invite(db, settings, family, meeting, "Nan")
    secret_address(db, settings, family, nan.person_id)
    theirs = make_family(db, settings, name="Another family", practitioner=family.practitioner)
    tablet = hand_over(make_client, family, meeting)
    network = tablet.get(f"/families/{family.id}/network/people/{nan.person_id}")
    assert network.status_code == 200
    assert "14 Hidden Road" not in network.text
    assert tablet.get(f"/families/{family.id}/members").status_code in (403, 404)
    assert tablet.get(f"/families/{family.id}/invites").status_code in (403, 404)
    assert tablet.get(room(family, meeting)).status_code == 403
    # Another family group the coordinator works with is not there for the family.
    assert tablet.get(f"/families/{theirs.id}").status_code == 404
    assert tablet.get(f"/families/{theirs.id}/network").status_code == 404


@pytest.mark.parametrize("page", ["/families", "/caseload", "/account", "/admin/users", "/"])
def test_pages_outside_the_family_group_send_the_device_to_family_time(
    make_client, db, family, page
):
    meeting = make_meeting(db, family)
    tablet = hand_over(make_client, family, meeting)
    response = tablet.get(page)
    while response.status_code == 303 and response.headers["location"] != family_time(
        family, meeting
    ):
        response = tablet.get(response.headers["location"])
    assert response.headers["location"] == family_time(family, meeting)
    page = soup(tablet.get(family_time(family, meeting)))
    assert page.h1.get_text(strip=True) == "Your family's time"
    assert page.find("button", string="We have finished")


def test_the_device_is_audited_as_the_family_device(make_client, db, family):
    meeting = make_meeting(db, family)
    tablet = hand_over(make_client, family, meeting)
    tablet.get(f"/families/{family.id}/network")
    db.expire_all()
    views = db.exec(
        select(AuditEvent).where(AuditEvent.object_type == "network", AuditEvent.action == "view")
    ).all()
    assert [e.actor_role for e in views] == ["family_device"]


def test_a_family_member_ends_family_time_with_we_have_finished(make_client, db, family):
    meeting = make_meeting(db, family)
    hand_over(make_client, family, meeting)
    mum = signed_in(make_client, family.parent)
    page = soup(mum.get(family_time(family, meeting)))
    banner = page.select_one(".family-time-banner")
    assert banner.find("h2").get_text(strip=True) == "This is private family time"
    response = mum.submit(family_time(family, meeting) + "/end")
    assert response.status_code == 303
    meeting = fresh(db, meeting)
    assert meeting.part == MeetingPart.agreeing_the_plan
    assert meeting.family_time_ended_at is not None
    after = soup(mum.get(family_time(family, meeting)))
    assert after.h1.get_text(strip=True) == "Family time has finished"
    assert not after.find("button", string="We have finished")


def test_practitioners_and_managers_cannot_end_family_time(make_client, db, settings, family):
    meeting = make_meeting(db, family)
    hand_over(make_client, family, meeting)
    manager = make_user(db, settings, role=StaffRole.manager)
    for user in (family.practitioner, manager):
        browser = signed_in(make_client, user)
        assert browser.submit(family_time(family, meeting) + "/end").status_code == 403
        assert browser.get(family_time(family, meeting)).status_code == 403
    assert fresh(db, meeting).part == MeetingPart.private_family_time


def test_the_device_itself_can_say_we_have_finished(make_client, db, family):
    meeting = make_meeting(db, family)
    tablet = hand_over(make_client, family, meeting)
    response = tablet.submit(family_time(family, meeting) + "/end")
    assert response.status_code == 303
    assert response.headers["location"] == room(family, meeting) + "/return"
    assert fresh(db, meeting).part == MeetingPart.agreeing_the_plan


def test_the_device_comes_back_only_with_the_right_passphrase(make_client, db, family):
    meeting = make_meeting(db, family)
    tablet = hand_over(make_client, family, meeting)
    finish(make_client, family, meeting)
    assert tablet.get("/families").headers["location"] == "/family-time"
    assert tablet.get("/family-time").headers["location"] == room(family, meeting) + "/return"
    page = soup(tablet.get(room(family, meeting) + "/return"))
    assert page.h1.get_text(strip=True) == "Ask your coordinator to come back"
    wrong = tablet.submit(room(family, meeting) + "/return", {"passphrase": "not the one"})
    assert wrong.status_code == 422
    field = soup(wrong).select_one("#passphrase")
    assert field["aria-invalid"] == "true"
    assert soup(wrong).select_one("#passphrase-error").get_text(" ", strip=True)
    assert soup(wrong).select_one(".error-summary")
    assert tablet.get("/families").status_code == 303  # still the family's
    empty = tablet.submit(room(family, meeting) + "/return", {"passphrase": ""})
    assert empty.status_code == 422
    right = tablet.submit(room(family, meeting) + "/return", {"passphrase": PASSPHRASE})
    assert right.status_code == 303
    assert right.headers["location"] == room(family, meeting)
    page = soup(tablet.get(room(family, meeting)))
    assert page.h1.get_text(strip=True) == "Agreeing the plan"
    assert tablet.get("/families").status_code == 200
    db.expire_all()
    returns = db.exec(select(AuditEvent).where(AuditEvent.action == "device_return")).all()
    assert [(e.outcome.value, e.actor_role) for e in returns] == [("ok", "family_device")]


def test_the_device_does_not_come_back_before_the_family_has_finished(make_client, db, family):
    meeting = make_meeting(db, family)
    tablet = hand_over(make_client, family, meeting)
    response = tablet.get(room(family, meeting) + "/return")
    assert response.headers["location"] == family_time(family, meeting)
    tried = tablet.submit(room(family, meeting) + "/return", {"passphrase": PASSPHRASE})
    assert tried.status_code == 303
    assert tried.headers["location"] == family_time(family, meeting)
    assert tablet.get("/families").status_code == 303


def test_wrong_passphrases_on_the_device_are_throttled(make_client, db, settings, family):
    meeting = make_meeting(db, family)
    tablet = hand_over(make_client, family, meeting)
    finish(make_client, family, meeting)
    url = room(family, meeting) + "/return"
    for _ in range(settings.login_max_failures):
        assert tablet.submit(url, {"passphrase": "guess"}).status_code == 422
    throttled = tablet.submit(url, {"passphrase": PASSPHRASE})
    assert throttled.status_code == 429
    assert "wait" in soup(throttled).select_one("#passphrase-error").get_text(" ", strip=True)
    assert tablet.get("/families").status_code == 303


def test_nobody_else_can_take_the_device_back(make_client, db, settings, family):
    meeting = make_meeting(db, family)
    hand_over(make_client, family, meeting)
    finish(make_client, family, meeting)
    # The same coordinator on another browser is not the device.
    laptop = signed_in(make_client, family.practitioner)
    url = room(family, meeting) + "/return"
    assert laptop.submit(url, {"passphrase": PASSPHRASE}).status_code == 403
    mum = signed_in(make_client, family.parent)
    assert mum.submit(url, {"passphrase": PASSPHRASE}).status_code == 403
    db.expire_all()
    assert db.exec(
        select(UserSession).where(UserSession.family_time_meeting_id == meeting.id)
    ).one()


def test_signing_out_ends_the_device(make_client, db, family):
    meeting = make_meeting(db, family)
    tablet = hand_over(make_client, family, meeting)
    assert tablet.submit("/logout").status_code == 303
    response = tablet.get(f"/families/{family.id}")
    assert response.headers["location"].startswith("/login")
