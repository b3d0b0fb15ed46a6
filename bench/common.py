"""What every benchmark shares: Django set up from the command line, the run inside one
transaction rolled back at the end (unless --keep), and a query counter."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from typing import Any


def run_rolled_back(parser: argparse.ArgumentParser, run: Callable[[Any, Any], str]) -> None:
    """Parse the arguments (adds --keep), set Django up, and print what `run(args,
    connection)` reports, its writes rolled back unless --keep."""
    parser.add_argument("--keep", action="store_true", help="commit instead of rolling back")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portfolio.settings")
    import django

    django.setup()
    from django.db import connection, transaction

    class Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            report = run(args, connection)
            if not args.keep:
                raise Rollback
    except Rollback:
        pass
    print(report)


class QueryCounter:
    """A connection.execute_wrapper that counts the queries it sees."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Any, sql: Any, params: Any, many: Any, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)
