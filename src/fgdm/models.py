"""Imports every table so that Alembic and the tests see the whole schema."""

from fgdm.accounts.models import RecoveryCode, SignInAttempt, Team, User, UserSession
from fgdm.api.models import ApiToken
from fgdm.audit.models import AuditEvent
from fgdm.families.models import FamilyGroup, Membership
from fgdm.invites.models import Invite
from fgdm.network.models import DetailViewer, Offer, Person, PersonDetail, Relationship
from fgdm.safety.models import (
    DangerStatement,
    MappingItem,
    SafetyGoal,
    SafetyNetworkMember,
    SafetyPlan,
    SafetyPlanAgreement,
    SafetyPlanRevision,
    SafetyRule,
    SafetyRuleResponsible,
    ScalingScore,
)
from fgdm.stories.models import Story, StoryImage, StoryPage
from fgdm.voice.models import HouseDrawing, HouseEntry, ThreeHouses, ThreeHousesViewer

__all__ = [
    "ApiToken",
    "AuditEvent",
    "DangerStatement",
    "DetailViewer",
    "FamilyGroup",
    "HouseDrawing",
    "HouseEntry",
    "Invite",
    "MappingItem",
    "Membership",
    "Offer",
    "Person",
    "PersonDetail",
    "RecoveryCode",
    "Relationship",
    "SafetyGoal",
    "SafetyNetworkMember",
    "SafetyPlan",
    "SafetyPlanAgreement",
    "SafetyPlanRevision",
    "SafetyRule",
    "SafetyRuleResponsible",
    "ScalingScore",
    "SignInAttempt",
    "Story",
    "StoryImage",
    "StoryPage",
    "Team",
    "ThreeHouses",
    "ThreeHousesViewer",
    "User",
    "UserSession",
]
