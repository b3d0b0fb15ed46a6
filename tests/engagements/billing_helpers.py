"""Plain helpers shared by the billing tests (test_billing.py, test_retainers.py,
test_claims.py): make an engagement of a pay model and log time, as workspace A's owner."""

import datetime as dt

from engagements import services

TODAY = dt.date(2026, 11, 24)


def make(scoped, client, pay_model, **terms):
    terms.setdefault("start_date", dt.date(2026, 1, 1))
    terms.setdefault("name", f"{pay_model} work")
    return services.engagement_create(
        workspace=scoped.a, actor=scoped.alice, client=client, pay_model=pay_model, **terms
    )


def log(scoped, engagement, day, minutes, billable=True):
    return services.time_entry_save(
        engagement=engagement, actor=scoped.alice, date=day, minutes=minutes, billable=billable
    )
