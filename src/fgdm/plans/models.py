"""The family plan: written by the family in its own words at the family group conference
(what we want for the children, goals, actions with who and when, what we do if things go
wrong, what we ask of services, the review date), its versions, the family's agreement and
the agency's decision."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from fgdm.db import Versioned, enum_field, timestamp_field

PLAN_TEXT_LIMIT = 2000
SHORT_TEXT_LIMIT = 300
CHILD_WORDS_LIMIT = 300


class FamilyPlan(Versioned, table=True):
    """One family plan per family group. Its goals, actions and requests are rows of their
    own (each with its own version, so two people editing different parts do not clash);
    every save of any part raises `revision` and keeps a copy of the whole plan."""

    __tablename__ = "family_plan"

    id: int | None = Field(default=None, primary_key=True)
    family_group_id: int = Field(
        foreign_key="family_group.id", unique=True, index=True, ondelete="CASCADE"
    )
    what_we_want: str = Field(default="", max_length=PLAN_TEXT_LIMIT)
    if_things_go_wrong: str = Field(default="", max_length=PLAN_TEXT_LIMIT)
    people_to_call: str = Field(default="", max_length=PLAN_TEXT_LIMIT)
    review_date: date | None = Field(default=None, nullable=True)
    # The revision the family last presented to the agency for agreement (None: not yet).
    presented_revision: int | None = Field(default=None, nullable=True)
    revision: int = Field(default=0)
    updated_at: datetime = timestamp_field(default_now=True)
    updated_by_id: int | None = Field(default=None, foreign_key="app_user.id", nullable=True)


class PlanGoal(Versioned, table=True):
    """Something the family wants to achieve, in its words."""

    __tablename__ = "plan_goal"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="family_plan.id", index=True, ondelete="CASCADE")
    position: int = Field(default=0)
    text: str = Field(max_length=PLAN_TEXT_LIMIT)
    child_words: str = Field(default="", max_length=CHILD_WORDS_LIMIT)
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id", nullable=True)
    created_at: datetime = timestamp_field(default_now=True)


class PlanAction(Versioned, table=True):
    """One thing someone will do: what, by when, and how we will know it happened. Who does
    it is PlanActionPerson rows (people from the network); an action with nobody, or only
    someone who is a worry, shows as a finding."""

    __tablename__ = "plan_action"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="family_plan.id", index=True, ondelete="CASCADE")
    goal_id: int | None = Field(
        default=None, foreign_key="plan_goal.id", nullable=True, index=True, ondelete="SET NULL"
    )
    position: int = Field(default=0)
    what: str = Field(max_length=PLAN_TEXT_LIMIT)
    by_when: str = Field(default="", max_length=SHORT_TEXT_LIMIT)  # "every Friday", "by March"
    due_date: date | None = Field(default=None, nullable=True)
    how_we_know: str = Field(default="", max_length=PLAN_TEXT_LIMIT)
    child_words: str = Field(default="", max_length=CHILD_WORDS_LIMIT)
    pictogram: str = Field(default="", max_length=40)
    # Set by a review when the action is finished with; kept for the history.
    closed_at_review_id: int | None = Field(
        default=None, foreign_key="meeting.id", nullable=True, ondelete="SET NULL"
    )
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id", nullable=True)
    created_at: datetime = timestamp_field(default_now=True)


class PlanActionPerson(SQLModel, table=True):
    """A person from the network who does an action. Changed only with its action (the
    action's version guards it)."""

    __tablename__ = "plan_action_person"

    action_id: int = Field(foreign_key="plan_action.id", primary_key=True, ondelete="CASCADE")
    person_id: int = Field(foreign_key="person.id", primary_key=True, ondelete="CASCADE")


class ServiceAnswer(StrEnum):
    waiting = "waiting"
    agreed = "agreed"
    not_agreed = "not_agreed"
    referred_on = "referred_on"


class ServiceRequest(Versioned, table=True):
    """Something the family asks of services, and the answer: agreed, not agreed (with the
    reason) or referred on (to whom)."""

    __tablename__ = "service_request"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="family_plan.id", index=True, ondelete="CASCADE")
    position: int = Field(default=0)
    what_we_ask: str = Field(max_length=PLAN_TEXT_LIMIT)
    of_whom: str = Field(default="", max_length=SHORT_TEXT_LIMIT)
    answer: ServiceAnswer = enum_field(ServiceAnswer, default=ServiceAnswer.waiting)
    answer_reason: str = Field(default="", max_length=PLAN_TEXT_LIMIT)
    answered_by_id: int | None = Field(default=None, foreign_key="app_user.id", nullable=True)
    answered_at: datetime | None = timestamp_field(nullable=True, default=None)
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id", nullable=True)
    created_at: datetime = timestamp_field(default_now=True)


class FamilyPlanRevision(SQLModel, table=True):
    """A copy of the whole plan as it was after one save (plain names and words, so the
    history reads the same after people leave the network). Append-only."""

    __tablename__ = "family_plan_revision"
    __table_args__ = (sa.UniqueConstraint("plan_id", "number", name="uq_family_plan_revision"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="family_plan.id", index=True, ondelete="CASCADE")
    number: int
    content: dict = Field(sa_column=sa.Column(sa.JSON, nullable=False))
    summary: str = Field(default="", max_length=200)
    # Saved from the meeting tablet during private family time.
    during_family_time: bool = Field(default=False)
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id", nullable=True)
    created_at: datetime = timestamp_field(default_now=True)


class FamilyPlanAgreement(SQLModel, table=True):
    """A family member agreeing to one revision of the plan, with the name they gave and
    when; at a meeting, on the tablet, `user_id` is the device's account and `name_given`
    the person present. Append-only: agreeing again after a change is a new row."""

    __tablename__ = "family_plan_agreement"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="family_plan.id", index=True, ondelete="CASCADE")
    user_id: int | None = Field(
        default=None, foreign_key="app_user.id", nullable=True, index=True, ondelete="SET NULL"
    )
    person_id: int | None = Field(
        default=None, foreign_key="person.id", nullable=True, ondelete="SET NULL"
    )
    meeting_id: int | None = Field(
        default=None, foreign_key="meeting.id", nullable=True, ondelete="SET NULL"
    )
    revision: int
    name_given: str = Field(max_length=120)
    agreed_at: datetime = timestamp_field(default_now=True)


class AgencyDecision(SQLModel, table=True):
    """The agency's answer to one presented revision of the plan: accepted, or not accepted
    in some parts (each with its reason, given only when the part would leave a child
    unsafe). Append-only: the family can revise and present again."""

    __tablename__ = "agency_decision"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="family_plan.id", index=True, ondelete="CASCADE")
    revision: int
    accepted: bool
    meeting_id: int | None = Field(
        default=None, foreign_key="meeting.id", nullable=True, ondelete="SET NULL"
    )
    # The network's findings (codes) when the plan was decided on, for the review to compare.
    findings: list = Field(default_factory=list, sa_column=sa.Column(sa.JSON, nullable=False))
    decided_by_id: int | None = Field(default=None, foreign_key="app_user.id", nullable=True)
    decided_at: datetime = timestamp_field(default_now=True)


class AgencyConcern(SQLModel, table=True):
    """One part of a plan the agency did not accept, and why it would leave a child unsafe.
    `part` names it ("action:12", "goal:3", "what_we_want", "if_things_go_wrong")."""

    __tablename__ = "agency_concern"

    id: int | None = Field(default=None, primary_key=True)
    decision_id: int = Field(foreign_key="agency_decision.id", index=True, ondelete="CASCADE")
    part: str = Field(max_length=40)
    part_label: str = Field(default="", max_length=300)
    reason: str = Field(max_length=PLAN_TEXT_LIMIT)
