"""The main pages at 200% zoom (a 1280x800 screen is 640x400 CSS pixels) and on a 320 pixel
wide phone: the page never scrolls sideways and nothing is cut off (a wide table may scroll
inside its own box). With reduced motion asked for, nothing moves. Nothing is told by colour
alone."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from playwright.sync_api import Browser, Page, expect

from tests.browser.helpers import sign_in
from tests.browser.test_every_page import ROLES, Demo, demo_data, pages_for

pytestmark = pytest.mark.browser
__all__ = ["demo_data"]  # the fixture, used here too

MAIN_PAGES = [
    "families:list",
    "families:home",
    "journey:page",
    "network:page",
    "network:person",
    "safety:mapping",
    "safety_plan:page",
    "plans:page",
    "plans:new_action",
    "plan_decision:page",
    "stories:read",
    "meetings:meeting",
    "meeting_room:page",
    "voice:views",
    "caseload",
    "accounts:account",
]
SIZES = {"200% zoom": {"width": 640, "height": 400}, "320 wide": {"width": 320, "height": 640}}

# Elements reaching past the right edge of the window, other than inside a box that
# scrolls or clips on its own (a table in .table-wrap) or that is hidden from sight.
CUT_OFF = """() => {
  const width = document.documentElement.clientWidth;
  const scrolls = (el) => {
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      if (["auto", "scroll", "hidden", "clip"].includes(getComputedStyle(a).overflowX)) return true;
    }
    return false;
  };
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    const box = el.getBoundingClientRect();
    if (!box.width || !box.height || box.right <= width + 1 || scrolls(el)) continue;
    out.push(`${el.tagName.toLowerCase()}.${el.className} (${Math.round(box.right)}px)`);
  }
  return out.slice(0, 5);
}"""


def reflow_problems(page: Page, url: str) -> list[str]:
    page.goto(url)
    page.wait_for_load_state("load")
    wide = page.evaluate("document.documentElement.scrollWidth")
    window = page.evaluate("window.innerWidth")
    problems = []
    if wide > window:
        problems.append(f"{url} scrolls sideways: {wide}px wide in a {window}px window")
    cut = page.evaluate(CUT_OFF)
    if cut:
        problems.append(f"{url} has something cut off at the right: {', '.join(cut)}")
    return problems


@pytest.mark.parametrize("size", list(SIZES))
def test_main_pages_reflow_without_sideways_scrolling(
    app: FastAPI, demo_data: Demo, page: Page, new_phone, size: str
) -> None:
    addresses = pages_for(app, "practitioner", demo_data)
    signed_out = new_phone()
    signed_out.set_viewport_size(SIZES[size])
    problems = reflow_problems(signed_out, "/login")
    sign_in(page, *ROLES["practitioner"])
    page.set_viewport_size(SIZES[size])
    for route in MAIN_PAGES:
        problems += reflow_problems(page, addresses[route])
    assert not problems, "\n".join(problems)


MOVING = """() => {
  const moving = [];
  const seconds = (value) => Math.max(...value.split(",").map((v) => parseFloat(v) || 0));
  for (const el of document.querySelectorAll("*")) {
    for (const pseudo of [null, "::before", "::after"]) {
      const style = getComputedStyle(el, pseudo);
      if (seconds(style.transitionDuration) > 0 || seconds(style.animationDuration) > 0) {
        moving.push(`${el.tagName.toLowerCase()}.${el.className}${pseudo || ""}`);
      }
    }
  }
  return moving.slice(0, 5);
}"""


PROBE = """() => {
  const probe = document.createElement("div");
  probe.style.transition = "opacity 2s";
  probe.style.animation = "spin 2s infinite";
  document.body.append(probe);
  const style = getComputedStyle(probe);
  const found = [style.transitionDuration, style.animationDuration];
  probe.remove();
  return found;
}"""


def test_with_reduced_motion_nothing_moves(
    app: FastAPI, demo_data: Demo, chromium: Browser, live_server: str
) -> None:
    addresses = pages_for(app, "practitioner", demo_data)
    context = chromium.new_context(
        base_url=live_server, viewport={"width": 360, "height": 740}, reduced_motion="reduce"
    )
    try:
        page = context.new_page()
        sign_in(page, *ROLES["practitioner"])
        assert page.evaluate("matchMedia('(prefers-reduced-motion: reduce)').matches")
        # Something given a transition and an animation (as a future style might) is still.
        assert page.evaluate(PROBE) == ["0s", "0s"]
        problems = []
        for route in MAIN_PAGES:
            page.goto(addresses[route])
            moving = page.evaluate(MOVING)
            if moving:
                problems.append(f"{page.url} still moves: {', '.join(moving)}")
            smooth = page.evaluate("getComputedStyle(document.documentElement).scrollBehavior")
            if smooth != "auto":
                problems.append(f"{page.url} scrolls smoothly")
        assert not problems, "\n".join(problems)
    finally:
        context.close()


LEGEND_LINES = """() => [...document.querySelectorAll(".screen-only .ecomap__legend .ecomap__line")]
  .map((line) => [
    line.getAttribute("stroke-width"),
    line.getAttribute("stroke-dasharray") || "",
    line.getAttribute("stroke-linecap"),
    (line.getAttribute("d").match(/L/g) || []).length,
  ].join(" "))"""


def test_nothing_is_told_by_colour_alone(app: FastAPI, demo_data: Demo, page: Page) -> None:
    """Closeness lines in the map differ in width, dashes or shape, not colour alone; gaps
    say how serious they are in words; the stage and form errors are written out."""
    addresses = pages_for(app, "practitioner", demo_data)
    sign_in(page, *ROLES["practitioner"])

    page.goto(addresses["network:page"])
    styles = page.evaluate(LEGEND_LINES)
    assert len(styles) >= 4 and len(set(styles)) == len(styles), styles
    findings = page.locator(".finding")
    assert findings.count() > 0
    for severity in findings.locator(".finding__severity").all_inner_texts():
        assert severity.strip()

    page.goto(addresses["families:home"])
    expect(page.locator('[aria-current="step"]')).to_contain_text("We are here")

    page.goto(addresses["network:page"])
    page.get_by_role("button", name="Add to our map").click()
    page.locator(".error-summary").wait_for()
    fields = page.locator(".form-group--error")
    assert fields.count() > 0
    for text in fields.locator(".error-message").all_inner_texts():
        assert text.startswith("Error:") and len(text) > len("Error:") + 3
