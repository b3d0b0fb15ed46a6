# Settings recognise the test run themselves (pytest-django imports them before this file);
# this only covers what is read at run time.
import os

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API + live_server
