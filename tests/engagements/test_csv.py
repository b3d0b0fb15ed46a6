"""CSV import (all or nothing, errors by row and column) and streaming export."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from accounts.models import AuditEntry
from engagements import csv_import
from engagements.models import (
    BillingClaim,
    Client,
    Engagement,
    Expense,
    PayModel,
    TimeEntry,
)
from tests.factories import ClientFactory

CLIENT_HEADER = (
    "name,email,contact_name,currency,payment_terms_days,billing_address,country,tax_id,notes\n"
)


def upload(text: str, name: str = "data.csv", bom: bool = False) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (("\ufeff" if bom else "") + text).encode(), "text/csv")


def make_engagement(workspace, name="Website", pay_model=PayModel.HOURLY, **terms):
    with scopes_disabled():
        client = ClientFactory(workspace=workspace)
        defaults = {
            PayModel.HOURLY: {"hourly_rate": Decimal("100")},
            PayModel.RETAINER: {
                "retainer_fee": Decimal("2000"),
                "retainer_included_hours": Decimal("10"),
                "retainer_overage_rate": Decimal("150"),
                "billing_day": 1,
            },
        }.get(pay_model, {})
        return Engagement.objects.create(
            workspace=workspace,
            client=client,
            name=name,
            pay_model=pay_model,
            currency="USD",
            start_date=dt.date(2026, 1, 1),
            **{**defaults, **terms},
        )


def import_clients(personas, text, **kw):
    with scope(workspace=personas.a):
        return csv_import.clients_import(
            workspace=personas.a, actor=personas.alice, upload=upload(text, **kw)
        )


def import_time(personas, text, **kw):
    with scope(workspace=personas.a):
        return csv_import.time_entries_import(
            workspace=personas.a, actor=personas.alice, upload=upload(text, **kw)
        )


def rejected(call, *args, **kwargs) -> list[str]:
    with pytest.raises(csv_import.ImportRejected) as info:
        call(*args, **kwargs)
    return [str(e) for e in info.value.row_errors]


def count(model, workspace) -> int:
    with scopes_disabled():
        return model.objects.filter(workspace=workspace).count()


# --- Clients --------------------------------------------------------------------------------
def test_clients_import_happy_path_with_defaults_and_one_audit_entry(personas):
    result = import_clients(
        personas,
        CLIENT_HEADER
        + 'Acme Ltd,ap@acme.example,Jo,eur,30,"1 Main St\nDublin",IE,IE123,\n'
        + "Beta GmbH,,,,,,Germany,,VIP\n",
    )
    assert result.created == 2
    with scopes_disabled():
        acme, beta = Client.objects.filter(workspace=personas.a).order_by("name")
        assert (acme.currency, acme.payment_terms_days, str(acme.country)) == ("EUR", 30, "IE")
        assert acme.billing_address == "1 Main St\nDublin"
        # Empty currency: the workspace's; a country by its English name.
        assert (beta.currency, beta.payment_terms_days, str(beta.country)) == ("USD", None, "DE")
        audit = AuditEntry.objects.filter(workspace=personas.a, action="client.import").get()
        assert audit.data["count"] == 2 and audit.actor == personas.alice


def test_headers_are_case_insensitive_and_unknown_columns_ignored(personas):
    result = import_clients(personas, "NAME,Contact Name,Colour\nAcme,Jo,blue\n")
    assert result.created == 1 and result.ignored_columns == ["Colour"]
    with scopes_disabled():
        assert Client.objects.get(workspace=personas.a).contact_name == "Jo"


def test_bom_is_accepted(personas):
    assert import_clients(personas, "name\nAcme\n", bom=True).created == 1


def test_every_kind_of_client_row_error_is_reported_and_nothing_saved(personas):
    ClientFactory(workspace=personas.a, name="Existing Co")
    ClientFactory(workspace=personas.b, name="Theirs Co")  # another workspace: no conflict
    text = (
        CLIENT_HEADER
        + "Good One,,,,,,,,\n"  # row 2: fine, but must not be saved
        + "Bad Currency,,,XYZ,,,,,\n"  # row 3
        + "existing co,,,,,,,,\n"  # row 4: duplicate of an existing client (any case)
        + "Good One,,,,,,,,\n"  # row 5: duplicate within the file
        + ",,,,,,,,\n"  # blank line: skipped
        + "Bad Email,not-an-email,,,,,,,\n"  # row 7
        + "Bad Terms,,,,soon,,,,\n"  # row 8
        + "Bad Country,,,,,,Atlantis,,\n"  # row 9
        + ",x@example.com,,,,,,,\n"  # row 10: no name
        + "Theirs Co,,,,,,,,\n"  # row 11: fine
    )
    errors = rejected(import_clients, personas, text)
    assert errors == [
        "row 3, currency: 'XYZ' is not a currency.",
        "row 4, name: A client named 'existing co' already exists.",
        "row 5, name: 'Good One' is already on row 2.",
        "row 7, email: Enter a valid email address.",
        "row 8, payment_terms_days: 'soon' is not a whole number of days.",
        "row 9, country: 'Atlantis' is not a country.",
        "row 10, name: This field cannot be blank.",
    ]
    assert count(Client, personas.a) == 1  # only the pre-existing one
    with scopes_disabled():
        assert not AuditEntry.objects.filter(action="client.import").exists()


def test_file_level_problems(personas):
    assert rejected(import_clients, personas, "") == [
        "row 1: The file is empty: the first row must name the columns."
    ]
    assert rejected(import_clients, personas, "email\nx@example.com\n") == [
        "row 1, name: This column is missing."
    ]
    assert rejected(import_clients, personas, "name,Name\na,b\n") == [
        "row 1, name: This column appears twice."
    ]
    assert rejected(import_clients, personas, "name\n") == [
        "file: The file has a header but no rows."
    ]
    assert rejected(import_clients, personas, "name\nA,extra\n") == [
        "row 2: This row has more cells than the header has columns."
    ]
    with scope(workspace=personas.a):
        latin1 = SimpleUploadedFile("x.csv", "name\nCafé\n".encode("latin-1"))
        errors = rejected(
            csv_import.clients_import, workspace=personas.a, actor=personas.alice, upload=latin1
        )
    assert "not UTF-8" in errors[0]


def test_size_and_row_caps(personas, monkeypatch):
    monkeypatch.setattr(csv_import, "MAX_ROWS", 3)
    assert rejected(import_clients, personas, "name\na\nb\nc\nd\n") == [
        "file: The file has more than 3 rows: split it up."
    ]
    assert import_clients(personas, "name\na\nb\nc\n").created == 3
    monkeypatch.setattr(csv_import, "MAX_BYTES", 100)
    errors = rejected(import_clients, personas, "name\n" + "x" * 200 + "\n")
    assert len(errors) == 1 and "The file is larger than" in errors[0]


def test_real_caps_are_5_mb_and_10000_rows():
    assert csv_import.MAX_BYTES == 5 * 1024 * 1024
    assert csv_import.MAX_ROWS == 10_000


def test_formula_guard_round_trips(personas):
    import_clients(personas, 'name,notes\n"\'=HYPERLINK(""x"")",\'+1 call\n')
    with scopes_disabled():
        client = Client.objects.get(workspace=personas.a)
    assert client.name == '=HYPERLINK("x")' and client.notes == "+1 call"


# --- Time entries ---------------------------------------------------------------------------
def test_time_import_minutes_hours_billable_and_user(personas):
    web = make_engagement(personas.a, "Website")
    result = import_time(
        personas,
        "Engagement,Date,Minutes,Hours,Description,Billable,User email\n"
        "website,2026-03-02,90,,Workshop,yes,\n"
        f"{web.pk},2026-03-03,,1.25,By id,no,bob@example.com\n"
        "Website,2026-03-04,,1:40,h:mm,0,\n"
        "Website,2026-03-05,,0.33,rounds to a minute,,\n",
    )
    assert result.created == 4
    with scopes_disabled():
        rows = list(
            TimeEntry.objects.filter(workspace=personas.a)
            .order_by("date")
            .values_list("minutes", "billable", "user__email", "engagement_id")
        )
        audit = AuditEntry.objects.get(workspace=personas.a, action="time_entry.import")
    assert rows == [
        (90, True, "alice@example.com", web.pk),
        (75, False, "bob@example.com", web.pk),
        (100, False, "alice@example.com", web.pk),
        (20, True, "alice@example.com", web.pk),
    ]
    assert audit.data["count"] == 4 and audit.data["minutes"] == 285


def test_every_kind_of_time_row_error_and_nothing_saved(personas):
    make_engagement(personas.a, "Website")
    make_engagement(personas.a, "Twin")
    make_engagement(personas.a, "Twin")
    theirs = make_engagement(personas.b, "Their Secret Project")
    text = (
        "engagement,date,minutes,hours,description,billable,user\n"
        "Website,2026-03-02,60,,fine,,\n"  # 2: fine, must not be saved
        "Their Secret Project,2026-03-02,60,,,,\n"  # 3: another workspace's name
        f"{theirs.pk},2026-03-02,60,,,,\n"  # 4: another workspace's id
        "Twin,2026-03-02,60,,,,\n"  # 5: ambiguous name
        "Website,02/03/2026,60,,,,\n"  # 6: not ISO
        "Website,2026-02-30,60,,,,\n"  # 7: no such day
        "Website,2026-03-02,,,,,\n"  # 8: no duration
        "Website,2026-03-02,60,2,,,\n"  # 9: both, and they disagree
        "Website,2026-03-02,1.5,,,,\n"  # 10: minutes not whole
        "Website,2026-03-02,,lots,,,\n"  # 11: hours not a number
        "Website,2026-03-02,0,,,,\n"  # 12: zero minutes (model validator)
        "Website,2026-03-02,1441,,,,\n"  # 13: more than a day
        "Website,2026-03-02,60,,,maybe,\n"  # 14: billable word
        "Website,2026-03-02,60,,,,charlie@example.com\n"  # 15: not a member here
        f"Website,2026-03-02,60,,{'x' * 501},,\n"  # 16: description too long
        ",2026-03-02,60,,,,\n"  # 17: no engagement
    )
    errors = rejected(import_time, personas, text)
    assert errors == [
        "row 3, engagement: No such engagement: 'Their Secret Project'.",
        f"row 4, engagement: No such engagement: '{theirs.pk}'.",
        errors[2],
        "row 6, date: '02/03/2026' is not a date: use YYYY-MM-DD.",
        "row 7, date: '2026-02-30' is not a date: use YYYY-MM-DD.",
        "row 8, minutes: Give the minutes (or the hours) worked.",
        "row 9, hours: 2 hours is not 60 minutes: give one of them.",
        "row 10, minutes: '1.5' is not a whole number of minutes.",
        "row 11, hours: 'lots' is not a number of hours (1.5 or 1:30).",
        "row 12, minutes: Ensure this value is greater than or equal to 1.",
        "row 13, minutes: Ensure this value is less than or equal to 1440.",
        "row 14, billable: 'maybe' is not yes/no, true/false or 1/0.",
        "row 15, user: 'charlie@example.com' is not a member of this workspace.",
        "row 16, description: Ensure this value has at most 500 characters (it has 501).",
        "row 17, engagement: The engagement is missing.",
    ]
    assert errors[2].startswith("row 5, engagement: 2 engagements are named 'Twin': use the id")
    assert count(TimeEntry, personas.a) == 0


def test_one_bad_row_in_many_saves_nothing(personas):
    make_engagement(personas.a, "Website")
    rows = [f"Website,2026-03-{1 + i % 28:02},30,,row {i},,\n" for i in range(500)]
    rows[417] = "Website,2026-03-02,30,,bad,perhaps,\n"
    errors = rejected(
        import_time,
        personas,
        "engagement,date,minutes,hours,description,billable,user\n" + "".join(rows),
    )
    assert errors == ["row 419, billable: 'perhaps' is not yes/no, true/false or 1/0."]
    assert count(TimeEntry, personas.a) == 0


def test_time_in_an_invoiced_retainer_period_is_refused(personas):
    retainer = make_engagement(personas.a, "Care", pay_model=PayModel.RETAINER)
    with scopes_disabled():
        BillingClaim.objects.create(
            workspace=personas.a,
            engagement=retainer,
            kind=BillingClaim.Kind.RETAINER_OVERAGE,
            period_start=dt.date(2026, 2, 1),
            amount=Decimal("0"),
            currency="USD",
            claimed_for="INV-1",
        )
    errors = rejected(
        import_time,
        personas,
        "engagement,date,minutes\nCare,2026-02-27,60\nCare,2026-03-01,60\n",
    )
    assert errors == [
        "row 2, date: This period is already invoiced (INV-1); void that invoice to change it."
    ]


def test_missing_duration_columns_is_a_header_error(personas):
    assert rejected(import_time, personas, "engagement,date\nX,2026-01-01\n") == [
        "row 1, minutes: Add a minutes or an hours column."
    ]


def test_import_of_10000_rows_is_set_based(personas, django_assert_max_num_queries):
    make_engagement(personas.a, "Website")
    body = "".join(
        f"Website,2026-03-{1 + i % 28:02},{15 + i % 90},,entry {i},yes,\n" for i in range(10_000)
    )
    text = "engagement,date,minutes,hours,description,billable,user\n" + body
    # engagements, retainer claims (none: skipped), members, 5 bulk inserts, audit,
    # savepoints
    with django_assert_max_num_queries(15):
        assert import_time(personas, text).created == 10_000


# --- The page -------------------------------------------------------------------------------
def page_url(personas):
    return reverse("engagements:csv_import_export", kwargs={"workspace": personas.a.slug})


def test_page_import_success_redirects_with_a_count(client, personas):
    client.force_login(personas.bob)
    response = client.post(
        page_url(personas),
        {"kind": "clients", "file": upload("name\nA\nB\n", name="clients.csv")},
        follow=True,
    )
    assert response.redirect_chain
    assert "Imported 2 clients from clients.csv." in response.content.decode()


def test_page_shows_the_error_table_and_saves_nothing(client, personas):
    client.force_login(personas.alice)
    response = client.post(
        page_url(personas),
        {"kind": "clients", "file": upload("name,currency\nA,USD\nB,XYZ\n")},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "nothing was imported" in html and "&#x27;XYZ&#x27; is not a currency." in html
    assert count(Client, personas.a) == 0


def test_accountant_can_export_but_not_import(client, personas):
    client.force_login(personas.andy)
    assert client.get(page_url(personas)).status_code == 200
    response = client.post(page_url(personas), {"kind": "clients", "file": upload("name\nA\n")})
    assert response.status_code == 403
    assert count(Client, personas.a) == 0
    export = client.get(
        reverse("engagements:csv_export_clients", kwargs={"workspace": personas.a.slug})
    )
    assert export.status_code == 200


def test_templates_download_and_import_back(client, personas):
    make_engagement(personas.a, "Website")
    client.force_login(personas.alice)
    for kind in ("clients", "time_entries"):
        response = client.get(
            reverse(f"engagements:csv_template_{kind}", kwargs={"workspace": personas.a.slug})
        )
        assert response["Content-Disposition"].startswith("attachment")
        text = response.content.decode()
        result = client.post(
            page_url(personas),
            {"kind": kind.replace("_", "-"), "file": upload(text.lstrip("\ufeff"), bom=True)},
            follow=True,
        )
        assert "Imported 1 " in result.content.decode(), kind


# --- Export ---------------------------------------------------------------------------------
def read_export(client, personas, kind):
    response = client.get(
        reverse(f"engagements:csv_export_{kind}", kwargs={"workspace": personas.a.slug})
    )
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode()
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def test_export_is_scoped_guarded_and_carries_terms(client, personas):
    retainer = make_engagement(
        personas.a, "=cmd|' /C calc'!A0", pay_model=PayModel.RETAINER, rollover_cap_hours=10
    )
    make_engagement(personas.b, "Not yours")
    with scopes_disabled():
        TimeEntry.objects.create(
            workspace=personas.a,
            engagement=retainer,
            date=dt.date(2026, 3, 1),
            minutes=90,
            description="@SUM(1+1)",
            user=personas.alice,
        )
        Expense.objects.create(
            workspace=personas.a,
            engagement=retainer,
            date=dt.date(2026, 3, 1),
            amount=Decimal("100"),
            category="Travel",
            markup_percent=Decimal("10"),
            description="-2+3",
        )
    client.force_login(personas.andy)
    engagements = read_export(client, personas, "engagements")
    assert [e["name"] for e in engagements] == ["'=cmd|' /C calc'!A0"]
    row = engagements[0]
    assert (row["pay_model"], row["retainer_fee"], row["retainer_included_hours"]) == (
        "retainer",
        "2000.00",
        "10",
    )
    assert (row["billing_day"], row["rollover_cap_hours"], row["hourly_rate"]) == ("1", "10", "")
    clients = read_export(client, personas, "clients")
    assert len(clients) == 1  # B's client is not in it
    times = read_export(client, personas, "time_entries")
    assert times[0]["description"] == "'@SUM(1+1)"
    assert (times[0]["minutes"], times[0]["hours"], times[0]["billable"]) == ("90", "1.50", "yes")
    assert times[0]["user"] == "alice@example.com"
    expenses = read_export(client, personas, "expenses")
    assert (expenses[0]["amount"], expenses[0]["rebill_amount"]) == ("100.00", "110.00")
    assert expenses[0]["description"] == "'-2+3"


def test_exported_time_entries_import_back(client, personas):
    web = make_engagement(personas.a, "Website")
    with scopes_disabled():
        TimeEntry.objects.create(
            workspace=personas.a,
            engagement=web,
            date=dt.date(2026, 3, 1),
            minutes=45,
            description="=1+1",
            billable=False,
            user=personas.bob,
        )
    client.force_login(personas.alice)
    response = client.get(
        reverse("engagements:csv_export_time_entries", kwargs={"workspace": personas.a.slug})
    )
    text = b"".join(response.streaming_content).decode()
    assert import_time(personas, text.lstrip("\ufeff")).created == 1
    with scopes_disabled():
        copies = TimeEntry.objects.filter(workspace=personas.a).values_list(
            "minutes", "description", "billable", "user__email"
        )
        assert set(copies) == {(45, "=1+1", False, "bob@example.com")}


@pytest.mark.parametrize("kind", ["clients", "engagements", "time_entries", "expenses"])
def test_export_query_count_does_not_grow_with_rows(client, personas, kind):
    def seed(n):
        with scopes_disabled():
            engagement = make_engagement(personas.a, f"E{n}")
            TimeEntry.objects.bulk_create(
                TimeEntry(
                    workspace=personas.a,
                    engagement=engagement,
                    date=dt.date(2026, 3, 1),
                    minutes=60,
                    user=personas.alice,
                )
                for _ in range(n)
            )
            Expense.objects.bulk_create(
                Expense(
                    workspace=personas.a,
                    engagement=engagement,
                    date=dt.date(2026, 3, 1),
                    amount=Decimal("5"),
                    category="Travel",
                )
                for _ in range(n)
            )
            for i in range(n):
                make_engagement(personas.a, f"E{n}-{i}")  # also adds a client each

    client.force_login(personas.alice)
    url = reverse(f"engagements:csv_export_{kind}", kwargs={"workspace": personas.a.slug})
    counts = []
    for n in (10, 300):
        seed(n)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
            lines = b"".join(response.streaming_content).count(b"\n")
        assert lines > n
        counts.append(len(queries))
    # session, user, workspace, membership, then the one export query
    assert counts[0] == counts[1] <= 5
