"""Structured logs: JSON lines with the request id, and no personal data in them — not the
details families type, not passphrases, not invite or session tokens, not addresses."""

from __future__ import annotations

import io
import json
import logging
import re
import sys
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlmodel import select

from fgdm.invites.models import Invite
from fgdm.logs import JsonFormatter, log_config
from tests.factories import PASSPHRASE, make_family

NAME = "Zanele Qwertyson"
ADDRESS = "17 Sentinel Road, Leicester LE4 9ZZ"
PHONE = "07700 900123"


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """What the app logs with the production set-up (log_config's levels), formatted as in
    production; the app's own loggers at every level, to be strict."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    levels = {"": "WARNING", "uvicorn": "INFO", "fgdm": "DEBUG"}
    saved = []
    for name, level in levels.items():
        logger = logging.getLogger(name)
        saved.append((logger, logger.level, logger.propagate))
        logger.setLevel(level)
        if name:
            logger.propagate = True
    root = logging.getLogger()
    root.addHandler(handler)
    yield stream
    root.removeHandler(handler)
    for logger, level, propagate in saved:
        logger.setLevel(level)
        logger.propagate = propagate


def lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_a_log_line_is_json_with_the_request_id_and_no_error_message():
    try:
        raise sa.exc.IntegrityError("INSERT ...", {"known_as": NAME}, Exception("dup"))
    except sa.exc.IntegrityError:
        record = logging.getLogger("fgdm").makeRecord(
            "fgdm", logging.ERROR, __file__, 1, "unhandled error", (), exc_info=sys.exc_info()
        )
    entry = json.loads(JsonFormatter().format(record))
    assert entry["level"] == "error"
    assert entry["message"] == "unhandled error"
    assert entry["error_type"] == "sqlalchemy.exc.IntegrityError"
    assert entry["stack"] and entry["stack"][-1].startswith("test_logs.py:")
    assert NAME not in json.dumps(entry)


def test_only_the_safe_extra_fields_reach_the_log():
    record = logging.getLogger("fgdm").makeRecord(
        "fgdm",
        logging.INFO,
        __file__,
        1,
        "request",
        (),
        None,
        extra={"path": "/families/1", "passphrase": PASSPHRASE},
    )
    entry = json.loads(JsonFormatter().format(record))
    assert entry["path"] == "/families/1"
    assert "passphrase" not in entry


def test_each_request_is_one_line_with_its_id_status_and_path_without_query(client, captured):
    response = client.get("/login?next=/families/7&name=Zanele")
    [entry] = [e for e in lines(captured) if e["logger"] == "fgdm.request"]
    assert entry["request_id"] == response.headers["X-Request-ID"]
    assert (entry["method"], entry["path"], entry["status"]) == ("GET", "/login", 200)
    assert entry["duration_ms"] >= 0
    assert "Zanele" not in captured.getvalue()


def test_the_production_log_set_up_is_json_and_drops_uvicorns_access_log():
    config = log_config()
    assert config["formatters"]["json"]["()"] == "fgdm.logs.JsonFormatter"
    assert config["loggers"]["uvicorn.access"]["handlers"] == []


def test_a_whole_visit_leaves_no_personal_data_or_token_in_the_logs(
    client, make_client, db, settings, captured
):
    family = make_family(db, settings)
    client.sign_in(family.practitioner.login, PASSPHRASE)
    session_token = client.cookies.get("fgdm_session")
    added = client.submit(
        f"/families/{family.id}/network/people",
        {"known_as": NAME, "kind": "family", "closeness": "close"},
    )
    assert added.status_code in (200, 303)
    person_id = db.exec(sa.text("SELECT id FROM person WHERE known_as = :n"), params={"n": NAME})
    person_id = person_id.scalar_one()
    for field, value in (("address", ADDRESS), ("phone", PHONE)):
        client.submit(
            f"/families/{family.id}/network/people/{person_id}/details",
            {"field": field, "value": value, "visibility": "everyone"},
        )
    stored = db.exec(sa.text("SELECT value FROM person_detail")).scalars().all()
    assert sorted(stored) == sorted([ADDRESS, PHONE])
    assert client.get(f"/families/{family.id}/network").status_code == 200
    invite = client.submit(
        f"/families/{family.id}/invites", {"role": "family_member", "invited_name": "Auntie"}
    )
    assert invite.status_code == 200
    token = re.search(r"/join/([A-Za-z0-9_-]{20,})", invite.text).group(1)
    visitor = make_client()
    assert visitor.get(f"/join/{token}").status_code == 200
    assert db.exec(select(Invite)).first() is not None

    log = captured.getvalue()
    assert lines(captured)  # the visit was logged
    for secret in (NAME, ADDRESS, PHONE, PASSPHRASE, session_token, token):
        assert secret not in log, f"{secret!r} is in the logs"
    assert "/join/[hidden]" in log
