"""Preparing a family group conference or review: the meeting (when, where, food and breaks,
the child's advocate), the invite list the family decides with each person's answer and
needs, and the safety arrangements around it (people who must not meet, or must not learn
where someone lives). Permission checks, visibility and audit writes all happen here, so
the pages, the prints and the meeting room get the same filtered data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from fgdm.accounts.models import User
from fgdm.audit import service as audit_service
from fgdm.db import NotAllowedHere, NotFound, StaleEdit, parse_id, utcnow
from fgdm.families.models import MemberRole, Membership, Referral
from fgdm.families.service import AccessRole, FamilyAccess, FamilyFormError
from fgdm.i18n import gettext as _
from fgdm.meetings.models import (
    ArrangementKind,
    Invitation,
    InvitationStatus,
    Meeting,
    MeetingKind,
    SafetyArrangement,
)
from fgdm.network.models import Person
from fgdm.safety import plan_service
from fgdm.security.actor import Actor
from fgdm.stories import service as stories_service

VENUE_LIMIT = 300
ARRANGEMENTS_LIMIT = 2000
ADVOCATE_LIMIT = 200
ARRIVAL_NOTE_LIMIT = 300
LANGUAGE_LIMIT = 80
ACCESS_NEEDS_LIMIT = 500
REASON_LIMIT = 1000
LONDON = ZoneInfo("Europe/London")

# The people an invitation is sent to and who are expected in the room.
ASKED = (InvitationStatus.invited, InvitationStatus.coming)
# Whose invitations are printed together: everyone on the list who is to be asked.
TO_PRINT = (InvitationStatus.to_invite, InvitationStatus.invited, InvitationStatus.coming)
# Family members and practitioners decide who is on the invite list.
INVITE_WRITERS = (AccessRole.family_member, AccessRole.practitioner)


# Problems with a form, by field, for the page to show beside each field.
MeetingError = FamilyFormError


# --- Inputs and views --------------------------------------------------------------------


@dataclass
class MeetingInput:
    """The meeting's details as typed in the form (ids and dates still text)."""

    date: str = ""
    time: str = ""
    venue: str = ""
    venue_home_of: str = ""
    arrangements: str = ""
    advocate_name: str = ""
    advocate_for_child: str = ""


@dataclass
class InvitationInput:
    """One person's line on the invite list as typed in the form."""

    status: str = ""
    own_arrival_note: str = ""
    interpreter_language: str = ""
    access_needs: str = ""
    needs_childcare: bool = False


@dataclass
class InvitationView:
    invitation: Invitation
    person: Person

    @property
    def name(self) -> str:
        return self.person.known_as

    @property
    def is_asked(self) -> bool:
        return self.invitation.status in ASKED


@dataclass
class SafetyWarning:
    """Something the coordinator must sort out before the meeting (practitioners only)."""

    text: str
    about: str  # "invite_list" or "venue"


@dataclass
class ArrangementView:
    arrangement: SafetyArrangement
    person: Person
    other: Person


@dataclass
class MeetingView:
    """One meeting as this reader may see it."""

    access: FamilyAccess
    meeting: Meeting
    invitations: list[InvitationView] = field(default_factory=list)
    venue_withheld: bool = False
    venue_home_of: Person | None = None
    advocate_for_child: Person | None = None
    warnings: list[SafetyWarning] = field(default_factory=list)
    decision_to_make: str = ""

    @property
    def may_change_details(self) -> bool:
        return may_schedule(self.access)

    @property
    def may_change_invites(self) -> bool:
        return may_invite(self.access)

    @property
    def venue(self) -> str:
        return "" if self.venue_withheld else self.meeting.venue


@dataclass
class MeetingsView:
    access: FamilyAccess
    upcoming: list[Meeting]
    past: list[Meeting]
    not_dated: list[Meeting]


@dataclass
class InvitationPrint:
    """One printed invitation: what this one person may be told, and nothing else."""

    person: Person
    meeting: Meeting
    decision_to_make: str
    venue: str  # "" when withheld from this person
    venue_withheld: bool
    own_arrival_note: str
    others: list[str]
    needs: list[str]
    contacts: list[str]


# --- Rules -------------------------------------------------------------------------------


def may_schedule(access: FamilyAccess) -> bool:
    """Practitioners (the coordinator) schedule meetings and arrange the details."""
    return access.role == AccessRole.practitioner


def may_invite(access: FamilyAccess) -> bool:
    """The family decides who is family: family members and practitioners change the
    invite list; young people and managers read it."""
    return access.role in INVITE_WRITERS


def _audit(
    session: Session,
    actor: Actor,
    access: FamilyAccess,
    action: str,
    *,
    object_type: str = "meeting",
    object_id: object = None,
) -> None:
    """Records a view or a change in the same transaction."""
    audit_service.record(
        session,
        actor=actor,
        action=action,
        family_group_id=access.family_id,
        object_type=object_type,
        object_id=object_id,
        actor_role=access.role.value,
    )


def _refuse(
    session: Session, actor: Actor, access: FamilyAccess, action: str, object_type: str
) -> NotAllowedHere:
    """Audits a refused change in its own transaction (the request's is rolled back) and
    gives the exception to raise."""
    audit_service.record_at_once(
        session.get_bind(),  # type: ignore[arg-type]
        actor=actor,
        action=action,
        family_group_id=access.family_id,
        object_type=object_type,
        detail=f"role {access.role.value}",
    )
    return NotAllowedHere(access.family_id)


def _require_practitioner(
    session: Session, actor: Actor, access: FamilyAccess, action: str, object_type: str
) -> None:
    if not may_schedule(access):
        raise _refuse(session, actor, access, action, object_type)


def _base(access: FamilyAccess) -> str:
    return f"/families/{access.family_id}/meetings"


def _text(value: str, limit: int, name: str, label: str, errors: dict[str, str]) -> str:
    value = value.strip()
    if len(value) > limit:
        errors[name] = _("%(label)s is too long: at most %(n)d characters.") % {
            "label": label,
            "n": limit,
        }
    return value


def _parse_when(date_text: str, time_text: str, errors: dict[str, str]) -> datetime | None:
    """A date and an optional time typed in UK time, as UTC; None when no date is given."""
    date_text, time_text = date_text.strip(), time_text.strip()
    if not date_text:
        if time_text:
            errors["date"] = _("Give the date as well as the time.")
        return None
    try:
        day = date.fromisoformat(date_text)
    except ValueError:
        errors["date"] = _("Give a real date, like 2026-03-14.")
        return None
    at = time(10, 0)
    if time_text:
        try:
            at = time.fromisoformat(time_text)
        except ValueError:
            errors["time"] = _("Give a time like 10:30.")
            return None
    if not 2000 <= day.year <= 2100:
        errors["date"] = _("Give a real date, like 2026-03-14.")
        return None
    return datetime.combine(day, at, tzinfo=LONDON).astimezone(UTC)


def _local_date(value: datetime | None) -> str:
    return value.astimezone(LONDON).date().isoformat() if value else ""


def _local_time(value: datetime | None) -> str:
    return value.astimezone(LONDON).strftime("%H:%M") if value else ""


def meeting_values(meeting: Meeting) -> dict[str, str]:
    """The meeting's saved details as form values."""
    return {
        "date": _local_date(meeting.starts_at),
        "time": _local_time(meeting.starts_at),
        "venue": meeting.venue,
        "venue_home_of": str(meeting.venue_home_of_id or ""),
        "arrangements": meeting.arrangements,
        "advocate_name": meeting.advocate_name,
        "advocate_for_child": str(meeting.advocate_for_child_id or ""),
        "version": str(meeting.version),
    }


def kind_label(kind: MeetingKind) -> str:
    """The meeting kind in the family's words."""
    return _("Review meeting") if kind == MeetingKind.review else _("Family meeting")


def status_labels() -> dict[str, str]:
    """Each invite list answer in plain words."""
    return {
        InvitationStatus.to_invite.value: _("To invite"),
        InvitationStatus.invited.value: _("Invited"),
        InvitationStatus.coming.value: _("Coming"),
        InvitationStatus.not_coming.value: _("Not coming"),
        InvitationStatus.not_to_be_invited.value: _("Not to be invited"),
    }


def arrangement_labels() -> dict[str, str]:
    """Each kind of safety arrangement in plain words."""
    return {
        ArrangementKind.must_not_meet.value: _("Must not be in the room together"),
        ArrangementKind.must_not_know_address.value: _("Must not learn where the other lives"),
    }


# --- People ------------------------------------------------------------------------------


# The grown-ups who may be invited, and the children an advocate may speak for.
adults = plan_service.adults
children = stories_service.children


def _person_in_family(
    session: Session, access: FamilyAccess, raw: str, *, child: bool | None = None
) -> Person | None:
    person_id = parse_id(raw)
    person = session.get(Person, person_id) if person_id else None
    if person is None or person.family_group_id != access.family_id:
        return None
    if child is not None and person.is_child != child:
        return None
    return person


def _people(session: Session, ids: set[int]) -> dict[int, Person]:
    if not ids:
        return {}
    rows = session.exec(select(Person).where(col(Person.id).in_(ids))).all()
    return {p.id: p for p in rows if p.id is not None}


# --- Meetings ----------------------------------------------------------------------------


def get_meeting(session: Session, *, access: FamilyAccess, meeting_id: int) -> Meeting:
    """A meeting of this family group, or NotFound."""
    meeting = session.get(Meeting, meeting_id)
    if meeting is None or meeting.family_group_id != access.family_id:
        raise NotFound(meeting_id)
    return meeting


def list_meetings(session: Session, *, actor: Actor, access: FamilyAccess) -> MeetingsView:
    """The family group's meetings: coming up (soonest first), not dated yet, and past."""
    meetings = session.exec(
        select(Meeting)
        .where(Meeting.family_group_id == access.family_id)
        .order_by(col(Meeting.starts_at), col(Meeting.id))
    ).all()
    now = utcnow()
    _audit(session, actor, access, "meeting_list")
    return MeetingsView(
        access=access,
        upcoming=[m for m in meetings if m.starts_at and m.starts_at >= now],
        past=sorted(
            (m for m in meetings if m.starts_at and m.starts_at < now),
            key=lambda m: m.starts_at or now,
            reverse=True,
        ),
        not_dated=[m for m in meetings if m.starts_at is None],
    )


def schedule_meeting(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    kind: str,
    date_text: str,
    time_text: str,
) -> Meeting:
    """Schedules a family group conference or a review (practitioners)."""
    _require_practitioner(session, actor, access, "meeting_create", "meeting")
    errors: dict[str, str] = {}
    if kind not in {k.value for k in MeetingKind}:
        errors["kind"] = _("Choose a family meeting or a review.")
    starts_at = _parse_when(date_text, time_text, errors)
    if errors:
        raise MeetingError(errors)
    meeting = Meeting(
        family_group_id=access.family_id,
        kind=MeetingKind(kind),
        starts_at=starts_at,
        created_by_id=actor.user_id,
    )
    session.add(meeting)
    session.flush()
    _audit(session, actor, access, "meeting_create", object_id=meeting.id)
    return meeting


def _check_details(
    session: Session, access: FamilyAccess, data: MeetingInput
) -> tuple[dict[str, object], dict[str, str]]:
    errors: dict[str, str] = {}
    clean: dict[str, object] = {
        "starts_at": _parse_when(data.date, data.time, errors),
        "venue": _text(data.venue, VENUE_LIMIT, "venue", _("Where"), errors),
        "arrangements": _text(
            data.arrangements, ARRANGEMENTS_LIMIT, "arrangements", _("Arrangements"), errors
        ),
        "advocate_name": _text(
            data.advocate_name, ADVOCATE_LIMIT, "advocate_name", _("Advocate"), errors
        ),
    }
    home = None
    if data.venue_home_of.strip():
        home = _person_in_family(session, access, data.venue_home_of, child=False)
        if home is None:
            errors["venue_home_of"] = _("Choose a person from the family network.")
    clean["venue_home_of_id"] = home.id if home else None
    child = None
    if data.advocate_for_child.strip():
        child = _person_in_family(session, access, data.advocate_for_child, child=True)
        if child is None:
            errors["advocate_for_child"] = _("Choose one of the children.")
    clean["advocate_for_child_id"] = child.id if child else None
    return clean, errors


def update_meeting(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    meeting_id: int,
    version: int,
    data: MeetingInput,
) -> Meeting:
    """Changes when and where the meeting is, the arrangements and the child's advocate
    (practitioners). A change based on an older version is refused."""
    _require_practitioner(session, actor, access, "meeting_update", "meeting")
    meeting = get_meeting(session, access=access, meeting_id=meeting_id)
    clean, errors = _check_details(session, access, data)
    if errors:
        raise MeetingError(errors)
    if meeting.version != version:
        saved = meeting_values(meeting)
        raise StaleEdit(
            what=_("this meeting"),
            rows=[
                (_("Date"), data.date.strip(), saved["date"]),
                (_("Time"), data.time.strip(), saved["time"]),
                (_("Where"), data.venue.strip(), meeting.venue),
                (_("Arrangements"), data.arrangements.strip(), meeting.arrangements),
                (_("Advocate"), data.advocate_name.strip(), meeting.advocate_name),
            ],
            back_url=f"{_base(access)}/{meeting_id}",
        )
    for name, value in clean.items():
        setattr(meeting, name, value)
    session.add(meeting)
    session.flush()
    _audit(session, actor, access, "meeting_update", object_id=meeting.id)
    return meeting


def _arrangements(session: Session, *, family_group_id: int) -> list[SafetyArrangement]:
    return list(
        session.exec(
            select(SafetyArrangement)
            .where(SafetyArrangement.family_group_id == family_group_id)
            .order_by(col(SafetyArrangement.id))
        )
    )


def _home_is_protected(meeting: Meeting, arrangements: list[SafetyArrangement]) -> bool:
    """True when the venue is the home of someone whose address somebody must not know."""
    return meeting.venue_home_of_id is not None and any(
        a.kind == ArrangementKind.must_not_know_address
        and a.other_person_id == meeting.venue_home_of_id
        for a in arrangements
    )


def _must_not_meet(person_id: int, arrangements: list[SafetyArrangement]) -> set[int]:
    """The people this person must not be in the room with."""
    kept_apart: set[int] = set()
    for a in arrangements:
        if a.kind != ArrangementKind.must_not_meet:
            continue
        if a.person_id == person_id:
            kept_apart.add(a.other_person_id)
        elif a.other_person_id == person_id:
            kept_apart.add(a.person_id)
    return kept_apart


def _may_not_know_venue(
    person_id: int, meeting: Meeting, arrangements: list[SafetyArrangement]
) -> bool:
    return meeting.venue_home_of_id is not None and any(
        a.kind == ArrangementKind.must_not_know_address
        and a.person_id == person_id
        and a.other_person_id == meeting.venue_home_of_id
        for a in arrangements
    )


def _warnings(
    meeting: Meeting,
    invitations: list[InvitationView],
    arrangements: list[SafetyArrangement],
    names: dict[int, Person],
) -> list[SafetyWarning]:
    """What the coordinator must sort out: two people kept apart who are both asked, and a
    home venue whose address an asked person must not know."""
    asked = {iv.person.id for iv in invitations if iv.is_asked}
    warnings: list[SafetyWarning] = []
    for a in arrangements:
        one, other = names.get(a.person_id), names.get(a.other_person_id)
        if one is None or other is None:
            continue
        if a.kind == ArrangementKind.must_not_meet and {a.person_id, a.other_person_id} <= asked:
            warnings.append(
                SafetyWarning(
                    _("%(a)s and %(b)s must not be in the room together, and both are asked.")
                    % {"a": one.known_as, "b": other.known_as},
                    "invite_list",
                )
            )
        elif (
            a.kind == ArrangementKind.must_not_know_address
            and a.person_id in asked
            and a.other_person_id == meeting.venue_home_of_id
        ):
            warnings.append(
                SafetyWarning(
                    _(
                        "The meeting is at %(b)s's home, and %(a)s, who is asked, must not "
                        "learn where %(b)s lives."
                    )
                    % {"a": one.known_as, "b": other.known_as},
                    "venue",
                )
            )
    return warnings


def _invitations(session: Session, *, meeting_id: int) -> list[InvitationView]:
    rows = session.exec(
        select(Invitation, Person)
        .join(Person, col(Person.id) == Invitation.person_id)
        .where(Invitation.meeting_id == meeting_id)
        .order_by(col(Person.known_as), col(Invitation.id))
    ).all()
    return [InvitationView(invitation=inv, person=person) for inv, person in rows]


def _decision_to_make(session: Session, *, family_group_id: int) -> str:
    referral = session.exec(
        select(Referral).where(Referral.family_group_id == family_group_id)
    ).first()
    return referral.decision_to_make if referral else ""


def load_meeting(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    meeting_id: int,
    audit_action: str = "meeting_view",
) -> MeetingView:
    """The preparation page's data as this reader may see it: practitioners get the safety
    warnings; everyone else is never told about arrangements, and when the venue is a home
    that an arrangement protects they are not told the venue either."""
    meeting = get_meeting(session, access=access, meeting_id=meeting_id)
    invitations = _invitations(session, meeting_id=meeting_id)
    arrangements = _arrangements(session, family_group_id=access.family_id)
    people = _people(
        session,
        {i for i in (meeting.venue_home_of_id, meeting.advocate_for_child_id) if i}
        | {a.person_id for a in arrangements}
        | {a.other_person_id for a in arrangements},
    )
    view = MeetingView(
        access=access,
        meeting=meeting,
        invitations=invitations,
        advocate_for_child=people.get(meeting.advocate_for_child_id or 0),
        decision_to_make=_decision_to_make(session, family_group_id=access.family_id),
    )
    if access.is_practitioner:
        view.venue_home_of = people.get(meeting.venue_home_of_id or 0)
        view.warnings = _warnings(meeting, invitations, arrangements, people)
    elif _home_is_protected(meeting, arrangements):
        view.venue_withheld = True
    else:
        view.venue_home_of = people.get(meeting.venue_home_of_id or 0)
    _audit(session, actor, access, audit_action, object_id=meeting.id)
    return view


# --- The invite list ---------------------------------------------------------------------


def list_invitations(
    session: Session, *, actor: Actor, access: FamilyAccess, meeting_id: int
) -> list[InvitationView]:
    """The meeting's invite list (everyone in the group may read it), by name."""
    get_meeting(session, access=access, meeting_id=meeting_id)
    invitations = _invitations(session, meeting_id=meeting_id)
    _audit(session, actor, access, "invitation_list", object_type="invitation", object_id=None)
    return invitations


def get_invitation(
    session: Session, *, access: FamilyAccess, meeting_id: int, invitation_id: int
) -> InvitationView:
    """One line of a meeting's invite list in this family group, or NotFound."""
    get_meeting(session, access=access, meeting_id=meeting_id)
    invitation = session.get(Invitation, invitation_id)
    if invitation is None or invitation.meeting_id != meeting_id:
        raise NotFound(invitation_id)
    person = session.get(Person, invitation.person_id)
    assert person is not None  # the foreign key cascades
    return InvitationView(invitation=invitation, person=person)


def people_to_invite(session: Session, *, access: FamilyAccess, meeting_id: int) -> list[Person]:
    """The grown-ups of the network not yet on this meeting's invite list."""
    listed = set(
        session.exec(select(Invitation.person_id).where(Invitation.meeting_id == meeting_id))
    )
    return [p for p in adults(session, access=access) if p.id not in listed]


def add_invitation(
    session: Session, *, actor: Actor, access: FamilyAccess, meeting_id: int, person_id: str
) -> Invitation:
    """Puts a grown-up of the network on the invite list (once per meeting)."""
    if not may_invite(access):
        raise _refuse(session, actor, access, "invitation_add", "invitation")
    meeting = get_meeting(session, access=access, meeting_id=meeting_id)
    person = _person_in_family(session, access, person_id, child=False)
    if person is None:
        raise MeetingError({"person_id": _("Choose a grown-up from the family network.")})
    already = session.exec(
        select(Invitation).where(
            Invitation.meeting_id == meeting_id, Invitation.person_id == person.id
        )
    ).first()
    if already is not None:
        raise MeetingError(
            {"person_id": _("%(name)s is already on the list.") % {"name": person.known_as}}
        )
    assert person.id is not None
    invitation = Invitation(meeting_id=meeting.id, person_id=person.id, added_by_id=actor.user_id)
    session.add(invitation)
    session.flush()
    _audit(
        session, actor, access, "invitation_add", object_type="invitation", object_id=invitation.id
    )
    return invitation


def invitation_values(invitation: Invitation) -> dict[str, str]:
    """One invite list line's saved values as form values."""
    return {
        "status": invitation.status.value,
        "own_arrival_note": invitation.own_arrival_note,
        "interpreter_language": invitation.interpreter_language,
        "access_needs": invitation.access_needs,
        "needs_childcare": "yes" if invitation.needs_childcare else "",
        "version": str(invitation.version),
    }


def update_invitation(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    meeting_id: int,
    invitation_id: int,
    version: int,
    data: InvitationInput,
) -> Invitation:
    """Changes a person's answer, their needs and their own arrival note. A change based
    on an older version is refused."""
    if not may_invite(access):
        raise _refuse(session, actor, access, "invitation_update", "invitation")
    iv = get_invitation(session, access=access, meeting_id=meeting_id, invitation_id=invitation_id)
    errors: dict[str, str] = {}
    if data.status not in {s.value for s in InvitationStatus}:
        errors["status"] = _("Choose an answer.")
    note = _text(
        data.own_arrival_note, ARRIVAL_NOTE_LIMIT, "own_arrival_note", _("Arrival"), errors
    )
    language = _text(
        data.interpreter_language,
        LANGUAGE_LIMIT,
        "interpreter_language",
        _("Interpreter"),
        errors,
    )
    access_needs = _text(
        data.access_needs, ACCESS_NEEDS_LIMIT, "access_needs", _("Access needs"), errors
    )
    if errors:
        raise MeetingError(errors)
    invitation = iv.invitation
    if invitation.version != version:
        labels = status_labels()
        raise StaleEdit(
            what=_("this person's invitation"),
            rows=[
                (
                    _("Answer"),
                    labels.get(data.status, ""),
                    labels[invitation.status.value],
                ),
                (_("Arrival"), note, invitation.own_arrival_note),
                (_("Interpreter"), language, invitation.interpreter_language),
                (_("Access needs"), access_needs, invitation.access_needs),
                (
                    _("Childcare"),
                    _("Yes") if data.needs_childcare else _("No"),
                    _("Yes") if invitation.needs_childcare else _("No"),
                ),
            ],
            back_url=f"{_base(access)}/{meeting_id}#invitation-{invitation_id}",
        )
    invitation.status = InvitationStatus(data.status)
    invitation.own_arrival_note = note
    invitation.interpreter_language = language
    invitation.access_needs = access_needs
    invitation.needs_childcare = data.needs_childcare
    session.add(invitation)
    session.flush()
    _audit(
        session,
        actor,
        access,
        "invitation_update",
        object_type="invitation",
        object_id=invitation.id,
    )
    return invitation


# --- Printed invitations -----------------------------------------------------------------


def _needs(invitation: Invitation) -> list[str]:
    needs = []
    if invitation.interpreter_language:
        needs.append(
            _("An interpreter for %(language)s.") % {"language": invitation.interpreter_language}
        )
    if invitation.access_needs:
        needs.append(invitation.access_needs)
    if invitation.needs_childcare:
        needs.append(_("Childcare while you are at the meeting."))
    return needs


def _contacts(session: Session, *, family_group_id: int) -> list[str]:
    """The names of the family group's practitioners."""
    rows = session.exec(
        select(User.display_name)
        .join(Membership, col(Membership.user_id) == User.id)
        .where(
            Membership.family_group_id == family_group_id,
            Membership.role == MemberRole.practitioner,
            col(Membership.removed_at).is_(None),
        )
        .order_by(col(User.display_name))
    ).all()
    return list(dict.fromkeys(rows))


def print_invitations(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    meeting_id: int,
    invitation_id: int | None = None,
) -> list[InvitationPrint]:
    """The printed invitations (practitioners): one person's, or everyone's who is to be
    asked. Each keeps the safety arrangements without naming them: the venue is left out
    for a person who must not learn whose home it is, and "who else is invited" leaves out
    anyone this person must not meet. Never an address other than the venue, never a
    reason."""
    _require_practitioner(session, actor, access, "invitation_print", "invitation")
    meeting = get_meeting(session, access=access, meeting_id=meeting_id)
    invitations = _invitations(session, meeting_id=meeting_id)
    if invitation_id is None:
        chosen = [iv for iv in invitations if iv.invitation.status in TO_PRINT]
    else:
        chosen = [
            iv
            for iv in invitations
            if iv.invitation.id == invitation_id
            and iv.invitation.status != InvitationStatus.not_to_be_invited
        ]
        if not chosen:
            raise NotFound(invitation_id)
    arrangements = _arrangements(session, family_group_id=access.family_id)
    decision = _decision_to_make(session, family_group_id=access.family_id)
    contacts = _contacts(session, family_group_id=access.family_id)
    asked = [iv for iv in invitations if iv.is_asked]
    prints = []
    for iv in chosen:
        person_id = iv.person.id
        assert person_id is not None
        withheld = _may_not_know_venue(person_id, meeting, arrangements)
        apart = _must_not_meet(person_id, arrangements)
        prints.append(
            InvitationPrint(
                person=iv.person,
                meeting=meeting,
                decision_to_make=decision,
                venue="" if withheld else meeting.venue,
                venue_withheld=withheld,
                own_arrival_note=iv.invitation.own_arrival_note,
                others=[
                    o.name for o in asked if o.person.id != person_id and o.person.id not in apart
                ],
                needs=_needs(iv.invitation),
                contacts=contacts,
            )
        )
    _audit(
        session,
        actor,
        access,
        "invitation_print",
        object_type="invitation",
        object_id=invitation_id if invitation_id is not None else f"meeting {meeting_id}",
    )
    return prints


# --- Safety arrangements -----------------------------------------------------------------


def list_arrangements(
    session: Session, *, actor: Actor, access: FamilyAccess
) -> list[ArrangementView]:
    """The family group's safety arrangements with their reasons (practitioners only)."""
    _require_practitioner(session, actor, access, "arrangement_list", "safety_arrangement")
    arrangements = _arrangements(session, family_group_id=access.family_id)
    people = _people(
        session,
        {a.person_id for a in arrangements} | {a.other_person_id for a in arrangements},
    )
    _audit(session, actor, access, "arrangement_list", object_type="safety_arrangement")
    return [
        ArrangementView(arrangement=a, person=people[a.person_id], other=people[a.other_person_id])
        for a in arrangements
        if a.person_id in people and a.other_person_id in people
    ]


def add_arrangement(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    kind: str,
    person_id: str,
    other_person_id: str,
    reason: str,
) -> SafetyArrangement:
    """Records that two people must not meet, or that one must not learn where the other
    lives (practitioners)."""
    _require_practitioner(session, actor, access, "arrangement_add", "safety_arrangement")
    errors: dict[str, str] = {}
    if kind not in {k.value for k in ArrangementKind}:
        errors["kind"] = _("Choose what must not happen.")
    person = _person_in_family(session, access, person_id)
    if person is None:
        errors["person_id"] = _("Choose a person from the family network.")
    other = _person_in_family(session, access, other_person_id)
    if other is None:
        errors["other_person_id"] = _("Choose a person from the family network.")
    elif person is not None and person.id == other.id:
        errors["other_person_id"] = _("Choose someone else: two different people.")
    reason = _text(reason, REASON_LIMIT, "reason", _("Reason"), errors)
    if errors:
        raise MeetingError(errors)
    assert person is not None and other is not None
    assert person.id is not None and other.id is not None
    arrangement = SafetyArrangement(
        family_group_id=access.family_id,
        kind=ArrangementKind(kind),
        person_id=person.id,
        other_person_id=other.id,
        reason=reason,
        recorded_by_id=actor.user_id,
    )
    session.add(arrangement)
    session.flush()
    _audit(
        session,
        actor,
        access,
        "arrangement_add",
        object_type="safety_arrangement",
        object_id=arrangement.id,
    )
    return arrangement


def remove_arrangement(
    session: Session, *, actor: Actor, access: FamilyAccess, arrangement_id: int, version: int
) -> None:
    """Removes a safety arrangement (practitioners); refused if it changed meanwhile."""
    _require_practitioner(session, actor, access, "arrangement_remove", "safety_arrangement")
    arrangement = session.get(SafetyArrangement, arrangement_id)
    if arrangement is None or arrangement.family_group_id != access.family_id:
        raise NotFound(arrangement_id)
    if arrangement.version != version:
        raise StaleEdit(
            what=_("this safety arrangement"),
            back_url=f"/families/{access.family_id}/safety-arrangements",
        )
    session.delete(arrangement)
    session.flush()
    _audit(
        session,
        actor,
        access,
        "arrangement_remove",
        object_type="safety_arrangement",
        object_id=arrangement_id,
    )
