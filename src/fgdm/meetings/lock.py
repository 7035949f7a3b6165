"""Private family time: while it lasts the plan is the family's, so practitioner accounts
cannot change the family plan (the meeting tablet handed to the family acts as the family)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from fgdm.families.service import FamilyAccess
from fgdm.meetings.models import Meeting, MeetingPart


class PlanLocked(Exception):
    """A practitioner tried to change the family plan during private family time. The web
    answers 423 with a page saying the family is making its plan and nothing was saved."""

    def __init__(self, *, family_group_id: int) -> None:
        super().__init__("private family time")
        self.family_group_id = family_group_id


def private_family_time(session: Session, *, family_group_id: int) -> Meeting | None:
    """The family group's meeting that is in private family time now, or None."""
    return session.exec(
        select(Meeting)
        .where(
            Meeting.family_group_id == family_group_id,
            Meeting.part == MeetingPart.private_family_time,
        )
        .order_by(col(Meeting.id).desc())
    ).first()


def check_plan_writable(session: Session, *, access: FamilyAccess) -> None:
    """Refuses a practitioner's change to the family plan during private family time."""
    if access.is_practitioner and private_family_time(session, family_group_id=access.family_id):
        raise PlanLocked(family_group_id=access.family_id)
