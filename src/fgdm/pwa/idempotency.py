"""Idempotency keys for the offline outbox: a family's phone may send the same change more
than once when its signal comes and goes; each key is stored with the change it made, in
the same transaction, so a change sent again is stored once and the same key with a
different change is refused."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import Depends, Request
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from fgdm.db import SessionDep
from fgdm.pwa.models import IdempotencyKey
from fgdm.security.deps import CSRF_FIELD, UNSAFE_METHODS, csrf_protect

KEY_HEADER = "Idempotency-Key"
KEY_FIELD = "idempotency_key"
REPLAYED_HEADER = "Idempotent-Replayed"
_KEY_RE = re.compile(r"[A-Za-z0-9-]{16,64}")
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# Fields that differ between two sends of the same change: never part of its hash.
_NOT_HASHED = frozenset({CSRF_FIELD, KEY_FIELD})


class BadKey(Exception):
    """An idempotency key that is not 16 to 64 letters, digits or dashes (answers 400)."""


class KeyReused(Exception):
    """The key was used before for a different change, or by someone else (answers 422);
    nothing is changed."""


class AlreadySaved(Exception):
    """The same change with the same key was saved before: the route does not run, and
    the answer is the first one's (a redirect to the same place, or its status)."""

    def __init__(self, *, status_code: int, location: str) -> None:
        super().__init__("already saved")
        self.status_code = status_code
        self.location = location


class KeyInUse(Exception):
    """Two copies of the same change arrived at once and the other one was saved first."""


@dataclass(frozen=True)
class Pending:
    """A key this request will store if its answer is a success."""

    key: str
    user_id: int | None
    request_hash: str


def is_valid_key(text: str) -> bool:
    """True for a key of 16 to 64 letters, digits or dashes (a UUID is 36)."""
    return _KEY_RE.fullmatch(text) is not None


def form_hash(method: str, path: str, items: list[tuple[str, str]]) -> str:
    """The hash of a change sent as a form: its method, path and fields in the order sent,
    without the CSRF token and the key (they differ between two sends of one change)."""
    body = urlencode([(k, v) for k, v in items if k not in _NOT_HASHED])
    return _sha256(method.upper(), path, body.encode())


def body_hash(method: str, path: str, body: bytes) -> str:
    """The hash of a change sent as anything other than a form: the raw body."""
    return _sha256(method.upper(), path, body)


def _sha256(method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


async def _request_hash(request: Request) -> str:
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith(_FORM_TYPES):
        return body_hash(request.method, request.url.path, await request.body())
    form = await request.form()
    items: list[tuple[str, str]] = []
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            # A file is hashed by its content: the same picture sent again is the same.
            content = await value.read()
            await value.seek(0)
            value = f"file:{value.filename}:{hashlib.sha256(content).hexdigest()}"
        items.append((name, value))
    return form_hash(request.method, request.url.path, items)


async def _sent_key(request: Request) -> str | None:
    key = request.headers.get(KEY_HEADER)
    if key is None and request.headers.get("content-type", "").startswith(_FORM_TYPES):
        value = (await request.form()).get(KEY_FIELD)
        key = value if isinstance(value, str) else None
    return key


def _find(session: Session, key: str) -> IdempotencyKey | None:
    return session.exec(select(IdempotencyKey).where(IdempotencyKey.key == key)).first()


def _earlier_answer(found: IdempotencyKey, pending: Pending) -> AlreadySaved:
    if found.user_id != pending.user_id or found.request_hash != pending.request_hash:
        raise KeyReused()
    return AlreadySaved(status_code=found.status_code, location=found.location)


async def check_key(
    request: Request, session: SessionDep, _csrf: None = Depends(csrf_protect)
) -> None:
    """Runs on every request, after the CSRF check and before the route: a change sent
    with a key that was used before is answered as the first time (same change, same
    person) or refused (anything else); a new key is stored with the change."""
    if request.method not in UNSAFE_METHODS:
        return
    key = await _sent_key(request)
    if key is None:
        return
    if not is_valid_key(key):
        raise BadKey()
    user = getattr(request.state, "user", None)
    pending = Pending(
        key=key, user_id=user.id if user else None, request_hash=await _request_hash(request)
    )
    found = await run_in_threadpool(_find, session, key)
    if found is not None:
        raise _earlier_answer(found, pending)
    request.state.idempotency = pending
    request.state.before_commit = [*getattr(request.state, "before_commit", ()), _store_key]


def _store_key(request: Request, session: Session) -> None:
    """Stores the key with the change, only when the answer was a success: a form sent back
    with its problems, a conflict or an error leaves the key free to send again."""
    pending: Pending = request.state.idempotency
    status_code, location = getattr(request.state, "answer", (0, ""))
    if not 200 <= status_code < 400:
        return
    # The change itself is written first, so its own errors stay what they are.
    session.flush()
    session.add(
        IdempotencyKey(
            key=pending.key,
            user_id=pending.user_id,
            request_hash=pending.request_hash,
            status_code=status_code,
            location=location[:500],
        )
    )
    try:
        # Written now, so a copy of the same change saved meanwhile is found here.
        session.flush()
    except IntegrityError as exc:
        raise KeyInUse() from exc


def answer_of_first(session: Session, request: Request) -> AlreadySaved | None:
    """After KeyInUse: how the copy saved first was answered, or None when it was not
    (yet) saved. Raises KeyReused when that copy was a different change."""
    pending: Pending | None = getattr(request.state, "idempotency", None)
    if pending is None:
        return None
    found = _find(session, pending.key)
    return None if found is None else _earlier_answer(found, pending)
