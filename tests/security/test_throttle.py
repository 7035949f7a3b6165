"""Sign-in throttling: too many failures for one account, or from one address, make people
wait; the wait ends on its own; an unknown account looks exactly like a known one."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from bs4 import BeautifulSoup
from sqlmodel import col, select

from fgdm.audit.models import AuditEvent, Outcome
from tests.conftest import Browser, test_settings
from tests.factories import PASSPHRASE, make_family, make_user

START = datetime(2026, 5, 11, 14, 0, tzinfo=UTC)


@pytest.fixture
def settings(database_url, tmp_path):
    """Sixteen browsers here send at once, each through a test client that runs the app on
    an event loop of its own. A worker lets in no more requests at once than its database
    pool holds, but it counts them per event loop (a real worker has one), so these tests
    need a connection for each browser."""
    return test_settings(database_url, tmp_path, db_pool_size=16)


@pytest.fixture
def from_address(app) -> Iterator:
    """Opens a browser whose requests come from the given address."""
    with ExitStack() as stack:

        def open_from(address: str) -> Browser:
            return stack.enter_context(
                Browser(app, follow_redirects=False, client=(address, 40000))
            )

        yield open_from


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def _try(browser: Browser, login: str, passphrase: str):
    page = BeautifulSoup(browser.get("/login").text, "html.parser")
    token = page.select_one("input[name=csrf_token]")["value"]
    return browser.post(
        "/login", data={"login": login, "passphrase": passphrase, "csrf_token": token}
    )


def _login_error(response) -> str:
    return BeautifulSoup(response.text, "html.parser").select_one("#login-error").get_text()


def _assert_throttled(response, settings) -> None:
    assert response.status_code == 429
    wait = int(response.headers["Retry-After"])
    assert 0 < wait <= settings.login_window_minutes * 60 + 1
    assert "Too many attempts to sign in" in _login_error(response)
    summary = BeautifulSoup(response.text, "html.parser").select_one(".error-summary")
    assert "Too many attempts" in summary.get_text()
    assert "fgdm_session" not in response.cookies


def test_five_failures_for_one_account_lock_it_even_from_other_addresses(
    from_address, db, settings, clock
):
    setup = make_family(db, settings)
    login = setup.parent.login
    for n in range(settings.login_max_failures):
        response = _try(from_address(f"10.0.0.{n + 1}"), login, f"wrong guess {n}")
        assert response.status_code == 422
        clock.shift(timedelta(seconds=30))
    # The right passphrase from a fresh address is not enough now.
    response = _try(from_address("10.0.1.1"), login, PASSPHRASE)
    _assert_throttled(response, settings)
    # Other people are not affected.
    assert _try(from_address("10.0.1.2"), setup.young_person.login, PASSPHRASE).status_code == 303


def test_five_failures_from_one_address_across_accounts_block_that_address(
    from_address, db, settings
):
    setup = make_family(db, settings)
    office = from_address("192.0.2.10")
    for n in range(settings.login_max_failures):
        assert _try(office, f"guess{n}@council.example.org", "wrong guess").status_code == 422
    _assert_throttled(_try(office, setup.parent.login, PASSPHRASE), settings)
    assert _try(from_address("192.0.2.11"), setup.parent.login, PASSPHRASE).status_code == 303


def test_sign_in_works_again_once_the_window_has_passed(from_address, db, settings, clock):
    setup = make_family(db, settings)
    browser = from_address("198.51.100.7")
    for _ in range(settings.login_max_failures):
        _try(browser, setup.parent.login, "wrong guess")
    throttled = _try(browser, setup.parent.login, PASSPHRASE)
    _assert_throttled(throttled, settings)
    clock.shift(timedelta(seconds=int(throttled.headers["Retry-After"]) - 5))
    almost = _try(browser, setup.parent.login, PASSPHRASE)
    _assert_throttled(almost, settings)
    assert "wait 1 minute and try again" in _login_error(almost)
    clock.shift(timedelta(seconds=6))
    response = _try(browser, setup.parent.login, PASSPHRASE)
    assert response.status_code == 303
    assert response.headers["location"] == "/families"


def test_failures_older_than_the_window_do_not_count(from_address, db, settings, clock):
    setup = make_family(db, settings)
    browser = from_address("198.51.100.8")
    for _ in range(settings.login_max_failures - 1):
        _try(browser, setup.parent.login, "wrong guess")
    clock.shift(timedelta(minutes=settings.login_window_minutes, seconds=1))
    for _ in range(settings.login_max_failures - 1):
        assert _try(browser, setup.parent.login, "wrong guess").status_code == 422
    assert _try(browser, setup.parent.login, PASSPHRASE).status_code == 303


def test_many_successful_sign_ins_from_one_office_are_not_throttled(from_address, db, settings):
    users = [make_user(db, settings) for _ in range(settings.login_max_failures + 2)]
    for user in users:
        assert _try(from_address("203.0.113.5"), user.login, PASSPHRASE).status_code == 303


def test_unknown_and_known_accounts_get_exactly_the_same_answer(from_address, db, settings):
    setup = make_family(db, settings)
    known = _try(from_address("10.1.0.1"), setup.parent.login, "wrong guess")
    unknown = _try(from_address("10.1.0.2"), "nobody-here@example.org", "wrong guess")
    assert known.status_code == unknown.status_code == 422
    assert _login_error(known) == _login_error(unknown)
    assert "not right" in _login_error(known)
    known_page = BeautifulSoup(known.text, "html.parser").select_one("main").get_text()
    unknown_page = BeautifulSoup(unknown.text, "html.parser").select_one("main").get_text()
    assert known_page == unknown_page.replace("nobody-here@example.org", setup.parent.login)
    # And once throttled, the same again.
    for n in range(settings.login_max_failures):
        _try(from_address(f"10.2.0.{n}"), setup.parent.login, "wrong guess")
        _try(from_address(f"10.3.0.{n}"), "nobody-here@example.org", "wrong guess")
    known = _try(from_address("10.4.0.1"), setup.parent.login, "wrong guess")
    unknown = _try(from_address("10.4.0.2"), "nobody-here@example.org", "wrong guess")
    assert known.status_code == unknown.status_code == 429
    assert _login_error(known) == _login_error(unknown)


def test_a_disabled_account_gets_the_same_answer_as_a_wrong_passphrase(from_address, db, settings):
    setup = make_family(db, settings)
    setup.parent.is_active = False
    db.add(setup.parent)
    db.commit()
    disabled = _try(from_address("10.5.0.1"), setup.parent.login, PASSPHRASE)
    wrong = _try(from_address("10.5.0.2"), setup.young_person.login, "wrong guess")
    assert disabled.status_code == wrong.status_code == 422
    assert _login_error(disabled) == _login_error(wrong)


def test_failures_and_the_throttle_are_audited(from_address, db, settings):
    setup = make_family(db, settings)
    browser = from_address("10.9.8.7")
    for _ in range(settings.login_max_failures):
        _try(browser, setup.parent.login, "wrong guess")
    _try(browser, setup.parent.login, PASSPHRASE)
    db.expire_all()
    events = db.exec(
        select(AuditEvent).where(AuditEvent.action == "login").order_by(col(AuditEvent.id))
    ).all()
    failed = [e for e in events if e.outcome == Outcome.failed]
    refused = [e for e in events if e.outcome == Outcome.refused]
    assert len(failed) == settings.login_max_failures
    assert all(e.object_id == str(setup.parent.id) for e in failed)
    assert all(e.ip_address == "10.9.8.7" for e in failed + refused)
    assert len(refused) == 1
    assert refused[0].detail == "throttled"
    assert not [e for e in events if e.outcome == Outcome.ok]


def test_guesses_sent_all_at_once_are_throttled_too(from_address, db, settings):
    setup = make_family(db, settings)
    tries = 16
    browsers = [from_address(f"10.20.0.{n}") for n in range(tries)]
    forms = []
    for browser in browsers:
        page = BeautifulSoup(browser.get("/login").text, "html.parser")
        forms.append(page.select_one("input[name=csrf_token]")["value"])
    start = threading.Barrier(tries)

    def guess(n: int) -> int:
        start.wait()
        return (
            browsers[n]
            .post(
                "/login",
                data={
                    "login": setup.parent.login,
                    "passphrase": f"wrong guess {n}",
                    "csrf_token": forms[n],
                },
            )
            .status_code
        )

    with ThreadPoolExecutor(max_workers=tries) as pool:
        answers = list(pool.map(guess, range(tries)))
    assert answers.count(422) <= settings.login_max_failures
    assert answers.count(429) >= tries - settings.login_max_failures


def test_guessing_the_current_passphrase_on_the_account_page_is_throttled(
    client, from_address, db, settings
):
    setup = make_family(db, settings)
    client.sign_in(setup.parent.login, PASSPHRASE)
    for n in range(settings.login_max_failures):
        response = client.submit(
            "/account/passphrase", {"current": f"guess {n}", "new": "a new long passphrase"}
        )
        assert response.status_code == 422
    response = client.submit(
        "/account/passphrase", {"current": PASSPHRASE, "new": "a new long passphrase"}
    )
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    message = BeautifulSoup(response.text, "html.parser").select_one("#current-error")
    assert "Too many attempts" in message.get_text()
    # The passphrase did not change, and signing in to the account waits as well.
    _assert_throttled(_try(from_address("10.30.0.1"), setup.parent.login, PASSPHRASE), settings)
    db.expire_all()
    refused = db.exec(
        select(AuditEvent).where(
            AuditEvent.action == "passphrase_change", AuditEvent.outcome == Outcome.refused
        )
    ).all()
    assert len(refused) == 1


def test_invite_links_tried_at_the_same_moment_still_meet_the_throttle(from_address, db, settings):
    tries = 16

    def guess(n: int) -> int:
        return from_address("10.70.0.1").get(f"/join/not-a-real-token-{n}").status_code

    with ThreadPoolExecutor(max_workers=tries) as pool:
        answers = list(pool.map(guess, range(tries)))
    assert answers.count(404) <= settings.login_max_failures
    assert answers.count(429) >= tries - settings.login_max_failures
