from django.db import migrations

from invoicing.migrations._backfill import backfill_ledger


class Migration(migrations.Migration):
    """Post to the ledger what already happened (see _backfill.py)."""

    dependencies = [
        ("invoicing", "0003_receipts_and_allocations"),
        ("ledger", "0002_database_rules"),
    ]

    operations = [migrations.RunPython(backfill_ledger, migrations.RunPython.noop)]
