"""Offline reading: the partition that keeps one person's saved pages apart from another's,
and which answers a phone may keep."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from starlette.datastructures import Headers

from fgdm.main import create_app
from fgdm.pwa.offline import (
    READABLE_OFFLINE,
    is_readable_offline,
    last_person_mark,
    partition_for,
)
from tests.conftest import walk_routes

KEY = "k" * 48
PAGE = Headers({"content-type": "text/html; charset=utf-8"})
PARENT = SimpleNamespace(id=7, is_staff=False)
PRACTITIONER = SimpleNamespace(id=8, is_staff=True)


def test_the_same_person_always_gets_the_same_partition():
    assert partition_for(secret_key=KEY, user_id=7) == partition_for(secret_key=KEY, user_id=7)


def test_different_people_get_different_partitions():
    partitions = {partition_for(secret_key=KEY, user_id=n) for n in range(1, 500)}
    assert len(partitions) == 499


def test_a_partition_never_holds_the_persons_id_and_depends_on_the_secret_key():
    partition = partition_for(secret_key=KEY, user_id=123456)
    assert "123456" not in partition
    assert partition != partition_for(secret_key="x" * 48, user_id=123456)
    assert len(partition) == 32 and all(ch in "0123456789abcdef" for ch in partition)


def test_the_last_person_mark_is_not_the_partition():
    assert last_person_mark(secret_key=KEY, user_id=7) != partition_for(secret_key=KEY, user_id=7)


def readable(route_name, *, user=PARENT, method="GET", status=200, headers=PAGE):
    return is_readable_offline(
        method=method, route_name=route_name, status=status, headers=headers, user=user
    )


@pytest.mark.parametrize(
    "route_name",
    [
        "families:home",
        "network:page",
        "safety_plan:page",
        "safety_plan:children",
        "stories:read",
        "plans:page",
        "plan:children",
    ],
)
def test_the_family_pages_a_family_reads_are_readable_offline(route_name):
    assert readable(route_name)


@pytest.mark.parametrize(
    "route_name",
    [
        "plan:print",
        "plan:print_pdf",
        "safety_plan:print",
        "stories:booklet",
        "stories:image",
        "families:members",
        "caseload",
        "admin:users",
        "accounts:account",
        "plans:history",
        "pwa:offline",
        None,
    ],
)
def test_prints_pictures_staff_pages_and_other_pages_are_not(route_name):
    assert not readable(route_name)


def test_only_a_family_members_whole_page_answered_ok_to_a_get_is_kept():
    assert not readable("plans:page", user=PRACTITIONER)
    assert not readable("plans:page", user=None)
    assert not readable("plans:page", method="POST")
    assert not readable("plans:page", status=404)
    assert not readable("plans:page", status=303)
    assert not readable("plans:page", headers=Headers({"content-type": "application/pdf"}))


def test_every_readable_route_name_is_a_page_the_app_has(tmp_path):
    from tests.conftest import test_settings

    app = create_app(test_settings("sqlite:///:memory:", tmp_path))
    names = {route.name for route in walk_routes(app)}
    assert names >= READABLE_OFFLINE
    for name in READABLE_OFFLINE:
        route = next(route for route in walk_routes(app) if route.name == name)
        assert route.methods == {"GET"}
