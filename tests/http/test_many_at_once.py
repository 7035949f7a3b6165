"""Many people at once on one worker: everyone gets their page, none waits on another."""

from __future__ import annotations

import anyio
import httpx2 as httpx
from anyio.from_thread import start_blocking_portal
from sqlmodel import Session, func, select

from fgdm.audit.models import AuditEvent
from fgdm.main import create_app
from tests.conftest import Browser, test_settings
from tests.factories import PASSPHRASE, make_family


def test_more_people_at_once_than_database_connections_all_get_their_page(database_url, tmp_path):
    """A request keeps its database connection from its first query to its commit, and
    waits for a worker thread in between. With more requests at once than connections,
    threads used to sit waiting for a connection that only a request waiting for a thread
    could give back: the worker stalled until the pool gave up (30 s), then failed."""
    settings = test_settings(database_url, tmp_path, db_pool_size=1)
    app = create_app(settings)
    with Session(app.state.engine, expire_on_commit=False) as db:
        family = make_family(db, settings)
    with Browser(app) as browser:
        browser.sign_in(family.parent.login, PASSPHRASE)
        cookies = dict(browser.cookies)
    pages = [f"/families/{family.id}", f"/families/{family.id}/network"] * 6
    answers: list[int] = []

    async def everyone_at_once() -> None:
        # As in a worker: no more threads at once than the pool has connections.
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.db_pool_size
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver", cookies=cookies
        ) as client:

            async def one(path: str) -> None:
                answers.append((await client.get(path)).status_code)

            with anyio.fail_after(20):
                async with anyio.create_task_group() as group:
                    for path in pages:
                        group.start_soon(one, path)

    # In a thread of its own: a browser test before may have left this one marked as
    # running an event loop.
    with start_blocking_portal() as portal:
        portal.call(everyone_at_once)

    assert answers == [200] * len(pages)
    with Session(app.state.engine) as db:
        views = db.exec(
            select(func.count()).where(
                AuditEvent.family_group_id == family.id, AuditEvent.action == "view"
            )
        ).one()
    assert views >= len(pages)  # every page seen was written in the trail
    app.state.engine.dispose()
