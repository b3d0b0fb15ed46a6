"""The `ledger_check` fixture (tests/conftest.py) fails a test that leaves the ledger
inconsistent, runs before the database is rolled back or flushed, and can be opted out of.
Shown by running `planted_cases.py` in a pytest subprocess on a database of its own."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

CASES = Path(__file__).with_name("planted_cases.py")


@pytest.mark.slow
def test_the_fixture_fails_checked_tests_and_spares_unchecked_ones(tmp_path):
    url = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    name = settings.DATABASES["default"]["NAME"].removeprefix("test_")
    env = {**os.environ, "DATABASE_URL": f"{url}/{name}_fixture"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--basetemp={tmp_path}",
            str(CASES),
        ],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = result.stdout
    assert result.returncode == 1, out + result.stderr
    assert "ERROR at teardown of test_checked " in out, out
    assert "ERROR at teardown of test_checked_transactional" in out, out
    assert "the ledger is inconsistent after this test" in out
    assert "[planted] workspace None: the whole ledger: planted on purpose" in out
    assert "teardown of test_unchecked" not in out and "teardown of test_no_ledger_rows" not in out
    assert "4 passed, 2 errors" in out, out  # an error at teardown follows a passed call
