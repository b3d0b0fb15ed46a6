"""Migrations that rewrite existing rows, run on rows written the old way."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from django_scopes import scopes_disabled

from accounts.tenancy import workspace_scope
from invoicing.models import ReminderRule, ReminderSent
from tests.invoicing.schedule_helpers import open_invoice


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target or executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_reminder_delivery_backfills_what_the_old_code_did(personas):
    """Before 0005 a beat run inserted every due rule of an invoice in one transaction (one
    sent_at) and emailed only the latest rule; the others were superseded."""
    today = timezone.localdate()
    with workspace_scope(personas.a):
        late = open_invoice(personas, due=today - dt.timedelta(days=10))
        twice = open_invoice(personas, due=today - dt.timedelta(days=10))
        early, on_day, week = (
            ReminderRule.objects.create(workspace=personas.a, days_from_due=d) for d in (-3, 0, 7)
        )
        rows = {
            (invoice.pk, rule.pk): ReminderSent.objects.create(
                workspace=personas.a, invoice=invoice, rule=rule
            ).pk
            for invoice, rule in [(late, early), (late, on_day), (late, week)]
            + [(twice, early), (twice, week)]
        }
    run_1, run_2 = timezone.now() - dt.timedelta(days=9), timezone.now() - dt.timedelta(days=2)
    migrate([("invoicing", "0004_ledger_backfill")])
    try:
        with connection.cursor() as cursor:
            for (invoice_id, rule_id), sent_at in [
                ((late.pk, early.pk), run_1),  # one run found three rules due …
                ((late.pk, on_day.pk), run_1),
                ((late.pk, week.pk), run_1),
                ((twice.pk, early.pk), run_1),  # … another invoice reminded by two runs
                ((twice.pk, week.pk), run_2),
            ]:
                cursor.execute(
                    "UPDATE invoicing_remindersent SET sent_at = %s WHERE id = %s",
                    [sent_at, rows[(invoice_id, rule_id)]],
                )
    finally:
        migrate(None)
    with scopes_disabled():
        got = {
            (r.invoice_id, r.rule_id): (r.state, r.reason, r.delivered_at)
            for r in ReminderSent.objects.all()
        }
    superseded = "Superseded by a later reminder."
    assert got == {
        (late.pk, early.pk): ("skipped", superseded, None),
        (late.pk, on_day.pk): ("skipped", superseded, None),
        (late.pk, week.pk): ("sent", "", run_1),
        (twice.pk, early.pk): ("sent", "", run_1),
        (twice.pk, week.pk): ("sent", "", run_2),
    }


@pytest.mark.django_db(transaction=True)
def test_links_replaced_before_0006_are_recognised(personas, client):
    """0006 recomputes the hashes of every link version an invoice went past (the token is
    an HMAC of invoice and version), so links replaced before it answer "replaced" too."""
    from django.urls import reverse

    from invoicing import services

    with workspace_scope(personas.a):
        invoice = open_invoice(personas, due=timezone.localdate())
        tokens = [services.invoice_link_issue(invoice=invoice, actor=personas.alice)]
        tokens.append(services.invoice_link_issue(invoice=invoice, actor=personas.alice))
        tokens.append(services.invoice_link_issue(invoice=invoice, actor=personas.alice))
    migrate([("invoicing", "0005_reminder_delivery")])  # the table and its rows are gone
    migrate(None)
    status = [client.get(reverse("invoicing:invoice_public", args=[t])).status_code for t in tokens]
    assert status == [410, 410, 200]
