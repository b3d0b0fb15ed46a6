"""The tenancy mechanism itself: scoped managers refuse unscoped queries; the middleware
and the API base turn any other workspace's URL into a 404; related-field choices are
narrowed to the workspace."""

import pytest
from django.urls import reverse
from django_scopes import scope, scopes_disabled
from django_scopes.exceptions import ScopeError

from accounts.models import Invitation, Membership
from engagements.models import Client
from tests.factories import ClientFactory, InvitationFactory
from tests.tenancy import assert_api_404_for_outsider, assert_page_404_for_outsider


def test_tenant_query_outside_a_scope_raises(personas):
    with pytest.raises(ScopeError):
        list(Client.objects.all())
    with pytest.raises(ScopeError):
        Membership.objects.count()


def test_scope_filters_to_the_workspace(personas):
    ClientFactory(workspace=personas.a, name="Mine")
    ClientFactory(workspace=personas.b, name="Theirs")
    with scope(workspace=personas.a):
        assert [c.name for c in Client.objects.all()] == ["Mine"]
    with scopes_disabled():
        assert Client.objects.count() == 2


@pytest.fixture
def a_objects(personas, settings, tmp_path):
    client = ClientFactory(workspace=personas.a)
    invitation = InvitationFactory(workspace=personas.a)
    with scopes_disabled():
        membership = Membership.objects.get(workspace=personas.a, user=personas.bob)
    objects = {"client": client, "invitation": invitation, "membership": membership}
    objects.update(_proposal_and_capacity_objects(personas, client))
    objects.update(_engagements_api_objects(personas, client))
    objects.update(_invoicing_api_objects(personas, client))
    settings.MEDIA_ROOT = tmp_path  # the receipt below is uploaded here
    objects.update(_engagement_page_objects(personas, client))
    objects.update(_invoice_page_objects(personas, client))
    objects.update(_schedule_page_objects(personas, client))
    return objects


def _schedule_page_objects(personas, client):
    """A reminder rule and a recurring schedule of A's."""
    import datetime as dt

    from invoicing import schedules

    with scope(workspace=personas.a):
        rule = schedules.reminder_rule_save(
            workspace=personas.a, actor=personas.alice, days_from_due=3
        )
        schedule = schedules.recurring_schedule_save(
            workspace=personas.a,
            actor=personas.alice,
            name="Support",
            client=client,
            start_date=dt.date(2030, 1, 1),
            lines=[{"description": "Support", "quantity": "1", "unit_price": "100"}],
        )
    return {"reminder_rule": rule, "schedule": schedule}


def _invoice_page_objects(personas, client):
    """A draft with a line, a finalised invoice with a payment, a tax rate: all A's."""
    from decimal import Decimal

    from invoicing import services as inv
    from invoicing.models import TaxRate

    with scope(workspace=personas.a):
        draft = inv.invoice_create_draft(workspace=personas.a, actor=personas.alice, client=client)
        line = inv.invoice_line_save(
            invoice=draft, actor=personas.alice, description="Work", unit_price=Decimal("10")
        )
        final = inv.invoice_create_draft(workspace=personas.a, actor=personas.alice, client=client)
        inv.invoice_line_save(
            invoice=final, actor=personas.alice, description="Work", unit_price=Decimal("10")
        )
        final = inv.invoice_finalize(invoice=final, actor=personas.alice)
        payment = inv.payment_record(
            invoice=final,
            actor=personas.alice,
            amount=Decimal("1"),
            received_on=final.issue_date,
            method="cash",
        )
        tax_rate = TaxRate.objects.create(workspace=personas.a, name="VAT", percent=Decimal("20"))
    return {
        "page_draft": draft,
        "page_draft_line": line,
        "page_invoice": final,
        "page_payment": payment,
        "page_tax_rate": tax_rate,
    }


def _engagements_api_objects(personas, client):
    """One of each record the engagements API serves, all A's (capacity rows alice's)."""
    from tests.factories import (
        AvailabilityFactory,
        BlockedTimeFactory,
        ContactFactory,
        EngagementFactory,
        ExpenseFactory,
        MilestoneFactory,
        OutcomeFactory,
        ProposalFactory,
        RetainerEngagementFactory,
        RevenueReportFactory,
        TimeEntryFactory,
    )

    engagement = EngagementFactory(client=client)
    return {
        "contact": ContactFactory(client=client),
        "engagement": engagement,
        "retainer": RetainerEngagementFactory(client=client),
        "time_entry": TimeEntryFactory(engagement=engagement),
        "milestone": MilestoneFactory(engagement__client=client),
        "outcome": OutcomeFactory(engagement__client=client),
        "revenue_report": RevenueReportFactory(engagement__client=client),
        "expense": ExpenseFactory(engagement=engagement),
        "api_proposal": ProposalFactory(engagement__client=client),
        "availability": AvailabilityFactory(workspace=personas.a, user=personas.alice),
        "api_blocked_time": BlockedTimeFactory(workspace=personas.a, user=personas.alice),
    }


def _invoicing_api_objects(personas, client):
    """A finalised invoice of A's with a line and a payment, and a tax rate."""
    import datetime as dt
    from decimal import Decimal

    from invoicing import services
    from invoicing.models import TaxRate

    with scope(workspace=personas.a):
        tax_rate = TaxRate.objects.create(workspace=personas.a, name="VAT", percent=Decimal(20))
        invoice = services.invoice_create_draft(
            workspace=personas.a, actor=personas.alice, client=client
        )
        line = services.invoice_line_save(
            invoice=invoice,
            actor=personas.alice,
            description="Work",
            quantity=Decimal(1),
            unit_price=Decimal(100),
            tax_rate=tax_rate,
        )
        invoice = services.invoice_finalize(invoice=invoice, actor=personas.alice)
        payment = services.payment_record(
            invoice=invoice,
            actor=personas.alice,
            amount=Decimal(10),
            received_on=dt.date(2030, 1, 7),
            method="cash",
        )
        from invoicing import schedules

        rule = schedules.reminder_rule_save(
            workspace=personas.a, actor=personas.alice, days_from_due=-5
        )
        schedule = schedules.recurring_schedule_save(
            workspace=personas.a,
            actor=personas.alice,
            name="Retainer",
            client=client,
            start_date=dt.date(2030, 1, 1),
            lines=[{"description": "Monthly support", "unit_price": "500"}],
        )
    return {
        "api_invoice": invoice,
        "api_invoice_line": line,
        "api_payment": payment,
        "api_tax_rate": tax_rate,
        "api_reminder_rule": rule,
        "api_schedule": schedule,
    }


def _engagement_page_objects(personas, client):
    """Hourly, fixed-fee and bounty engagements with a work record each (the expense has a
    receipt), for the engagement pages' URLs."""
    from django.core.files.base import ContentFile

    from tests.factories import (
        EngagementFactory,
        ExpenseFactory,
        MilestoneFactory,
        OutcomeFactory,
    )

    hourly = EngagementFactory(client=client)
    expense = ExpenseFactory(engagement=hourly)
    with scopes_disabled():
        expense.receipt.save("receipt.pdf", ContentFile(b"%PDF-1.4"), save=True)
    milestone = MilestoneFactory(engagement__client=client)
    outcome = OutcomeFactory(engagement__client=client)
    return {
        "page_hourly": hourly,
        "page_milestone": milestone,
        "page_milestone_engagement": milestone.engagement,
        "page_outcome": outcome,
        "page_outcome_engagement": outcome.engagement,
        "page_expense": expense,
    }


def _proposal_and_capacity_objects(personas, client):
    """A proposal of A's, and blocked time of alice's (the member the inside test uses)."""
    import datetime as dt

    from engagements.services import blocked_time_save, proposal_create

    with scope(workspace=personas.a):
        proposal = proposal_create(
            workspace=personas.a,
            actor=personas.alice,
            client=client,
            title="Audit",
            scope="Audit",
            pay_model="fixed_fee",
            start_date=dt.date(2030, 1, 7),
        )
        blocked = blocked_time_save(
            workspace=personas.a,
            user=personas.alice,
            actor=personas.alice,
            title="School run",
            start_date=dt.date(2030, 1, 7),
            hours_per_day=2,
        )
    return {"proposal": proposal, "blocked_time": blocked}


# Every page of a workspace, as (url name, kwargs from the fixture objects).
WORKSPACE_PAGES = [
    ("dashboard", {}),
    ("proposal_list", {}),
    ("proposal_create", {}),
    ("proposal_detail", {"pk": "proposal"}),
    ("proposal_send", {"pk": "proposal"}),
    ("proposal_withdraw", {"pk": "proposal"}),
    ("capacity", {}),
    ("capacity_availability", {}),
    ("blocked_time_create", {}),
    ("blocked_time_edit", {"pk": "blocked_time"}),
    ("blocked_time_delete", {"pk": "blocked_time"}),
    ("csv_import_export", {}),
    ("csv_template_clients", {}),
    ("csv_template_time_entries", {}),
    ("csv_export_clients", {}),
    ("csv_export_engagements", {}),
    ("csv_export_time_entries", {}),
    ("csv_export_expenses", {}),
    ("workspace_settings", {}),
    ("members", {}),
    ("membership_change", {"pk": "membership"}),
    ("invitation_revoke", {"pk": "invitation"}),
    ("client_list", {}),
    ("client_create", {}),
    ("client_detail", {"pk": "client"}),
    ("client_contact_save", {"pk": "client"}),
    ("client_archive", {"pk": "client"}),
    ("engagement_list", {}),
    ("engagement_create", {}),
    ("engagement_detail", {"pk": "page_hourly"}),
    ("engagement_edit", {"pk": "page_hourly"}),
    ("engagement_time_save", {"pk": "page_hourly"}),
    ("engagement_milestone_add", {"pk": "page_milestone_engagement"}),
    (
        "engagement_milestone_deliver",
        {"pk": "page_milestone_engagement", "milestone_pk": "page_milestone"},
    ),
    (
        "engagement_milestone_accept",
        {"pk": "page_milestone_engagement", "milestone_pk": "page_milestone"},
    ),
    ("engagement_outcome_add", {"pk": "page_outcome_engagement"}),
    (
        "engagement_outcome_accept",
        {"pk": "page_outcome_engagement", "outcome_pk": "page_outcome"},
    ),
    ("engagement_revenue_add", {"pk": "page_hourly"}),
    ("engagement_expense_add", {"pk": "page_hourly"}),
    ("engagement_expense_receipt", {"pk": "page_hourly", "expense_pk": "page_expense"}),
    ("engagement_record_delete", {"pk": "page_hourly"}),
    ("invoice_list", {}),
    ("invoice_create", {}),
    ("invoice_tax_rates", {}),
    ("invoice_tax_rate_edit", {"pk": "page_tax_rate"}),
    ("invoice_tax_rate_archive", {"pk": "page_tax_rate"}),
    ("invoice_exchange_rates", {}),
    ("invoice_exchange_rate_import", {}),
    ("invoice_detail", {"pk": "page_draft"}),
    ("invoice_header_save", {"pk": "page_draft"}),
    ("invoice_line_save", {"pk": "page_draft"}),
    ("invoice_line_delete", {"pk": "page_draft", "line_pk": "page_draft_line"}),
    ("invoice_unbilled", {"pk": "page_draft"}),
    ("invoice_finalize", {"pk": "page_draft"}),
    ("invoice_delete", {"pk": "page_draft"}),
    ("invoice_payment", {"pk": "page_invoice"}),
    ("invoice_payment_reverse", {"pk": "page_invoice", "payment_pk": "page_payment"}),
    ("invoice_credit_apply", {"pk": "page_invoice"}),
    ("invoice_credit_note", {"pk": "page_invoice"}),
    ("invoice_void", {"pk": "page_invoice"}),
    ("invoice_uncollectible", {"pk": "page_invoice"}),
    ("invoice_reminders", {}),
    ("invoice_reminder_rule", {"pk": "reminder_rule"}),
    ("invoice_late_fee_policy", {}),
    ("invoice_late_fee_charge", {"pk": "page_invoice"}),
    ("invoice_recurring_list", {}),
    ("invoice_recurring_create", {}),
    ("invoice_recurring_edit", {"pk": "schedule"}),
    ("invoice_recurring_pause", {"pk": "schedule"}),
    ("invoice_recurring_delete", {"pk": "schedule"}),
    ("invoice_link_issue", {"pk": "page_invoice"}),
    ("invoice_link_revoke", {"pk": "page_invoice"}),
    ("invoice_send", {"pk": "page_invoice"}),
    ("invoice_pdf", {"pk": "page_invoice"}),
]

WORKSPACE_API = [
    ("workspace-detail", {}),
    ("membership-list", {}),
    ("membership-detail", {"pk": "membership"}),
    ("invitation-list", {}),
    ("invitation-detail", {"pk": "invitation"}),
    ("client-list", {}),
    ("client-detail", {"pk": "client"}),
    ("client-archive", {"pk": "client"}),
    ("client-unarchive", {"pk": "client"}),
    ("contact-list", {}),
    ("contact-detail", {"pk": "contact"}),
    ("engagement-list", {}),
    ("engagement-detail", {"pk": "engagement"}),
    ("engagement-unbilled", {"pk": "engagement"}),
    ("engagement-retainer-statements", {"pk": "retainer"}),
    ("time-entry-list", {}),
    ("time-entry-detail", {"pk": "time_entry"}),
    ("milestone-list", {}),
    ("milestone-detail", {"pk": "milestone"}),
    ("milestone-deliver", {"pk": "milestone"}),
    ("milestone-accept", {"pk": "milestone"}),
    ("outcome-list", {}),
    ("outcome-detail", {"pk": "outcome"}),
    ("outcome-accept", {"pk": "outcome"}),
    ("revenue-report-list", {}),
    ("revenue-report-detail", {"pk": "revenue_report"}),
    ("expense-list", {}),
    ("expense-detail", {"pk": "expense"}),
    ("proposal-list", {}),
    ("proposal-detail", {"pk": "api_proposal"}),
    ("proposal-send", {"pk": "api_proposal"}),
    ("proposal-withdraw", {"pk": "api_proposal"}),
    ("availability-list", {}),
    ("blocked-time-list", {}),
    ("blocked-time-detail", {"pk": "api_blocked_time"}),
    ("capacity-list", {}),
    ("invoice-list", {}),
    ("invoice-detail", {"pk": "api_invoice"}),
    ("invoice-add-unbilled", {"pk": "api_invoice"}),
    ("invoice-finalize", {"pk": "api_invoice"}),
    ("invoice-void", {"pk": "api_invoice"}),
    ("invoice-mark-uncollectible", {"pk": "api_invoice"}),
    ("invoice-apply-credit", {"pk": "api_invoice"}),
    ("invoice-credit-notes", {"pk": "api_invoice"}),
    ("invoice-link", {"pk": "api_invoice"}),
    ("invoice-send", {"pk": "api_invoice"}),
    ("invoice-pdf", {"pk": "api_invoice"}),
    ("invoice-late-fee", {"pk": "api_invoice"}),
    ("invoice-line-list", {}),
    ("invoice-line-detail", {"pk": "api_invoice_line"}),
    ("payment-list", {}),
    ("payment-detail", {"pk": "api_payment"}),
    ("payment-reverse", {"pk": "api_payment"}),
    ("client-credit-list", {}),
    ("tax-rate-list", {}),
    ("tax-rate-detail", {"pk": "api_tax_rate"}),
    ("exchange-rate-list", {}),
    ("exchange-rate-import-csv", {}),
    ("late-fee-policy-list", {}),
    ("reminder-rule-list", {}),
    ("reminder-rule-detail", {"pk": "api_reminder_rule"}),
    ("recurring-schedule-list", {}),
    ("recurring-schedule-detail", {"pk": "api_schedule"}),
    ("recurring-schedule-pause", {"pk": "api_schedule"}),
    ("recurring-schedule-resume", {"pk": "api_schedule"}),
]

# Action routes that take only POST: a member's GET is a 405 (the route resolved and the
# permission passed), where an outsider's is a 404.
POST_ONLY_API = {
    "client-archive",
    "client-unarchive",
    "milestone-deliver",
    "milestone-accept",
    "outcome-accept",
    "proposal-send",
    "proposal-withdraw",
    "invoice-add-unbilled",
    "invoice-finalize",
    "invoice-void",
    "invoice-mark-uncollectible",
    "invoice-send",
    "exchange-rate-import-csv",
    "invoice-apply-credit",
    "invoice-credit-notes",
    "invoice-link",
    "payment-reverse",
    "recurring-schedule-pause",
    "recurring-schedule-resume",
}


def _url(name, kwargs, workspace, objects):
    resolved = {k: objects[v].pk for k, v in kwargs.items()}
    return reverse(name, kwargs={"workspace": workspace.slug, **resolved})


@pytest.mark.parametrize(("name", "kwargs"), WORKSPACE_PAGES)
def test_every_workspace_page_is_404_for_an_outsider(client, personas, a_objects, name, kwargs):
    client.force_login(personas.charlie)
    assert_page_404_for_outsider(client, _url(name, kwargs, personas.a, a_objects))


@pytest.mark.parametrize(("name", "kwargs"), WORKSPACE_PAGES)
def test_every_workspace_page_works_for_a_member(client, personas, a_objects, name, kwargs):
    """The same table from the inside: the 404s above are about tenancy, not broken URLs."""
    client.force_login(personas.alice)
    response = client.get(_url(name, kwargs, personas.a, a_objects))
    assert response.status_code in (200, 405)  # 405: POST-only actions


@pytest.mark.parametrize(("name", "kwargs"), WORKSPACE_API)
def test_every_workspace_endpoint_is_404_for_an_outsider(api_as, personas, a_objects, name, kwargs):
    assert_api_404_for_outsider(api_as(personas.charlie), _url(name, kwargs, personas.a, a_objects))


@pytest.mark.parametrize(("name", "kwargs"), WORKSPACE_API)
def test_every_workspace_endpoint_works_for_a_member(api_as, personas, a_objects, name, kwargs):
    response = api_as(personas.alice).get(_url(name, kwargs, personas.a, a_objects))
    assert response.status_code == (405 if name in POST_ONLY_API else 200)


def test_an_object_of_b_under_a_slug_of_a_is_404(client, api_as, personas):
    """Alice belongs to A; B's client id under A's URL must not resolve either."""
    theirs = ClientFactory(workspace=personas.b)
    client.force_login(personas.alice)
    url = reverse("client_detail", kwargs={"workspace": personas.a.slug, "pk": theirs.pk})
    assert_page_404_for_outsider(client, url)
    api_url = reverse("client-detail", kwargs={"workspace": personas.a.slug, "pk": theirs.pk})
    # Alice is a member here, so methods the route lacks (POST on a detail URL) are a 405
    # for every id alike; the ones it has must not find B's object.
    assert_api_404_for_outsider(api_as(personas.alice), api_url, methods=("get", "patch"))


def test_unknown_workspace_is_the_same_404(client, api_as, personas):
    client.force_login(personas.charlie)
    assert_page_404_for_outsider(client, "/w/no-such-workspace/")
    assert_api_404_for_outsider(api_as(personas.charlie), "/api/v1/workspaces/no-such/clients/")


def test_anonymous_page_redirects_to_login_and_api_is_401(client, api, personas):
    response = client.get(reverse("dashboard", kwargs={"workspace": personas.a.slug}))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    response = api.get(reverse("client-list", kwargs={"workspace": personas.a.slug}))
    assert response.status_code == 401


def test_outsider_write_changes_nothing(api_as, personas):
    theirs = ClientFactory(workspace=personas.a, name="Untouched")
    url = reverse("client-detail", kwargs={"workspace": personas.a.slug, "pk": theirs.pk})
    response = api_as(personas.charlie).patch(url, {"name": "Hacked"}, format="json")
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "Untouched"


def test_related_choices_are_narrowed_to_the_workspace(personas):
    """WorkspaceSerializerMixin: a related field offers only the workspace's own rows."""
    from rest_framework import serializers

    from portfolio.api import WorkspaceSerializerMixin

    mine = ClientFactory(workspace=personas.a)
    theirs = ClientFactory(workspace=personas.b)

    class PickClient(WorkspaceSerializerMixin, serializers.Serializer):
        client = serializers.PrimaryKeyRelatedField(queryset=Client.objects.none())

    with scope(workspace=personas.a):
        ok = PickClient(data={"client": mine.pk}, context={"workspace": personas.a})
        assert ok.is_valid(), ok.errors
        bad = PickClient(data={"client": theirs.pk}, context={"workspace": personas.a})
        assert not bad.is_valid()
        assert bad.errors["client"][0].code == "does_not_exist"


def test_invitation_token_lookup_is_the_only_cross_tenant_read(personas):
    from accounts.services import invitation_from_token

    InvitationFactory(workspace=personas.b, token_hash=Invitation.hash_token("secret-b"))
    found = invitation_from_token(token="secret-b")
    assert found is not None and found.workspace == personas.b
    assert invitation_from_token(token="guess") is None


def _workspace_routes(prefix: str) -> set[str]:
    """Names of every URL pattern that takes a `workspace` argument under `prefix`."""
    from django.urls import get_resolver

    names = set()
    for name, entries in get_resolver().reverse_dict.lists():
        if not isinstance(name, str):
            continue
        for _bits, pattern, _defaults, _converters in entries:
            if pattern.startswith(prefix) and "(?P<workspace>" in pattern:
                names.add(name)
    return names


def test_every_workspace_page_is_in_the_cross_tenant_table():
    """A new page under /w/<workspace>/ must be added to WORKSPACE_PAGES above."""
    assert _workspace_routes("w/") == {name for name, _ in WORKSPACE_PAGES}


def test_every_workspace_endpoint_is_in_the_cross_tenant_table():
    """A new endpoint under /api/v1/workspaces/<workspace>/ must be added to WORKSPACE_API."""
    assert _workspace_routes("api/v1/workspaces/") == {name for name, _ in WORKSPACE_API}


def test_every_workspace_endpoint_uses_the_scoped_base():
    """Each workspace API view subclasses WorkspaceViewSet (scoped queryset, 404 permission);
    each of its serializers narrows related fields with WorkspaceSerializerMixin."""
    from django.urls import get_resolver

    from accounts.api.views import WorkspaceApiViewSet
    from portfolio.api import WorkspaceSerializerMixin, WorkspaceViewSet

    def walk(patterns, prefix=""):
        for p in patterns:
            if hasattr(p, "url_patterns"):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            else:
                yield prefix + str(p.pattern), p.callback

    checked = 0
    for route, callback in walk(get_resolver().url_patterns):
        cls = getattr(callback, "cls", None)
        if not route.startswith("api/v1/workspaces/<slug:workspace>/") or cls is None:
            continue
        if cls is WorkspaceApiViewSet:  # the workspace itself, checked by membership
            continue
        assert issubclass(cls, WorkspaceViewSet), route
        assert issubclass(cls.serializer_class, WorkspaceSerializerMixin), (
            f"{cls.serializer_class.__name__} must narrow related fields to the workspace"
        )
        checked += 1
    assert checked >= 3


def test_every_tenant_model_has_a_scoped_default_manager():
    """A model with a `workspace` foreign key is tenant-owned: its default manager must be
    scoped, so an unscoped query fails loudly instead of returning every tenant's rows."""
    from django.apps import apps
    from django_scopes.manager import DisabledQuerySet

    tenant_models = [
        m
        for m in apps.get_models()
        if any(f.name == "workspace" and f.is_relation for f in m._meta.fields)
    ]
    assert len(tenant_models) >= 4
    for model in tenant_models:
        assert isinstance(model._default_manager.get_queryset(), DisabledQuerySet), (
            f"{model.__name__} is tenant-owned but its default manager is not scoped"
        )
        if model._meta.app_label in ("accounts", "engagements"):
            from accounts.tenancy import TenantModel

            assert issubclass(model, TenantModel), model


def test_a_scope_without_a_workspace_is_refused():
    """django-scopes would read workspace=None as "no filter"; our helper refuses it."""
    from accounts.tenancy import workspace_scope

    with pytest.raises(ValueError, match="saved workspace"):
        workspace_scope(None)


def test_workspace_pages_run_in_the_workspace_time_zone(client, personas):
    from django.utils import timezone

    from accounts.tenancy import WorkspaceMiddleware

    personas.a.timezone = "Pacific/Auckland"
    personas.a.save()
    seen = {}

    def view(request):
        seen["tz"] = timezone.get_current_timezone_name()
        from django.http import HttpResponse

        return HttpResponse("ok")

    from django.test import RequestFactory

    request = RequestFactory().get("/w/alice-studio/")
    request.user = personas.alice
    WorkspaceMiddleware(view)(request)
    assert seen["tz"] == "Pacific/Auckland"
    assert timezone.get_current_timezone_name() == "UTC"  # restored afterwards
