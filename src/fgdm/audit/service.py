"""The audit trail: every view and change of a family's record, every sign-in and refusal."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session

from fgdm.audit.models import AuditEvent, Outcome
from fgdm.security.actor import Actor


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
        actor_role=actor_role or actor.role_label,
        family_group_id=family_group_id,
        action=action,
        object_type=object_type,
        object_id="" if object_id is None else str(object_id),
        outcome=outcome,
        ip_address=actor.ip_address,
        request_id=actor.request_id,
        detail=detail[:255],
    )


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
    """Adds an audit row to the current transaction: it stands or falls with the change."""
    session.add(
        _event(
            actor=actor,
            action=action,
            family_group_id=family_group_id,
            object_type=object_type,
            object_id=object_id,
            outcome=outcome,
            detail=detail,
            actor_role=actor_role,
        )
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
