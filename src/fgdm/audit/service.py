"""The audit trail: every view and change of a family's record, every sign-in and refusal."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Generic, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import event, func, insert
from sqlalchemy.engine import Engine
from sqlalchemy.orm import ORMExecuteState, SessionTransaction
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from fgdm.accounts.models import StaffRole, User
from fgdm.audit.models import AuditEvent, Outcome
from fgdm.db import parse_id
from fgdm.families.models import MemberRole, Membership
from fgdm.i18n import gettext as _
from fgdm.security.actor import Actor

if TYPE_CHECKING:
    from fgdm.families.service import FamilyAccess

T = TypeVar("T")


def _event(
    *,
    actor: Actor,
    action: str,
    family_group_id: int | None,
    object_type: str,
    object_id: object,
    outcome: Outcome,
    detail: str,
    actor_role: str | None,
) -> AuditEvent:
    return AuditEvent(
        actor_id=actor.user_id,
        # The meeting tablet during private family time is the family's, whatever role
        # the service names: its rows always say so.
        actor_role=actor.role_label if actor.on_family_device else actor_role or actor.role_label,
        family_group_id=family_group_id,
        action=action,
        object_type=object_type,
        object_id="" if object_id is None else str(object_id),
        outcome=outcome,
        ip_address=actor.ip_address,
        request_id=actor.request_id,
        detail=detail[:255],
    )


# Audit rows wait in the session until it commits, and are inserted then, in the same
# transaction: a change and its audit rows still stand or fall together, but the database's
# write lock (SQLite has one for the whole file) is taken only for the moment of the
# commit, not from the first audited read until the page has been drawn.
_PENDING = "fgdm_pending_audit"


def _pending(session: Session) -> list[dict]:
    return session.info.setdefault(_PENDING, [])


@event.listens_for(OrmSession, "before_commit")
def _insert_pending(session: OrmSession) -> None:
    rows = session.info.pop(_PENDING, None)
    if rows:
        session.execute(insert(AuditEvent), rows)


@event.listens_for(OrmSession, "do_orm_execute")
def _insert_pending_before_reading(state: ORMExecuteState) -> None:
    # Code that reads the trail back inside the transaction (the family's "who has looked
    # at our record" page, say) sees the rows waiting too.
    if (
        state.is_select
        and state.session.info.get(_PENDING)
        and any(mapper.class_ is AuditEvent for mapper in state.all_mappers)
    ):
        _insert_pending(state.session)


@event.listens_for(OrmSession, "after_transaction_end")
def _forget_pending(session: OrmSession, transaction: SessionTransaction) -> None:
    # Rolled back (or closed without a commit): the rows go with everything else.
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


def flush_pending(session: Session) -> None:
    """Inserts the audit rows waiting in this session now (for code that reads the trail
    back before committing)."""
    _insert_pending(session)


def record(
    session: Session,
    *,
    actor: Actor,
    action: str,
    family_group_id: int | None = None,
    object_type: str = "",
    object_id: object = None,
    outcome: Outcome = Outcome.ok,
    detail: str = "",
    actor_role: str | None = None,
) -> None:
    """Adds an audit row to the current transaction (written when it commits): it stands
    or falls with the change."""
    _pending(session).append(
        _event(
            actor=actor,
            action=action,
            family_group_id=family_group_id,
            object_type=object_type,
            object_id=object_id,
            outcome=outcome,
            detail=detail,
            actor_role=actor_role,
        ).model_dump(exclude={"id"})
    )


def record_views(
    session: Session,
    *,
    actor: Actor,
    object_type: str,
    roles: dict[int, str],
) -> None:
    """One "view" row for each family group shown on a page listing many (family group
    id: the actor's role in it), written in one bulk insert when the transaction commits."""
    if not roles:
        return
    # One row built and checked for each role; the others are copies (building each is slow).
    built = {
        role: _event(
            actor=actor,
            action="view",
            family_group_id=None,
            object_type=object_type,
            object_id=None,
            outcome=Outcome.ok,
            detail="",
            actor_role=role,
        ).model_dump(exclude={"id"})
        for role in set(roles.values())
    }
    _pending(session).extend(
        {**built[role], "family_group_id": family_id, "object_id": str(family_id)}
        for family_id, role in roles.items()
    )


def record_at_once(
    engine: Engine,
    *,
    actor: Actor,
    action: str,
    family_group_id: int | None = None,
    object_type: str = "",
    object_id: object = None,
    outcome: Outcome = Outcome.refused,
    detail: str = "",
) -> None:
    """Writes an audit row in its own transaction, for refusals and failures whose request
    is about to be rolled back."""
    with Session(engine) as own:
        own.add(
            _event(
                actor=actor,
                action=action,
                family_group_id=family_group_id,
                object_type=object_type,
                object_id=object_id,
                outcome=outcome,
                detail=detail,
                actor_role=None,
            )
        )
        own.commit()


# --- Reading the trail ---------------------------------------------------------------------

PAGE_SIZE = 50
# Dates typed into the search are days in the council's own time, not UTC.
LOCAL_ZONE = ZoneInfo("Europe/London")
STAFF_ROLES = frozenset(role.value for role in StaffRole)


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list, newest first, with what is needed for Newer/Older links."""

    items: list[T]
    number: int
    total: int
    size: int = PAGE_SIZE

    @property
    def count(self) -> int:
        return max(1, math.ceil(self.total / self.size))

    @property
    def has_newer(self) -> bool:
        return self.number > 1

    @property
    def has_older(self) -> bool:
        return self.number < self.count


def _page_query(
    session: Session, query: SelectOfScalar[AuditEvent], *, page: int
) -> tuple[list[AuditEvent], int]:
    """Runs a query of audit rows for one page, newest first, and counts all its rows."""
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(
        query.order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    ).all()
    return list(rows), total


def _users_by_id(session: Session, ids: set[int]) -> dict[int, User]:
    if not ids:
        return {}
    return {u.id: u for u in session.exec(select(User).where(col(User.id).in_(ids))).all()}


# What families see: who did what, in plain words ------------------------------------------


@dataclass(frozen=True)
class FamilyEvent:
    """One line of "who has looked at our record": when, and a plain sentence."""

    at: datetime
    sentence: str
    was_stopped: bool


def _staff_role_word(role: str) -> str:
    return {
        StaffRole.practitioner.value: _("practitioner"),
        StaffRole.manager.value: _("team manager"),
        StaffRole.admin.value: _("admin"),
    }.get(role, _("staff"))


def _member_role_word(role: MemberRole) -> str:
    if role == MemberRole.young_person:
        return _("young person")
    if role == MemberRole.practitioner:
        return _("practitioner")
    return _("family")


def _thing_words() -> dict[str, str]:
    """The parts of a family's record, named the way the family names them."""
    return {
        "family_group": _("your family's page"),
        "audit": _("who has looked at your record"),
        "membership": _("who can use your family's record"),
        "invite": _("an invite to join"),
        "person": _("the people who help you"),
        "network": _("the people who help you"),
        "relationship": _("the people who help you"),
        "offer": _("the help people can give"),
        "analysis": _("the gaps in the network"),
        "safety_plan": _("the safety plan"),
        "safety_rule": _("the safety plan"),
        "mapping": _("the worries and what is working well"),
        "danger_statement": _("the worries"),
        "safety_goal": _("the safety goals"),
        "scaling": _("the scaling scores"),
        "story": _("the words and pictures story"),
        "family_plan": _("your family plan"),
        "plan": _("your family plan"),
        "meeting": _("the family meeting"),
        "child_view": _("what the children have said"),
        "child_view_private": _("what the children have said"),
        "voice": _("what the children have said"),
        "three_houses": _("the three houses"),
        "export": _("a copy of your family's record"),
    }


def _family_sentence(event: AuditEvent, *, who: str, is_insider: bool, subject: str) -> str:
    """Turns one audit row into a sentence a family understands."""
    thing = _thing_words().get(event.object_type, "")
    return _sentence_pattern(event, is_insider=is_insider, subject=subject, thing=thing) % {
        "who": who,
        "name": subject,
        "thing": thing,
    }


def _sentence_pattern(event: AuditEvent, *, is_insider: bool, subject: str, thing: str) -> str:
    """The translated sentence for an action (placeholders who, name, thing), falling back
    to a general one for actions that have no sentence of their own."""
    action = event.action
    if action == "access_refused":
        if is_insider:
            return _(
                "%(who)s tried to open a part of your record they cannot use, and was stopped."
            )
        return _("%(who)s tried to open your family's record, and was stopped.")
    if event.outcome != Outcome.ok:
        return _("%(who)s tried to do something in your family's record, and was stopped.")
    if action == "family_create":
        return _("%(who)s started your family's record.")
    if action == "member_add":
        if subject:
            return _("%(who)s added %(name)s to your family group.")
        return _("%(who)s added someone to your family group.")
    if action == "member_remove":
        if subject:
            return _("%(who)s took %(name)s out of your family group.")
        return _("%(who)s took someone out of your family group.")
    if action == "audit_search":
        return _("%(who)s checked who has looked at your record.")
    if action.startswith("invite_"):
        if action.endswith(("redeem", "accept")):
            return _("%(who)s joined your family group with an invite.")
        if action.endswith(("revoke", "cancel")):
            return _("%(who)s cancelled an invite to join.")
        return _("%(who)s made an invite to join your family group.")
    if action == "view" or action.endswith(("_view", "_print")):
        if thing:
            return _("%(who)s looked at %(thing)s.")
        return _("%(who)s looked at your family's record.")
    if action == "export" or action.endswith("_export"):
        return _("%(who)s downloaded a copy of your family's record.")
    if action.endswith(("_create", "_add")):
        if thing:
            return _("%(who)s added something to %(thing)s.")
        return _("%(who)s added something to your family's record.")
    if action.endswith(("_update", "_edit", "_change", "_agree", "_stage")):
        if thing:
            return _("%(who)s changed %(thing)s.")
        return _("%(who)s changed something in your family's record.")
    if action.endswith(("_delete", "_remove")):
        if thing:
            return _("%(who)s took something out of %(thing)s.")
        return _("%(who)s took something out of your family's record.")
    return _("%(who)s used your family's record.")


def list_for_family(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    page: int = 1,
    hidden_object_types: frozenset[str] = frozenset(),
) -> Page[FamilyEvent]:
    """Who has looked at or changed a family group's record, newest first, in plain words.
    Names only staff and people who are or were in the family group; anyone else is
    "someone outside your family group", so other families' names never show. Never shows
    addresses or request ids. Records that the list was looked at."""
    family_id = access.family_id
    query = select(AuditEvent).where(AuditEvent.family_group_id == family_id)
    if not access.is_practitioner:
        # A child's view kept to practitioners: not even that someone looked at it.
        hidden_object_types = hidden_object_types | {"child_view_private"}
    if hidden_object_types:
        # Parts of the record this reader may not know about (a child's three houses they
        # were not chosen to see): not even when someone looked at them.
        query = query.where(col(AuditEvent.object_type).not_in(sorted(hidden_object_types)))
    rows, total = _page_query(session, query, page=page)
    memberships = session.exec(
        select(Membership).where(Membership.family_group_id == family_id)
    ).all()
    member_role = {m.user_id: m.role for m in memberships}
    membership_user = {str(m.id): m.user_id for m in memberships}
    wanted = {row.actor_id for row in rows if row.actor_id is not None}
    wanted |= set(membership_user.values())
    users = _users_by_id(session, wanted)

    events = []
    for row in rows:
        user = users.get(row.actor_id) if row.actor_id is not None else None
        is_insider = user is not None and user.id in member_role
        if user is None and row.actor_id is None:
            who = _("Someone who was not signed in")
        elif user is not None and (user.is_staff or row.actor_role in STAFF_ROLES):
            role = row.actor_role if row.actor_role in STAFF_ROLES else user.staff_role.value
            who = _("%(name)s (%(role)s)") % {
                "name": user.display_name,
                "role": _staff_role_word(role),
            }
        elif user is not None and is_insider:
            who = _("%(name)s (%(role)s)") % {
                "name": user.display_name,
                "role": _member_role_word(member_role[user.id]),
            }
        else:
            who = _("Someone outside your family group")
        subject = ""
        if row.object_type == "membership" and row.object_id in membership_user:
            added = users.get(membership_user[row.object_id])
            subject = added.display_name if added else ""
        events.append(
            FamilyEvent(
                at=row.at,
                sentence=_family_sentence(row, who=who, is_insider=is_insider, subject=subject),
                was_stopped=row.outcome != Outcome.ok,
            )
        )
    record(
        session,
        actor=actor,
        action="view",
        family_group_id=family_id,
        object_type="audit",
        object_id=family_id,
        actor_role=access.role.value,
    )
    return Page(items=events, number=page, total=total)


# What admins see: the raw trail, searchable, without family content --------------------


@dataclass(frozen=True)
class AuditFilters:
    """What an admin searches the audit trail by; empty means "any"."""

    family_group_id: int | None = None
    actor_login: str = ""
    action: str = ""
    outcome: Outcome | None = None
    date_from: date | None = None
    date_to: date | None = None

    def describe(self) -> str:
        parts = [
            f"family={self.family_group_id}" if self.family_group_id is not None else "",
            f"actor={self.actor_login}" if self.actor_login else "",
            f"action={self.action}" if self.action else "",
            f"outcome={self.outcome.value}" if self.outcome else "",
            f"from={self.date_from.isoformat()}" if self.date_from else "",
            f"to={self.date_to.isoformat()}" if self.date_to else "",
        ]
        return " ".join(p for p in parts if p)


def _parse_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def parse_filters(
    *, family: str, actor_login: str, action: str, outcome: str, date_from: str, date_to: str
) -> tuple[AuditFilters, dict[str, str]]:
    """Reads the search form; returns the filters and any problems by form field."""
    errors: dict[str, str] = {}
    family = family.strip()
    family_id = None
    if family:
        family_id = parse_id(family)
        if family_id is None:
            errors["family"] = _("Enter the family group number, like 12.")
    action = action.strip()
    if len(action) > 48:
        errors["action"] = _("Choose an action from the list.")
    chosen_outcome = None
    if outcome:
        try:
            chosen_outcome = Outcome(outcome)
        except ValueError:
            errors["outcome"] = _("Choose a result from the list.")
    days: dict[str, date | None] = {}
    for field, text in (("date_from", date_from), ("date_to", date_to)):
        days[field] = None
        if text.strip():
            days[field] = _parse_day(text.strip())
            if days[field] is None:
                errors[field] = _("Enter a real date, for example 27 3 2026.")
    if days["date_from"] and days["date_to"] and days["date_to"] < days["date_from"]:
        errors["date_to"] = _("The end date must be the same as or after the start date.")
    filters = AuditFilters(
        family_group_id=family_id,
        actor_login=actor_login.strip().lower()[:254],
        action=action[:48],
        outcome=chosen_outcome,
        date_from=days["date_from"],
        date_to=days["date_to"],
    )
    return filters, errors


@dataclass(frozen=True)
class AdminEvent:
    """One audit row for an admin: the row itself and who the actor was. Family accounts
    are shown by number, not by name, so the search shows no family content."""

    event: AuditEvent
    actor_name: str
    actor_login: str


@dataclass(frozen=True)
class AuditSearch:
    events: Page[AdminEvent]
    actor_found: bool
    actions: list[str]


def _require_admin(actor: Actor) -> None:
    # Imported here because security.deps imports the accounts service, which imports this.
    from fgdm.security.deps import NotAllowed

    if actor.user is None or actor.user.staff_role != StaffRole.admin:
        raise NotAllowed()


def search(session: Session, *, actor: Actor, filters: AuditFilters, page: int = 1) -> AuditSearch:
    """Searches the whole audit trail for an admin, newest first; records the search."""
    _require_admin(actor)
    query = select(AuditEvent)
    actor_found = True
    if filters.family_group_id is not None:
        query = query.where(AuditEvent.family_group_id == filters.family_group_id)
    if filters.actor_login:
        found = session.exec(select(User.id).where(User.login == filters.actor_login)).first()
        actor_found = found is not None
        query = query.where(AuditEvent.actor_id == (found if found is not None else -1))
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.outcome is not None:
        query = query.where(AuditEvent.outcome == filters.outcome)
    if filters.date_from:
        start = datetime.combine(filters.date_from, time.min, tzinfo=LOCAL_ZONE)
        query = query.where(col(AuditEvent.at) >= start.astimezone(UTC))
    if filters.date_to:
        end = datetime.combine(filters.date_to + timedelta(days=1), time.min, tzinfo=LOCAL_ZONE)
        query = query.where(col(AuditEvent.at) < end.astimezone(UTC))
    rows, total = _page_query(session, query, page=page)
    users = _users_by_id(session, {r.actor_id for r in rows if r.actor_id is not None})
    events = []
    for row in rows:
        user = users.get(row.actor_id) if row.actor_id is not None else None
        if user is None:
            name = (
                _("Not signed in")
                if row.actor_id is None
                else _("Account %(id)s") % {"id": row.actor_id}
            )
            login = ""
        elif user.is_staff:
            name, login = user.display_name, user.login
        else:
            name, login = _("Family account %(id)s") % {"id": user.id}, ""
        events.append(AdminEvent(event=row, actor_name=name, actor_login=login))
    actions = list(
        session.exec(select(AuditEvent.action).distinct().order_by(AuditEvent.action)).all()
    )
    record(
        session,
        actor=actor,
        action="audit_search",
        family_group_id=filters.family_group_id,
        object_type="audit",
        detail=filters.describe(),
    )
    return AuditSearch(
        events=Page(items=events, number=page, total=total),
        actor_found=actor_found,
        actions=actions,
    )
