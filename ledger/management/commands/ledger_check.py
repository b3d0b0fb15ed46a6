"""`manage.py ledger_check [--workspace <slug>]`: run every registered ledger check and
report; exits 1 on any problem, 0 when the ledger is consistent."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_scopes import scopes_disabled

from accounts.models import Workspace
from ledger.checks import LedgerCounts, ledger_counts, registered_checks, run_checks


class Command(BaseCommand):
    help = "Check the ledger: balanced transactions and every registered consistency check."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workspace", metavar="SLUG", help="check this workspace only")

    def handle(self, *args: Any, **options: Any) -> None:
        workspace = None
        if options["workspace"]:
            # Looking a workspace up by slug for an operator's command crosses tenants.
            with scopes_disabled():
                workspace = Workspace.objects.filter(slug=options["workspace"]).first()
            if workspace is None:
                raise CommandError(f"no workspace {options['workspace']!r}")
        counts = ledger_counts(workspace)
        problems = run_checks(workspace)
        ids = set(counts) | {p.workspace_id for p in problems if p.workspace_id is not None}
        if workspace is not None:
            ids.add(workspace.pk)
        with scopes_disabled():
            slugs = dict(Workspace.objects.filter(pk__in=ids).values_list("pk", "slug"))

        checks = ", ".join(registered_checks())
        self.stdout.write(f"Ledger check ({checks}) over {len(ids)} workspace(s)")
        for workspace_id in sorted(ids, key=lambda pk: slugs.get(pk, "")):
            found = counts.get(workspace_id, LedgerCounts())
            mine = [p for p in problems if p.workspace_id == workspace_id]
            self.stdout.write(
                f"  {slugs.get(workspace_id, workspace_id)}: {found.transactions} transactions, "
                f"{found.entries} entries, {found.accounts} accounts checked; "
                f"{len(mine) or 'no'} problem{'' if len(mine) == 1 else 's'}"
            )
        for problem in problems:
            where = slugs.get(problem.workspace_id, problem.workspace_id)  # type: ignore[arg-type]
            self.stdout.write(
                f"  PROBLEM [{problem.check}] {where}: {problem.subject}: {problem.message} "
                f"(expected {problem.expected}, actual {problem.actual})"
            )
        if problems:
            raise CommandError(f"the ledger has {len(problems)} problem(s)")
        self.stdout.write(self.style.SUCCESS("The ledger is consistent."))
