"""Refusals are answered and audited even when the request already touched the session."""

from datetime import timedelta

import time_machine
from sqlmodel import select

from fgdm.audit.models import AuditEvent, Outcome
from fgdm.db import utcnow
from tests.factories import PASSPHRASE, make_family


def test_refusal_after_the_idle_timer_was_refreshed_is_a_prompt_404(client, db, settings):
    mine = make_family(db, settings)
    theirs = make_family(db, settings, name="Another family")
    with time_machine.travel(utcnow(), tick=False) as clock:
        client.sign_in(mine.parent.login, PASSPHRASE)
        # Long enough for the session's last-seen time to be written on the next request.
        clock.shift(timedelta(minutes=2))
        response = client.get(f"/families/{theirs.id}")
    assert response.status_code == 404
    refusal = db.exec(
        select(AuditEvent).where(
            AuditEvent.action == "access_refused", AuditEvent.family_group_id == theirs.id
        )
    ).one()
    assert refusal.actor_id == mine.parent.id
    assert refusal.outcome == Outcome.refused


def test_an_error_page_for_htmx_replaces_the_whole_page_not_a_fragment(client, db, settings):
    mine = make_family(db, settings)
    theirs = make_family(db, settings, name="Another family")
    client.sign_in(mine.parent.login, PASSPHRASE)
    response = client.get(f"/families/{theirs.id}/network", headers={"HX-Request": "true"})
    assert response.status_code == 404
    assert response.headers["HX-Retarget"] == "body"
    assert response.headers["HX-Reswap"].startswith("innerHTML")
    # Without htmx the same page is simply the answer.
    plain = client.get(f"/families/{theirs.id}/network")
    assert plain.status_code == 404 and "HX-Retarget" not in plain.headers
