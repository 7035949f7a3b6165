"""A worker lets in only as many requests at once as it has slots; the others wait their
turn, except the check a load balancer makes to see that the worker is alive."""

from __future__ import annotations

import anyio
import httpx2 as httpx
from anyio.from_thread import start_blocking_portal
from starlette.types import Receive, Scope, Send

from fgdm.db import RequestSlotsMiddleware


def test_a_waiting_page_waits_its_turn_but_the_alive_check_answers_at_once():
    """Every slot is taken by a slow page: another page waits until it is done, while
    /healthz answers at once (a worker that looked dead while busy would be killed by its
    load balancer, and the pages it was serving lost)."""
    inside = anyio.Event()
    release = anyio.Event()
    finished: list[str] = []

    async def pages(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["path"] == "/slow":
            inside.set()
            await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": scope["path"].encode()})

    app = RequestSlotsMiddleware(pages, slots=1)

    async def everyone() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:

            async def get(path: str) -> None:
                assert (await client.get(path)).status_code == 200
                finished.append(path)

            async with anyio.create_task_group() as group:
                group.start_soon(get, "/slow")
                with anyio.fail_after(5):
                    await inside.wait()
                group.start_soon(get, "/families")
                with anyio.fail_after(5):
                    await get("/healthz")
                await anyio.sleep(0.2)
                assert finished == ["/healthz"]  # the other page is still waiting
                release.set()
        assert finished == ["/healthz", "/slow", "/families"]

    # In a thread of its own: a browser test before may have left this one marked as
    # running an event loop.
    with start_blocking_portal() as portal:
        portal.call(everyone)
