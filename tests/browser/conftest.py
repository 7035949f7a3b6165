"""Browser tests: the app served by uvicorn on a free local port, driven by Debian's Chromium
through Playwright at phone size, with axe-core checking WCAG 2.2 AA on every page visited
and any console error or content-security-policy violation failing the test."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Response,
    sync_playwright,
)

from tests.browser import helpers

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PHONE = {"width": 360, "height": 740}

# Every page gets this before its own scripts run: the app's pages must never trip the CSP.
CSP_WATCH = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.fgdmReportCspViolation(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline code"}`
    + ` in ${event.sourceFile || document.location.pathname}:${event.lineNumber}`
  );
});
"""


@pytest.fixture
def live_server(app: FastAPI) -> Iterator[str]:
    """The test's app served by uvicorn in a thread; yields its base URL."""
    # Binding the socket here (port 0) avoids two test workers racing for the same port.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            pytest.fail("The app did not start under uvicorn; see the log above.")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """One headless Chromium per test process."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"Browser tests need Debian's Chromium at {CHROMIUM}, and it is missing. "
            "Install it with `apt-get install chromium` (do not download a browser with "
            "`playwright install`).",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@dataclass
class Phones:
    """The browser contexts a test opened (one per person's phone) and every console
    error, uncaught script error and CSP violation seen in any of them."""

    browser: Browser
    base_url: str
    contexts: list[BrowserContext] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    console_errors: list[tuple[str, str]] = field(default_factory=list)
    error_documents: set[str] = field(default_factory=set)
    opened: int = 0

    def open(self, *, javascript: bool = True) -> Page:
        """A new phone: its own cookies, 360x740, British English."""
        context = self._new_context(javascript=javascript)
        page = context.new_page()
        self.opened += 1
        number = self.opened
        page.on("console", lambda message: self._console(number, message))
        page.on("pageerror", lambda error: self.problems.append(f"phone {number}: {error}"))
        page.on("response", self._response)
        page.expose_function(
            "fgdmReportCspViolation",
            lambda text: self.problems.append(f"phone {number}: CSP violation: {text}"),
        )
        page.add_init_script(CSP_WATCH)
        if not javascript:
            # axe-core needs timers, which do not run with scripts off: it checks a copy of
            # the page's document in a phone with scripts on.
            helpers.check_in_copy(page, self._new_context(javascript=True).new_page())
        return page

    def _new_context(self, *, javascript: bool) -> BrowserContext:
        context = self.browser.new_context(
            base_url=self.base_url,
            viewport=PHONE,
            screen=PHONE,
            locale="en-GB",
            is_mobile=True,
            has_touch=True,
            java_script_enabled=javascript,
        )
        context.set_default_timeout(10_000)
        self.contexts.append(context)
        return context

    def _console(self, number: int, message: ConsoleMessage) -> None:
        if message.type == "error":
            url = message.location.get("url", "")
            self.console_errors.append((url, f"phone {number}: {message.text} ({url})"))

    def _response(self, response: Response) -> None:
        # A page answered with an error status on purpose (a form sent back with its
        # problems, a page not found) is logged by Chromium as a failed load; that is not
        # a fault of the page itself. A script or stylesheet that fails to load still is.
        # htmx sends a form with fetch, and gets back the same pages the same way (a form
        # with its problems, a conflict page), which it shows in place of the page.
        kind = response.request.resource_type
        is_page = response.headers.get("content-type", "").startswith("text/html")
        if response.status >= 400 and (
            kind == "document" or (kind in ("fetch", "xhr") and is_page)
        ):
            self.error_documents.add(response.url)

    def check(self) -> None:
        """Fails the test if any phone logged an error or hit the CSP."""
        for context in self.contexts:
            for page in context.pages:
                if not page.is_closed():
                    # Lets late events (the CSP report fires asynchronously) arrive.
                    page.wait_for_timeout(50)
        problems = list(self.problems)
        for url, text in self.console_errors:
            if url in self.error_documents and "Failed to load resource" in text:
                continue
            problems.append(text)
        if problems:
            pytest.fail("The browser reported problems:\n  " + "\n  ".join(problems), pytrace=False)

    def close(self) -> None:
        for context in self.contexts:
            for page in context.pages:
                helpers.forget_copy(page)
            context.close()


@pytest.fixture
def phones(chromium: Browser, live_server: str) -> Iterator[Phones]:
    rack = Phones(browser=chromium, base_url=live_server)
    yield rack
    rack.close()


@pytest.fixture
def page(phones: Phones) -> Page:
    """The first person's phone."""
    return phones.open()


@pytest.fixture
def new_phone(phones: Phones) -> Callable[..., Page]:
    """Opens another phone (a second person, or the same person with JavaScript off)."""
    return phones.open


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """After a test that passed, fail it if a phone logged an error or hit the CSP."""
    result = yield
    rack = getattr(item, "funcargs", {}).get("phones")
    if isinstance(rack, Phones):
        rack.check()
    return result
