"""A practitioner's or team manager's caseload: every family group they work with, where it
is in the family group conference, and what is due (next meeting, plan review, gaps in
the network, the latest safety scaling score). Everything is loaded in a fixed number of
queries, however many family groups there are."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from fgdm import analysis
from fgdm.analysis import Rule, Severity
from fgdm.analysis.snapshot import PlanAction as ActionNode
from fgdm.analysis.snapshot import Snapshot
from fgdm.audit import service as audit_service
from fgdm.db import utcnow
from fgdm.families import service as families_service
from fgdm.families.models import FamilyGroup, Stage
from fgdm.families.service import AccessRole, FamilyAccess
from fgdm.i18n import gettext as _
from fgdm.meetings.models import Meeting
from fgdm.network import service as network_service
from fgdm.network.service import NetworkView
from fgdm.plans.models import FamilyPlan, PlanAction, PlanActionPerson
from fgdm.safety.models import (
    SafetyNetworkMember,
    SafetyPlan,
    SafetyRule,
    SafetyRuleResponsible,
    ScalingScore,
)
from fgdm.security.actor import Actor

SORTS = ("name", "stage", "meeting", "review", "findings", "score")
ORDERS = ("asc", "desc")
SEARCH_LIMIT = 120
CASELOAD_ROLES = (AccessRole.practitioner, AccessRole.manager)


def stage_label(stage: Stage) -> str:
    """The stage in the words a family uses."""
    labels = {
        Stage.referral: _("Referral"),
        Stage.preparation: _("Getting ready"),
        Stage.meeting: _("Family meeting"),
        Stage.plan_agreed: _("Plan agreed"),
        Stage.review: _("Review"),
        Stage.closed: _("Closed"),
    }
    return labels[stage]


@dataclass(frozen=True)
class CaseloadQuery:
    """How the caseload is sorted and filtered (from the page's address)."""

    sort: str = "name"
    order: str = "asc"
    stage: Stage | None = None
    overdue_only: bool = False
    search: str = ""


def parse_query(params: Mapping[str, str]) -> tuple[CaseloadQuery, dict[str, str]]:
    """Reads sorting and filters from the address. An unknown sort or order is ignored (the
    default is used); an unknown stage or an over-long search is ignored with a message for
    the field."""
    errors: dict[str, str] = {}
    sort = params.get("sort", "name")
    order = params.get("order", "asc")
    stage_text = params.get("stage", "")
    stage = None
    if stage_text:
        try:
            stage = Stage(stage_text)
        except ValueError:
            errors["stage"] = _("Choose a stage from the list.")
    search = params.get("q", "").strip()
    if len(search) > SEARCH_LIMIT:
        errors["q"] = _("Search for %(limit)s characters or fewer.") % {"limit": SEARCH_LIMIT}
        search = ""
    return (
        CaseloadQuery(
            sort=sort if sort in SORTS else "name",
            order=order if order in ORDERS else "asc",
            stage=stage,
            overdue_only=params.get("overdue", "") in ("1", "on", "true", "yes"),
            search=search,
        ),
        errors,
    )


@dataclass
class CaseloadRow:
    """One family group on the caseload, with what is due."""

    family: FamilyGroup
    role: AccessRole
    children: list[str]
    next_meeting_at: datetime | None = None
    review_date: date | None = None
    review_overdue: bool = False
    findings: int = 0
    score: ScalingScore | None = None

    @property
    def stage(self) -> Stage:
        return self.family.stage

    @property
    def stage_label(self) -> str:
        return stage_label(self.family.stage)


@dataclass
class Caseload:
    """The rows to show, how they were chosen, and how many family groups there are in all."""

    rows: list[CaseloadRow]
    query: CaseloadQuery
    total: int
    errors: dict[str, str] = field(default_factory=dict)


def _matches(row: CaseloadRow, query: CaseloadQuery) -> bool:
    if query.stage is not None and row.stage != query.stage:
        return False
    if query.overdue_only and not row.review_overdue:
        return False
    if query.search:
        needle = query.search.casefold()
        names = [row.family.name, *row.children]
        if not any(needle in name.casefold() for name in names):
            return False
    return True


SORT_KEYS: dict[str, Callable[[CaseloadRow], Any]] = {
    "name": lambda r: r.family.name.casefold(),
    "stage": lambda r: list(Stage).index(r.stage),
    "meeting": lambda r: r.next_meeting_at,
    "review": lambda r: r.review_date,
    "findings": lambda r: r.findings,
    "score": lambda r: r.score.score if r.score else None,
}


def sort_rows(rows: list[CaseloadRow], *, sort: str, order: str) -> list[CaseloadRow]:
    """Sorted by one column, ties by name; rows with nothing in that column (no meeting, no
    review date, no score) always come last."""
    key = SORT_KEYS[sort]
    by_name = sorted(rows, key=lambda r: (r.family.name.casefold(), r.family.id or 0))
    present = [r for r in by_name if key(r) is not None]
    missing = [r for r in by_name if key(r) is None]
    return sorted(present, key=key, reverse=order == "desc") + missing


def _next_meetings(session: Session, family_ids: list[int], now: datetime) -> dict[int, datetime]:
    rows = session.exec(
        select(Meeting.family_group_id, sa.func.min(Meeting.starts_at))
        .where(col(Meeting.family_group_id).in_(family_ids), col(Meeting.starts_at) > now)
        .group_by(col(Meeting.family_group_id))
    ).all()
    return {family_id: starts_at for family_id, starts_at in rows if starts_at}


def _review_dates(session: Session, family_ids: list[int]) -> dict[int, date]:
    rows = session.exec(
        select(FamilyPlan.family_group_id, FamilyPlan.review_date).where(
            col(FamilyPlan.family_group_id).in_(family_ids),
            col(FamilyPlan.review_date).is_not(None),
        )
    ).all()
    return {family_id: review_date for family_id, review_date in rows if review_date}


def _latest_scores(session: Session, family_ids: list[int]) -> dict[int, ScalingScore]:
    newest = (
        sa.func.row_number()
        .over(
            partition_by=col(ScalingScore.family_group_id),
            order_by=(col(ScalingScore.created_at).desc(), col(ScalingScore.id).desc()),
        )
        .label("newest")
    )
    ranked = (
        select(col(ScalingScore.id).label("id"), newest)
        .where(col(ScalingScore.family_group_id).in_(family_ids))
        .subquery()
    )
    scores = session.exec(
        select(ScalingScore)
        .join(ranked, ranked.c.id == ScalingScore.id)
        .where(ranked.c.newest == 1)
    ).all()
    return {score.family_group_id: score for score in scores}


def _rows_with_people(
    session: Session,
    *,
    row_model: Any,
    plan_model: Any,
    link_key: Any,
    link_person: Any,
    family_ids: list[int],
) -> list[tuple[Any, int, frozenset[int]]]:
    """The rows of many family groups' plans (safety rules, plan actions) in the plan's
    order, each with its family group and the people from the network linked to it."""
    rows = session.exec(
        select(row_model, plan_model.family_group_id)
        .join(plan_model, col(plan_model.id) == col(row_model.plan_id))
        .where(col(plan_model.family_group_id).in_(family_ids))
        .order_by(col(row_model.position), col(row_model.id))
    ).all()
    people: dict[int, set[int]] = defaultdict(set)
    for row_id, person_id in session.exec(
        select(link_key, link_person).where(col(link_key).in_([row.id for row, _f in rows]))
    ).all():
        people[row_id].add(person_id)
    return [(row, family_id, frozenset(people[row.id])) for row, family_id in rows]


def _add_plans(session: Session, views: dict[int, NetworkView]) -> None:
    """Adds each safety plan's rules (with who is responsible) and safety network, and each
    family plan's actions (with who does them), to the views: what the plan services give
    the analysis for one family group."""
    family_ids = list(views)
    for rule, family_id, responsible in _rows_with_people(
        session,
        row_model=SafetyRule,
        plan_model=SafetyPlan,
        link_key=SafetyRuleResponsible.rule_id,
        link_person=SafetyRuleResponsible.person_id,
        family_ids=family_ids,
    ):
        views[family_id].rules.append(Rule(id=rule.id, text=rule.what, responsible_ids=responsible))
    for member, family_id in session.exec(
        select(SafetyNetworkMember, SafetyPlan.family_group_id)
        .join(SafetyPlan, col(SafetyPlan.id) == col(SafetyNetworkMember.plan_id))
        .where(col(SafetyPlan.family_group_id).in_(family_ids))
    ).all():
        views[family_id].safety_network[member.person_id] = member.knows_the_worries
    for action, family_id, doers in _rows_with_people(
        session,
        row_model=PlanAction,
        plan_model=FamilyPlan,
        link_key=PlanActionPerson.action_id,
        link_person=PlanActionPerson.person_id,
        family_ids=family_ids,
    ):
        views[family_id].actions.append(ActionNode(id=action.id, text=action.what, doer_ids=doers))


@lru_cache(maxsize=4096)
def _warnings(snapshot: Snapshot, minimum_trusted: int) -> int:
    """How many warnings (and serious findings) the gap analysis finds in a network. Kept
    by the snapshot itself (the network's whole content), so a network that has not
    changed since the last caseload is not analysed again."""
    findings = analysis.find_gaps(snapshot, minimum_trusted=minimum_trusted)
    return sum(1 for f in findings if f.severity >= Severity.warning)


def _findings(session: Session, *, actor: Actor, accesses: list[FamilyAccess]) -> dict[int, int]:
    """The number of warnings (and serious findings) the gap analysis finds in each family
    group's network, as this reader sees it."""
    views = network_service.load_networks(session, actor=actor, accesses=accesses)
    _add_plans(session, views)
    counts = {}
    for family_id, view in views.items():
        counts[family_id] = _warnings(
            network_service.to_snapshot(view), actor.settings.safety_network_minimum
        )
    return counts


def caseload(session: Session, *, actor: Actor, query: CaseloadQuery) -> Caseload:
    """The family groups a practitioner works with (a manager: every family group of their
    team), filtered and sorted; each one shown is audited as viewed, in one bulk insert."""
    summaries = [
        s for s in families_service.list_for_user(session, actor=actor) if s.role in CASELOAD_ROLES
    ]
    now = utcnow()
    today = now.date()
    rows = [
        CaseloadRow(
            family=s.family,
            role=s.role,
            children=[child.known_as for child in s.children],
        )
        for s in summaries
    ]
    family_ids = [row.family.id for row in rows if row.family.id is not None]
    if not rows:
        return Caseload(rows=[], query=query, total=0)
    reviews = _review_dates(session, family_ids)
    for row in rows:
        row.review_date = reviews.get(row.family.id or 0)
        row.review_overdue = (
            row.review_date is not None and row.review_date < today and row.stage != Stage.closed
        )
    shown = [row for row in rows if _matches(row, query)]
    shown_ids = [row.family.id for row in shown if row.family.id is not None]
    meetings = _next_meetings(session, shown_ids, now)
    scores = _latest_scores(session, shown_ids)
    findings = _findings(
        session,
        actor=actor,
        accesses=[FamilyAccess(family=row.family, role=row.role) for row in shown],
    )
    for row in shown:
        family_id = row.family.id or 0
        row.next_meeting_at = meetings.get(family_id)
        row.score = scores.get(family_id)
        row.findings = findings.get(family_id, 0)
    audit_service.record_views(
        session,
        actor=actor,
        object_type="caseload",
        roles={row.family.id or 0: row.role.value for row in shown},
    )
    return Caseload(
        rows=sort_rows(shown, sort=query.sort, order=query.order),
        query=query,
        total=len(rows),
    )
