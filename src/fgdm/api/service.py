"""Staff API tokens: make one (shown once), list, revoke, and find the user behind one."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, col, select

from fgdm.accounts.models import User
from fgdm.api.models import ApiToken
from fgdm.audit import service as audit_service
from fgdm.db import StaleEdit, utcnow
from fgdm.i18n import gettext as _
from fgdm.security import tokens
from fgdm.security.actor import Actor

PREFIX = "fgdm_"


class TokenError(ValueError):
    def __init__(self, message: str, field: str = "name") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def create_token(session: Session, *, actor: Actor, name: str) -> tuple[ApiToken, str]:
    """Makes a token for the acting staff member; returns it and the secret, which is
    shown once and never stored."""
    user = actor.user
    assert user is not None and user.is_staff
    name = name.strip()
    if not name:
        raise TokenError(_("Give the token a name, like the system that will use it."))
    if len(name) > 80:
        raise TokenError(_("The name must be 80 characters or fewer."))
    secret = PREFIX + tokens.new_token()
    token = ApiToken(user_id=user.id, name=name, token_hash=tokens.token_hash(secret))
    session.add(token)
    session.flush()
    audit_service.record(
        session, actor=actor, action="api_token_create", object_type="api_token", object_id=token.id
    )
    return token, secret


def list_tokens(session: Session, *, actor: Actor) -> list[ApiToken]:
    """The acting user's tokens, newest first."""
    return list(
        session.exec(
            select(ApiToken)
            .where(ApiToken.user_id == actor.user_id)
            .order_by(col(ApiToken.created_at).desc())
        ).all()
    )


def revoke_token(session: Session, *, actor: Actor, token_id: int, version: int) -> None:
    """Stops one of the acting user's tokens from working."""
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != actor.user_id:
        raise LookupError(token_id)
    if token.version != version:
        raise StaleEdit(what=_("this token"), back_url="/account/api-tokens")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.add(token)
    audit_service.record(
        session, actor=actor, action="api_token_revoke", object_type="api_token", object_id=token.id
    )


def user_for_token(session: Session, *, secret: str) -> User | None:
    """The active staff member a live token belongs to, or None."""
    if not secret.startswith(PREFIX) or len(secret) > 100:
        return None
    row = session.exec(
        select(ApiToken, User)
        .join(User, col(User.id) == ApiToken.user_id)
        .where(ApiToken.token_hash == tokens.token_hash(secret))
    ).first()
    if row is None:
        return None
    token, user = row
    if token.revoked_at is not None or not user.is_active or not user.is_staff:
        return None
    if token.last_used_at is None or utcnow() - token.last_used_at > timedelta(minutes=1):
        token.last_used_at = utcnow()
        session.add(token)
    return user
