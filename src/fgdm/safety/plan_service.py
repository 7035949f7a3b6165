"""The family's safety plan (Signs of Safety): everyday rules in the family's words, who
does each, the safety network and whether each helper knows the worries, what happens if
the plan is not working, a version for the children, every saved revision and who agreed
to which. All permission checks, audit writes and revisions happen here."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from fgdm.accounts.models import User
from fgdm.analysis.findings import Finding, FindingCode
from fgdm.analysis.snapshot import Rule
from fgdm.audit import service as audit_service
from fgdm.config import Settings
from fgdm.db import NotAllowedHere, NotFound, StaleEdit, utcnow
from fgdm.families.models import Membership
from fgdm.families.service import AccessRole, FamilyAccess
from fgdm.i18n import gettext as _
from fgdm.network import service as network_service
from fgdm.network.models import Person
from fgdm.safety import plan_diff
from fgdm.safety.models import (
    CHILD_WORDS_LIMIT,
    RULE_TEXT_LIMIT,
    WHEN_LIMIT,
    SafetyNetworkMember,
    SafetyPlan,
    SafetyPlanAgreement,
    SafetyPlanRevision,
    SafetyRule,
    SafetyRuleResponsible,
)
from fgdm.safety.service import SafetyError
from fgdm.security.actor import Actor
from fgdm.stories.pictograms import Pictogram, get_pictogram

NAME_LIMIT = 120
CHILD_SENTENCE_WORDS = 12
# The findings about the plan itself, compared by value so new codes work as they land.
PLAN_FINDINGS = {
    FindingCode.rule_without_person.value,
    FindingCode.worry_in_safety_role.value,
    "does_not_know_the_worries",
}


def N_(message: str) -> str:  # noqa: N802 - Babel's default keyword for "translate later"
    """Marks a message for translation without translating it now."""
    return message


WRITERS = (AccessRole.family_member, AccessRole.practitioner)
AGREERS = (AccessRole.family_member, AccessRole.young_person)


class PlanChanged(Exception):
    """Someone tried to agree to a revision that is no longer the current one."""

    def __init__(self, *, read: int, current: int) -> None:
        super().__init__(f"agreed to revision {read}, current is {current}")
        self.read = read
        self.current = current


# --- Views -------------------------------------------------------------------------------


@dataclass
class RuleView:
    rule: SafetyRule
    number: int
    who: list[Person]
    picture: Pictogram | None
    long_sentences: list[str]

    @property
    def who_names(self) -> list[str]:
        return sorted(p.known_as for p in self.who)

    @property
    def who_ids(self) -> set[int]:
        return {p.id for p in self.who if p.id is not None}

    @property
    def words_for_children(self) -> str:
        return self.rule.child_words or self.rule.what


@dataclass
class MemberView:
    member: SafetyNetworkMember
    person: Person


@dataclass
class AgreementView:
    user_name: str
    agreement: SafetyPlanAgreement
    is_current: bool


@dataclass
class PlanView:
    """One family group's safety plan as this reader may see it."""

    access: FamilyAccess
    plan: SafetyPlan | None
    rules: list[RuleView] = field(default_factory=list)
    network: list[MemberView] = field(default_factory=list)
    agreements: list[AgreementView] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    names: dict[int, str] = field(default_factory=dict)
    may_write: bool = False
    may_agree: bool = False
    agree_again_since: int | None = None  # the revision this reader agreed to, if older
    my_agreement: SafetyPlanAgreement | None = None

    @property
    def revision(self) -> int:
        return self.plan.revision if self.plan else 0

    @property
    def version(self) -> int:
        return self.plan.version if self.plan else 0

    @property
    def if_not_working(self) -> str:
        return self.plan.if_not_working if self.plan else ""

    @property
    def updated_at(self) -> datetime | None:
        return self.plan.updated_at if self.plan and self.plan.revision else None


@dataclass
class RevisionView:
    revision: SafetyPlanRevision
    author_name: str
    changes: list[plan_diff.Change]

    @property
    def summary(self) -> str:
        """The summary in the reader's language (it is kept in English)."""
        return _(self.revision.summary) if self.revision.summary else ""


@dataclass
class HistoryView:
    access: FamilyAccess
    revisions: list[RevisionView]
    since: int | None = None
    since_changes: list[plan_diff.Change] = field(default_factory=list)
    current: int = 0


# --- Helpers -----------------------------------------------------------------------------


def may_write(access: FamilyAccess) -> bool:
    """Family members and practitioners write the plan; young people and managers read."""
    return access.role in WRITERS


def may_agree(access: FamilyAccess) -> bool:
    """Family members and young people agree to the plan; staff accept it at the meeting."""
    return access.role in AGREERS


def _audit(
    session: Session, actor: Actor, access: FamilyAccess, action: str, object_id: object = None
) -> None:
    """Records a view or a change of the plan in the same transaction."""
    audit_service.record(
        session,
        actor=actor,
        action=action,
        family_group_id=access.family_id,
        object_type="safety_plan",
        object_id=object_id,
        actor_role=access.role.value,
    )


def _refuse(session: Session, actor: Actor, access: FamilyAccess, action: str) -> NotAllowedHere:
    """Audits a refused change in its own transaction (the request's is rolled back) and
    gives the exception to raise."""
    audit_service.record_at_once(
        session.get_bind(),  # type: ignore[arg-type]
        actor=actor,
        action=action,
        family_group_id=access.family_id,
        object_type="safety_plan",
        detail=f"role {access.role.value}",
    )
    return NotAllowedHere(access.family_id)


def _require_writer(session: Session, actor: Actor, access: FamilyAccess, action: str) -> None:
    if not may_write(access):
        raise _refuse(session, actor, access, action)


# Built once: most family pages read the plan (for the gap analysis, if nothing else).
_PLAN = select(SafetyPlan).where(SafetyPlan.family_group_id == sa.bindparam("family_id"))


def _plan(session: Session, *, access: FamilyAccess) -> SafetyPlan | None:
    return session.exec(_PLAN, params={"family_id": access.family_id}).first()


def _plan_for_writing(session: Session, *, access: FamilyAccess) -> SafetyPlan:
    plan = _plan(session, access=access)
    if plan is None:
        plan = SafetyPlan(family_group_id=access.family_id)
        session.add(plan)
        session.flush()
    return plan


def _names(session: Session, user_ids: set[int | None]) -> dict[int, str]:
    ids = [i for i in user_ids if i is not None]
    if not ids:
        return {}
    users = session.exec(select(User).where(col(User.id).in_(ids))).all()
    return {u.id: u.display_name for u in users if u.id is not None}


def _base(access: FamilyAccess) -> str:
    return f"/families/{access.family_id}/safety-plan"


def adults(session: Session, *, access: FamilyAccess) -> list[Person]:
    """The grown-ups in this family group's network, who can do a rule or help (children
    never can)."""
    return list(
        session.exec(
            select(Person)
            .where(Person.family_group_id == access.family_id, col(Person.is_child).is_(False))
            .order_by(col(Person.known_as), col(Person.id))
        )
    )


def long_sentences(text: str) -> list[str]:
    """The sentences with more than 12 words: hard for a child to read."""
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n+", text) if s.strip()]
    return [s for s in sentences if len(s.split()) > CHILD_SENTENCE_WORDS]


def _rules(session: Session, plan: SafetyPlan | None) -> list[SafetyRule]:
    if plan is None:
        return []
    return list(
        session.exec(
            select(SafetyRule)
            .where(SafetyRule.plan_id == plan.id)
            .order_by(col(SafetyRule.position), col(SafetyRule.id))
        )
    )


def _responsible(session: Session, rule_ids: list[int]) -> dict[int, list[Person]]:
    found: dict[int, list[Person]] = {rid: [] for rid in rule_ids}
    if not rule_ids:
        return found
    rows = session.exec(
        select(SafetyRuleResponsible, Person)
        .join(Person, col(Person.id) == col(SafetyRuleResponsible.person_id))
        .where(col(SafetyRuleResponsible.rule_id).in_(rule_ids))
        .order_by(col(Person.known_as))
    ).all()
    for link, person in rows:
        found[link.rule_id].append(person)
    return found


def _rule_views(session: Session, plan: SafetyPlan | None) -> list[RuleView]:
    rules = _rules(session, plan)
    who = _responsible(session, [r.id for r in rules if r.id is not None])
    return [
        RuleView(
            rule=rule,
            number=number,
            who=who.get(rule.id or 0, []),
            picture=get_pictogram(rule.pictogram) if rule.pictogram else None,
            long_sentences=long_sentences(rule.child_words),
        )
        for number, rule in enumerate(rules, start=1)
    ]


def _members(session: Session, plan: SafetyPlan | None) -> list[MemberView]:
    if plan is None:
        return []
    rows = session.exec(
        select(SafetyNetworkMember, Person)
        .join(Person, col(Person.id) == col(SafetyNetworkMember.person_id))
        .where(SafetyNetworkMember.plan_id == plan.id)
        .order_by(col(Person.known_as), col(Person.id))
    ).all()
    return [MemberView(member=m, person=p) for m, p in rows]


def for_analysis(session: Session, *, family_id: int) -> tuple[list[Rule], dict[int, bool]]:
    """The plan's rules with who is responsible, and its safety network (person id: knows
    the worries), for the gap analysis to check beside the network."""
    plan = session.exec(_PLAN, params={"family_id": family_id}).first()
    rules = _rules(session, plan)
    who = _responsible(session, [r.id for r in rules if r.id is not None])
    return _analysis_parts(
        [(rule, who.get(rule.id or 0, [])) for rule in rules], _members(session, plan)
    )


def _analysis_parts(
    rules: list[tuple[SafetyRule, list[Person]]], members: list[MemberView]
) -> tuple[list[Rule], dict[int, bool]]:
    return (
        [
            Rule(
                id=rule.id,
                text=rule.what,
                responsible_ids=frozenset(p.id for p in who if p.id is not None),
            )
            for rule, who in rules
            if rule.id is not None
        ],
        {mv.member.person_id: mv.member.knows_the_worries for mv in members},
    )


def plan_content(session: Session, *, plan: SafetyPlan) -> dict[str, Any]:
    """The whole plan as plain data, as kept with each revision (names, not ids, so the
    history reads the same after people leave the network)."""
    rules = _rule_views(session, plan)
    return {
        "if_not_working": plan.if_not_working,
        "rules": [
            {
                "id": rv.rule.id,
                "what": rv.rule.what,
                "who": rv.who_names,
                "when": rv.rule.when_happens,
                "how_child_knows": rv.rule.how_child_knows,
                "if_broken": rv.rule.if_broken,
                "child_words": rv.rule.child_words,
                "pictogram": rv.rule.pictogram,
            }
            for rv in rules
        ],
        "network": sorted(
            (
                {
                    "person_id": mv.person.id,
                    "name": mv.person.known_as,
                    "what_they_do": mv.member.what_they_do,
                    "knows_the_worries": mv.member.knows_the_worries,
                }
                for mv in _members(session, plan)
            ),
            key=lambda m: (str(m["name"]).casefold(), m["person_id"]),
        ),
    }


def _save(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    plan: SafetyPlan,
    summary: str,
    action: str,
    object_id: object = None,
) -> None:
    """Every save of any part of the plan: a new revision with a copy of the whole plan,
    and the audit row, in the same transaction as the change. The summary is kept in
    English (marked with N_) and translated for each reader."""
    session.flush()
    plan.revision += 1
    plan.updated_at = utcnow()
    plan.updated_by_id = actor.user_id
    session.add(plan)
    session.flush()
    session.add(
        SafetyPlanRevision(
            plan_id=plan.id,  # type: ignore[arg-type]
            number=plan.revision,
            content=plan_content(session, plan=plan),
            summary=summary[:200],
            created_by_id=actor.user_id,
        )
    )
    session.flush()
    _audit(session, actor, access, action, object_id if object_id is not None else plan.id)


def _check_length(errors: dict[str, str], name: str, value: str, limit: int) -> None:
    if len(value.strip()) > limit:
        errors.setdefault(name, _("This must be %(limit)s characters or fewer.") % {"limit": limit})


def _latest_agreements(
    session: Session, *, access: FamilyAccess, plan: SafetyPlan
) -> dict[int, SafetyPlanAgreement]:
    """Each current member's newest agreement."""
    rows = session.exec(
        select(SafetyPlanAgreement)
        .join(Membership, col(Membership.user_id) == col(SafetyPlanAgreement.user_id))
        .where(
            SafetyPlanAgreement.plan_id == plan.id,
            Membership.family_group_id == access.family_id,
            col(Membership.removed_at).is_(None),
        )
        .order_by(col(SafetyPlanAgreement.agreed_at), col(SafetyPlanAgreement.id))
    ).all()
    latest: dict[int, SafetyPlanAgreement] = {}
    for row in rows:
        latest[row.user_id] = row
    return latest


# --- Reading -----------------------------------------------------------------------------


def agree_again_since(session: Session, *, actor: Actor, access: FamilyAccess) -> int | None:
    """The revision this reader agreed to, when the plan has changed since (so they must
    read the changes and agree again); None otherwise."""
    if not may_agree(access) or actor.user_id is None:
        return None
    plan = _plan(session, access=access)
    if plan is None:
        return None
    latest = session.exec(
        select(SafetyPlanAgreement)
        .where(
            SafetyPlanAgreement.plan_id == plan.id,
            SafetyPlanAgreement.user_id == actor.user_id,
        )
        .order_by(col(SafetyPlanAgreement.agreed_at).desc(), col(SafetyPlanAgreement.id).desc())
    ).first()
    if latest is None or latest.revision >= plan.revision:
        return None
    return latest.revision


def load_plan(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    settings: Settings | None = None,
    audit_action: str = "view",
) -> PlanView:
    """The whole plan with who agreed and, when settings are given, the findings about the
    plan from the network's gap analysis; audited as a view of the plan."""
    plan = _plan(session, access=access)
    view = PlanView(
        access=access,
        plan=plan,
        rules=_rule_views(session, plan),
        network=_members(session, plan),
        may_write=may_write(access),
        may_agree=may_agree(access),
    )
    if plan is not None:
        latest = _latest_agreements(session, access=access, plan=plan)
        names = _names(session, set(latest))
        view.agreements = sorted(
            (
                AgreementView(
                    user_name=names.get(uid, ""),
                    agreement=row,
                    is_current=row.revision == plan.revision,
                )
                for uid, row in latest.items()
            ),
            key=lambda a: a.user_name.casefold(),
        )
        mine = latest.get(actor.user_id or 0)
        view.my_agreement = mine
        if view.may_agree and mine is not None and mine.revision < plan.revision:
            view.agree_again_since = mine.revision
    if settings is not None:
        # The plan's own rules and safety network, just read, are what the analysis checks.
        network = network_service.load_network(
            session,
            actor=actor,
            access=access,
            audit=False,
            safety=_analysis_parts([(rv.rule, rv.who) for rv in view.rules], view.network),
        )
        report = network_service.report(network, settings=settings)
        view.findings = [f for f in report.findings if f.code.value in PLAN_FINDINGS]
        view.names = report.names
    _audit(session, actor, access, audit_action, plan.id if plan else None)
    return view


def load_history(
    session: Session, *, actor: Actor, access: FamilyAccess, since: int | None = None
) -> HistoryView:
    """Every saved revision, newest first, each with what changed from the one before;
    with `since`, also everything that changed from that revision to now."""
    plan = _plan(session, access=access)
    revisions: list[SafetyPlanRevision] = []
    if plan is not None:
        revisions = list(
            session.exec(
                select(SafetyPlanRevision)
                .where(SafetyPlanRevision.plan_id == plan.id)
                .order_by(col(SafetyPlanRevision.number))
            )
        )
    names = _names(session, {r.created_by_id for r in revisions})
    views: list[RevisionView] = []
    before: dict[str, Any] | None = None
    for revision in revisions:
        views.append(
            RevisionView(
                revision=revision,
                author_name=names.get(revision.created_by_id or 0, _("someone who has left")),
                changes=plan_diff.describe_changes(before, revision.content),
            )
        )
        before = revision.content
    history = HistoryView(
        access=access, revisions=list(reversed(views)), current=plan.revision if plan else 0
    )
    by_number = {r.number: r for r in revisions}
    if since is not None and revisions and since in by_number and since < revisions[-1].number:
        history.since = since
        history.since_changes = plan_diff.describe_changes(
            by_number[since].content, revisions[-1].content
        )
    _audit(session, actor, access, "view_history", plan.id if plan else None)
    return history


def get_rule(session: Session, *, access: FamilyAccess, rule_id: int) -> RuleView:
    """One rule of this family group's plan, or NotFound."""
    plan = _plan(session, access=access)
    for rv in _rule_views(session, plan):
        if rv.rule.id == rule_id:
            return rv
    raise NotFound(rule_id)


def get_member(session: Session, *, access: FamilyAccess, member_id: int) -> MemberView:
    """One helper in this family group's safety network, or NotFound."""
    plan = _plan(session, access=access)
    for mv in _members(session, plan):
        if mv.member.id == member_id:
            return mv
    raise NotFound(member_id)


def view_rule(session: Session, *, actor: Actor, access: FamilyAccess, rule_id: int) -> RuleView:
    """One rule for its own page; audited as a view of the plan."""
    rv = get_rule(session, access=access, rule_id=rule_id)
    _audit(session, actor, access, "view_rule", rule_id)
    return rv


def open_new_rule(session: Session, *, actor: Actor, access: FamilyAccess) -> None:
    """Audits opening the form for a new rule (it lists the network's grown-ups)."""
    _audit(session, actor, access, "view_rule_form")


def view_member(
    session: Session, *, actor: Actor, access: FamilyAccess, member_id: int
) -> MemberView:
    """One helper for their own page; audited as a view of the plan."""
    mv = get_member(session, access=access, member_id=member_id)
    _audit(session, actor, access, "view_helper", member_id)
    return mv


def people_to_add(session: Session, *, access: FamilyAccess) -> list[Person]:
    """The adults of the network who are not in the safety network yet."""
    plan = _plan(session, access=access)
    taken = {mv.person.id for mv in _members(session, plan)}
    return [p for p in adults(session, access=access) if p.id not in taken]


# --- Rules -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleInput:
    what: str
    who: list[str]
    when_happens: str = ""
    how_child_knows: str = ""
    if_broken: str = ""
    child_words: str = ""
    pictogram: str = ""


def check_rule(data: RuleInput, *, adult_ids: set[int]) -> tuple[dict[str, str], set[int]]:
    """Every problem with a rule, by form field, and the people chosen to do it."""
    errors: dict[str, str] = {}
    if not data.what.strip():
        errors["what"] = _("Write what will happen.")
    _check_length(errors, "what", data.what, RULE_TEXT_LIMIT)
    _check_length(errors, "when_happens", data.when_happens, WHEN_LIMIT)
    _check_length(errors, "how_child_knows", data.how_child_knows, RULE_TEXT_LIMIT)
    _check_length(errors, "if_broken", data.if_broken, RULE_TEXT_LIMIT)
    _check_length(errors, "child_words", data.child_words, CHILD_WORDS_LIMIT)
    chosen: set[int] = set()
    for raw in data.who:
        if not raw.isdigit() or len(raw) > 12 or int(raw) not in adult_ids:
            errors["who"] = _("Choose grown-ups from this family's network.")
            break
        chosen.add(int(raw))
    if data.pictogram and get_pictogram(data.pictogram) is None:
        errors["pictogram"] = _("Choose one of the pictures, or no picture.")
    return errors, chosen


def _set_responsible(session: Session, *, rule: SafetyRule, people: set[int]) -> None:
    for link in session.exec(
        select(SafetyRuleResponsible).where(SafetyRuleResponsible.rule_id == rule.id)
    ).all():
        if link.person_id not in people:
            session.delete(link)
        else:
            people = people - {link.person_id}
    for person_id in sorted(people):
        session.add(SafetyRuleResponsible(rule_id=rule.id, person_id=person_id))  # type: ignore[arg-type]


def _fill_rule(rule: SafetyRule, data: RuleInput) -> None:
    rule.what = data.what.strip()
    rule.when_happens = data.when_happens.strip()
    rule.how_child_knows = data.how_child_knows.strip()
    rule.if_broken = data.if_broken.strip()
    rule.child_words = data.child_words.strip()
    rule.pictogram = data.pictogram


def add_rule(
    session: Session, *, actor: Actor, access: FamilyAccess, data: RuleInput
) -> SafetyRule:
    """Adds a rule at the end of the plan, with the people who do it."""
    _require_writer(session, actor, access, "safety_rule_add")
    errors, people = check_rule(
        data, adult_ids={p.id for p in adults(session, access=access) if p.id is not None}
    )
    if errors:
        raise SafetyError(errors)
    plan = _plan_for_writing(session, access=access)
    rules = _rules(session, plan)
    rule = SafetyRule(
        plan_id=plan.id,  # type: ignore[arg-type]
        position=(max(r.position for r in rules) + 1) if rules else 0,
        what="",
        created_by_id=actor.user_id,
    )
    _fill_rule(rule, data)
    session.add(rule)
    session.flush()
    _set_responsible(session, rule=rule, people=people)
    _save(
        session,
        actor=actor,
        access=access,
        plan=plan,
        summary=N_("Added a rule"),
        action="safety_rule_add",
        object_id=rule.id,
    )
    return rule


def _rule_rows(
    mine: RuleInput, saved: RuleView, names: dict[int, str]
) -> list[tuple[str, str, str]]:
    labels = plan_diff.field_labels()
    chosen = sorted(names.get(int(p), "") for p in mine.who if p.isdigit() and len(p) < 12)
    pairs = [
        ("what", mine.what, saved.rule.what),
        ("who", ", ".join(n for n in chosen if n), ", ".join(saved.who_names)),
        ("when", mine.when_happens, saved.rule.when_happens),
        ("how_child_knows", mine.how_child_knows, saved.rule.how_child_knows),
        ("if_broken", mine.if_broken, saved.rule.if_broken),
        ("child_words", mine.child_words, saved.rule.child_words),
    ]
    return [(labels[name], a.strip(), b) for name, a, b in pairs if a.strip() != b]


def update_rule(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    rule_id: int,
    version: int,
    data: RuleInput,
) -> SafetyRule:
    """Changes a rule's words, picture or who does it; a stale version gets the conflict
    page with both versions."""
    _require_writer(session, actor, access, "safety_rule_update")
    saved = get_rule(session, access=access, rule_id=rule_id)
    grown_ups = adults(session, access=access)
    errors, people = check_rule(data, adult_ids={p.id for p in grown_ups if p.id is not None})
    if errors:
        raise SafetyError(errors)
    rule = saved.rule
    if rule.version != version:
        raise StaleEdit(
            what=_("this rule"),
            rows=_rule_rows(data, saved, {p.id: p.known_as for p in grown_ups if p.id}),
            back_url=f"{_base(access)}/rules/{rule_id}",
        )
    _fill_rule(rule, data)
    session.add(rule)
    _set_responsible(session, rule=rule, people=people)
    plan = _plan_for_writing(session, access=access)
    _save(
        session,
        actor=actor,
        access=access,
        plan=plan,
        summary=N_("Changed a rule"),
        action="safety_rule_update",
        object_id=rule.id,
    )
    return rule


def remove_rule(
    session: Session, *, actor: Actor, access: FamilyAccess, rule_id: int, version: int
) -> None:
    """Takes a rule out of the plan."""
    _require_writer(session, actor, access, "safety_rule_remove")
    saved = get_rule(session, access=access, rule_id=rule_id)
    if saved.rule.version != version:
        raise StaleEdit(what=_("this rule"), back_url=f"{_base(access)}/rules/{rule_id}")
    for link in session.exec(
        select(SafetyRuleResponsible).where(SafetyRuleResponsible.rule_id == rule_id)
    ).all():
        session.delete(link)
    session.flush()
    session.delete(saved.rule)
    plan = _plan_for_writing(session, access=access)
    _save(
        session,
        actor=actor,
        access=access,
        plan=plan,
        summary=N_("Took a rule out"),
        action="safety_rule_remove",
        object_id=rule_id,
    )


def move_rule(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    rule_id: int,
    version: int,
    up: bool,
) -> None:
    """Moves a rule one place up or down the plan."""
    _require_writer(session, actor, access, "safety_rule_move")
    saved = get_rule(session, access=access, rule_id=rule_id)
    if saved.rule.version != version:
        raise StaleEdit(what=_("this rule"), back_url=_base(access))
    plan = _plan_for_writing(session, access=access)
    rules = _rules(session, plan)
    index = next(i for i, r in enumerate(rules) if r.id == rule_id)
    other = index - 1 if up else index + 1
    if other < 0 or other >= len(rules):
        return
    rules[index], rules[other] = rules[other], rules[index]
    for position, rule in enumerate(rules):
        if rule.position != position:
            rule.position = position
            session.add(rule)
    _save(
        session,
        actor=actor,
        access=access,
        plan=plan,
        summary=N_("Moved a rule"),
        action="safety_rule_move",
        object_id=rule_id,
    )


# --- If the plan is not working ----------------------------------------------------------


def update_if_not_working(
    session: Session, *, actor: Actor, access: FamilyAccess, version: int, text: str
) -> SafetyPlan:
    """Changes what everyone does if the plan is not working; the plan's version guards it."""
    _require_writer(session, actor, access, "safety_plan_update")
    errors: dict[str, str] = {}
    _check_length(errors, "if_not_working", text, RULE_TEXT_LIMIT)
    if errors:
        raise SafetyError(errors)
    plan = _plan(session, access=access)
    if (plan.version if plan else 0) != version:
        raise StaleEdit(
            what=_("the safety plan"),
            rows=[
                (
                    plan_diff.field_labels()["if_not_working"],
                    text.strip(),
                    plan.if_not_working if plan else "",
                )
            ],
            back_url=f"{_base(access)}/if-not-working",
        )
    plan = _plan_for_writing(session, access=access)
    plan.if_not_working = text.strip()
    _save(
        session,
        actor=actor,
        access=access,
        plan=plan,
        summary=N_("Changed what we do if the plan is not working"),
        action="safety_plan_update",
    )
    return plan


# --- The safety network ------------------------------------------------------------------


def _check_member(what_they_do: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    _check_length(errors, "what_they_do", what_they_do, WHEN_LIMIT)
    return errors


def add_member(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    person_id: str,
    what_they_do: str,
    knows_the_worries: bool,
) -> SafetyNetworkMember:
    """Adds a grown-up from the network to the people who help keep the children safe."""
    _require_writer(session, actor, access, "safety_network_add")
    errors = _check_member(what_they_do)
    choices = {p.id: p for p in people_to_add(session, access=access)}
    if not person_id.isdigit() or len(person_id) > 12 or int(person_id) not in choices:
        errors["person_id"] = _("Choose a grown-up from this family's network.")
    if errors:
        raise SafetyError(errors)
    plan = _plan_for_writing(session, access=access)
    member = SafetyNetworkMember(
        plan_id=plan.id,  # type: ignore[arg-type]
        person_id=int(person_id),
        what_they_do=what_they_do.strip(),
        knows_the_worries=knows_the_worries,
        added_by_id=actor.user_id,
    )
    session.add(member)
    session.flush()
    _save(
        session,
        actor=actor,
        access=access,
        plan=plan,
        summary=N_("Added someone who helps"),
        action="safety_network_add",
        object_id=member.id,
    )
    return member


def update_member(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    member_id: int,
    version: int,
    what_they_do: str,
    knows_the_worries: bool,
) -> SafetyNetworkMember:
    """Changes what a helper does and whether they know the worries."""
    _require_writer(session, actor, access, "safety_network_update")
    saved = get_member(session, access=access, member_id=member_id)
    errors = _check_member(what_they_do)
    if errors:
        raise SafetyError(errors)
    member = saved.member
    if member.version != version:
        labels = plan_diff.field_labels()
        raise StaleEdit(
            what=_("this helper"),
            rows=[
                (labels["what_they_do"], what_they_do.strip(), member.what_they_do),
                (
                    labels["knows_the_worries"],
                    _("Yes") if knows_the_worries else _("Not yet"),
                    _("Yes") if member.knows_the_worries else _("Not yet"),
                ),
            ],
            back_url=f"{_base(access)}/network/{member_id}",
        )
    member.what_they_do = what_they_do.strip()
    member.knows_the_worries = knows_the_worries
    session.add(member)
    plan = _plan_for_writing(session, access=access)
    _save(
        session,
        actor=actor,
        access=access,
        plan=plan,
        summary=N_("Changed what someone who helps will do"),
        action="safety_network_update",
        object_id=member.id,
    )
    return member


def remove_member(
    session: Session, *, actor: Actor, access: FamilyAccess, member_id: int, version: int
) -> None:
    """Takes someone out of the people who help keep the children safe."""
    _require_writer(session, actor, access, "safety_network_remove")
    saved = get_member(session, access=access, member_id=member_id)
    if saved.member.version != version:
        raise StaleEdit(what=_("this helper"), back_url=f"{_base(access)}/network")
    session.delete(saved.member)
    plan = _plan_for_writing(session, access=access)
    _save(
        session,
        actor=actor,
        access=access,
        plan=plan,
        summary=N_("Took someone out of the people who help"),
        action="safety_network_remove",
        object_id=member_id,
    )


def person_leaving_the_network(
    session: Session, *, actor: Actor, access: FamilyAccess, person_id: int
) -> None:
    """Called before someone is taken off the map: if the plan names them (for a rule or
    in the safety network), they are taken out of it as a save of its own, so the history
    says so and everyone who agreed is asked to agree again."""
    plan = _plan(session, access=access)
    if plan is None:
        return
    rule_ids = [r.id for r in _rules(session, plan)]
    links = session.exec(
        select(SafetyRuleResponsible).where(
            SafetyRuleResponsible.person_id == person_id,
            col(SafetyRuleResponsible.rule_id).in_(rule_ids),
        )
    ).all()
    members = session.exec(
        select(SafetyNetworkMember).where(
            SafetyNetworkMember.plan_id == plan.id, SafetyNetworkMember.person_id == person_id
        )
    ).all()
    if not links and not members:
        return
    for row in [*links, *members]:
        session.delete(row)
    _save(
        session,
        actor=actor,
        access=access,
        plan=plan,
        summary=N_("Someone the plan named was taken off the map of people who help"),
        action="safety_plan_person_removed",
        object_id=person_id,
    )


# --- Agreeing ----------------------------------------------------------------------------


def agree(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    revision: int,
    name_given: str,
    agreed: bool,
) -> SafetyPlanAgreement:
    """Records that a family member or young person agrees to the revision they read, with
    the name they typed. Never records agreement to a revision they did not see."""
    if not may_agree(access) or actor.user_id is None:
        raise _refuse(session, actor, access, "safety_plan_agree")
    errors: dict[str, str] = {}
    if not name_given.strip():
        errors["name_given"] = _("Type your name to show it is you who agrees.")
    _check_length(errors, "name_given", name_given, NAME_LIMIT)
    if not agreed:
        errors["agreed"] = _("Tick the box if you agree to this plan.")
    plan = _plan(session, access=access)
    if plan is None or plan.revision == 0:
        errors["agreed"] = _("There is nothing in the plan to agree to yet.")
    if errors:
        raise SafetyError(errors)
    assert plan is not None
    if revision != plan.revision:
        raise PlanChanged(read=revision, current=plan.revision)
    row = SafetyPlanAgreement(
        plan_id=plan.id,  # type: ignore[arg-type]
        user_id=actor.user_id,
        revision=plan.revision,
        name_given=name_given.strip(),
    )
    session.add(row)
    session.flush()
    _audit(session, actor, access, "safety_plan_agree", plan.id)
    return row
