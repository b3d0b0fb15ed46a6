"""The Content-Security-Policy without a browser: every HTML page carries the header, the
nonce in the header is the one the page's scripts and styles carry, and no template brings
back what the policy forbids (an un-nonced inline script or <style>, an inline event
handler, a style="" attribute). tests/browser/test_csp.py checks the same in Chromium."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.production import routes

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"

REQUIRED = (
    "default-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
)


def _directives(header: str) -> dict[str, str]:
    return {
        part.split(" ", 1)[0]: part.split(" ", 1)[1] if " " in part else ""
        for part in (p.strip() for p in header.split(";"))
        if part
    }


def _assert_policy(response, where: str) -> None:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"{where}: no Content-Security-Policy"
    for directive in REQUIRED:
        assert directive in header, f"{where}: {directive} missing from {header}"
    directives = _directives(header)
    assert "'unsafe-inline'" not in directives["script-src"], where
    assert "'unsafe-eval'" not in directives["script-src"], where


def _simple_routes() -> list[str]:
    """Every page route whose only parameter (if any) is the workspace slug: the index
    pages, forms and lists of each app, as `{ws}`-templated paths."""

    found = []
    for route in routes():
        if route.startswith(("api/v1/", "admin/", "^", "accounts/^")) or "(?P" in route:
            continue
        route = route.replace("<slug:workspace>", "{ws}")
        if "<" in route:
            continue
        found.append("/" + route)
    return found


def test_every_html_page_carries_the_policy(client, personas):
    """Signed in as a workspace owner, every parameterless page (and each workspace page
    of the owner's workspace) that answers HTML has the policy."""
    client.force_login(personas.alice)
    checked = []
    for route in _simple_routes():
        path = route.format(ws=personas.a.slug)
        if path.endswith((".csv", "/logout/")) or path == "/healthz":  # JSON, needs a worker
            continue
        response = client.get(path)
        assert response.status_code < 500, path
        if response.headers.get("Content-Type", "").startswith("text/html"):
            _assert_policy(response, path)
            checked.append(path)
    assert len(checked) > 30, checked  # the walk found the pages


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/nowhere/", "/api/docs/"])
def test_signed_out_pages_and_the_404_carry_the_policy(client, db, path):
    _assert_policy(client.get(path), path)


def test_the_page_nonce_is_the_header_nonce(client, personas):
    """The nonce changes per response, and the page's inline scripts and styles carry the
    one its header allows."""
    client.force_login(personas.alice)
    first = client.get("/api/docs/")
    second = client.get("/api/docs/")
    nonces = []
    for response in (first, second):
        match = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"])
        assert match, response.headers["Content-Security-Policy"]
        nonces.append(match.group(1))
        assert f'<style nonce="{match.group(1)}">' in response.content.decode()
    assert nonces[0] != nonces[1]


# --- The templates: what the policy would block must not be written ----------------------


# Email bodies are not web pages (mail clients ignore <style> and external CSS, so their
# styles are inline on purpose) and the policy never applies to them.
def _page_templates() -> list[Path]:
    return [
        path
        for path in sorted(TEMPLATES.rglob("*.html"))
        if "email" not in path.relative_to(TEMPLATES).parts
    ]


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*\bnonce=)(?![^>]*application/json)")
STYLE_ELEMENT = re.compile(r"<style(?![^>]*\bnonce=)[\s>]")
EVENT_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)
STYLE_ATTRIBUTE = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I)


def test_templates_have_no_inline_code_the_policy_blocks():
    problems = []
    for path in _page_templates():
        text = re.sub(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", "", path.read_text(), flags=re.S)
        text = re.sub(r"{#.*?#}", "", text)
        name = path.relative_to(TEMPLATES)
        for what, pattern in (
            ("inline <script> without a nonce", INLINE_SCRIPT),
            ("<style> without a nonce", STYLE_ELEMENT),
            ("inline event handler", EVENT_HANDLER),
            ('style="" attribute', STYLE_ATTRIBUTE),
        ):
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                problems.append(f"{name}:{line}: {what}")
    # The ReDoc page's <style> is the one allowed (its route allows inline styles).
    problems = [p for p in problems if not p.startswith("drf_spectacular/redoc.html")]
    assert problems == [], "\n".join(problems)


def test_the_template_guard_sees_what_it_guards():
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert not INLINE_SCRIPT.search('<script nonce="{{ request.csp_nonce }}">')
    assert not INLINE_SCRIPT.search('<script src="/static/js/app.js" defer></script>')
    assert STYLE_ELEMENT.search("<style>p{}</style>")
    assert EVENT_HANDLER.search('<form onsubmit="return confirm()">')
    assert not EVENT_HANDLER.search('<button data-confirm="Sure?">')
    assert STYLE_ATTRIBUTE.search('<span style="width:3%">')
