"""Rectification (UK GDPR article 16) in Signs of Safety mapping: a correction to a
statement keeps its earlier wording, and a family member who does not agree with what a
professional wrote adds a note in their own words, shown beside the statement."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, select

from fgdm.accounts.models import User
from fgdm.audit import service as audit_service
from fgdm.db import NotFound, StaleEdit, utcnow
from fgdm.families.service import FamilyAccess
from fgdm.i18n import gettext as _
from fgdm.safety.models import (
    NOTE_TEXT_LIMIT,
    DangerStatement,
    FamilyNote,
    MappingItem,
    SafetyGoal,
    StatementType,
    StatementWording,
)
from fgdm.security.actor import Actor

STATEMENT_TABLES: dict[StatementType, type[MappingItem] | type[DangerStatement] | type[SafetyGoal]]
STATEMENT_TABLES = {
    StatementType.mapping_item: MappingItem,
    StatementType.danger: DangerStatement,
    StatementType.goal: SafetyGoal,
}


class NoteError(ValueError):
    """A problem with a note, by form field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class NoteView:
    note: FamilyNote
    author_name: str
    is_mine: bool


@dataclass(frozen=True)
class EarlierWording:
    text: str
    replaced_at: datetime
    replaced_by_name: str


@dataclass
class Rectification:
    """What shows beside one statement: the family's notes and its earlier wording."""

    notes: list[NoteView] = field(default_factory=list)
    earlier: list[EarlierWording] = field(default_factory=list)


def _names(session: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = [i for i in ids if i]
    if not wanted:
        return {}
    users = session.exec(select(User).where(col(User.id).in_(wanted))).all()
    return {u.id: u.display_name for u in users if u.id is not None}


def for_statements(
    session: Session, *, actor: Actor, access: FamilyAccess, keys: set[tuple[StatementType, int]]
) -> dict[tuple[StatementType, int], Rectification]:
    """Notes and earlier wording for many statements at once (two queries)."""
    result: dict[tuple[StatementType, int], Rectification] = {k: Rectification() for k in keys}
    if not keys:
        return result
    ids = {i for _t, i in keys}
    notes = session.exec(
        select(FamilyNote)
        .where(
            FamilyNote.family_group_id == access.family_id,
            col(FamilyNote.statement_id).in_(ids),
        )
        .order_by(col(FamilyNote.created_at), col(FamilyNote.id))
    ).all()
    wordings = session.exec(
        select(StatementWording)
        .where(
            StatementWording.family_group_id == access.family_id,
            col(StatementWording.statement_id).in_(ids),
        )
        .order_by(col(StatementWording.replaced_at).desc(), col(StatementWording.id).desc())
    ).all()
    names = _names(session, {n.author_id for n in notes} | {w.replaced_by_id for w in wordings})
    gone = _("someone who has left")
    for note in notes:
        key = (note.statement_type, note.statement_id)
        if key in result:
            result[key].notes.append(
                NoteView(
                    note=note,
                    author_name=names.get(note.author_id or 0, gone),
                    is_mine=note.author_id == actor.user_id,
                )
            )
    for wording in wordings:
        key = (wording.statement_type, wording.statement_id)
        if key in result:
            result[key].earlier.append(
                EarlierWording(
                    text=wording.text,
                    replaced_at=wording.replaced_at,
                    replaced_by_name=names.get(wording.replaced_by_id or 0, gone),
                )
            )
    return result


def keep_earlier_wording(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    statement_type: StatementType,
    statement_id: int,
    old_text: str,
    new_text: str,
    written_by_id: int | None,
) -> None:
    """Keeps the words a statement had before a correction (nothing when they are the
    same)."""
    if old_text == new_text:
        return
    session.add(
        StatementWording(
            family_group_id=access.family_id,
            statement_type=statement_type,
            statement_id=statement_id,
            text=old_text,
            written_by_id=written_by_id,
            replaced_by_id=actor.user_id,
        )
    )


def forget_statement(
    session: Session, *, access: FamilyAccess, statement_type: StatementType, statement_id: int
) -> None:
    """A deleted statement takes its notes and earlier wording with it (the audit log keeps
    that it was deleted, and by whom)."""
    for model in (FamilyNote, StatementWording):
        for row in session.exec(
            select(model).where(
                model.family_group_id == access.family_id,
                model.statement_type == statement_type,
                model.statement_id == statement_id,
            )
        ).all():
            session.delete(row)


def is_professional(
    session: Session, *, statement: MappingItem | DangerStatement | SafetyGoal
) -> bool:
    """Written by a member of staff (danger statements and safety goals always are)."""
    if not isinstance(statement, MappingItem):
        return True
    author = session.get(User, statement.author_id) if statement.author_id else None
    return author is not None and author.staff_role is not None


def get_statement(
    session: Session, *, access: FamilyAccess, statement_type: StatementType, statement_id: int
) -> MappingItem | DangerStatement | SafetyGoal:
    """A statement of this family group the reader may see, or NotFound."""
    statement = session.get(STATEMENT_TABLES[statement_type], statement_id)
    if statement is None or statement.family_group_id != access.family_id:
        raise NotFound(statement_id)
    kept_back = isinstance(statement, MappingItem) and not statement.shared_with_family
    if kept_back and access.is_family:
        raise NotFound(statement_id)
    return statement


def may_add_note(access: FamilyAccess) -> bool:
    """Family members and young people say when they do not agree; staff write statements."""
    return access.is_family


def _check(text: str) -> dict[str, str]:
    if not text.strip():
        return {"text": _("Write what you do not agree with, in your own words.")}
    if len(text.strip()) > NOTE_TEXT_LIMIT:
        return {
            "text": _("This must be %(limit)s characters or fewer.") % {"limit": NOTE_TEXT_LIMIT}
        }
    return {}


def _audit(
    session: Session, actor: Actor, access: FamilyAccess, action: str, note_id: object
) -> None:
    audit_service.record(
        session,
        actor=actor,
        action=action,
        family_group_id=access.family_id,
        object_type="family_note",
        object_id=note_id,
        actor_role=access.role.value,
    )


def add_note(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    statement_type: StatementType,
    statement_id: int,
    text: str,
) -> FamilyNote:
    """A family member's note disagreeing with a professional's statement."""
    statement = get_statement(
        session, access=access, statement_type=statement_type, statement_id=statement_id
    )
    if not may_add_note(access) or not is_professional(session, statement=statement):
        raise NotFound(statement_id)
    errors = _check(text)
    if errors:
        raise NoteError(errors)
    note = FamilyNote(
        family_group_id=access.family_id,
        statement_type=statement_type,
        statement_id=statement_id,
        text=text.strip(),
        author_id=actor.user_id,
    )
    session.add(note)
    session.flush()
    _audit(session, actor, access, "family_note_add", note.id)
    return note


def get_own_note(
    session: Session, *, actor: Actor, access: FamilyAccess, note_id: int
) -> FamilyNote:
    """A note the reader wrote, or NotFound: nobody else changes a family's note."""
    note = session.get(FamilyNote, note_id)
    if note is None or note.family_group_id != access.family_id or note.author_id != actor.user_id:
        raise NotFound(note_id)
    return note


def update_note(
    session: Session, *, actor: Actor, access: FamilyAccess, note_id: int, version: int, text: str
) -> FamilyNote:
    """Changes the author's own note; a stale version gets the conflict page."""
    note = get_own_note(session, actor=actor, access=access, note_id=note_id)
    errors = _check(text)
    if errors:
        raise NoteError(errors)
    if note.version != version:
        raise StaleEdit(
            what=_("your note"),
            rows=[(_("What you do not agree with"), text, note.text)],
            back_url=f"/families/{access.family_id}/mapping/notes/{note_id}",
        )
    note.text = text.strip()
    note.updated_at = utcnow()
    session.add(note)
    _audit(session, actor, access, "family_note_update", note.id)
    return note


def remove_note(
    session: Session, *, actor: Actor, access: FamilyAccess, note_id: int, version: int
) -> None:
    """Takes the author's own note away."""
    note = get_own_note(session, actor=actor, access=access, note_id=note_id)
    if note.version != version:
        raise StaleEdit(what=_("your note"), back_url=f"/families/{access.family_id}/mapping")
    session.delete(note)
    _audit(session, actor, access, "family_note_remove", note_id)
