"""Page weight of the network page with 60 people: HTML, CSS and JS as a phone on a slow
link would fetch them on first load, compressed with gzip. Target: <= 60 KB.

Run: .venv/bin/python bench/page_weight.py"""

from __future__ import annotations

import gzip
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import Browser, test_settings  # noqa: E402
from tests.factories import PASSPHRASE, actor_for, make_family  # noqa: E402

from fgdm import migrations_check  # noqa: E402
from fgdm.network.vocabulary import Closeness, Need, PersonKind  # noqa: E402

TARGET_KB = 60


def build(tmp: Path) -> tuple[Browser, str]:
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


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        browser, url = build(Path(tmp))
        html = browser.get(url).text
        assets = re.findall(r'(?:href|src)="(/static/[^"]+\.(?:css|js)\?v=[^"]+)"', html)
        rows = [("HTML (network page, 60 people)", html.encode())]
        for asset in assets:
            if "print.css" in asset:
                continue  # fetched only when printing
            rows.append((asset.split("?")[0], browser.get(asset).content))
        browser.__exit__(None, None, None)
    total_raw = total_gz = 0
    print(f"{'resource':<44} {'raw KB':>8} {'gzip KB':>8}")
    for name, body in rows:
        raw, packed = len(body) / 1024, len(gzip.compress(body, 6)) / 1024
        total_raw += raw
        total_gz += packed
        print(f"{name:<44} {raw:8.1f} {packed:8.1f}")
    print(f"{'total first load':<44} {total_raw:8.1f} {total_gz:8.1f}")
    verdict = "within" if total_gz <= TARGET_KB else "OVER"
    print(f"target <= {TARGET_KB} KB compressed: {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
