import time

# Filled by test_api_schema: how many requests the fuzzer sent, and from when.
SENT = {"requests": 0, "started": 0.0}


def pytest_terminal_summary(terminalreporter):
    if SENT["requests"]:
        seconds = time.monotonic() - SENT["started"]
        terminalreporter.write_line(
            f"API fuzzer (schemathesis): {SENT['requests']} requests in {seconds:.0f} s"
        )
