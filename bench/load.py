"""Load and faults: the app served by `fgdm serve --workers 2`, driven over loopback by 50
simulated people for 60 seconds (families reading and editing their networks and safety
plans, practitioners reading their caseload), on SQLite and, when a PostgreSQL URL is
given, on PostgreSQL. Half-way through, one worker is killed with SIGKILL; uvicorn starts
another. Afterwards every write the app acknowledged must be in the database, and the
database must pass its integrity check. A minimal FastAPI + Jinja page served the same
way, driven the same way, gives the machine's baseline.

Everyone signs in first (not timed); the 60 seconds start once all are signed in. Each
simulated person pauses between pages as a person reading a phone does (0.5-1.5 s by
default, `--think`), so 50 people ask for about 50 pages a second. Prints requests per
second, p50/p95/p99 latency and errors for each run, p50/p95 per page, and the ratio to
the baseline driven by the same people. Targets: no errors (apart from requests cut off
by the kill), p95 <= 100 ms, throughput at least half the baseline's. Then the same people
with no pauses for `--capacity-seconds` show each server's capacity (printed, as the
ratio of the app's to the baseline's; a page that reads a family's record, checks who may
see it and writes an audit row costs far more than the baseline's list of names).

Run: .venv/bin/python bench/load.py [--seconds 60] [--users 50]
     FGDM_BENCH_POSTGRES_URL=postgresql://user:pass@host/db_to_create_beside ...  (optional)"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import httpx2 as httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import SECRET, drop_database, test_settings  # noqa: E402
from tests.factories import PASSPHRASE, actor_for, make_family  # noqa: E402

FAMILIES = 10
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
BASELINE_APP = """
from fastapi import FastAPI, Request
from fastapi.templating import Jinja2Templates
from jinja2 import DictLoader, Environment

env = Environment(loader=DictLoader({"page.html": "<!doctype html><title>{{ title }}</title>"
    "<ul>{% for p in people %}<li>{{ p }}</li>{% endfor %}</ul>"}))
templates = Jinja2Templates(env=env)
app = FastAPI()

@app.get("/")
def page(request: Request):
    return templates.TemplateResponse(request, "page.html",
        {"title": "Baseline", "people": [f"Person {i}" for i in range(30)]})
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Results:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    cut_off: int = 0  # requests that failed while a worker was being killed
    acknowledged: list[str] = field(default_factory=list)  # markers of writes answered 303
    by_page: dict[str, list[float]] = field(default_factory=dict)

    def pages(self) -> str:
        """p50/p95 per page, slowest first."""
        rows = []
        for label, times in self.by_page.items():
            ordered = sorted(times)
            p50 = ordered[len(ordered) // 2] * 1000
            p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000
            row = f"      {label:42} n={len(ordered):5}  p50 {p50:6.1f}  p95 {p95:6.1f} ms"
            rows.append((p95, row))
        return "\n".join(row for _, row in sorted(rows, reverse=True))

    def line(self, label: str, seconds: float) -> str:
        if not self.latencies:
            return f"{label}: no requests"
        ordered = sorted(self.latencies)

        def pct(p: float) -> float:
            return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000

        kinds = Counter(self.errors).most_common(4)
        return (
            f"{label}: {len(ordered) / seconds:8.1f} req/s  p50 {pct(0.50):6.1f} ms  "
            f"p95 {pct(0.95):6.1f} ms  p99 {pct(0.99):6.1f} ms  errors {len(self.errors)}"
            f"  (cut off by the kill: {self.cut_off})"
            + (f"\n    errors by kind: {kinds}" if kinds else "")
        )


class LoadError(Exception):
    """A request that got no answer: refused, cut off, timed out or not HTTP."""


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        if self.headers.get("content-encoding") == "gzip":
            return gzip.decompress(self.body).decode()
        return self.body.decode()


class Browser:
    """One simulated person's browser: a new connection for each request (keep-alive
    between this loopback client and uvicorn waits on delayed ACKs, 40 ms a request that is
    not server time), the cookies the app sets, gzip asked for as a phone does. Written
    here rather than taken from an HTTP library: the program playing 50 people shares the
    processor with the app, and httpx took 4.1-4.4 ms of it a request (a fifth of what
    the app took); this takes about a quarter of that, so the figures are more the app's."""

    def __init__(self, port: int, timeout: float = 10) -> None:
        self.port = port
        self.timeout = timeout
        self.cookies: dict[str, str] = {}

    async def get(self, path: str) -> Answer:
        return await self.request("GET", path)

    async def post(self, path: str, data: dict[str, str]) -> Answer:
        return await self.request("POST", path, urlencode(data).encode())

    async def request(self, method: str, path: str, body: bytes | None = None) -> Answer:
        try:
            return await asyncio.wait_for(self._exchange(method, path, body), self.timeout)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
            raise LoadError(type(exc).__name__) from exc
        except TimeoutError as exc:
            raise LoadError("timed out") from exc

    async def _exchange(self, method: str, path: str, body: bytes | None) -> Answer:
        lines = [
            f"{method} {path} HTTP/1.1",
            f"Host: 127.0.0.1:{self.port}",
            "Accept: text/html",
            "Accept-Encoding: gzip",
            "Connection: close",
        ]
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if body is not None:
            lines.append("Content-Type: application/x-www-form-urlencoded")
            lines.append(f"Content-Length: {len(body)}")
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        try:
            writer.write("\r\n".join(lines).encode() + b"\r\n\r\n" + (body or b""))
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            status = int(head[0].split(" ", 2)[1])
            headers: dict[str, str] = {}
            for line in head[1:]:
                if not line:
                    continue
                name, _, value = line.partition(":")
                name, value = name.strip().lower(), value.strip()
                if name == "set-cookie":
                    self._keep_cookie(value)
                headers[name] = value
            if "content-length" in headers:
                content = await reader.readexactly(int(headers["content-length"]))
            elif headers.get("transfer-encoding") == "chunked":
                content = await _read_chunks(reader)
            else:
                content = await reader.read()
        finally:
            writer.close()
        return Answer(status, headers, content)

    def _keep_cookie(self, value: str) -> None:
        pair, *attributes = value.split(";")
        name, _, cookie = pair.strip().partition("=")
        gone = any(
            a.strip().lower() in ("max-age=0", "max-age=-1") or "1970" in a for a in attributes
        )
        if gone or not cookie:
            self.cookies.pop(name, None)
        else:
            self.cookies[name] = cookie


async def _read_chunks(reader: asyncio.StreamReader) -> bytes:
    parts = []
    while size := int((await reader.readline()).split(b";")[0], 16):
        parts.append(await reader.readexactly(size))
        await reader.readline()
    await reader.readline()
    return b"".join(parts)


def seed(database_url: str, instance: Path) -> list[dict]:
    """Families with a network, each with a parent and a practitioner who can sign in."""
    from sqlmodel import Session

    from fgdm import migrations_check
    from fgdm.db import make_engine
    from fgdm.families import service as families_service
    from fgdm.network import service as network_service
    from fgdm.network.service import PersonInput

    settings = test_settings(database_url, instance)
    migrations_check.upgrade(settings)
    engine = make_engine(database_url)
    people = []
    with Session(engine, expire_on_commit=False) as db:
        for n in range(FAMILIES):
            setup = make_family(db, settings, name=f"Family {n}", team=f"Team {n % 3}")
            access = families_service.get_access(
                db, user=setup.practitioner, family_group_id=setup.id
            )
            actor = actor_for(settings, setup.practitioner)
            for i in range(15):
                network_service.add_person(
                    db,
                    actor=actor,
                    access=access,
                    data=PersonInput(known_as=f"Helper {i}", kind="family", closeness="close"),
                )
            db.commit()
            people.append({"login": setup.parent.login, "family": setup.id, "kind": "family"})
            people.append(
                {"login": setup.practitioner.login, "family": setup.id, "kind": "practitioner"}
            )
    engine.dispose()
    return people


def serve_app(database_url: str, instance: Path, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "FGDM_INSTANCE_DIR": str(instance),
        "FGDM_SECRET_KEY": SECRET,
        "FGDM_ENV": "test",
        "FGDM_ARGON2_MEMORY_KIB": "1024",
        "FGDM_ARGON2_TIME_COST": "1",
        "FGDM_LOGIN_MAX_FAILURES": "1000",
    }
    return subprocess.Popen(
        [str(ROOT / ".venv/bin/fgdm"), "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def serve_baseline(tmp: Path, port: int) -> subprocess.Popen:
    (tmp / "baseline_app.py").write_text(BASELINE_APP)
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "baseline_app:app",
            "--port",
            str(port),
            "--workers",
            "2",
            "--log-level",
            "warning",
        ],
        cwd=tmp,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def stop(server: subprocess.Popen) -> None:
    """Stops a server and its workers; a server stuck on a request is killed."""
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=15)


def wait_until_up(port: int, path: str = "/healthz") -> None:
    for _ in range(200):
        try:
            if httpx.get(f"http://127.0.0.1:{port}{path}", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"the server on port {port} did not start")


def workers_of(server: subprocess.Popen) -> list[int]:
    """The worker processes uvicorn started (not its multiprocessing helpers), alive."""
    out = subprocess.run(
        ["ps", "-o", "pid=,stat=,args=", "--ppid", str(server.pid)],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    workers = []
    for line in out.splitlines():
        pid, state, args = line.split(None, 2)
        if "spawn_main" in args and not state.startswith("Z"):
            workers.append(int(pid))
    return workers


async def sign_in(client: Browser, who: dict) -> None:
    page = await client.get("/login")
    token = CSRF.search(page.text).group(1)
    await client.post(
        "/login", data={"login": who["login"], "passphrase": PASSPHRASE, "csrf_token": token}
    )


async def person(
    n: int,
    client: Browser,
    who: dict,
    until: float,
    results: Results,
    killing: asyncio.Event,
    think: float,
) -> None:
    """Person `n`, signed in: reads and changes their family's pages, pausing between pages
    as a person reading a phone does (`think` seconds on average; 0 for none). Two people
    signed in as the same family member are still two people: each pauses and moves on in
    their own way (with one shared seed, they clicked the same page at the same instant)."""
    rng = random.Random(f"{n}-{who['login']}-{id(results)}")
    family = who["family"]
    if who["kind"] == "family":
        paths = [
            f"/families/{family}",
            f"/families/{family}/network",
            f"/families/{family}/safety-plan",
            f"/families/{family}/plan",
        ]
    else:
        paths = [
            "/caseload",
            f"/families/{family}",
            f"/families/{family}/network",
            f"/families/{family}/plan",
        ]
    step = rng.randrange(len(paths))
    while time.monotonic() < until:
        # A pause first: after signing in, as after any page, a person reads before going
        # on (and 50 people do not all click at the same moment).
        if think:
            await asyncio.sleep(rng.uniform(think * 0.5, think * 1.5))
        if time.monotonic() >= until:
            break
        step += 1
        try:
            if who["kind"] == "family" and step % 5 == 0:
                await write(client, family, results, plan=step % 10 == 0)
            else:
                path = paths[step % len(paths)]
                await timed(client.get(path), results, label=_page_label(path))
        except LoadError as exc:
            if killing.is_set():
                results.cut_off += 1
            else:
                results.errors.append(str(exc))


def _page_label(path: str) -> str:
    parts = path.strip("/").split("/")
    return "/".join("{id}" if part.isdigit() else part for part in parts) or "/"


async def timed(request, results: Results, label: str) -> Answer:
    started = time.perf_counter()
    response = await request
    elapsed = time.perf_counter() - started
    results.latencies.append(elapsed)
    results.by_page.setdefault(label, []).append(elapsed)
    if response.status >= 500 or response.status in (401, 403, 404, 409, 422):
        results.errors.append(f"{response.status} {label}")
    return response


async def write(client: Browser, family: int, results: Results, *, plan: bool) -> None:
    """Adds a person to the network, or an action to the family plan, with a unique
    marker: acknowledged (303) means it must be stored."""
    form = f"/families/{family}/plan/actions/new" if plan else f"/families/{family}/network"
    page = await client.get(form)
    token = CSRF.search(page.text).group(1)
    marker = f"Load {uuid.uuid4().hex[:12]}"
    if plan:
        path = f"/families/{family}/plan/actions"
        data = {"what": marker, "by_when": "Every Friday", "csrf_token": token}
    else:
        path = f"/families/{family}/network/people"
        data = {"known_as": marker, "kind": "friend", "closeness": "close", "csrf_token": token}
    response = await timed(client.post(path, data=data), results, label=f"POST {_page_label(path)}")
    if response.status == 303:
        results.acknowledged.append(marker)


async def drive(
    port: int, people: list[dict], users: int, seconds: float, think: float, server=None
) -> Results:
    """Everyone signs in first (not timed), then uses the app for `seconds`."""
    results = Results()
    killing = asyncio.Event()
    clients = [Browser(port) for _ in range(users)]
    who = [people[i % len(people)] for i in range(users)]
    signed_in = await asyncio.gather(
        *(sign_in(client, person_) for client, person_ in zip(clients, who, strict=True)),
        return_exceptions=True,
    )
    results.errors += [f"sign-in: {type(e).__name__}" for e in signed_in if e is not None]
    until = time.monotonic() + seconds
    tasks = [
        asyncio.create_task(person(n, client, person_, until, results, killing, think))
        for n, (client, person_, failed) in enumerate(zip(clients, who, signed_in, strict=True))
        if failed is None
    ]
    if server is not None:
        await asyncio.sleep(seconds / 2)
        victims = workers_of(server)
        if victims:
            killing.set()
            os.kill(victims[0], signal.SIGKILL)
            # Requests in flight on that worker fail; uvicorn replaces it.
            await asyncio.sleep(3)
            killing.clear()
            now = workers_of(server)
            print(f"    killed worker {victims[0]} with SIGKILL; workers now {now}")
    await asyncio.gather(*tasks)
    return results


async def drive_baseline(port: int, users: int, seconds: float, think: float) -> Results:
    results = Results()
    until = time.monotonic() + seconds

    async def one(n: int) -> None:
        rng = random.Random(n)
        client = Browser(port)
        while time.monotonic() < until:
            await timed(client.get("/"), results, "/")
            if think:
                await asyncio.sleep(rng.uniform(think * 0.5, think * 1.5))

    await asyncio.gather(*(one(n) for n in range(users)))
    return results


def check_after(database_url: str, acknowledged: list[str]) -> str:
    import sqlalchemy as sa

    from fgdm.db import make_engine

    engine = make_engine(database_url)
    with engine.connect() as conn:
        stored = set(conn.execute(sa.text("SELECT known_as FROM person")).scalars())
        stored |= set(conn.execute(sa.text("SELECT what FROM plan_action")).scalars())
        if database_url.startswith("sqlite"):
            integrity = conn.execute(sa.text("PRAGMA integrity_check")).scalar_one()
        else:
            conn.execute(sa.text("SELECT count(*) FROM person")).scalar_one()
            integrity = "ok (all tables readable)"
    engine.dispose()
    missing = [m for m in acknowledged if m not in stored]
    return (
        f"    acknowledged writes {len(acknowledged)}, missing after the run {len(missing)}; "
        f"integrity check: {integrity}"
    )


TICKS = os.sysconf("SC_CLK_TCK")


def processor_seconds(pid: int, *, reaped_children: bool = False) -> float:
    """Processor time a process has used (and, if asked, its children that have ended and
    been waited for: a killed worker's, once uvicorn has replaced it); 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    used = int(fields[11]) + int(fields[12])  # utime, stime
    if reaped_children:
        used += int(fields[13]) + int(fields[14])  # cutime, cstime
    return used / TICKS


def processor_used(server: subprocess.Popen, database_url: str) -> tuple[float, float, float]:
    """Processor seconds used so far by the app (uvicorn and its workers, living or ended),
    by PostgreSQL (every process of its user on this machine, living or ended: the
    connections of a killed worker end, and PostgreSQL's main process keeps their time)
    and by this program."""
    app = processor_seconds(server.pid, reaped_children=True)
    app += sum(processor_seconds(pid) for pid in workers_of(server))
    database = 0.0
    if not database_url.startswith("sqlite"):
        found = subprocess.run(["pgrep", "-u", "postgres"], capture_output=True, text=True)
        database = sum(
            processor_seconds(int(pid), reaped_children=True) for pid in found.stdout.split()
        )
    return app, database, time.process_time()


def processor_line(before: tuple, after: tuple, requests: int) -> str:
    """Processor time a request: on a machine whose cores the app shares with the database
    and this program, the p95 follows these figures, which vary from one run to the next."""
    app, database, this = (
        (b - a) * 1000 / max(requests, 1) for a, b in zip(before, after, strict=True)
    )
    server = f", PostgreSQL {database:.1f} ms" if database else ""
    return f"    processor time a request: app {app:.1f} ms{server}, this program {this:.1f} ms"


def run(label: str, database_url: str, tmp: Path, args: argparse.Namespace) -> tuple:
    """The people run (with a worker killed half-way), then the capacity run."""
    instance = tmp / f"instance-{label}"
    instance.mkdir()
    people = seed(database_url, instance)
    port = free_port()
    server = serve_app(database_url, instance, port)
    try:
        wait_until_up(port)
        before = processor_used(server, database_url)
        results = asyncio.run(drive(port, people, args.users, args.seconds, args.think, server))
        after = processor_used(server, database_url)
        print(results.line(f"fgdm on {label:10}", args.seconds))
        print(processor_line(before, after, len(results.latencies)))
        print(results.pages())
        print(check_after(database_url, results.acknowledged))
        capacity = asyncio.run(drive(port, people, args.users, args.capacity_seconds, 0))
        print(capacity.line(f"fgdm on {label:10} with no pauses", args.capacity_seconds))
    finally:
        stop(server)
    return results, capacity


def postgres_database(admin_url: str) -> tuple[str, Callable[[], None]]:
    import sqlalchemy as sa

    from fgdm.db import make_engine

    name = f"fgdm_bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(admin_url)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        drop_database(admin, name)
        admin.dispose()

    return admin_url.rsplit("/", 1)[0] + "/" + name, drop


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument(
        "--think", type=float, default=1.0, help="average pause between pages, in seconds"
    )
    parser.add_argument("--capacity-seconds", type=float, default=20)
    parser.add_argument("--only", choices=("sqlite", "postgresql"), default="")
    args = parser.parse_args()
    print(
        f"{args.users} simulated people for {args.seconds:.0f} s, each pausing "
        f"{args.think * 0.5:.1f}-{args.think * 1.5:.1f} s between pages; then "
        f"{args.capacity_seconds:.0f} s with no pauses (capacity); 2 workers, loopback"
    )
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        port = free_port()
        baseline = serve_baseline(tmp, port)
        try:
            wait_until_up(port, "/")
            base = asyncio.run(drive_baseline(port, args.users, args.seconds, args.think))
            base_capacity = asyncio.run(drive_baseline(port, args.users, args.capacity_seconds, 0))
        finally:
            stop(baseline)
        print(base.line("baseline (FastAPI + Jinja)", args.seconds))
        print(base_capacity.line("baseline with no pauses", args.capacity_seconds))
        runs: list[tuple[str, tuple]] = []
        if args.only != "postgresql":
            runs.append(("SQLite", run("SQLite", f"sqlite:///{tmp / 'load.db'}", tmp, args)))
        pg_url = os.environ.get("FGDM_BENCH_POSTGRES_URL") or os.environ.get(
            "FGDM_TEST_DATABASE_URL"
        )
        if pg_url and args.only != "sqlite":
            db_url, drop = postgres_database(pg_url)
            try:
                runs.append(("PostgreSQL", run("PostgreSQL", db_url, tmp, args)))
            finally:
                drop()
        else:
            print("PostgreSQL: not run (set FGDM_BENCH_POSTGRES_URL)")
        base_rate = len(base.latencies) / args.seconds
        base_capacity_rate = len(base_capacity.latencies) / args.capacity_seconds
        for label, (results, capacity) in runs:
            ratio = (len(results.latencies) / args.seconds) / base_rate if base_rate else 0
            p95 = sorted(results.latencies)[int(len(results.latencies) * 0.95)] * 1000
            capacity_ratio = (
                (len(capacity.latencies) / args.capacity_seconds) / base_capacity_rate
                if base_capacity_rate
                else 0
            )
            print(
                f"{label}: throughput {ratio:.2f} x the baseline's (target >= 0.5); "
                f"p95 {p95:.1f} ms (target <= 100); errors {len(results.errors)} (target 0); "
                f"with no pauses {capacity_ratio:.2f} x the baseline's capacity"
            )


if __name__ == "__main__":
    main()
