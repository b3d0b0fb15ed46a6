# Loaded before Django: the suite runs with test-friendly settings (no SECRET_KEY needed,
# console email, no HTTPS redirects) whatever the shell exported.
import os

os.environ["PORTFOLIO_TESTING"] = "1"
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API + live_server
