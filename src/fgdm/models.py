"""Imports every table so that Alembic and the tests see the whole schema."""

from fgdm.accounts.models import SignInAttempt, Team, User, UserSession
from fgdm.api.models import ApiToken
from fgdm.audit.models import AuditEvent
from fgdm.families.models import FamilyGroup, Membership
from fgdm.invites.models import Invite
from fgdm.network.models import DetailViewer, Offer, Person, PersonDetail, Relationship
from fgdm.safety.models import DangerStatement, MappingItem, SafetyGoal, ScalingScore
from fgdm.stories.models import Story, StoryImage, StoryPage

__all__ = [
    "ApiToken",
    "AuditEvent",
    "DangerStatement",
    "DetailViewer",
    "FamilyGroup",
    "Invite",
    "MappingItem",
    "Membership",
    "Offer",
    "Person",
    "PersonDetail",
    "Relationship",
    "SafetyGoal",
    "ScalingScore",
    "SignInAttempt",
    "Story",
    "StoryImage",
    "StoryPage",
    "Team",
    "User",
    "UserSession",
]
