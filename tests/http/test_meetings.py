"""Preparing a meeting over HTTP: who may see and change what, forms that keep what was
typed, stale edits, and the safety arrangements reaching the invite list, the page a family
member sees and the printed invitations."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlmodel import select

from fgdm.accounts.models import StaffRole
from fgdm.audit.models import AuditEvent
from fgdm.families.models import Referral
from fgdm.meetings.models import Invitation, InvitationStatus, Meeting, SafetyArrangement
from fgdm.network.models import DetailField, PersonDetail, Visibility
from tests.factories import make_family, make_user
from tests.http.test_every_string_translatable import bracketed, untranslated  # noqa: F401
from tests.http.test_safety_plan import person, signed_in, soup

REASON = "Court order after the assault in March"
NAN_ADDRESS = "12 Hill Road, Leeds"


@pytest.fixture
def family(db, settings):
    return make_family(db, settings)


def base(family):
    return f"/families/{family.id}/meetings"


def arrangements_url(family):
    return f"/families/{family.id}/safety-arrangements"


def schedule(browser, family, date="2030-05-14", time="10:30", kind="conference"):
    return browser.submit(base(family), {"kind": kind, "date": date, "time": time})


def only_meeting(db):
    db.expire_all()
    return db.exec(select(Meeting)).one()


def invitation_of(db, person_):
    db.expire_all()
    return db.exec(select(Invitation).where(Invitation.person_id == person_.id)).one()


def invite(browser, family, meeting, who, db, status="invited", **fields):
    browser.submit(f"{base(family)}/{meeting.id}/invitations", {"person_id": str(who.id)})
    made = invitation_of(db, who)
    response = browser.submit(
        f"{base(family)}/{meeting.id}/invitations/{made.id}",
        {"status": status, "version": str(made.version), **fields},
    )
    assert response.status_code == 303, response.text[:500]
    return invitation_of(db, who)


def arrange(browser, family, kind, one, other, reason=REASON):
    response = browser.submit(
        arrangements_url(family),
        {
            "kind": kind,
            "person_id": str(one.id),
            "other_person_id": str(other.id),
            "reason": reason,
        },
    )
    assert response.status_code == 303, response.text[:500]


def set_venue(browser, family, meeting, db, venue="12 Hill Road", home_of=None):
    meeting = only_meeting(db)
    response = browser.submit(
        f"{base(family)}/{meeting.id}",
        {
            "date": "2030-05-14",
            "time": "10:30",
            "venue": venue,
            "venue_home_of": str(home_of.id) if home_of else "",
            "arrangements": "Sandwiches at one",
            "version": str(meeting.version),
        },
    )
    assert response.status_code == 303, response.text[:500]


# --- Who may do what ---------------------------------------------------------------------


def test_someone_from_another_family_group_gets_not_found(make_client, db, settings, family):
    worker = signed_in(make_client, family.practitioner)
    schedule(worker, family)
    meeting = only_meeting(db)
    nan = person(db, settings, family, "Nan")
    invitation = invite(worker, family, meeting, nan, db)
    other = make_family(db, settings, name="Other family")
    for outsider in (other.parent, other.practitioner):
        browser = signed_in(make_client, outsider)
        for page in (
            base(family),
            f"{base(family)}/{meeting.id}",
            f"{base(family)}/{meeting.id}/invitations/print",
            f"{base(family)}/{meeting.id}/invitations/{invitation.id}/print",
            arrangements_url(family),
        ):
            assert browser.get(page).status_code == 404, page
        response = browser.submit(
            f"{base(family)}/{meeting.id}/invitations/{invitation.id}",
            {"status": "not_coming", "version": str(invitation.version)},
        )
        assert response.status_code == 404
    # Their own family group's practitioner cannot reach our meeting through theirs.
    theirs = signed_in(make_client, other.practitioner)
    assert theirs.get(f"{base(other)}/{meeting.id}").status_code == 404
    assert invitation_of(db, nan).status == InvitationStatus.invited


def test_a_manager_reads_but_cannot_schedule_or_change_the_list(make_client, db, settings, family):
    worker = signed_in(make_client, family.practitioner)
    schedule(worker, family)
    meeting = only_meeting(db)
    nan = person(db, settings, family, "Nan")
    manager = signed_in(make_client, make_user(db, settings, role=StaffRole.manager))
    assert manager.get(f"{base(family)}/{meeting.id}").status_code == 200
    assert schedule(manager, family).status_code == 403
    added = manager.submit(f"{base(family)}/{meeting.id}/invitations", {"person_id": str(nan.id)})
    assert added.status_code == 403
    db.expire_all()
    assert len(db.exec(select(Meeting)).all()) == 1
    assert db.exec(select(Invitation)).all() == []


def test_a_family_member_adds_someone_to_the_list_and_says_what_they_need(
    make_client, db, settings, family
):
    schedule(signed_in(make_client, family.practitioner), family)
    meeting = only_meeting(db)
    aunt = person(db, settings, family, "Aunt Rosa")
    mum = signed_in(make_client, family.parent)
    page = soup(mum.get(f"{base(family)}/{meeting.id}"))
    assert page.select_one(f"#person_id option[value='{aunt.id}']").get_text() == "Aunt Rosa"
    assert page.select_one(f"form[action$='/meetings/{meeting.id}']") is None  # no details form

    invite(
        mum,
        family,
        meeting,
        aunt,
        db,
        status="coming",
        interpreter_language="Portuguese",
        needs_childcare="yes",
    )

    made = invitation_of(db, aunt)
    assert (made.status, made.interpreter_language, made.needs_childcare) == (
        InvitationStatus.coming,
        "Portuguese",
        True,
    )
    card = soup(mum.get(f"{base(family)}/{meeting.id}")).select_one(f"#invitation-{made.id}")
    assert card.select_one(".card__title").get_text() == "Aunt Rosa"
    assert card.select_one(".invite__status").get_text() == "Coming"
    # The young person reads the list but has no forms to change it.
    young = soup(signed_in(make_client, family.young_person).get(f"{base(family)}/{meeting.id}"))
    assert "Interpreter: Portuguese" in young.select_one(f"#invitation-{made.id}").get_text()
    assert young.select("form[action*='/invitations']") == []


def test_family_members_cannot_schedule_print_or_see_safety_arrangements(
    make_client, db, settings, family
):
    worker = signed_in(make_client, family.practitioner)
    schedule(worker, family)
    meeting = only_meeting(db)
    nan, dad = person(db, settings, family, "Nan"), person(db, settings, family, "Dad")
    invitation = invite(worker, family, meeting, nan, db)
    for member in (family.parent, family.young_person):
        browser = signed_in(make_client, member)
        assert browser.get(arrangements_url(family)).status_code == 403
        response = browser.submit(
            arrangements_url(family),
            {"kind": "must_not_meet", "person_id": str(nan.id), "other_person_id": str(dad.id)},
        )
        assert response.status_code == 403
        assert browser.get(f"{base(family)}/{meeting.id}/invitations/print").status_code == 403
        one = f"{base(family)}/{meeting.id}/invitations/{invitation.id}/print"
        assert browser.get(one).status_code == 403
        assert schedule(browser, family).status_code == 403
        page = BeautifulSoup(browser.get(f"{base(family)}/{meeting.id}").text, "html.parser")
        assert page.find("a", string="Run the meeting on this tablet") is None
    practitioner_page = BeautifulSoup(
        worker.get(f"{base(family)}/{meeting.id}").text, "html.parser"
    )
    room = practitioner_page.find("a", string="Run the meeting on this tablet")
    assert room["href"] == f"{base(family)}/{meeting.id}/room"
    db.expire_all()
    assert db.exec(select(SafetyArrangement)).all() == []
    assert len(db.exec(select(Meeting)).all()) == 1


# --- Forms ---------------------------------------------------------------------------------


def test_a_bad_date_is_a_message_beside_the_field_and_the_form_keeps_what_was_typed(
    make_client, db, family
):
    worker = signed_in(make_client, family.practitioner)
    response = schedule(worker, family, date="31/02/2030", time="10:30", kind="review")
    assert response.status_code == 422
    page = soup(response)
    assert "real date" in page.select_one("#date-error").get_text()
    assert page.select_one("#date")["value"] == "31/02/2030"
    assert page.select_one("#time")["value"] == "10:30"
    assert page.select_one("input[name=kind][value=review]").has_attr("checked")
    assert page.select_one(".error-summary a[href='#date']") is not None
    assert db.exec(select(Meeting)).all() == []

    schedule(worker, family)
    meeting = only_meeting(db)
    response = worker.submit(
        f"{base(family)}/{meeting.id}",
        {"date": "2030-13-01", "venue": "The family centre", "version": str(meeting.version)},
    )
    assert response.status_code == 422
    page = soup(response)
    assert page.select_one("#date-error") is not None
    assert page.select_one("#venue")["value"] == "The family centre"
    assert only_meeting(db).venue == ""


def test_a_stale_change_gets_the_conflict_page_and_saves_nothing(make_client, db, settings, family):
    worker = signed_in(make_client, family.practitioner)
    schedule(worker, family)
    meeting = only_meeting(db)
    old = str(meeting.version)
    set_venue(worker, family, meeting, db, venue="The family centre")
    response = worker.submit(
        f"{base(family)}/{meeting.id}", {"date": "2030-05-15", "venue": "Town hall", "version": old}
    )
    assert response.status_code == 409
    assert "Town hall" in soup(response).get_text()
    assert only_meeting(db).venue == "The family centre"

    nan = person(db, settings, family, "Nan")
    made = invite(worker, family, meeting, nan, db)
    mum = signed_in(make_client, family.parent)
    response = mum.submit(
        f"{base(family)}/{meeting.id}/invitations/{made.id}",
        {"status": "not_coming", "version": str(made.version - 1)},
    )
    assert response.status_code == 409
    assert invitation_of(db, nan).status == InvitationStatus.invited


def test_a_person_is_on_the_list_only_once(make_client, db, settings, family):
    worker = signed_in(make_client, family.practitioner)
    schedule(worker, family)
    meeting = only_meeting(db)
    nan = person(db, settings, family, "Nan")
    invite(worker, family, meeting, nan, db)
    again = worker.submit(f"{base(family)}/{meeting.id}/invitations", {"person_id": str(nan.id)})
    assert again.status_code == 422
    assert "already on the list" in soup(again).select_one("#person_id-error").get_text()
    assert len(db.exec(select(Invitation)).all()) == 1


# --- The rules reach the page and the prints -----------------------------------------------


def test_practitioners_see_a_warning_when_two_people_kept_apart_are_both_asked(
    make_client, db, settings, family
):
    worker = signed_in(make_client, family.practitioner)
    schedule(worker, family)
    meeting = only_meeting(db)
    dad, mum_p = person(db, settings, family, "Dad"), person(db, settings, family, "Mum")
    arrange(worker, family, "must_not_meet", dad, mum_p)
    invite(worker, family, meeting, dad, db)
    page = f"{base(family)}/{meeting.id}"
    assert soup(worker.get(page)).select_one(".meeting-warnings") is None

    invite(worker, family, meeting, mum_p, db, status="coming")

    warning = soup(worker.get(page)).select_one(".meeting-warnings")
    assert "Dad and Mum must not be in the room together" in warning.get_text()
    assert REASON not in warning.get_text()
    parent_page = signed_in(make_client, family.parent).get(page)
    assert soup(parent_page).select_one(".meeting-warnings") is None
    assert REASON not in parent_page.text
    assert "must not" not in parent_page.text


def test_a_home_venue_protected_by_an_arrangement_is_withheld_from_family_members(
    make_client, db, settings, family
):
    worker = signed_in(make_client, family.practitioner)
    schedule(worker, family)
    meeting = only_meeting(db)
    nan, dad = person(db, settings, family, "Nan"), person(db, settings, family, "Dad")
    set_venue(worker, family, meeting, db, home_of=nan)
    invite(worker, family, meeting, dad, db)
    page = f"{base(family)}/{meeting.id}"
    mum = signed_in(make_client, family.parent)
    assert "12 Hill Road" in soup(mum.get(page)).select_one(".meeting-summary").get_text()

    arrange(worker, family, "must_not_know_address", dad, nan)

    for browser in (mum, signed_in(make_client, family.young_person)):
        response = browser.get(page)
        summary = soup(response).select_one(".meeting-summary").get_text()
        assert "Your coordinator will tell you where to go." in summary
        assert "12 Hill Road" not in response.text
        assert "Nan's home" not in response.text
    staff = soup(worker.get(page))
    assert "12 Hill Road" in staff.select_one(".meeting-summary").get_text()
    assert "must not learn where Nan lives" in staff.select_one(".meeting-warnings").get_text()
    beside_venue = staff.select_one(".meeting-summary .meeting-venue-warning").get_text()
    assert "Dad, who is asked, must not learn where Nan lives" in beside_venue


def test_printed_invitations_keep_the_arrangements_without_telling_them(
    make_client, db, settings, family
):
    db.add(Referral(family_group_id=family.id, decision_to_make="Where Amir will live for now"))
    db.commit()
    worker = signed_in(make_client, family.practitioner)
    schedule(worker, family)
    meeting = only_meeting(db)
    nan, dad, mum_p = (person(db, settings, family, n) for n in ("Nan", "Dad", "Mum"))
    db.add(
        PersonDetail(
            person_id=dad.id,
            field=DetailField.address,
            value="4 Low Lane",
            visibility=Visibility.everyone,
        )
    )
    db.commit()
    set_venue(worker, family, meeting, db, home_of=nan)
    dads = invite(
        worker,
        family,
        meeting,
        dad,
        db,
        own_arrival_note="Come at 11:00",
        interpreter_language="Polish",
    )
    invite(worker, family, meeting, nan, db, status="coming")
    invite(worker, family, meeting, mum_p, db, status="coming")
    arrange(worker, family, "must_not_meet", dad, mum_p)
    arrange(worker, family, "must_not_know_address", dad, nan)

    response = worker.get(f"{base(family)}/{meeting.id}/invitations/{dads.id}/print")

    assert response.status_code == 200
    (sheet,) = soup(response).select(".invitation-sheet")
    text = sheet.get_text(" ")
    assert "Dear Dad" in sheet.select_one("h1").get_text()
    assert "Where Amir will live for now" in text
    assert "Your coordinator will tell you where to go." in text
    assert "12 Hill Road" not in response.text
    assert [li.get_text() for li in sheet.select(".invitation-sheet__others li")] == ["Nan"]
    assert "Come at 11:00" in text
    assert "An interpreter for Polish." in text
    assert family.practitioner.display_name in text
    assert REASON not in response.text
    assert "4 Low Lane" not in response.text
    assert "must not" not in response.text

    everyone = soup(worker.get(f"{base(family)}/{meeting.id}/invitations/print"))
    sheets = {s.select_one("h1").get_text(): s for s in everyone.select(".invitation-sheet")}
    assert len(sheets) == 3
    mums = next(s for title, s in sheets.items() if "Mum" in title)
    assert "12 Hill Road" in mums.get_text()
    assert [li.get_text() for li in mums.select(".invitation-sheet__others li")] == ["Nan"]
    assert REASON not in str(everyone)
    db.expire_all()
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "invitation_print")).all()


def test_safety_arrangements_are_added_and_removed_with_the_version(
    make_client, db, settings, family
):
    worker = signed_in(make_client, family.practitioner)
    dad, mum_p = person(db, settings, family, "Dad"), person(db, settings, family, "Mum")
    bad = worker.submit(
        arrangements_url(family),
        {
            "kind": "must_not_meet",
            "person_id": str(dad.id),
            "other_person_id": str(dad.id),
            "reason": "typed",
        },
    )
    assert bad.status_code == 422
    page = soup(bad)
    assert page.select_one("#other_person_id-error") is not None
    assert page.select_one("#reason").get_text() == "typed"
    arrange(worker, family, "must_not_meet", dad, mum_p)
    made = db.exec(select(SafetyArrangement)).one()
    listed = soup(worker.get(arrangements_url(family))).select_one(f"#arrangement-{made.id}")
    assert "Dad and Mum must not be in the room together" in listed.get_text()
    assert REASON in listed.get_text()
    stale = worker.submit(
        f"{arrangements_url(family)}/{made.id}/remove", {"version": str(made.version + 1)}
    )
    assert stale.status_code == 409
    gone = worker.submit(
        f"{arrangements_url(family)}/{made.id}/remove", {"version": str(made.version)}
    )
    assert gone.status_code == 303
    db.expire_all()
    assert db.exec(select(SafetyArrangement)).all() == []


def test_every_meeting_page_is_fully_translatable(
    bracketed,  # noqa: F811
    make_client,
    db,
    settings,
    family,
):
    db.add(Referral(family_group_id=family.id, decision_to_make="Where to live"))
    db.commit()
    worker = signed_in(make_client, family.practitioner)
    schedule(worker, family)
    meeting = only_meeting(db)
    nan, dad, mum_p = (person(db, settings, family, n) for n in ("Nan", "Dad", "Mum"))
    set_venue(worker, family, meeting, db, home_of=nan)
    made = invite(
        worker,
        family,
        meeting,
        dad,
        db,
        own_arrival_note="At 11",
        interpreter_language="Polish",
        access_needs="Ramp",
        needs_childcare="yes",
    )
    invite(worker, family, meeting, mum_p, db)
    arrange(worker, family, "must_not_meet", dad, mum_p)
    arrange(worker, family, "must_not_know_address", dad, nan)
    db.expire_all()
    for user in (family.practitioner, family.parent):
        db.refresh(user)
        user.locale = "eo"
        db.add(user)
    db.commit()
    typed = {
        family.family.name,
        "Amir",
        "Nan",
        "Dad",
        "Mum",
        "Parent",
        "Young person",
        family.practitioner.display_name,
        "Where to live",
        "12 Hill Road",
        "Sandwiches at one",
        "At 11",
        "Polish",
        "Ramp",
        REASON,
        "testclient",
    }
    worker = signed_in(make_client, family.practitioner)
    pages = [
        base(family),
        f"{base(family)}/{meeting.id}",
        f"{base(family)}/{meeting.id}/invitations/print",
        f"{base(family)}/{meeting.id}/invitations/{made.id}/print",
        arrangements_url(family),
    ]
    for page in pages:
        response = worker.get(page)
        assert response.status_code == 200, page
        assert untranslated(response.text, typed) == [], page
    response = signed_in(make_client, family.parent).get(f"{base(family)}/{meeting.id}")
    assert untranslated(response.text, typed) == []
