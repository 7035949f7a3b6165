"""Signs of Safety mapping and scaling: what everyone is worried about, what is working
well and what needs to happen; danger statements and safety goals; 0 to 10 scaling scores.
Every read goes through here and items kept to practitioners are filtered out here, so no
page, partial or print can give them to a family member."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlmodel import Session, col, select

from fgdm.accounts.models import User
from fgdm.audit import service as audit_service
from fgdm.db import NotAllowedHere, NotFound, StaleEdit
from fgdm.families.models import Membership
from fgdm.families.service import AccessRole, FamilyAccess
from fgdm.i18n import gettext as _
from fgdm.network.models import Person
from fgdm.safety import rectification
from fgdm.safety.jargon import find_jargon
from fgdm.safety.models import (
    KINDS_BY_COLUMN,
    DangerStatement,
    MappingColumn,
    MappingItem,
    MappingKind,
    SafetyGoal,
    ScalingScore,
    StatementType,
)
from fgdm.security.actor import Actor

TEXT_LIMIT = 2000


class SafetyError(ValueError):
    """Problems with a form, by field, for the page to show beside each field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def sees_everything(access: FamilyAccess) -> bool:
    """Practitioners (and their team's manager, reading) see items kept to practitioners."""
    return access.role in (AccessRole.practitioner, AccessRole.manager)


def _audit(
    session: Session,
    actor: Actor,
    access: FamilyAccess,
    action: str,
    object_type: str,
    object_id: object = None,
) -> None:
    """Records a change or a view in the same transaction."""
    audit_service.record(
        session,
        actor=actor,
        action=action,
        family_group_id=access.family_id,
        object_type=object_type,
        object_id=object_id,
        actor_role=access.role.value,
    )


def _refuse(
    session: Session,
    actor: Actor,
    access: FamilyAccess,
    action: str,
    object_type: str,
    object_id: object,
) -> NotAllowedHere:
    """Audits a refused change in its own transaction (the request's is rolled back) and
    gives the exception to raise."""
    audit_service.record_at_once(
        session.get_bind(),  # type: ignore[arg-type]
        actor=actor,
        action=action,
        family_group_id=access.family_id,
        object_type=object_type,
        object_id=object_id,
        detail=f"role {access.role.value}",
    )
    return NotAllowedHere(object_id)


def _names(session: Session, user_ids: set[int | None]) -> dict[int, str]:
    ids = [i for i in user_ids if i is not None]
    if not ids:
        return {}
    users = session.exec(select(User).where(col(User.id).in_(ids))).all()
    return {u.id: u.display_name for u in users if u.id is not None}


def _check_text(text: str, name: str = "text") -> dict[str, str]:
    if not text.strip():
        return {name: _("Write something here.")}
    if len(text.strip()) > TEXT_LIMIT:
        return {name: _("This must be %(limit)s characters or fewer.") % {"limit": TEXT_LIMIT}}
    return {}


# --- Mapping -----------------------------------------------------------------------------


class StatementKind(StrEnum):
    danger = "danger"
    goal = "goal"


STATEMENT_MODELS: dict[StatementKind, type[DangerStatement] | type[SafetyGoal]] = {
    StatementKind.danger: DangerStatement,
    StatementKind.goal: SafetyGoal,
}


@dataclass
class StatementView:
    statement: DangerStatement | SafetyGoal
    author_name: str
    jargon: list[str]
    rectification: rectification.Rectification = field(default_factory=rectification.Rectification)


@dataclass
class ItemView:
    item: MappingItem
    author_name: str
    may_change: bool
    is_professional: bool = False
    rectification: rectification.Rectification = field(default_factory=rectification.Rectification)


@dataclass
class MappingView:
    """One family group's mapping as this reader may see it."""

    access: FamilyAccess
    columns: dict[MappingColumn, list[ItemView]] = field(default_factory=dict)
    danger_statements: list[StatementView] = field(default_factory=list)
    safety_goals: list[StatementView] = field(default_factory=list)


def may_change_item(access: FamilyAccess, actor: Actor, item: MappingItem) -> bool:
    """Authors and practitioners change an item; managers only read."""
    if not access.can_edit:
        return False
    return access.is_practitioner or item.author_id == actor.user_id


def _visible_items(session: Session, *, access: FamilyAccess) -> list[MappingItem]:
    query = select(MappingItem).where(MappingItem.family_group_id == access.family_id)
    if not sees_everything(access):
        query = query.where(col(MappingItem.shared_with_family).is_(True))
    return list(session.exec(query.order_by(col(MappingItem.created_at), col(MappingItem.id))))


def load_mapping(session: Session, *, actor: Actor, access: FamilyAccess) -> MappingView:
    """The three columns, danger statements and safety goals this reader may see; audited
    as a view of the mapping."""
    items = _visible_items(session, access=access)
    statements = {
        kind: list(
            session.exec(
                select(model)
                .where(model.family_group_id == access.family_id)
                .order_by(col(model.created_at), col(model.id))
            )
        )
        for kind, model in STATEMENT_MODELS.items()
    }
    names = _names(
        session,
        {i.author_id for i in items} | {s.author_id for rows in statements.values() for s in rows},
    )
    unknown = _("someone who has left")
    view = MappingView(access=access, columns={c: [] for c in MappingColumn})
    for item in items:
        view.columns[item.column].append(
            ItemView(
                item=item,
                author_name=names.get(item.author_id or 0, unknown),
                may_change=may_change_item(access, actor, item),
            )
        )
    for kind, target in (
        (StatementKind.danger, view.danger_statements),
        (StatementKind.goal, view.safety_goals),
    ):
        for s in statements[kind]:
            target.append(
                StatementView(
                    statement=s,
                    author_name=names.get(s.author_id or 0, unknown),
                    jargon=find_jargon(s.text),
                )
            )
    _add_rectification(session, actor=actor, access=access, view=view)
    _audit(session, actor, access, "view", "mapping")
    return view


def _add_rectification(
    session: Session, *, actor: Actor, access: FamilyAccess, view: MappingView
) -> None:
    """Puts the family's notes and the earlier wording beside each statement."""
    items = [iv for rows in view.columns.values() for iv in rows]
    staff = _staff_ids(session, {iv.item.author_id for iv in items})
    keyed: list[tuple[StatementType, ItemView | StatementView]] = [
        (StatementType.mapping_item, iv) for iv in items
    ]
    keyed += [(StatementType.danger, sv) for sv in view.danger_statements]
    keyed += [(StatementType.goal, sv) for sv in view.safety_goals]
    found = rectification.for_statements(
        session,
        actor=actor,
        access=access,
        keys={(kind, _statement_of(v).id) for kind, v in keyed},
    )
    for kind, v in keyed:
        v.rectification = found[(kind, _statement_of(v).id)]
        if isinstance(v, ItemView):
            v.is_professional = v.item.author_id in staff


def _statement_of(view: ItemView | StatementView) -> Any:
    return view.item if isinstance(view, ItemView) else view.statement


def _staff_ids(session: Session, user_ids: set[int | None]) -> set[int]:
    wanted = [i for i in user_ids if i]
    if not wanted:
        return set()
    return set(
        session.exec(
            select(User.id).where(col(User.id).in_(wanted), col(User.staff_role).is_not(None))
        ).all()
    )


def check_item(*, column: str, kind: str, text: str) -> dict[str, str]:
    """Every problem with a mapping item, by form field."""
    errors: dict[str, str] = {}
    try:
        allowed = KINDS_BY_COLUMN[MappingColumn(column)]
    except ValueError:
        allowed = ()
    if kind not in allowed:
        errors["kind"] = _("Choose what kind of thing this is.")
    errors.update(_check_text(text))
    return errors


def _kept_back(access: FamilyAccess, share: bool) -> bool:
    # Only practitioners can keep an item back; family members' items are always shared.
    return access.is_practitioner and not share


def add_item(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    column: str,
    kind: str,
    text: str,
    share: bool,
) -> MappingItem:
    """Adds a worry, something working well or something that needs to happen."""
    errors = check_item(column=column, kind=kind, text=text)
    if errors:
        raise SafetyError(errors)
    item = MappingItem(
        family_group_id=access.family_id,
        column=MappingColumn(column),
        kind=MappingKind(kind),
        text=text.strip(),
        author_id=actor.user_id,
        shared_with_family=not _kept_back(access, share),
    )
    session.add(item)
    session.flush()
    _audit(session, actor, access, "mapping_item_add", "mapping_item", item.id)
    return item


def get_item(session: Session, *, actor: Actor, access: FamilyAccess, item_id: int) -> ItemView:
    """One item this reader may see, or NotFound (the same for one kept from them)."""
    item = session.get(MappingItem, item_id)
    if item is None or item.family_group_id != access.family_id:
        raise NotFound(item_id)
    if not item.shared_with_family and not sees_everything(access):
        raise NotFound(item_id)
    names = _names(session, {item.author_id})
    return ItemView(
        item=item,
        author_name=names.get(item.author_id or 0, _("someone who has left")),
        may_change=may_change_item(access, actor, item),
    )


def update_item(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    item_id: int,
    version: int,
    kind: str,
    text: str,
    share: bool,
) -> MappingItem:
    """Changes an item's words, kind or who sees it; a stale version gets the conflict page."""
    view = get_item(session, actor=actor, access=access, item_id=item_id)
    item = view.item
    if not view.may_change:
        raise _refuse(session, actor, access, "mapping_item_update", "mapping_item", item_id)
    errors = check_item(column=item.column.value, kind=kind, text=text)
    if errors:
        raise SafetyError(errors)
    if item.version != version:
        raise StaleEdit(
            what=_("this part of the mapping"),
            rows=[(_("What it says"), text, item.text)],
            back_url=f"/families/{access.family_id}/mapping/items/{item_id}",
        )
    rectification.keep_earlier_wording(
        session,
        actor=actor,
        access=access,
        statement_type=StatementType.mapping_item,
        statement_id=item.id,
        old_text=item.text,
        new_text=text.strip(),
        written_by_id=item.author_id,
    )
    item.kind = MappingKind(kind)
    item.text = text.strip()
    if access.is_practitioner and not written_by_family(session, item=item):
        item.shared_with_family = share
    session.add(item)
    _audit(session, actor, access, "mapping_item_update", "mapping_item", item.id)
    return item


def written_by_family(session: Session, *, item: MappingItem) -> bool:
    """Whether a family member wrote the item (so it must stay shared)."""
    author = session.get(User, item.author_id) if item.author_id else None
    return author is not None and author.staff_role is None


def remove_item(
    session: Session, *, actor: Actor, access: FamilyAccess, item_id: int, version: int
) -> None:
    """Takes an item off the mapping."""
    view = get_item(session, actor=actor, access=access, item_id=item_id)
    if not view.may_change:
        raise _refuse(session, actor, access, "mapping_item_remove", "mapping_item", item_id)
    if view.item.version != version:
        raise StaleEdit(
            what=_("this part of the mapping"), back_url=f"/families/{access.family_id}/mapping"
        )
    rectification.forget_statement(
        session, access=access, statement_type=StatementType.mapping_item, statement_id=item_id
    )
    session.delete(view.item)
    _audit(session, actor, access, "mapping_item_remove", "mapping_item", item_id)


# --- Danger statements and safety goals --------------------------------------------------


def _require_practitioner(
    session: Session, actor: Actor, access: FamilyAccess, action: str, kind: StatementKind
) -> None:
    if not access.is_practitioner:
        raise _refuse(session, actor, access, action, kind.value, None)


def add_statement(
    session: Session, *, actor: Actor, access: FamilyAccess, kind: StatementKind, text: str
) -> DangerStatement | SafetyGoal:
    """Writes a danger statement or a safety goal (practitioners, with the family). Jargon
    is warned about on the page, never refused."""
    _require_practitioner(session, actor, access, f"{kind.value}_statement_add", kind)
    errors = _check_text(text)
    if errors:
        raise SafetyError(errors)
    statement = STATEMENT_MODELS[kind](
        family_group_id=access.family_id, text=text.strip(), author_id=actor.user_id
    )
    session.add(statement)
    session.flush()
    _audit(session, actor, access, f"{kind.value}_statement_add", kind.value, statement.id)
    return statement


def get_statement(
    session: Session, *, access: FamilyAccess, kind: StatementKind, statement_id: int
) -> StatementView:
    """One danger statement or safety goal of this family group, with its jargon."""
    statement = session.get(STATEMENT_MODELS[kind], statement_id)
    if statement is None or statement.family_group_id != access.family_id:
        raise NotFound(statement_id)
    names = _names(session, {statement.author_id})
    return StatementView(
        statement=statement,
        author_name=names.get(statement.author_id or 0, _("someone who has left")),
        jargon=find_jargon(statement.text),
    )


def update_statement(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    kind: StatementKind,
    statement_id: int,
    version: int,
    text: str,
) -> DangerStatement | SafetyGoal:
    """Rewrites a danger statement or safety goal; a stale version gets the conflict page."""
    _require_practitioner(session, actor, access, f"{kind.value}_statement_update", kind)
    statement = get_statement(
        session, access=access, kind=kind, statement_id=statement_id
    ).statement
    errors = _check_text(text)
    if errors:
        raise SafetyError(errors)
    if statement.version != version:
        raise StaleEdit(
            what=_("this statement"),
            rows=[(_("What it says"), text, statement.text)],
            back_url=f"/families/{access.family_id}/mapping/{kind.value}/{statement_id}",
        )
    rectification.keep_earlier_wording(
        session,
        actor=actor,
        access=access,
        statement_type=StatementType(kind.value),
        statement_id=statement_id,
        old_text=statement.text,
        new_text=text.strip(),
        written_by_id=statement.author_id,
    )
    statement.text = text.strip()
    session.add(statement)
    _audit(session, actor, access, f"{kind.value}_statement_update", kind.value, statement.id)
    return statement


def remove_statement(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    kind: StatementKind,
    statement_id: int,
    version: int,
) -> None:
    """Deletes a danger statement or safety goal."""
    _require_practitioner(session, actor, access, f"{kind.value}_statement_remove", kind)
    statement = get_statement(
        session, access=access, kind=kind, statement_id=statement_id
    ).statement
    if statement.version != version:
        raise StaleEdit(what=_("this statement"), back_url=f"/families/{access.family_id}/mapping")
    rectification.forget_statement(
        session, access=access, statement_type=StatementType(kind.value), statement_id=statement_id
    )
    session.delete(statement)
    _audit(session, actor, access, f"{kind.value}_statement_remove", kind.value, statement_id)


# --- Scaling -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ChartPoint:
    x: float
    y: float
    score: int
    when: datetime


@dataclass(frozen=True)
class ChartGeometry:
    """Where to draw one person's scores: points left to right in time, and the grid."""

    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    points: tuple[ChartPoint, ...]
    ticks: tuple[tuple[int, float], ...]  # (score, y) for the grid lines 0, 2, ... 10

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


def chart_geometry(
    scores: list[tuple[datetime, int]], *, width: int = 320, height: int = 200
) -> ChartGeometry:
    """Pure geometry for a line chart of 0 to 10 scores: evenly spaced in the order given
    (so each score has room for its date), 10 at the top."""
    left, right, top, bottom = 32, width - 16, 16, height - 40

    def y_for(score: int) -> float:
        return bottom - (bottom - top) * score / 10

    count = len(scores)
    points = []
    for index, (when, score) in enumerate(scores):
        x = (left + right) / 2 if count == 1 else left + (right - left) * index / (count - 1)
        points.append(ChartPoint(x=x, y=y_for(score), score=score, when=when))
    ticks = tuple((s, y_for(s)) for s in range(0, 11, 2))
    return ChartGeometry(
        width=width,
        height=height,
        left=left,
        right=right,
        top=top,
        bottom=bottom,
        points=tuple(points),
        ticks=ticks,
    )


@dataclass
class ScorerSeries:
    key: str  # "user:3" or "person:7"
    name: str
    scores: list[ScalingScore]
    chart: ChartGeometry


@dataclass
class ScalingView:
    access: FamilyAccess
    scorers: list[tuple[str, str]]  # (key, name) of everyone who can be given a score
    series: list[ScorerSeries]
    recorded_by: dict[int, str]


def _scorers(session: Session, *, access: FamilyAccess) -> list[tuple[str, str]]:
    members = session.exec(
        select(User)
        .join(Membership, col(Membership.user_id) == col(User.id))
        .where(
            Membership.family_group_id == access.family_id,
            col(Membership.removed_at).is_(None),
        )
        .order_by(col(User.display_name))
    ).all()
    people = session.exec(
        select(Person)
        .where(Person.family_group_id == access.family_id)
        .order_by(col(Person.is_child).desc(), col(Person.known_as))
    ).all()
    return [(f"user:{u.id}", u.display_name) for u in members] + [
        (f"person:{p.id}", p.known_as) for p in people
    ]


def load_scaling(session: Session, *, actor: Actor, access: FamilyAccess) -> ScalingView:
    """Everyone's scores over time, one series per person; audited as a view."""
    scorers = _scorers(session, access=access)
    names = dict(scorers)
    rows = session.exec(
        select(ScalingScore)
        .where(ScalingScore.family_group_id == access.family_id)
        .order_by(col(ScalingScore.created_at), col(ScalingScore.id))
    ).all()
    by_key: dict[str, list[ScalingScore]] = {}
    for row in rows:
        key = f"user:{row.user_id}" if row.user_id else f"person:{row.person_id}"
        by_key.setdefault(key, []).append(row)
    # People who left the group keep their scores on the page, named from their account.
    former = _names(
        session, {int(k.split(":")[1]) for k in by_key if k.startswith("user:") and k not in names}
    )
    series = [
        ScorerSeries(
            key=key,
            name=names.get(key) or former.get(int(key.split(":")[1]), _("someone who has left")),
            scores=scores,
            chart=chart_geometry([(s.created_at, s.score) for s in scores]),
        )
        for key, scores in by_key.items()
    ]
    recorded_by = _names(session, {r.recorded_by_id for r in rows})
    _audit(session, actor, access, "view", "scaling")
    return ScalingView(access=access, scorers=scorers, series=series, recorded_by=recorded_by)


def check_score(
    *, scorer: str, score: str, why: str, one_point_higher: str, scorers: set[str]
) -> dict[str, str]:
    """Every problem with a scaling score, by form field."""
    errors: dict[str, str] = {}
    if scorer not in scorers:
        errors["scorer"] = _("Choose whose score this is.")
    text = score.strip()
    if not re.fullmatch(r"[0-9]{1,2}", text) or int(text) > 10:
        errors["score"] = _("Give a whole number from 0 to 10.")
    for name, value in (("why", why), ("one_point_higher", one_point_higher)):
        if len(value.strip()) > TEXT_LIMIT:
            errors[name] = _("This must be %(limit)s characters or fewer.") % {"limit": TEXT_LIMIT}
    return errors


def add_score(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    scorer: str,
    score: str,
    why: str,
    one_point_higher: str,
) -> ScalingScore:
    """Records where one person puts things on the scale today, and why."""
    keys = {key for key, _name in _scorers(session, access=access)}
    errors = check_score(
        scorer=scorer, score=score, why=why, one_point_higher=one_point_higher, scorers=keys
    )
    if errors:
        raise SafetyError(errors)
    kind, _sep, raw_id = scorer.partition(":")
    row = ScalingScore(
        family_group_id=access.family_id,
        user_id=int(raw_id) if kind == "user" else None,
        person_id=int(raw_id) if kind == "person" else None,
        score=int(score.strip()),
        why=why.strip(),
        one_point_higher=one_point_higher.strip(),
        recorded_by_id=actor.user_id,
    )
    session.add(row)
    session.flush()
    _audit(session, actor, access, "scaling_score_add", "scaling_score", row.id)
    return row
