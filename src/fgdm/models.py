"""Imports every table so that Alembic and the tests see the whole schema."""

from fgdm.accounts.models import SignInAttempt, Team, User, UserSession
from fgdm.audit.models import AuditEvent
from fgdm.families.models import FamilyGroup, Membership
from fgdm.invites.models import Invite
from fgdm.network.models import Person

__all__ = [
    "AuditEvent",
    "FamilyGroup",
    "Invite",
    "Membership",
    "Person",
    "SignInAttempt",
    "Team",
    "User",
    "UserSession",
]
