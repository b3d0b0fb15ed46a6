"""Fixtures for the browser tests: a headless Debian Chromium driven by Playwright's sync API.

The tests skip (with the reason) when Chromium is not installed, so `make test` still runs on
a machine without a browser. We launch the system Chromium instead of a Playwright-downloaded
one: nothing is fetched at test time. Playwright's sync API runs an event loop in the test
thread while `live_server` serves from another thread; the root conftest sets
DJANGO_ALLOW_ASYNC_UNSAFE for that."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


def _chromium_path() -> str | None:
    if os.path.exists("/usr/bin/chromium"):
        return "/usr/bin/chromium"
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = _chromium_path()
    if path is None:
        pytest.skip(
            "Chromium is not installed (apt-get install -y chromium); "
            "browser tests need /usr/bin/chromium or `chromium` on PATH."
        )
    return path


@pytest.fixture(scope="session")
def chromium_browser(chromium_path: str) -> Iterator:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium_browser) -> Iterator:
    """A fresh browser context (no cookies) and page per test, desktop-sized."""
    context = chromium_browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def artifacts_dir() -> Path:
    """Screenshots land in tests/artifacts/ (gitignored)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
