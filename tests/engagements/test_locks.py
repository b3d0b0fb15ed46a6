"""Every writer of an engagement's time, records, terms or status, and every claim of its
work, takes the engagement's row lock: pages, the API, CSV import and the services alike.

Proof by a second connection: it holds the engagement row `FOR NO KEY UPDATE` (which a
plain insert referencing the engagement does not wait for, but `FOR UPDATE` does), and
each writer, with a short `lock_timeout`, must fail waiting for it; with the row free, the
same writer succeeds."""

import datetime as dt
import threading
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection, transaction
from django.urls import reverse

from accounts.tenancy import workspace_scope
from engagements import csv_import, services
from engagements.models import Engagement, PayModel
from invoicing import services as invoicing
from tests.api import url as api_url
from tests.factories import ClientFactory, EngagementFactory, MilestoneFactory, TimeEntryFactory

DAY = dt.date(2026, 11, 2)


class Holder:
    """Another connection holding the engagement's row lock until released."""

    def __init__(self, workspace, engagement_id: int):
        self.workspace, self.engagement_id = workspace, engagement_id
        self.held, self.release = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._hold)

    def _hold(self) -> None:
        try:
            with workspace_scope(self.workspace), transaction.atomic():
                Engagement.objects.select_for_update(no_key=True).get(pk=self.engagement_id)
                self.held.set()
                self.release.wait(20)
        finally:
            connection.close()

    def __enter__(self):
        self.thread.start()
        assert self.held.wait(10)
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.thread.join(20)


@pytest.fixture
def world(personas):
    with workspace_scope(personas.a):
        client = ClientFactory(workspace=personas.a, currency="USD")
        hourly = EngagementFactory(client=client, hourly_rate=D("100"), name="Hourly")
        other = EngagementFactory(client=client, hourly_rate=D("100"), name="Other")
        fixed = EngagementFactory(
            client=client, pay_model=PayModel.FIXED_FEE, hourly_rate=None, name="Fixed"
        )
        entry = TimeEntryFactory(engagement=hourly, date=DAY, minutes=60)
        milestone = MilestoneFactory(engagement=fixed)
        invoice = invoicing.invoice_create_draft(
            workspace=personas.a, actor=personas.alice, client=client
        )
    return {
        "hourly": hourly,
        "other": other,
        "fixed": fixed,
        "entry": entry,
        "milestone": milestone,
        "invoice": invoice,
    }


def _service(call):
    def run(p, w, web, api):
        with workspace_scope(p.a):
            call(p, w)

    return run


def _csv(p, w, web, api):
    with workspace_scope(p.a):
        csv_import.time_entries_import(
            workspace=p.a,
            actor=p.alice,
            upload=SimpleUploadedFile(
                "t.csv", f"engagement,date,minutes\nHourly,{DAY},30\n".encode()
            ),
        )


def _page(p, w, web, api):
    response = web.post(
        reverse("engagements:engagement_time_save", args=[p.a.slug, w["hourly"].pk]),
        {"date": DAY.isoformat(), "minutes": "30", "billable": "on"},
    )
    assert response.status_code == 302


def _api_time(p, w, web, api):
    response = api.post(
        api_url("time-entries"), {"engagement": w["hourly"].pk, "date": str(DAY), "minutes": 30}
    )
    assert response.status_code == 201, response.json()


def _api_terms(p, w, web, api):
    response = api.patch(api_url("engagements", w["hourly"].pk), {"hourly_rate": "120"})
    assert response.status_code == 200, response.json()


WRITERS = {
    "time create": _service(
        lambda p, w: services.time_entry_save(
            engagement=w["hourly"], actor=p.alice, date=DAY, minutes=15
        )
    ),
    "time edit": _service(
        lambda p, w: services.time_entry_save(
            engagement=w["hourly"], actor=p.alice, entry=w["entry"], minutes=15
        )
    ),
    "time moved here": _service(
        lambda p, w: services.time_entry_save(
            engagement=w["other"], actor=p.alice, entry=w["entry"], minutes=15
        )
    ),
    "time delete": _service(
        lambda p, w: services.time_entry_delete(entry=w["entry"], actor=p.alice)
    ),
    "expense": _service(
        lambda p, w: services.expense_save(
            engagement=w["hourly"], actor=p.alice, date=DAY, amount=D("5"), category="x"
        )
    ),
    "terms": _service(
        lambda p, w: services.engagement_update(
            engagement=w["hourly"], actor=p.alice, hourly_rate=D("150")
        )
    ),
    "pause": _service(
        lambda p, w: services.engagement_pause(
            engagement=w["hourly"], actor=p.alice, on=DAY + dt.timedelta(days=1)
        )
    ),
    "end": _service(
        lambda p, w: services.engagement_end(engagement=w["hourly"], actor=p.alice, on=DAY)
    ),
    "invoice add unbilled": _service(
        lambda p, w: invoicing.invoice_add_unbilled(
            invoice=w["invoice"], actor=p.alice, engagement=w["hourly"], as_of=DAY
        )
    ),
    "csv import": _csv,
    "page": _page,
    "api time": _api_time,
    "api terms": _api_terms,
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("writer", WRITERS)
def test_writer_takes_the_engagement_lock(personas, world, client, api_as, writer):
    client.force_login(personas.alice)
    api = api_as(personas.alice)
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '300ms'")
    try:
        locked = world["hourly"]
        with Holder(personas.a, locked.pk), pytest.raises(OperationalError, match="lock"):
            WRITERS[writer](personas, world, client, api)
        if writer == "time moved here":  # the entry's engagement and its new one, both
            with Holder(personas.a, world["other"].pk), pytest.raises(OperationalError):
                WRITERS[writer](personas, world, client, api)
        WRITERS[writer](personas, world, client, api)  # free: it goes through
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")


@pytest.mark.django_db(transaction=True)
def test_milestone_writers_take_the_lock(personas, world):
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '300ms'")
    try:
        with Holder(personas.a, world["fixed"].pk), workspace_scope(personas.a):
            for write in (
                lambda: services.milestone_save(
                    engagement=world["fixed"], actor=personas.alice, title="X", amount=D("1")
                ),
                lambda: services.milestone_deliver(
                    milestone=world["milestone"], actor=personas.alice, on=DAY
                ),
                lambda: services.record_delete(
                    record=world["milestone"], kind="milestone", actor=personas.alice
                ),
            ):
                with pytest.raises(OperationalError, match="lock"):
                    write()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
