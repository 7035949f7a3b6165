"""The demo as `make run` serves it, for the page benchmarks (bench/lighthouse.py,
bench/page_weight.py): migrate and load the demo into a new SQLite database in a
temporary instance folder, serve it with `fgdm serve` on a free local port, and sign in
over HTTP as Nadia, a member of the demo's Begum-Clarke family.

Run on its own, it starts the demo, prints the four pages the benchmarks measure, and
stops. Run: .venv/bin/python bench/demo_server.py"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx2 as httpx

FGDM = Path(sys.executable).with_name("fgdm")
FAMILY_MEMBER = "nadia"
FAMILY_NAME = "The Begum-Clarke family"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Demo:
    base_url: str
    family_id: int
    cookies: dict[str, str]  # a signed-in family member's session

    @property
    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def pages(self) -> list[tuple[str, str, bool]]:
        """The measured pages: (name, path, needs the family member's session)."""
        family = f"/families/{self.family_id}"
        return [
            ("sign-in", "/login", False),
            ("family home", family, True),
            ("network", f"{family}/network", True),
            ("family plan", f"{family}/plan", True),
        ]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _passphrase(login: str) -> str:
    from fgdm import demo

    return next(p for user, _name, _role, p in demo.FAMILY_USERS if user == login)


def sign_in(base_url: str, login: str, passphrase: str) -> dict[str, str]:
    """Signs in through the sign-in form, as a browser would; returns the cookies."""
    with httpx.Client(base_url=base_url, follow_redirects=False, timeout=30) as client:
        token = CSRF.search(client.get("/login").text).group(1)
        answer = client.post(
            "/login", data={"login": login, "passphrase": passphrase, "csrf_token": token}
        )
        if answer.status_code != 303:
            raise SystemExit(f"signing in as {login} failed: {answer.status_code}")
        return dict(client.cookies.items())


def _family_id(base_url: str, cookies: dict[str, str]) -> int:
    with httpx.Client(base_url=base_url, cookies=cookies, follow_redirects=True) as client:
        html = client.get("/families").text
    found = re.search(r'href="/families/(\d+)"[^>]*>\s*' + re.escape(FAMILY_NAME), html)
    if not found:
        found = re.search(r'href="/families/(\d+)"', html)
    if not found:
        raise SystemExit(f"no family group found for {FAMILY_MEMBER}")
    return int(found.group(1))


@contextmanager
def demo_app() -> Iterator[Demo]:
    """The demo served in a temporary instance folder; stopped and removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="fgdm-bench-") as tmp:
        env = {
            **os.environ,
            "FGDM_INSTANCE_DIR": tmp,
            "DATABASE_URL": f"sqlite:///{tmp}/fgdm.db",
            "FGDM_ENV": "development",
        }
        env.pop("FGDM_DEMO", None)
        quiet = {"env": env, "check": True, "stdout": subprocess.DEVNULL}
        subprocess.run([str(FGDM), "migrate"], **quiet)
        subprocess.run([str(FGDM), "demo"], **{**quiet, "env": {**env, "FGDM_DEMO": "1"}})
        port = _free_port()
        server = subprocess.Popen(
            [str(FGDM), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_up(base_url, server)
            cookies = sign_in(base_url, FAMILY_MEMBER, _passphrase(FAMILY_MEMBER))
            served = Demo(base_url, _family_id(base_url, cookies), cookies)
            warm_up(served)
            yield served
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def warm_up(demo: Demo) -> None:
    """Asks once for each measured page and the files every page loads, as a server in use
    has been asked: the first request to each route after start-up is slow (FastAPI
    prepares a route when it is first matched), which is not what a phone meets."""
    with httpx.Client(base_url=demo.base_url, cookies=demo.cookies) as client:
        for _name, path, _signed_in in demo.pages():
            client.get(path)
        for path in ("/manifest.webmanifest", "/sw.js", "/offline", "/healthz"):
            client.get(path)


def _wait_until_up(base_url: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("fgdm serve stopped before it answered")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit("fgdm serve did not answer within 30 seconds")


def main() -> int:
    with demo_app() as demo:
        print(f"The demo answered at {demo.base_url}, signed in as {FAMILY_MEMBER}:")
        for name, path, _signed_in in demo.pages():
            print(f"  {name:<12} {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
