"""What every page of the demo workspace (tests/pages.py's walk) must get right: no element
id twice (a repeated id makes a label name another form's field: the engagement page had
two `id_date` and two `id_description`, the invoice page two `id_amount` and two
`id_reason`), and no select offering Django's "---------"."""

from __future__ import annotations

import io
from collections import Counter
from html.parser import HTMLParser

import pytest
from django.core.management import call_command
from django_scopes import scopes_disabled

from accounts.models import User, Workspace
from tests.pages import detail_pages, parameterless_pages, public_pages


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: Counter[str] = Counter()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "id" and value:
                self.ids[value] += 1


def duplicate_ids(html: str) -> list[str]:
    parser = _Ids()
    parser.feed(html)
    return sorted(i for i, n in parser.ids.items() if n > 1)


def test_the_check_sees_a_duplicate():
    assert duplicate_ids('<p id="a"></p><input id="a"><b id="b">') == ["a"]


@pytest.fixture
def demo(db):
    call_command("seed_demo", stdout=io.StringIO())
    with scopes_disabled():
        return Workspace.objects.get(slug="demo"), User.objects.get(email="demo@portfolio.test")


def _every_page(client, demo) -> dict[str, str]:
    workspace, user = demo
    client.force_login(user)
    pages = parameterless_pages(workspace) + detail_pages(workspace)
    pages += public_pages(workspace, user)
    html = {}
    for path in pages:
        response = client.get(path)
        assert response.status_code < 500, path
        if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
            html[path] = response.content.decode()
    assert len(html) > 40, list(html)  # the walk found the pages
    return html


def test_no_page_repeats_an_id(client, demo):
    repeated = {
        path: found
        for path, body in _every_page(client, demo).items()
        if (found := duplicate_ids(body))
    }
    assert not repeated


def test_no_select_offers_dashes(client, demo):
    """An empty choice says what to choose ("Choose a client…"), never Django's
    "---------"."""
    dashes = [path for path, body in _every_page(client, demo).items() if "---------" in body]
    assert not dashes


def test_every_page_has_the_tab_icon(client, demo):
    """The client's invoice and proposal pages too (their own layout, public/layout.html)."""
    pages = _every_page(client, demo)
    assert any(p.startswith("/i/") for p in pages) and any(p.startswith("/p/") for p in pages)
    missing = [path for path, body in pages.items() if '<link rel="icon"' not in body]
    assert not missing
