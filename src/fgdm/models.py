"""Imports every table so that Alembic and the tests see the whole schema."""

from fgdm.accounts.models import RecoveryCode, SignInAttempt, Team, User, UserSession
from fgdm.api.models import ApiToken
from fgdm.audit.models import AuditEvent
from fgdm.families.models import FamilyGroup, Membership, Referral, StageChange
from fgdm.invites.models import Invite
from fgdm.meetings.models import (
    ActionOutcome,
    Invitation,
    Meeting,
    ReviewRecord,
    SafetyArrangement,
)
from fgdm.network.models import DetailViewer, Offer, Person, PersonDetail, Relationship
from fgdm.plans.models import (
    AgencyConcern,
    AgencyDecision,
    FamilyPlan,
    FamilyPlanAgreement,
    FamilyPlanRevision,
    PlanAction,
    PlanActionPerson,
    PlanGoal,
    ServiceRequest,
)
from fgdm.pwa.models import IdempotencyKey
from fgdm.safety.models import (
    DangerStatement,
    FamilyNote,
    MappingItem,
    SafetyGoal,
    SafetyNetworkMember,
    SafetyPlan,
    SafetyPlanAgreement,
    SafetyPlanRevision,
    SafetyRule,
    SafetyRuleResponsible,
    ScalingScore,
    StatementWording,
)
from fgdm.stories.models import Story, StoryImage, StoryPage
from fgdm.voice.models import (
    ChildView,
    ChildViewLink,
    HouseDrawing,
    HouseEntry,
    ThreeHouses,
    ThreeHousesViewer,
)

__all__ = [
    "ActionOutcome",
    "AgencyConcern",
    "AgencyDecision",
    "ApiToken",
    "AuditEvent",
    "ChildView",
    "ChildViewLink",
    "DangerStatement",
    "DetailViewer",
    "FamilyGroup",
    "FamilyNote",
    "FamilyPlan",
    "FamilyPlanAgreement",
    "FamilyPlanRevision",
    "HouseDrawing",
    "HouseEntry",
    "Invitation",
    "IdempotencyKey",
    "Invite",
    "MappingItem",
    "Meeting",
    "Membership",
    "Offer",
    "Person",
    "PersonDetail",
    "PlanAction",
    "PlanActionPerson",
    "PlanGoal",
    "RecoveryCode",
    "Referral",
    "Relationship",
    "ReviewRecord",
    "SafetyArrangement",
    "SafetyGoal",
    "SafetyNetworkMember",
    "SafetyPlan",
    "SafetyPlanAgreement",
    "SafetyPlanRevision",
    "SafetyRule",
    "SafetyRuleResponsible",
    "ScalingScore",
    "ServiceRequest",
    "SignInAttempt",
    "StageChange",
    "StatementWording",
    "Story",
    "StoryImage",
    "StoryPage",
    "Team",
    "ThreeHouses",
    "ThreeHousesViewer",
    "User",
    "UserSession",
]
