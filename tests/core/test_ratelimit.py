"""The public-link limiter is a sliding window: at most `limit` requests in *any* window
of `window` seconds, whatever the calendar says, and its Retry-After is the true wait."""

import pytest

from core.ratelimit import PUBLIC_RATE_LIMIT, PUBLIC_RATE_WINDOW, admit

pytestmark = pytest.mark.django_db


def _get(client, path="/i/guess/", address="203.0.113.7"):
    return client.get(path, REMOTE_ADDR=address)


def test_a_minute_boundary_buys_no_fresh_budget(client, one_rate_window):
    """The audit's finding: 59 of 103 requests passed in 6.5 s across a minute boundary,
    because buckets were calendar minutes. The clock starts at second 59."""
    passed = 0
    for _ in range(103):
        passed += _get(client).status_code != 429
        one_rate_window.advance(0.063)  # 103 requests in 6.5 s
    assert passed == PUBLIC_RATE_LIMIT


def test_retry_after_is_the_true_wait(client, one_rate_window):
    for _ in range(PUBLIC_RATE_LIMIT):
        assert _get(client).status_code == 404
        one_rate_window.advance(1)
    # The first request was 30 s ago: it leaves the window in another 30 s.
    refused = _get(client)
    assert refused.status_code == 429 and refused["Retry-After"] == "30"
    assert b"Try again in 30 seconds" in refused.content
    one_rate_window.advance(29.5)
    assert _get(client)["Retry-After"] == "1"  # rounded up, never 0
    one_rate_window.advance(0.5)
    assert _get(client).status_code == 404  # the oldest has left: one slot, no more
    assert _get(client).status_code == 429


def test_refused_requests_do_not_extend_the_wait(client, one_rate_window):
    for _ in range(PUBLIC_RATE_LIMIT):
        _get(client)
    for _ in range(50):
        assert _get(client).status_code == 429
        one_rate_window.advance(1)
    one_rate_window.advance(PUBLIC_RATE_WINDOW - 50)
    assert _get(client).status_code == 404


def test_each_key_has_its_own_window(one_rate_window):
    for _ in range(3):
        assert admit("test:a", limit=3, window=10) == 0
    assert admit("test:a", limit=3, window=10) == 10
    assert admit("test:b", limit=3, window=10) == 0


def test_concurrent_workers_never_share_the_last_slot(one_rate_window):
    """Admission is one Redis script: 40 threads racing for 30 slots get exactly 30."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=8) as pool:
        waits = list(pool.map(lambda _: admit("test:race", limit=30, window=60), range(40)))
    assert waits.count(0) == 30
