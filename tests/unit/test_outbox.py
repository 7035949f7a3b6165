"""The offline outbox's idempotency keys: what a key may look like, the hash that tells
one change from another (the CSRF token and the key itself left out), and `fgdm purge`
removing old keys."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlmodel import select

from fgdm import retention
from fgdm.db import utcnow
from fgdm.pwa.idempotency import body_hash, form_hash, is_valid_key
from fgdm.pwa.models import IdempotencyKey
from tests.factories import make_family

PATH = "/families/1/plan/actions"
FORM = [("csrf_token", "abc"), ("what", "Nan takes Amir"), ("who", "3"), ("who", "4")]


def test_the_hash_ignores_the_csrf_token_and_the_key():
    sent_again = [("csrf_token", "a-newer-token"), *FORM[1:], ("idempotency_key", "k" * 36)]
    assert form_hash("POST", PATH, sent_again) == form_hash("POST", PATH, FORM)


@pytest.mark.parametrize(
    ("method", "path", "items"),
    [
        ("POST", PATH, [*FORM[:1], ("what", "Grandad takes Amir"), *FORM[2:]]),
        ("POST", "/families/2/plan/actions", FORM),
        ("PUT", PATH, FORM),
        ("POST", PATH, [*FORM[:2], ("who", "4"), ("who", "3")]),
        ("POST", PATH, FORM[:-1]),
    ],
    ids=["other words", "other family", "other method", "other order", "one less"],
)
def test_the_hash_differs_for_a_different_change(method, path, items):
    assert form_hash(method, path, items) != form_hash("POST", PATH, FORM)


def test_the_hash_of_a_body_cannot_be_made_equal_by_moving_text_between_path_and_body():
    assert body_hash("POST", "/a", b"b/c") != body_hash("POST", "/ab", b"/c")


@pytest.mark.parametrize(
    "key", ["0f8c3f0e-6f8e-4b7e-9a43-1e2d3c4b5a69", "a" * 16, "A-1" * 21 + "z"]
)
def test_uuids_and_keys_of_16_to_64_letters_digits_and_dashes_are_accepted(key):
    assert is_valid_key(key)


@pytest.mark.parametrize(
    "key",
    [
        "",
        "a" * 15,
        "a" * 65,
        "0f8c3f0e 6f8e 4b7e",
        "abc_defghijklmnop",
        "abcdefghijklmnop\n",
        "é" * 20,
    ],
)
def test_other_keys_are_refused(key):
    assert not is_valid_key(key)


def test_purge_removes_keys_older_than_the_sign_in_record_period(db, settings):
    setup = make_family(db, settings)
    with time_machine.travel(utcnow() - timedelta(days=31), tick=False):
        db.add(IdempotencyKey(key="old" * 6, user_id=setup.parent.id, request_hash="h"))
        db.commit()
    db.add(IdempotencyKey(key="new" * 6, user_id=setup.parent.id, request_hash="h"))
    db.commit()
    report = retention.purge(db, settings=settings, dry_run=True)
    assert report.idempotency_keys == 1
    db.rollback()
    report = retention.purge(db, settings=settings)
    db.commit()
    assert report.idempotency_keys == 1
    assert "old keys of changes sent from phones removed: 1" in report.lines()
    assert [k.key for k in db.exec(select(IdempotencyKey)).all()] == ["new" * 6]
    # A month on, the newer key goes too.
    with time_machine.travel(utcnow() + timedelta(days=31), tick=False):
        assert retention.purge(db, settings=settings).idempotency_keys == 1
        db.commit()
    assert db.exec(select(IdempotencyKey)).all() == []
