"""The caseload and the family plan page under load: the app served in-process by uvicorn
(one worker), 20 clients at once over loopback, on SQLite and, when a PostgreSQL URL is
given, on PostgreSQL. Seeds one practitioner with 200 family groups (about 10 people each,
ties to the child, offers, a worry, a safety plan, a family plan with actions, a meeting
and two scaling scores), and others with 20, 50 and 100, to show how the caseload grows;
and one family plan with 40 actions.

Prints, for each page: the server's time for a request made alone (median of 5), then with
the clients at once the server's time per request (median and p95, from the moment the
request reaches the app until its answer is sent, so it includes waiting for a worker
thread and for the database) and the time a client saw, and the SQL statements one request
runs.

Run: .venv/bin/python bench/caseload.py [--requests 10] [--only sqlite|postgresql]
     FGDM_BENCH_POSTGRES_URL=postgresql://user:pass@host/db_to_create_beside ...  (optional)"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx2 as httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.load import postgres_database  # noqa: E402
from tests.conftest import test_settings  # noqa: E402
from tests.factories import PASSPHRASE, make_family, make_user  # noqa: E402
from tests.unit.test_caseload import fill_family  # noqa: E402

SIZES = (20, 50, 100, 200)
CLIENTS = 20
PLAN_ACTIONS = 40
LIMITS = httpx.Limits(max_keepalive_connections=0)
ALONE = 5  # requests one at a time, before the clients start
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Timings:
    """Server time per request (filled by the timing wrapper) and what the clients saw."""

    server: list[float] = field(default_factory=list)
    client: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)


class Timed:
    """Wraps the app: the time each HTTP request spends in it, into `timings`."""

    def __init__(self, app: Callable) -> None:
        self.app = app
        self.timings = Timings()

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001 - ASGI
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        try:
            await self.app(scope, receive, send)
        finally:
            self.timings.server.append(time.perf_counter() - started)


def seed(database_url: str, instance: Path, sizes: tuple[int, ...]) -> dict:
    """Practitioners with 20, 50, 100 and 200 family groups; a plan with 40 actions."""
    from sqlmodel import Session, select

    from fgdm import migrations_check
    from fgdm.accounts.models import StaffRole
    from fgdm.db import make_engine
    from fgdm.network.models import Person
    from fgdm.plans.models import FamilyPlan, PlanAction, PlanActionPerson, PlanGoal

    settings = test_settings(database_url, instance)
    migrations_check.upgrade(settings)
    engine = make_engine(database_url)
    logins: dict[int, str] = {}
    with Session(engine, expire_on_commit=False) as db:
        for size in sizes:
            worker = make_user(db, settings, role=StaffRole.practitioner, team=f"Team {size}")
            logins[size] = worker.login
            for n in range(size):
                setup = make_family(
                    db, settings, practitioner=worker, name=f"Family {size}-{n:03d}"
                )
                fill_family(db, setup.family, scorer=worker, people=10, actions=4)
        # The plan page: one more family group, its plan with 40 actions.
        setup = make_family(db, settings, name="The plan family", team=f"Team {sizes[-1]}")
        fill_family(db, setup.family, scorer=setup.practitioner, people=10, actions=0)
        plan = db.exec(select(FamilyPlan).where(FamilyPlan.family_group_id == setup.id)).one()
        people = db.exec(select(Person.id).where(Person.family_group_id == setup.id)).all()
        goal = PlanGoal(plan_id=plan.id, text="The children get to school every day")
        db.add(goal)
        db.flush()
        for n in range(PLAN_ACTIONS):
            action = PlanAction(
                plan_id=plan.id,
                goal_id=goal.id,
                position=n,
                what=f"Someone takes the children to school on day {n + 1}",
                by_when="every week",
                how_we_know="The school says so",
            )
            db.add(action)
            db.flush()
            db.add(PlanActionPerson(action_id=action.id, person_id=people[n % len(people)]))
        db.commit()
        plan_login, plan_family = setup.practitioner.login, setup.id
    engine.dispose()
    return {"logins": logins, "plan_login": plan_login, "plan_family": plan_family}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sign_in(base: str, login: str) -> httpx.Cookies:
    with httpx.Client(base_url=base) as client:
        token = CSRF.search(client.get("/login").text)
        assert token, "no sign-in form"
        answer = client.post(
            "/login",
            data={"login": login, "passphrase": PASSPHRASE, "csrf_token": token.group(1)},
        )
        assert answer.status_code == 303, f"sign-in failed: {answer.status_code}"
        return client.cookies


async def drive(
    base: str, cookies: httpx.Cookies, path: str, requests: int, clients: int
) -> list[float]:
    """`clients` clients at once, each asking for the page `requests` times."""
    seen: list[float] = []
    statuses: dict[int, int] = {}

    async def one_client() -> None:
        async with httpx.AsyncClient(
            base_url=base, cookies=cookies, timeout=300, limits=LIMITS
        ) as client:
            for _ in range(requests):
                started = time.perf_counter()
                answer = await client.get(path)
                seen.append(time.perf_counter() - started)
                statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1

    await asyncio.gather(*(one_client() for _ in range(clients)))
    if set(statuses) != {200}:
        print(f"    answers: {statuses}")
    return seen


def statements_for(engine, base: str, cookies: httpx.Cookies, path: str) -> tuple[int, int]:  # noqa: ANN001
    """The SQL statements one request runs (alone), and its status."""
    from sqlalchemy import event

    count = 0

    def counter(*_args: object) -> None:
        nonlocal count
        count += 1

    event.listen(engine, "before_cursor_execute", counter)
    try:
        status = httpx.get(base + path, cookies=cookies, timeout=120).status_code
    finally:
        event.remove(engine, "before_cursor_execute", counter)
    return count, status


def ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000


def run(
    label: str, database_url: str, tmp: Path, requests: int, sizes: tuple[int, ...], clients: int
) -> None:
    import uvicorn

    from fgdm.main import create_app

    instance = tmp / f"instance-{label}"
    instance.mkdir()
    started = time.perf_counter()
    seeded = seed(database_url, instance, sizes)
    print(
        f"{label}: seeded {sum(sizes) + 1} family groups in {time.perf_counter() - started:.0f} s"
    )
    settings = test_settings(database_url, instance, login_max_failures=1000)
    app = create_app(settings)
    timed = Timed(app)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(timed, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    # The family list, a light page, for comparison with the machine's state.
    pages = [("family list (comparison)", seeded["logins"][sizes[0]], "/families")]
    pages += [
        (f"caseload, {size} family groups", seeded["logins"][size], "/caseload") for size in sizes
    ]
    pages.append(
        (
            f"plan page, {PLAN_ACTIONS} actions",
            seeded["plan_login"],
            f"/families/{seeded['plan_family']}/plan",
        )
    )
    print(
        f"  {'page':32} {'alone p50':>10} {'server p50':>10} {'server p95':>10} {'client p50':>10} "
        f"{'client p95':>10} {'statements':>10}"
    )
    try:
        for name, login, path in pages:
            cookies = sign_in(base, login)
            statements, status = statements_for(app.state.engine, base, cookies, path)
            if status != 200:
                print(f"  {name:32} answers {status}: not measured")
                continue
            timed.timings = Timings()
            for _ in range(ALONE):
                httpx.get(base + path, cookies=cookies, timeout=300)
            alone = statistics.median(timed.timings.server)
            timed.timings = Timings()
            seen = asyncio.run(drive(base, cookies, path, requests, clients))
            server_times = timed.timings.server
            print(
                f"  {name:32} {alone * 1000:8.0f}ms "
                f"{statistics.median(server_times) * 1000:8.0f}ms "
                f"{ms(server_times, 0.95):8.0f}ms {statistics.median(seen) * 1000:8.0f}ms "
                f"{ms(seen, 0.95):8.0f}ms {statements:10d}"
            )
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        app.state.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=5, help="requests per client")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="caseload sizes")
    parser.add_argument("--clients", type=int, default=CLIENTS, help="clients at once")
    parser.add_argument("--only", choices=("sqlite", "postgresql"), default="")
    args = parser.parse_args()
    sizes = tuple(int(size) for size in args.sizes.split(","))
    print(
        f"{args.clients} clients at once, {args.requests} requests each per page; one uvicorn "
        "worker in-process; loopback"
    )
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        if args.only != "postgresql":
            run(
                "SQLite",
                f"sqlite:///{tmp / 'caseload.db'}",
                tmp,
                args.requests,
                sizes,
                args.clients,
            )
        pg_url = os.environ.get("FGDM_BENCH_POSTGRES_URL")
        if pg_url and args.only != "sqlite":
            url, drop = postgres_database(pg_url)
            try:
                run("PostgreSQL", url, tmp, args.requests, sizes, args.clients)
            finally:
                drop()
        elif args.only != "sqlite":
            print("PostgreSQL: not run (set FGDM_BENCH_POSTGRES_URL)")


if __name__ == "__main__":
    main()
