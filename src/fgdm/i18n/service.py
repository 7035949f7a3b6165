"""Languages: saving the language a signed-in person chose on their account, so every page
on every device they use speaks it."""

from __future__ import annotations

from sqlmodel import Session

from fgdm.accounts.models import User
from fgdm.audit import service as audit_service
from fgdm.db import StaleEdit
from fgdm.i18n import LANGUAGES
from fgdm.i18n import gettext as _
from fgdm.security.actor import Actor


class UnknownLanguage(ValueError):
    """A language code the app does not offer."""


def choose_language(session: Session, *, actor: Actor, locale: str, version: int) -> User:
    """Saves the person's own language on their account (audited); refuses a code that
    is not offered, and a choice made on a page loaded before the account last changed."""
    if locale not in LANGUAGES:
        raise UnknownLanguage(locale)
    user = session.get(User, actor.user_id) if actor.user_id is not None else None
    if user is None:
        raise LookupError("choosing a language on an account needs a signed-in person")
    if user.version != version:
        raise StaleEdit(
            what=_("account"),
            rows=[(_("Language"), LANGUAGES[locale], LANGUAGES.get(user.locale, user.locale))],
            back_url="/language",
        )
    if user.locale != locale:
        user.locale = locale
        session.add(user)
        session.flush()
        audit_service.record(
            session,
            actor=actor,
            action="language_change",
            object_type="user",
            object_id=user.id,
            detail=locale,
        )
    return user
