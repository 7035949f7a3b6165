"""A pytest plugin: everything the app logs during the whole test run, formatted as in
production, is scanned at the end for personal data — the passphrases, names, addresses
and phone numbers the tests type, sign-in names, and invite, session, CSRF and API tokens.
One line with any of them fails the run (with xdist, each worker scans its own log and the
main process adds up what they found)."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import tempfile
from pathlib import Path

import pytest

from fgdm.logs import JsonFormatter

SCAN_DIR = "FGDM_TEST_LOG_SCAN_DIR"
# Values the tests and the demo type into the app; none may reach a log line.
TYPED = (
    "correct horse battery staple",
    "demo blue kettle morning",
    "demo sunflower harbour tea",
    "Sara Test",
    "1 Old Road",
    "Zanele Qwertyson",
    "17 Sentinel Road",
    "07700 900",
    "Nadia Begum",
    "Dad shouted",
)
PATTERNS = (
    re.compile(r"/join/[A-Za-z0-9_\-]{16,}"),  # an invite link's token
    re.compile(r"(?i)bearer\s+[A-Za-z0-9_.\-]{8,}"),  # an API token
    re.compile(r"fgdm_session=|csrf_token="),  # cookies and form tokens
    re.compile(r"[A-Za-z0-9._%+\-]+@[a-z]+\.example\.org"),  # a sign-in name
)

_stream = io.StringIO()
_handler = logging.StreamHandler(_stream)
_handler.setFormatter(JsonFormatter())


def problems_in(text: str) -> list[str]:
    """The log lines that hold personal data or a secret."""
    found = []
    for line in text.splitlines():
        if any(value in line for value in TYPED) or any(p.search(line) for p in PATTERNS):
            found.append(line[:500])
    return found


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def pytest_configure(config: pytest.Config) -> None:
    if not _is_worker(config):
        # Workers are started after this, so they inherit where to write what they found.
        os.environ[SCAN_DIR] = tempfile.mkdtemp(prefix="fgdm-log-scan-")
    logging.getLogger().addHandler(_handler)
    logging.getLogger("fgdm").setLevel(logging.DEBUG)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    logging.getLogger().removeHandler(_handler)
    folder = Path(os.environ[SCAN_DIR])
    name = session.config.workerinput["workerid"] if _is_worker(session.config) else "main"
    text = _stream.getvalue()
    (folder / f"{name}.json").write_text(
        json.dumps({"lines": len(text.splitlines()), "problems": problems_in(text)})
    )
    if _is_worker(session.config):
        return
    lines, problems = 0, []
    for path in folder.glob("*.json"):
        found = json.loads(path.read_text())
        lines += found["lines"]
        problems += found["problems"]
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter:
        reporter.ensure_newline()
    if problems:
        if reporter:
            reporter.write_line("Personal data or secrets in the app's logs:", red=True)
            for line in problems[:20]:
                reporter.write_line("  " + line)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    elif reporter and lines:
        reporter.write_line(f"Logs of the whole run scanned: {lines} lines, no personal data.")
