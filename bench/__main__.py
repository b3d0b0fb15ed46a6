"""`python -m bench` (what `make bench` runs): every benchmark in sequence, each beside its
floor in the same run, printed as one report — a header saying where it ran (date,
commit, PostgreSQL, CPUs, load), each benchmark's tables as it finishes, and a last table
of what ran, how long it took and whether it passed.

Each benchmark runs in a process of its own (the page bench sets production's settings
before Django starts; the others keep the caller's), against DATABASE_URL / REDIS_URL,
migrated first. Every benchmark rolls its writes back.

Knobs (environment): BENCH_QUICK=1 for a run of a couple of minutes at small sizes;
SIZES=200,10000 for the page bench's sizes; N (recurring invoices), POSTINGS (ledger),
EVENTS (webhooks) for the others; ONLY=pages,ledger to run some. The exit status is
non-zero if any benchmark failed, after all of them ran."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


def benches(quick: bool) -> list[tuple[str, list[str]]]:
    """(module, arguments) in report order: the API and page reads, then the writes."""
    return [
        ("list_api", []),
        (
            "pages",
            ["--sizes", _env("SIZES", "200,2000" if quick else "200,10000,100000")]
            + (["--requests", "10"] if quick else []),
        ),
        ("recurring", ["--n", _env("N", "2000" if quick else "10000")]),
        ("ledger", ["--n", _env("POSTINGS", "2000" if quick else "10000")]),
        ("stripe_webhooks", ["--n", _env("EVENTS", "200" if quick else "1000")]),
    ]


def _header() -> str:
    def out(*cmd: str) -> str:
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)  # noqa: S603
        except OSError:
            return "?"
        return done.stdout.strip() or "?"

    commit = out("git", "rev-parse", "--short", "HEAD")
    dirty = " (uncommitted changes)" if out("git", "status", "--porcelain") not in ("", "?") else ""
    server = out(
        sys.executable,
        "-c",
        "import psycopg, os; c = psycopg.connect(os.environ['DATABASE_URL']);"
        "print(c.execute('show server_version').fetchone()[0])",
    )
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return "\n".join(
        [
            "== Portfolio bench report",
            f"date {time.strftime('%Y-%m-%d %H:%M:%S %Z')} · commit {commit}{dirty}",
            f"PostgreSQL {server} · Python {platform.python_version()} · "
            f"{os.cpu_count()} CPUs · load {load} (figures vary with load; ratios are "
            "measured side by side in the same run)",
            "",
        ]
    )


def main() -> int:
    from bench.table import table

    quick = os.environ.get("BENCH_QUICK", "") not in ("", "0", "false")
    only = {x.strip() for x in os.environ.get("ONLY", "").split(",") if x.strip()}
    # As `make bench` (and `make run`) set it: local settings unless told otherwise; the
    # page bench switches to production's settings itself.
    os.environ.setdefault("DEBUG", "true")
    print(_header(), flush=True)
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, check=True
    )
    ran = []
    for name, args in benches(quick):
        if only and name not in only:
            continue
        print(f"-- bench.{name} {' '.join(args)}", flush=True)
        t0 = time.perf_counter()
        code = subprocess.call([sys.executable, "-m", f"bench.{name}", *args], cwd=ROOT)  # noqa: S603
        took = time.perf_counter() - t0
        ran.append(
            (
                f"bench.{name}",
                " ".join(args) or "—",
                f"{took:.0f} s",
                "ok" if code == 0 else f"FAILED (exit {code})",
            )
        )
        print(flush=True)
    print(table("What ran", ["benchmark", "arguments", "took", "result"], ran))
    return 0 if all(r[-1] == "ok" for r in ran) else 1


if __name__ == "__main__":
    sys.exit(main())
