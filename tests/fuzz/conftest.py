# Filled by test_api_schema: how many requests the fuzzer sent, from its first to its last.
SENT = {"requests": 0, "started": 0.0, "last": 0.0}


def pytest_terminal_summary(terminalreporter):
    if SENT["requests"]:
        seconds = SENT["last"] - SENT["started"]
        terminalreporter.write_line(
            f"API fuzzer (schemathesis): {SENT['requests']} requests in {seconds:.0f} s"
        )
