"""The one-session-per-request dependency: what an error page can still read after a
save failed."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from anyio.from_thread import start_blocking_portal
from sqlalchemy.exc import IntegrityError
from starlette.datastructures import State

from fgdm.accounts.models import User
from fgdm.db import get_session
from tests.factories import make_user


def test_a_save_failing_in_the_commit_leaves_who_is_signed_in_readable_for_the_error_page(
    app, db, settings
):
    someone = make_user(db, settings, name="Nadia Begum")
    request = SimpleNamespace(app=app, state=State())

    async def save_a_taken_name() -> None:
        request_session = get_session(request)
        session = await anext(request_session)
        request.state.user = session.get(User, someone.id)
        # A change the database refuses only when it is written: a sign-in name taken.
        session.add(User(login=someone.login, display_name="Copy", password_hash="x"))
        with pytest.raises(IntegrityError):
            await anext(request_session)

    # In a thread of its own: a browser test before may have left this one marked as
    # running an event loop.
    with start_blocking_portal() as portal:
        portal.call(save_a_taken_name)

    assert request.state.user.display_name == "Nadia Begum"
