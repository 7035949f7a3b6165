"""Page weight: what a phone downloads on its first visit to the sign-in page, the family
home, the network page and the family plan of the demo family (as a member of it sees
them, served by `fgdm serve`), and to the network page of a family with 60 people (as
their practitioner sees it). Counted as sent: pages and the app's own files gzip-compressed
(the app compresses them for browsers that ask).
Target: <= 60 KB for each first load.

Then, apart, what the service worker fetches after the first page has loaded, to keep the
app's files for offline use (in the background; it does not hold up the page).

Run: .venv/bin/python bench/page_weight.py"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import httpx2 as httpx
from bs4 import BeautifulSoup
from demo_server import demo_app

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import Browser, test_settings  # noqa: E402
from tests.factories import PASSPHRASE, actor_for, make_family  # noqa: E402

from fgdm import migrations_check  # noqa: E402
from fgdm.network.vocabulary import Closeness, Need, PersonKind  # noqa: E402

TARGET_KB = 60
GZIP = {"Accept-Encoding": "gzip, br"}
Get = Callable[..., httpx.Response]


def sent_bytes(response: httpx.Response) -> int:
    """The body's size as it went over the wire (compressed when it was)."""
    return int(response.headers.get("content-length") or response.num_bytes_downloaded)


def first_load(get: Get, path: str) -> list[tuple[str, int]]:
    """The page and everything it loads before it is shown: (what, bytes sent)."""
    page = get(path, headers=GZIP)
    if page.status_code != 200:
        raise SystemExit(f"{path} answered {page.status_code}")
    soup = BeautifulSoup(page.text, "html.parser")
    wanted: list[str] = []
    for link in soup.select("link[href]"):
        rel = set(link.get("rel", []))
        # The print stylesheet too: browsers fetch it at once, after the page is shown.
        if rel & {"stylesheet", "icon", "manifest"}:
            wanted.append(link["href"])
    wanted += [tag["src"] for tag in soup.select("script[src], img[src]")]
    rows = [("page (HTML)", sent_bytes(page))]
    for url in dict.fromkeys(u for u in wanted if u.startswith("/")):
        rows.append((url.split("?")[0], sent_bytes(get(url, headers=GZIP))))
    return rows


def service_worker_fetches(get: Get) -> list[tuple[str, int]]:
    """The worker's script and the files it keeps when it is installed."""
    script = get("/sw.js", headers=GZIP)
    if script.status_code != 200:
        return []
    from fgdm.pwa.routes import shell_files

    rows = [("/sw.js", sent_bytes(script))]
    rows += [
        (f"/static/{name}", sent_bytes(get(f"/static/{name}", headers=GZIP)))
        for name in shell_files()
    ]
    return rows


def sixty_people_network(tmp: Path) -> tuple[Browser, str]:
    """A family with 60 people in its network, and its practitioner signed in."""
    from sqlmodel import Session

    from fgdm.families import service as families_service
    from fgdm.main import create_app
    from fgdm.network import service as network_service
    from fgdm.network.service import PersonInput

    settings = test_settings(f"sqlite:///{tmp / 'bench.db'}", tmp)
    migrations_check.upgrade(settings)
    app = create_app(settings)
    with Session(app.state.engine, expire_on_commit=False) as db:
        setup = make_family(db, settings, children=("Aisha", "Leo"))
        access = families_service.get_access(db, user=setup.practitioner, family_group_id=setup.id)
        actor = actor_for(settings, setup.practitioner)
        kinds = list(PersonKind)
        closeness = [Closeness.close, Closeness.some_contact, Closeness.distant]
        needs = list(Need)
        for n in range(58):
            person = network_service.add_person(
                db,
                actor=actor,
                access=access,
                data=PersonInput(
                    known_as=f"Person number {n}",
                    kind=kinds[n % len(kinds)].value,
                    relationship_to_child="Family friend from the community centre",
                    area="Belgrave",
                    closeness=closeness[n % 3].value,
                ),
            )
            for k in range(n % 3):
                network_service.add_offer(
                    db,
                    actor=actor,
                    access=access,
                    person_id=person.id,
                    need=needs[(n + k) % len(needs)].value,
                    sureness="yes",
                    details="",
                    slots=set(),
                )
        db.commit()
        family_id = setup.id
        login = setup.practitioner.login
    browser = Browser(app)
    browser.__enter__()
    browser.sign_in(login, PASSPHRASE)
    return browser, f"/families/{family_id}/network"


def print_load(title: str, rows: list[tuple[str, int]]) -> float:
    print(title)
    for name, size in rows:
        print(f"  {name:<46} {size / 1024:7.1f} KB")
    total = sum(size for _name, size in rows) / 1024
    print(f"  {'total':<46} {total:7.1f} KB in {len(rows)} requests")
    return total


def main() -> int:
    totals: dict[str, float] = {}
    with demo_app() as demo:
        signed_in = httpx.Client(base_url=demo.base_url, cookies=demo.cookies)
        anonymous = httpx.Client(base_url=demo.base_url)
        with signed_in, anonymous:
            for name, path, needs_session in demo.pages():
                get = (signed_in if needs_session else anonymous).get
                totals[name] = print_load(f"First load: {name} ({path})", first_load(get, path))
            worker = service_worker_fetches(signed_in.get)
    with tempfile.TemporaryDirectory() as tmp:
        browser, url = sixty_people_network(Path(tmp))
        name = "network, 60 people"
        totals[name] = print_load(
            f"First load: {name} (a practitioner)", first_load(browser.get, url)
        )
        browser.__exit__(None, None, None)
    if worker:
        print()
        kept = sum(size for _name, size in worker) / 1024
        print(
            f"The service worker then fetches {kept:.1f} KB in {len(worker)} requests in the"
            " background (its script and the app's files it keeps for offline use)."
        )
    print()
    print(f"{'first load':<24} {'KB sent':>8}")
    for name, total in totals.items():
        print(f"{name:<24} {total:8.1f}")
    heaviest = max(totals, key=totals.__getitem__)
    verdict = "within" if totals[heaviest] <= TARGET_KB else "OVER"
    print(f"target <= {TARGET_KB} KB compressed: {verdict} (heaviest: {heaviest})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
