"""Lighthouse on a family's phone: the sign-in page, the family home, the network page and
the family plan of the demo family, as a member of it sees them, with Lighthouse's mobile
settings (its default phone screen and throttling of a slow 4G link and a slow CPU) and
Debian's Chromium. Prints each page's performance, accessibility and best-practices
scores, what went over the wire on first load and how many requests; then whether the
targets are met: accessibility 100, performance >= 95, best practices >= 95, first load
<= 60 KB compressed. Then, with Playwright and the same Chromium, how many of a page's
requests the service worker answers on a repeat visit.

Lighthouse (pinned in bench/lighthouse/package-lock.json; version 12 runs on Node 18.16
or newer) is installed with `npm ci` into bench/lighthouse/node_modules when missing.

Lighthouse's performance score depends on how busy the machine is: run it on a quiet
machine, several times (--runs 3 keeps the median run of each page).

Run: .venv/bin/python bench/lighthouse.py [--runs 3] [--keep FOLDER]"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from demo_server import Demo, demo_app

HERE = Path(__file__).resolve().parent
LIGHTHOUSE_DIR = HERE / "lighthouse"
LIGHTHOUSE = LIGHTHOUSE_DIR / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = "/usr/bin/chromium"
# The machine's network is closed: nothing in the browser may try to reach outside.
CHROME_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
CATEGORIES = ("performance", "accessibility", "best-practices")
TARGETS = {"performance": 95, "accessibility": 100, "best-practices": 95}
FIRST_LOAD_KB = 60
# Whether the page's service worker becomes active within ten seconds.
WORKER_READY = """async () => {
  if (!("serviceWorker" in navigator)) return false;
  const late = new Promise((resolve) => setTimeout(() => resolve(false), 10000));
  return Promise.race([navigator.serviceWorker.ready.then(() => true), late]);
}"""


@dataclass
class Result:
    page: str
    scores: dict[str, int]
    transfer_kb: float  # everything that went over the wire, as sent (compressed or not)
    requests: int
    losing: list[str]  # audits that cost points, for finding out why
    benchmark_index: float  # Lighthouse's measure of how fast this machine was just then


def install_lighthouse() -> None:
    if LIGHTHOUSE.exists():
        return
    print("Installing Lighthouse (npm ci in bench/lighthouse) ...", flush=True)
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=LIGHTHOUSE_DIR, check=True)


ATTEMPTS = 3


def run_lighthouse(url: str, cookie: str | None, out: Path) -> dict:
    command = [
        str(LIGHTHOUSE),
        url,
        "--output=json",
        f"--output-path={out}",
        f"--only-categories={','.join(CATEGORIES)}",
        f"--chrome-flags={' '.join(CHROME_FLAGS)}",
        "--quiet",
    ]
    if cookie:
        command.append(f"--extra-headers={json.dumps({'Cookie': cookie})}")
    env = {**os.environ, "CHROME_PATH": CHROMIUM}
    # Lighthouse sometimes fails to record its trace of a load (NO_NAVSTART): try again.
    for attempt in range(1, ATTEMPTS + 1):
        if subprocess.run(command, env=env, check=attempt == ATTEMPTS).returncode == 0:
            break
        print(f"  Lighthouse failed; trying again ({attempt + 1} of {ATTEMPTS})", flush=True)
    return json.loads(out.read_text())


def summarise(page: str, report: dict) -> Result:
    categories = report["categories"]
    scores = {name: round((categories[name]["score"] or 0) * 100) for name in CATEGORIES}
    items = report["audits"]["network-requests"]["details"]["items"]
    losing = []
    for name in CATEGORIES:
        for ref in categories[name]["auditRefs"]:
            audit = report["audits"][ref["id"]]
            if ref["weight"] > 0 and audit["score"] is not None and audit["score"] < 1:
                value = audit.get("displayValue", "")
                losing.append(f"{name}: {audit['id']} ({audit['score']:.2f}) {value}".strip())
    return Result(
        page=page,
        scores=scores,
        transfer_kb=sum(item.get("transferSize", 0) for item in items) / 1024,
        requests=len(items),
        losing=losing,
        benchmark_index=report["environment"].get("benchmarkIndex", 0),
    )


def repeat_visit(demo: Demo) -> tuple[list[tuple[str, int, int]], list[str]]:
    """Loads each page twice in one phone; counts the repeat's requests and how many of them
    the service worker answered. Also asks Chromium whether the app can be installed
    (Lighthouse 12 has no PWA category any more; this is the check it used)."""
    from playwright.sync_api import sync_playwright

    rows = []
    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as profile:
        # A browser profile of its own: Chromium never offers to install from a private
        # window, which is what a plain Playwright context is.
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            args=CHROME_FLAGS[1:],
            headless=True,
            base_url=demo.base_url,
            viewport={"width": 360, "height": 740},
            is_mobile=True,
            has_touch=True,
        )
        context.add_cookies(
            [
                {"name": name, "value": value, "url": demo.base_url}
                for name, value in demo.cookies.items()
            ]
        )
        page = context.new_page()
        seen: list = []
        page.on("response", lambda response: seen.append(response))
        for name, path, _signed_in in demo.pages()[1:]:
            page.goto(path)
            if page.evaluate(WORKER_READY):
                # The first visit's page is taken over by the worker once it is active.
                page.wait_for_function("() => navigator.serviceWorker.controller !== null")
            seen.clear()
            page.goto(path)
            page.wait_for_load_state("load")
            from_worker = sum(1 for response in seen if response.from_service_worker)
            rows.append((name, len(seen), from_worker))
        cdp = context.new_cdp_session(page)
        found = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
        problems = [error["errorId"] for error in found]
        context.close()
    return rows, problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--runs", type=int, default=1, help="runs per page; the median by performance is kept"
    )
    parser.add_argument("--keep", type=Path, help="a folder to keep Lighthouse's JSON reports in")
    args = parser.parse_args()
    install_lighthouse()
    results: list[Result] = []
    with demo_app() as demo, tempfile.TemporaryDirectory() as tmp:
        for name, path, signed_in in demo.pages():
            print(f"Lighthouse: {name} ({path}) ...", flush=True)
            cookie = demo.cookie_header if signed_in else None
            runs = []
            for run in range(args.runs):
                out = Path(tmp) / f"{name.replace(' ', '-')}-{run + 1}.json"
                runs.append(summarise(name, run_lighthouse(demo.base_url + path, cookie, out)))
                if args.keep:
                    args.keep.mkdir(parents=True, exist_ok=True)
                    shutil.copy(out, args.keep / out.name)
            middle = statistics.median_low(r.scores["performance"] for r in runs)
            results.append(next(r for r in runs if r.scores["performance"] == middle))
        repeats, install_problems = repeat_visit(demo)

    print()
    print(f"{'page':<12} {'perf':>5} {'a11y':>5} {'best':>5} {'sent KB':>8} {'requests':>9}")
    for r in results:
        s = r.scores
        print(
            f"{r.page:<12} {s['performance']:>5} {s['accessibility']:>5}"
            f" {s['best-practices']:>5} {r.transfer_kb:8.1f} {r.requests:>9}"
        )
    print("(sent KB: what went over the wire on a first visit, headers included, compressed")
    print(" where it was: pages and the app's own files are)")
    speed = ", ".join(f"{r.benchmark_index:.0f}" for r in results)
    load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
    print(f"Lighthouse's benchmark index of this machine: {speed}; load average {load}.")
    print("(Its CPU throttling assumes a machine of about 1000 or more: below that, and on a")
    print(" busy machine, scripts and layout count as slower than on a real phone.)")
    print()
    print("Targets:")
    met_all = True
    for category, target in TARGETS.items():
        worst = min(r.scores[category] for r in results)
        met = worst >= target
        met_all &= met
        print(f"  {category:<15} >= {target:<4} lowest {worst:>4}: {'met' if met else 'NOT met'}")
    heaviest = max(results, key=lambda r: r.transfer_kb)
    met = heaviest.transfer_kb <= FIRST_LOAD_KB
    met_all &= met
    print(
        f"  first load      <= {FIRST_LOAD_KB} KB heaviest {heaviest.transfer_kb:.1f} KB"
        f" ({heaviest.page}): {'met' if met else 'NOT met'}"
    )
    for r in results:
        for line in r.losing:
            print(f"    {r.page}: {line}")
    print()
    print("A repeat visit (the same phone loads the page again):")
    for name, requests, from_worker in repeats:
        print(f"  {name:<12} {from_worker} of {requests} requests answered by the service worker")
    answered = all(from_worker > 0 for _name, _requests, from_worker in repeats)
    met_all &= answered
    print(f"  loads from the service worker: {'met' if answered else 'NOT met'}")
    print()
    installable = not install_problems
    met_all &= installable
    said = "none" if installable else ", ".join(install_problems)
    print(f"Installable in Chromium (its installability errors: {said}):", end=" ")
    print("met" if installable else "NOT met")
    print()
    print("All targets met." if met_all else "Some targets are not met (see above).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
