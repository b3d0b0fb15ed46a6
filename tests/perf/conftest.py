"""The browser fixtures of tests/browser (a headless system Chromium), for the invoice list's
screenshots here."""

from tests.browser.conftest import artifacts_dir, chromium_browser, chromium_path  # noqa: F401
