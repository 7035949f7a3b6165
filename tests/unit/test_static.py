"""The front end keeps to the content security policy: the vendored htmx is the checked
file, htmx is locked down, and no template or stylesheet has inline script, inline
style, unescaped output or anything fetched from another site."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from fgdm.web import HTMX_FILE, STATIC_DIR, TEMPLATE_DIR

SRC_DIR = Path(__file__).resolve().parents[2] / "src" / "fgdm"
TEMPLATES = sorted(TEMPLATE_DIR.rglob("*.html"))
STYLESHEETS = sorted(STATIC_DIR.rglob("*.css"))
OWN_SCRIPTS = sorted(p for p in STATIC_DIR.rglob("*.js") if "vendor" not in p.parts)


def _rel(path: Path) -> str:
    return str(path.relative_to(SRC_DIR))


def test_there_are_templates_and_stylesheets_to_check():
    names = {_rel(p) for p in TEMPLATES}
    assert "templates/base.html" in names
    assert "templates/accounts/login.html" in names
    assert STYLESHEETS


def test_vendored_htmx_matches_the_checksum_in_the_readme():
    readme = (STATIC_DIR / "vendor" / "README.md").read_text()
    name = Path(HTMX_FILE).name
    row = next(line for line in readme.splitlines() if line.startswith(f"| {name} "))
    noted = re.search(r"\b([0-9a-f]{64})\b", row).group(1)
    actual = hashlib.sha256((STATIC_DIR / HTMX_FILE).read_bytes()).hexdigest()
    assert actual == noted


def test_every_vendored_file_is_listed_with_its_checksum():
    readme = (STATIC_DIR / "vendor" / "README.md").read_text()
    for path in (STATIC_DIR / "vendor").iterdir():
        if path.name == "README.md":
            continue
        row = next((line for line in readme.splitlines() if line.startswith(f"| {path.name} ")), "")
        assert hashlib.sha256(path.read_bytes()).hexdigest() in row, path.name


def test_htmx_is_configured_safely():
    page = BeautifulSoup((TEMPLATE_DIR / "base.html").read_text(), "html.parser")
    config = json.loads(page.select_one("meta[name=htmx-config]")["content"])
    assert config["allowEval"] is False
    assert config["selfRequestsOnly"] is True
    assert config["historyCacheSize"] == 0
    assert config["includeIndicatorStyles"] is False
    assert config.get("allowScriptTags") is False


def test_base_template_loads_the_vendored_htmx_from_this_site():
    page = BeautifulSoup((TEMPLATE_DIR / "base.html").read_text(), "html.parser")
    sources = [s["src"] for s in page.find_all("script")]
    assert "{{ static_url(htmx_file) }}" in sources
    assert all(src.startswith("{{ static_url(") for src in sources)


# What the content security policy forbids or the app never allows, in templates.
FORBIDDEN_IN_TEMPLATES = {
    "|safe filter": re.compile(r"\|\s*safe\b"),
    "Markup(": re.compile(r"\bMarkup\("),
    "autoescape off": re.compile(r"\{%-?\s*autoescape\s+false"),
    "inline style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "inline event handler": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "htmx inline handler": re.compile(r"\shx-on[:\-]", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
    "<style> element": re.compile(r"<style\b", re.IGNORECASE),
}
INLINE_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.IGNORECASE | re.DOTALL)
# An SVG namespace is a name, not a fetch.
EXTERNAL_URL = re.compile(r"(?:https?:)?//(?!www\.w3\.org/)[a-z0-9.-]+\.[a-z]{2,}", re.IGNORECASE)


@pytest.mark.parametrize("template", TEMPLATES, ids=_rel)
def test_template_has_no_inline_script_style_or_unescaped_output(template):
    text = template.read_text()
    for what, pattern in FORBIDDEN_IN_TEMPLATES.items():
        assert not pattern.search(text), f"{what} in {_rel(template)}"
    for attributes, body in INLINE_SCRIPT.findall(text):
        assert "src=" in attributes, f"script without src in {_rel(template)}"
        assert not body.strip(), f"inline script in {_rel(template)}"


@pytest.mark.parametrize("path", TEMPLATES + STYLESHEETS + OWN_SCRIPTS, ids=_rel)
def test_nothing_is_fetched_from_another_site(path):
    found = EXTERNAL_URL.findall(path.read_text())
    assert not found, f"{_rel(path)} refers to {found}"


def test_python_code_never_marks_text_as_safe_html():
    offenders = [
        _rel(path)
        for path in SRC_DIR.rglob("*.py")
        if re.search(r"\bMarkup\(|markupsafe|\|\s*safe\b", path.read_text())
    ]
    assert offenders == []


def test_the_forbidden_patterns_really_catch_what_they_are_for():
    samples = {
        "|safe filter": "{{ note|safe }}",
        "Markup(": "Markup(x)",
        "autoescape off": "{% autoescape false %}",
        "inline style attribute": '<p style="color:red">',
        "inline event handler": '<button onclick="go()">',
        "htmx inline handler": '<div hx-on:click="go()">',
        "javascript: URL": '<a href="javascript:go()">',
        "<style> element": "<style>p{}</style>",
    }
    for what, sample in samples.items():
        assert FORBIDDEN_IN_TEMPLATES[what].search(sample), what
    assert INLINE_SCRIPT.findall("<script>alert(1)</script>") == [("", "alert(1)")]
    assert EXTERNAL_URL.search('<link href="https://fonts.googleapis.com/css">')
    assert EXTERNAL_URL.search("url(//cdn.example.com/x.woff2)")
    assert not EXTERNAL_URL.search('<svg xmlns="http://www.w3.org/2000/svg">')
