"""Database plumbing: engine, SQLite pragmas, one transaction per request, shared column types."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import anyio
import sqlalchemy as sa
from fastapi import Depends, Request
from sqlalchemy.engine import Engine
from sqlalchemy.orm import declared_attr
from sqlmodel import Field, Session, SQLModel
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# The largest id a database row can have: id columns are INTEGER, a signed 32-bit integer
# on PostgreSQL, which refuses a bigger number with an error instead of finding no row.
MAX_ID = 2**31 - 1


def parse_id(text: str) -> int | None:
    """An id typed in a form or an address, or None when no row could have it (so a
    tampered value finds nothing instead of failing in the database)."""
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 10:
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """Stores UTC datetimes; always hands back timezone-aware values (SQLite forgets them)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def timestamp_field(*, nullable: bool = False, default_now: bool = False, **kw: Any) -> Any:
    """A UTC timestamp column."""
    if default_now:
        kw["default_factory"] = utcnow
    return Field(sa_type=UTCDateTime(), nullable=nullable, **kw)


def enum_field(enum_cls: type[Enum], *, nullable: bool = False, **kw: Any) -> Any:
    """An enum stored as its string value (portable, no native database enum types)."""
    return Field(
        sa_type=sa.Enum(
            enum_cls,
            native_enum=False,
            create_constraint=False,
            length=32,
            values_callable=lambda e: [m.value for m in e],
        ),
        nullable=nullable,
        **kw,
    )


class Versioned(SQLModel):
    """Mixin for every editable record: the version rises on each update, and a write
    based on an older version fails (StaleDataError) instead of overwriting."""

    version: int = Field(default=1, nullable=False)

    @declared_attr  # type: ignore[misc]
    def __mapper_args__(cls) -> dict[str, Any]:  # noqa: N805
        return {"version_id_col": cls.__table__.c.version}


class StaleEdit(Exception):
    """A write based on an older version of a record. The web shows a conflict page with
    what the person submitted beside what is saved now, and saves nothing.

    rows are (label, what you wrote, what is saved now), already filtered for visibility."""

    def __init__(
        self, *, what: str, rows: list[tuple[str, str, str]] | None = None, back_url: str = ""
    ) -> None:
        super().__init__(f"stale edit of {what}")
        self.what = what
        self.rows = rows or []
        self.back_url = back_url


class NotFound(LookupError):
    """The record is not in this family group, or not visible to this person; the web
    answers 404, the same as for a record that does not exist."""


class NotAllowedHere(PermissionError):
    """This person may see the record but not change it; the web answers 403."""


def make_engine(database_url: str, *, pool_size: int = 10) -> Engine:
    """Creates the engine; SQLite gets WAL, foreign keys and a busy timeout. The pool holds
    twice `pool_size` connections at most: a request holds one and may briefly need a
    second (a refusal or a sign-in attempt recorded in a transaction of its own), so with
    no more than `pool_size` requests at once (RequestSlotsMiddleware) every request
    always gets both and the pool can never run dry."""
    pool = {"pool_size": pool_size, "max_overflow": pool_size, "pool_timeout": 30}
    if database_url.startswith("sqlite"):
        path = database_url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(
            database_url,
            connect_args={"check_same_thread": False, "timeout": 30},
            **(pool if path and path != ":memory:" else {}),
        )

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    url = database_url
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return sa.create_engine(url, pool_pre_ping=True, **pool)


# Paths that never wait for a request slot: they read nothing from the database.
UNQUEUED = frozenset({"/healthz"})


class RequestSlotsMiddleware:
    """Pure ASGI middleware: no more than `slots` requests at once reach the routes of this
    worker; the others wait their turn, in order. A request keeps its database connection
    from its first query to its commit, while waiting in between for a worker thread; with
    more requests at once than the pool has connections, threads would sit waiting for a
    connection that only a request waiting for a thread can give back (the worker stalls
    until the pool's time-out). Fewer at once also keeps each request's wait short. The
    app's own files and /healthz (which reads nothing) never wait: a load balancer asking
    whether the worker is alive gets its answer even while every slot is taken."""

    def __init__(self, app: ASGIApp, slots: int) -> None:
        self.app = app
        self.slots = slots
        # One semaphore per event loop (tests run several apps' loops in one process).
        self._by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["path"] in UNQUEUED
            or scope["path"].startswith("/static/")
        ):
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        slots = self._by_loop.get(loop)
        if slots is None:
            slots = self._by_loop[loop] = asyncio.Semaphore(self.slots)
        async with slots:
            await self.app(scope, receive, send)


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One session and one commit per request: a change and its audit rows stand or fall
    together. The commit happens before the response is sent; anything a dependency put
    in request.state.before_commit (the offline outbox's idempotency key) is written in
    the same transaction, just before it. Async, so that opening the session (which does
    no I/O) costs no trip to a worker thread; the commit makes one."""
    session = Session(request.app.state.engine, expire_on_commit=False)
    try:
        yield session
    except BaseException:
        # Finished even when the request is being cancelled, so no transaction is left open.
        with anyio.CancelScope(shield=True):
            await run_in_threadpool(_give_up, request, session)
        raise
    await run_in_threadpool(_commit, request, session)


def _commit(request: Request, session: Session) -> None:
    try:
        for before_commit in getattr(request.state, "before_commit", ()):
            before_commit(request, session)
        session.commit()
    except BaseException:
        _give_up(request, session)
        raise
    session.close()


def _give_up(request: Request, session: Session) -> None:
    # Detach first, so error pages can still read what was loaded (rollback would expire
    # it); nothing detached is written.
    session.expunge_all()
    session.rollback()
    session.close()
    _reload_signed_in(request)


def _reload_signed_in(request: Request) -> None:
    """A save that failed inside the transaction has already expired everything loaded,
    the signed-in person and their session too: load them again, so the error page (a
    conflict page, say) can still say who is signed in instead of failing itself."""
    state = getattr(request.state, "_state", None)
    if not isinstance(state, dict):
        return
    stale = {
        name: value
        for name, value in state.items()
        if isinstance(value, SQLModel)
        and (loaded := sa.inspect(value)).expired_attributes
        and loaded.identity is not None
    }
    if not stale:
        return
    with Session(request.app.state.engine, expire_on_commit=False) as fresh:
        for name, value in stale.items():
            state[name] = fresh.get(type(value), sa.inspect(value).identity)


SessionDep = Annotated[Session, Depends(get_session, scope="function")]
