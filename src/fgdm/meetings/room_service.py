"""The family group conference in the room, on a tablet: its three parts (information
sharing, private family time, agreeing the plan), who came, and private family time, when
the professionals leave and the tablet becomes the family's until the coordinator signs
in on it again. Permission checks and audit writes all happen here."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from fgdm.accounts import service as accounts_service
from fgdm.accounts.models import UserSession
from fgdm.audit import service as audit_service
from fgdm.config import Settings
from fgdm.db import NotAllowedHere, StaleEdit, utcnow
from fgdm.families.service import FamilyAccess
from fgdm.i18n import gettext as _
from fgdm.i18n import ngettext
from fgdm.meetings import service as meetings_service
from fgdm.meetings.models import Invitation, InvitationStatus, Meeting, MeetingPart
from fgdm.meetings.service import InvitationView
from fgdm.network import service as network_service
from fgdm.security.actor import Actor

# The parts of the meeting in order; "not started" and "ended" lie either side of them.
PARTS = (
    MeetingPart.information_sharing,
    MeetingPart.private_family_time,
    MeetingPart.agreeing_the_plan,
)
ORDER = (MeetingPart.not_started, *PARTS, MeetingPart.ended)
# People on the invite list who are not expected: not shown on the attendance list.
NOT_EXPECTED = (InvitationStatus.not_to_be_invited,)


class RoomError(ValueError):
    """A problem a person can fix; `field` names the form field it belongs to."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ReturnThrottled(RoomError):
    """Too many wrong passphrases on the family's device; retry_after is in seconds."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, field="passphrase")
        self.retry_after = retry_after


@dataclass
class Step:
    part: MeetingPart
    label: str
    is_current: bool
    is_done: bool


@dataclass
class RoomView:
    """What the meeting tablet shows the coordinator."""

    access: FamilyAccess
    meeting: Meeting
    steps: list[Step]
    attendees: list[InvitationView]
    network: network_service.NetworkReport

    @property
    def part_label(self) -> str:
        return part_label(self.meeting.part)

    @property
    def next_part(self) -> MeetingPart | None:
        return next_part(self.meeting.part)

    @property
    def here_count(self) -> int:
        return sum(1 for a in self.attendees if a.invitation.attended)


def part_label(part: MeetingPart) -> str:
    """A part of the meeting in the family's words."""
    return {
        MeetingPart.not_started: _("Not started yet"),
        MeetingPart.information_sharing: _("Sharing information"),
        MeetingPart.private_family_time: _("Private family time"),
        MeetingPart.agreeing_the_plan: _("Agreeing the plan"),
        MeetingPart.ended: _("The meeting has ended"),
    }[part]


def next_part(part: MeetingPart) -> MeetingPart | None:
    """The part that comes after this one, or None after the end."""
    at = ORDER.index(part)
    return ORDER[at + 1] if at + 1 < len(ORDER) else None


def _steps(part: MeetingPart) -> list[Step]:
    at = ORDER.index(part)
    return [
        Step(p, part_label(p), is_current=p == part, is_done=ORDER.index(p) < at) for p in PARTS
    ]


def _audit(
    session: Session,
    actor: Actor,
    access: FamilyAccess,
    action: str,
    *,
    object_type: str = "meeting",
    object_id: object = None,
    detail: str = "",
) -> None:
    """Records a view or a change in the same transaction."""
    audit_service.record(
        session,
        actor=actor,
        action=action,
        family_group_id=access.family_id,
        object_type=object_type,
        object_id=object_id,
        detail=detail,
        actor_role=access.role.value,
    )


def _refuse(session: Session, actor: Actor, access: FamilyAccess, action: str) -> NotAllowedHere:
    """Audits a refusal in its own transaction (the request's is rolled back) and gives
    the exception to raise."""
    audit_service.record_at_once(
        session.get_bind(),  # type: ignore[arg-type]
        actor=actor,
        action=action,
        family_group_id=access.family_id,
        object_type="meeting",
        detail=f"role {access.role.value}",
    )
    return NotAllowedHere(access.family_id)


def _require_practitioner(
    session: Session, actor: Actor, access: FamilyAccess, action: str
) -> None:
    """The room is the coordinator's: practitioners of the group only (never the
    family's device, which reaches the group as a family member)."""
    if not access.is_practitioner:
        raise _refuse(session, actor, access, action)


def _require_family(session: Session, actor: Actor, access: FamilyAccess, action: str) -> None:
    """Private family time is the family's: family members, young people and the device."""
    if not access.is_family:
        raise _refuse(session, actor, access, action)


def _stale(meeting: Meeting, access: FamilyAccess, version: int) -> None:
    if meeting.version != version:
        now = part_label(meeting.part)
        raise StaleEdit(
            what=_("the meeting"),
            rows=[(_("Part of the meeting"), _("Move on to the next part"), now)],
            back_url=f"/families/{access.family_id}/meetings/{meeting.id}/room",
        )


# --- The room ----------------------------------------------------------------------------


def load_room(
    session: Session, *, actor: Actor, access: FamilyAccess, meeting_id: int, settings: Settings
) -> RoomView:
    """The meeting tablet's page for the coordinator: the part of the meeting, who came,
    and the network map with its gaps as this practitioner may see them."""
    _require_practitioner(session, actor, access, "meeting_room_view")
    meeting = meetings_service.get_meeting(session, access=access, meeting_id=meeting_id)
    network = network_service.load_network(session, actor=actor, access=access)
    view = RoomView(
        access=access,
        meeting=meeting,
        steps=_steps(meeting.part),
        attendees=[
            i
            for i in meetings_service.list_invitations(
                session, actor=actor, access=access, meeting_id=meeting_id
            )
            if i.invitation.status not in NOT_EXPECTED
        ],
        network=network_service.report(network, settings=settings),
    )
    _audit(session, actor, access, "meeting_room_view", object_id=meeting.id)
    return view


def move_to_next_part(
    session: Session, *, actor: Actor, access: FamilyAccess, meeting_id: int, version: int
) -> Meeting:
    """Moves the meeting on to its next part. Private family time starts only with the
    tablet handed over (start_family_time) and ends only when the family says so."""
    _require_practitioner(session, actor, access, "meeting_part")
    meeting = meetings_service.get_meeting(session, access=access, meeting_id=meeting_id)
    _stale(meeting, access, version)
    following = next_part(meeting.part)
    if meeting.part == MeetingPart.private_family_time:
        raise RoomError(_("The family ends private family time when they have finished."))
    if following == MeetingPart.private_family_time:
        raise RoomError(_("Use “Leave the room” to start private family time."))
    if following is None:
        raise RoomError(_("The meeting has already ended."))
    meeting.part = following
    meeting.part_changed_at = utcnow()
    session.add(meeting)
    session.flush()
    _audit(session, actor, access, "meeting_part", object_id=meeting.id, detail=following.value)
    return meeting


def set_attendance(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    meeting_id: int,
    invitation_id: int,
    version: int,
    attended: bool,
) -> Invitation:
    """Ticks whether someone on the invite list is here."""
    _require_practitioner(session, actor, access, "meeting_attendance")
    found = meetings_service.get_invitation(
        session, access=access, meeting_id=meeting_id, invitation_id=invitation_id
    )
    invitation = found.invitation
    if invitation.version != version:
        name = found.person.known_as
        wanted = _("Here") if attended else _("Not here")
        now = _("Here") if invitation.attended else _("Not here")
        raise StaleEdit(
            what=_("who is here"),
            rows=[(name, wanted, now)],
            back_url=f"/families/{access.family_id}/meetings/{meeting_id}/room#attendance",
        )
    invitation.attended = attended
    session.add(invitation)
    session.flush()
    _audit(
        session,
        actor,
        access,
        "meeting_attendance",
        object_type="invitation",
        object_id=invitation.id,
        detail="here" if attended else "not here",
    )
    return invitation


# --- Private family time -------------------------------------------------------------------


def start_family_time(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    meeting_id: int,
    version: int,
    user_session: UserSession,
) -> Meeting:
    """ "Leave the room": private family time starts, and this browser's session becomes the
    family's device until the coordinator signs in on it again."""
    _require_practitioner(session, actor, access, "family_time_start")
    meeting = meetings_service.get_meeting(session, access=access, meeting_id=meeting_id)
    _stale(meeting, access, version)
    if meeting.part != MeetingPart.information_sharing:
        raise RoomError(_("Private family time comes after sharing information."))
    now = utcnow()
    meeting.part = MeetingPart.private_family_time
    meeting.part_changed_at = now
    meeting.family_time_started_at = now
    meeting.family_time_started_by_id = actor.user_id
    meeting.family_time_ended_at = None
    session.add(meeting)
    user_session.family_time_meeting_id = meeting.id
    session.add(user_session)
    session.flush()
    _audit(session, actor, access, "family_time_start", object_id=meeting.id)
    return meeting


def load_family_time(
    session: Session, *, actor: Actor, access: FamilyAccess, meeting_id: int
) -> Meeting:
    """The family time page's meeting, for the family and the family's device."""
    _require_family(session, actor, access, "family_time_view")
    meeting = meetings_service.get_meeting(session, access=access, meeting_id=meeting_id)
    _audit(session, actor, access, "family_time_view", object_id=meeting.id)
    return meeting


def end_family_time(
    session: Session, *, actor: Actor, access: FamilyAccess, meeting_id: int
) -> Meeting:
    """ "We have finished": the family ends private family time and the meeting moves on to
    agreeing the plan. Pressed twice, or by two people at once, it ends once."""
    _require_family(session, actor, access, "family_time_end")
    meeting = meetings_service.get_meeting(session, access=access, meeting_id=meeting_id)
    if meeting.part != MeetingPart.private_family_time:
        return meeting
    now = utcnow()
    meeting.part = MeetingPart.agreeing_the_plan
    meeting.part_changed_at = now
    meeting.family_time_ended_at = now
    session.add(meeting)
    session.flush()
    _audit(session, actor, access, "family_time_end", object_id=meeting.id)
    return meeting


def device_meeting(session: Session, *, actor: Actor) -> Meeting | None:
    """The meeting this browser is the family's device for, or None."""
    if actor.family_time_meeting_id is None:
        return None
    return session.get(Meeting, actor.family_time_meeting_id)


def device_page(meeting: Meeting) -> str:
    """Where the family's device belongs: the family time page while it lasts, then the
    page where the coordinator signs in again."""
    base = f"/families/{meeting.family_group_id}/meetings/{meeting.id}"
    if meeting.part == MeetingPart.private_family_time:
        return base + "/family-time"
    return base + "/room/return"


def _device_for(
    session: Session, *, actor: Actor, access: FamilyAccess, meeting_id: int, action: str
) -> Meeting:
    """The meeting, when this browser is its family's device; otherwise refused."""
    meeting = meetings_service.get_meeting(session, access=access, meeting_id=meeting_id)
    if not access.on_family_device or actor.family_time_meeting_id != meeting.id:
        raise _refuse(session, actor, access, action)
    return meeting


def load_return(
    session: Session, *, actor: Actor, access: FamilyAccess, meeting_id: int
) -> Meeting:
    """The page on the family's device asking the coordinator to come back."""
    meeting = _device_for(
        session, actor=actor, access=access, meeting_id=meeting_id, action="device_return_view"
    )
    _audit(session, actor, access, "device_return_view", object_id=meeting.id)
    return meeting


def _wait_message(retry_after: int) -> str:
    minutes = max(1, (retry_after + 59) // 60)
    return ngettext(
        "Too many tries. For safety, wait %(minutes)s minute and try again.",
        "Too many tries. For safety, wait %(minutes)s minutes and try again.",
        minutes,
    ) % {"minutes": minutes}


def return_device(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    meeting_id: int,
    passphrase: str,
    user_session: UserSession,
) -> Meeting:
    """The coordinator is back: with their passphrase (checked and throttled as at sign-in)
    the family's device becomes their own session again. Only after the family has
    finished; signing out is the only other way to end it."""
    meeting = _device_for(
        session, actor=actor, access=access, meeting_id=meeting_id, action="device_return"
    )
    if meeting.part == MeetingPart.private_family_time:
        raise RoomError(
            _("Private family time has not finished yet. The family says when it has."),
            field="passphrase",
        )
    if not passphrase:
        raise RoomError(_("Type your passphrase."), field="passphrase")
    assert actor.user is not None
    try:
        accounts_service.authenticate(
            session, actor=actor, login=actor.user.login, passphrase=passphrase
        )
    except accounts_service.Throttled as exc:
        raise ReturnThrottled(_wait_message(exc.retry_after), retry_after=exc.retry_after) from exc
    except accounts_service.AccountError as exc:
        raise RoomError(
            _("That passphrase is not right. Only the coordinator who left can type it."),
            field="passphrase",
        ) from exc
    user_session.family_time_meeting_id = None
    session.add(user_session)
    session.flush()
    _audit(session, actor, access, "device_return", object_id=meeting.id)
    return meeting
