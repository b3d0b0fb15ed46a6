# Long on purpose: the tables, their objects and the walks proving them whole change together.
"""The cross-tenant tables: every workspace page and endpoint, with the objects its URL
needs, is a 404 for an outsider and works for a member; and the walks of the URLconf that
fail when a route under a tenant kind's prefix is missing from its kind's table, takes the
tenant argument elsewhere, or does not use the scoped API base."""

import pytest
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from accounts.models import Membership
from tests.factories import ClientFactory, InvitationFactory
from tests.tenancy import _kinds, assert_api_404_for_outsider, assert_page_404_for_outsider


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
    objects.update(_payments_objects(personas, objects["page_invoice"]))
    return objects


def _payments_objects(personas, invoice):
    """A card payment of A's on the finalised invoice: the row only (these checks never
    reach Stripe; an outsider is refused before, a member's GET is read from the row)."""
    from decimal import Decimal

    from payments.models import CardPayment

    with scope(workspace=personas.a):
        payment = CardPayment.objects.create(
            workspace=personas.a,
            invoice=invoice,
            client=invoice.client,
            amount=Decimal(10),
            currency=invoice.currency,
            destination="acct_none",
        )
    return {"card_payment": payment}


def _schedule_page_objects(personas, client):
    """A reminder rule and a recurring schedule of A's."""
    import datetime as dt

    from invoicing.services import recurring, reminders

    with scope(workspace=personas.a):
        rule = reminders.reminder_rule_save(
            workspace=personas.a, actor=personas.alice, days_from_due=3
        )
        schedule = recurring.recurring_schedule_save(
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
        payment = inv.receipt_record(
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
        payment = services.receipt_record(
            invoice=invoice,
            actor=personas.alice,
            amount=Decimal(10),
            received_on=dt.date(2030, 1, 7),
            method="cash",
        )
        from invoicing.services import recurring, reminders

        rule = reminders.reminder_rule_save(
            workspace=personas.a, actor=personas.alice, days_from_due=-5
        )
        schedule = recurring.recurring_schedule_save(
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
    ("insights:dashboard", {}),
    ("engagements:proposal_list", {}),
    ("engagements:proposal_create", {}),
    ("engagements:proposal_detail", {"pk": "proposal"}),
    ("engagements:proposal_edit", {"pk": "proposal"}),
    ("engagements:proposal_send", {"pk": "proposal"}),
    ("engagements:proposal_withdraw", {"pk": "proposal"}),
    ("engagements:capacity", {}),
    ("engagements:capacity_availability", {}),
    ("engagements:blocked_time_create", {}),
    ("engagements:blocked_time_edit", {"pk": "blocked_time"}),
    ("engagements:blocked_time_delete", {"pk": "blocked_time"}),
    ("engagements:csv_import_export", {}),
    ("engagements:csv_template_clients", {}),
    ("engagements:csv_template_time_entries", {}),
    ("engagements:csv_export_clients", {}),
    ("engagements:csv_export_engagements", {}),
    ("engagements:csv_export_time_entries", {}),
    ("engagements:csv_export_expenses", {}),
    ("accounts:workspace_settings", {}),
    ("accounts:members", {}),
    ("accounts:membership_change", {"pk": "membership"}),
    ("accounts:invitation_revoke", {"pk": "invitation"}),
    ("engagements:client_list", {}),
    ("engagements:client_create", {}),
    ("engagements:client_detail", {"pk": "client"}),
    ("engagements:client_contact_save", {"pk": "client"}),
    ("engagements:client_archive", {"pk": "client"}),
    ("engagements:engagement_list", {}),
    ("engagements:engagement_create", {}),
    ("engagements:engagement_detail", {"pk": "page_hourly"}),
    ("engagements:engagement_edit", {"pk": "page_hourly"}),
    ("engagements:engagement_time_save", {"pk": "page_hourly"}),
    ("engagements:engagement_milestone_add", {"pk": "page_milestone_engagement"}),
    (
        "engagements:engagement_milestone_deliver",
        {"pk": "page_milestone_engagement", "milestone_pk": "page_milestone"},
    ),
    (
        "engagements:engagement_milestone_accept",
        {"pk": "page_milestone_engagement", "milestone_pk": "page_milestone"},
    ),
    ("engagements:engagement_outcome_add", {"pk": "page_outcome_engagement"}),
    (
        "engagements:engagement_outcome_accept",
        {"pk": "page_outcome_engagement", "outcome_pk": "page_outcome"},
    ),
    ("engagements:engagement_revenue_add", {"pk": "page_hourly"}),
    ("engagements:engagement_expense_add", {"pk": "page_hourly"}),
    ("engagements:engagement_expense_receipt", {"pk": "page_hourly", "expense_pk": "page_expense"}),
    ("engagements:engagement_record_delete", {"pk": "page_hourly"}),
    ("invoicing:invoice_list", {}),
    ("invoicing:invoice_create", {}),
    ("invoicing:invoice_from_work", {}),
    ("invoicing:invoice_tax_rates", {}),
    ("invoicing:invoice_tax_rate_edit", {"pk": "page_tax_rate"}),
    ("invoicing:invoice_tax_rate_archive", {"pk": "page_tax_rate"}),
    ("invoicing:invoice_exchange_rates", {}),
    ("invoicing:invoice_exchange_rate_import", {}),
    ("invoicing:invoice_detail", {"pk": "page_draft"}),
    ("invoicing:invoice_header_save", {"pk": "page_draft"}),
    ("invoicing:invoice_line_save", {"pk": "page_draft"}),
    ("invoicing:invoice_line_delete", {"pk": "page_draft", "line_pk": "page_draft_line"}),
    ("invoicing:invoice_unbilled", {"pk": "page_draft"}),
    ("invoicing:invoice_finalize", {"pk": "page_draft"}),
    ("invoicing:invoice_delete", {"pk": "page_draft"}),
    ("invoicing:invoice_payment", {"pk": "page_invoice"}),
    ("invoicing:invoice_payment_reverse", {"pk": "page_invoice", "payment_pk": "page_payment"}),
    ("invoicing:invoice_credit_apply", {"pk": "page_invoice"}),
    ("invoicing:invoice_credit_unapply", {"pk": "page_invoice"}),
    ("invoicing:invoice_credit_note", {"pk": "page_invoice"}),
    ("invoicing:invoice_void", {"pk": "page_invoice"}),
    ("invoicing:invoice_uncollectible", {"pk": "page_invoice"}),
    ("invoicing:invoice_reminders", {}),
    ("invoicing:invoice_reminder_rule", {"pk": "reminder_rule"}),
    ("invoicing:invoice_late_fee_policy", {}),
    ("invoicing:invoice_late_fee_charge", {"pk": "page_invoice"}),
    ("invoicing:invoice_recurring_list", {}),
    ("invoicing:invoice_recurring_create", {}),
    ("invoicing:invoice_recurring_edit", {"pk": "schedule"}),
    ("invoicing:invoice_recurring_pause", {"pk": "schedule"}),
    ("invoicing:invoice_recurring_delete", {"pk": "schedule"}),
    ("invoicing:invoice_link_issue", {"pk": "page_invoice"}),
    ("invoicing:invoice_link_revoke", {"pk": "page_invoice"}),
    ("invoicing:invoice_send", {"pk": "page_invoice"}),
    ("invoicing:invoice_pdf", {"pk": "page_invoice"}),
    ("payments:settings", {}),
    ("payments:settings_connect", {}),
    ("payments:settings_return", {}),
    ("payments:settings_refresh", {}),
    ("payments:payouts", {}),
    ("payments:card_refund", {"pk": "page_invoice", "payment_pk": "card_payment"}),
]

WORKSPACE_API = [
    ("accounts_api:workspace-detail", {}),
    ("accounts_api:membership-list", {}),
    ("accounts_api:membership-detail", {"pk": "membership"}),
    ("accounts_api:invitation-list", {}),
    ("accounts_api:invitation-detail", {"pk": "invitation"}),
    ("engagements_api:client-list", {}),
    ("engagements_api:client-detail", {"pk": "client"}),
    ("engagements_api:client-archive", {"pk": "client"}),
    ("engagements_api:client-unarchive", {"pk": "client"}),
    ("engagements_api:contact-list", {}),
    ("engagements_api:contact-detail", {"pk": "contact"}),
    ("engagements_api:engagement-list", {}),
    ("engagements_api:engagement-detail", {"pk": "engagement"}),
    ("engagements_api:engagement-unbilled", {"pk": "engagement"}),
    ("engagements_api:engagement-retainer-statements", {"pk": "retainer"}),
    ("engagements_api:time-entry-list", {}),
    ("engagements_api:time-entry-detail", {"pk": "time_entry"}),
    ("engagements_api:milestone-list", {}),
    ("engagements_api:milestone-detail", {"pk": "milestone"}),
    ("engagements_api:milestone-deliver", {"pk": "milestone"}),
    ("engagements_api:milestone-accept", {"pk": "milestone"}),
    ("engagements_api:outcome-list", {}),
    ("engagements_api:outcome-detail", {"pk": "outcome"}),
    ("engagements_api:outcome-accept", {"pk": "outcome"}),
    ("engagements_api:revenue-report-list", {}),
    ("engagements_api:revenue-report-detail", {"pk": "revenue_report"}),
    ("engagements_api:expense-list", {}),
    ("engagements_api:expense-detail", {"pk": "expense"}),
    ("engagements_api:expense-receipt", {"pk": "page_expense"}),
    ("engagements_api:proposal-list", {}),
    ("engagements_api:proposal-detail", {"pk": "api_proposal"}),
    ("engagements_api:proposal-send", {"pk": "api_proposal"}),
    ("engagements_api:proposal-withdraw", {"pk": "api_proposal"}),
    ("engagements_api:availability-list", {}),
    ("engagements_api:blocked-time-list", {}),
    ("engagements_api:blocked-time-detail", {"pk": "api_blocked_time"}),
    ("engagements_api:capacity-list", {}),
    ("invoicing_api:invoice-list", {}),
    ("invoicing_api:invoice-detail", {"pk": "api_invoice"}),
    ("invoicing_api:invoice-add-unbilled", {"pk": "api_invoice"}),
    ("invoicing_api:invoice-finalize", {"pk": "api_invoice"}),
    ("invoicing_api:invoice-void", {"pk": "api_invoice"}),
    ("invoicing_api:invoice-mark-uncollectible", {"pk": "api_invoice"}),
    ("invoicing_api:invoice-apply-credit", {"pk": "api_invoice"}),
    ("invoicing_api:invoice-unapply-credit", {"pk": "api_invoice"}),
    ("invoicing_api:invoice-credit-notes", {"pk": "api_invoice"}),
    ("invoicing_api:invoice-link", {"pk": "api_invoice"}),
    ("invoicing_api:invoice-send", {"pk": "api_invoice"}),
    ("invoicing_api:invoice-pdf", {"pk": "api_invoice"}),
    ("invoicing_api:invoice-late-fee", {"pk": "api_invoice"}),
    ("invoicing_api:invoice-line-list", {}),
    ("invoicing_api:invoice-line-detail", {"pk": "api_invoice_line"}),
    ("invoicing_api:payment-list", {}),
    ("invoicing_api:payment-detail", {"pk": "api_payment"}),
    ("invoicing_api:payment-reverse", {"pk": "api_payment"}),
    ("invoicing_api:client-credit-list", {}),
    ("invoicing_api:tax-rate-list", {}),
    ("invoicing_api:tax-rate-detail", {"pk": "api_tax_rate"}),
    ("invoicing_api:exchange-rate-list", {}),
    ("invoicing_api:exchange-rate-import-csv", {}),
    ("invoicing_api:late-fee-policy-list", {}),
    ("invoicing_api:reminder-rule-list", {}),
    ("invoicing_api:reminder-rule-detail", {"pk": "api_reminder_rule"}),
    ("invoicing_api:recurring-schedule-list", {}),
    ("invoicing_api:recurring-schedule-detail", {"pk": "api_schedule"}),
    ("invoicing_api:recurring-schedule-pause", {"pk": "api_schedule"}),
    ("invoicing_api:recurring-schedule-resume", {"pk": "api_schedule"}),
    ("payments_api:card-payment-list", {}),
    ("payments_api:card-payment-detail", {"pk": "card_payment"}),
    ("payments_api:card-payment-refund", {"pk": "card_payment"}),
    ("payments_api:payout-list", {}),
    ("payments_api:stripe-account-list", {}),
]

# Action routes that take only POST: a member's GET is a 405 (the route resolved and the
# permission passed), where an outsider's is a 404.
POST_ONLY_API = {
    "engagements_api:client-archive",
    "engagements_api:client-unarchive",
    "engagements_api:milestone-deliver",
    "engagements_api:milestone-accept",
    "engagements_api:outcome-accept",
    "engagements_api:proposal-send",
    "engagements_api:proposal-withdraw",
    "invoicing_api:invoice-add-unbilled",
    "invoicing_api:invoice-finalize",
    "invoicing_api:invoice-void",
    "invoicing_api:invoice-mark-uncollectible",
    "invoicing_api:invoice-send",
    "invoicing_api:exchange-rate-import-csv",
    "invoicing_api:invoice-apply-credit",
    "invoicing_api:invoice-unapply-credit",
    "invoicing_api:invoice-credit-notes",
    "invoicing_api:invoice-link",
    "invoicing_api:payment-reverse",
    "invoicing_api:recurring-schedule-pause",
    "invoicing_api:recurring-schedule-resume",
    "payments_api:card-payment-refund",
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


# The cross-tenant tables by tenant kind: every page and endpoint under a kind's prefixes
# must be in its kind's table (a second kind adds its own tables here, nothing else).
CROSS_TENANT_PAGES = {"workspace": WORKSPACE_PAGES}
CROSS_TENANT_API = {"workspace": WORKSPACE_API}


def _bare(pattern) -> str:
    """A pattern as text without a regex's anchors, so routes join like paths."""
    return str(pattern).removeprefix("^").removesuffix("$")


def _routes():
    """(route, namespaced name, callback) of every URL pattern of the project."""
    from django.urls import get_resolver

    def walk(patterns, route="", namespace=None):
        for p in patterns:
            if hasattr(p, "url_patterns"):
                yield from walk(p.url_patterns, route + _bare(p.pattern), p.namespace or namespace)
            else:
                name = f"{namespace}:{p.name}" if namespace and p.name else p.name
                yield route + _bare(p.pattern), name, p.callback

    return list(walk(get_resolver().url_patterns))


def _takes_tenant(route: str, kind) -> bool:
    """Whether a route takes the kind's URL argument (`<slug:workspace>` or a router's
    `(?P<workspace>…)`)."""
    return f"<slug:{kind.name}>" in route or f"(?P<{kind.name}>" in route


def _page_prefix(kind) -> str:
    return f"{kind.page_prefix}/"


def _api_prefix(kind) -> str:
    from core.tenancy import API_ROOT

    return f"{API_ROOT.removeprefix('/')}{kind.api_prefix}/"


def _tenant_routes(kind, prefix: str) -> set[str]:
    """Names of every URL pattern under `prefix` that takes the kind's argument; a route
    without a name could not be in a table, so there is none."""
    names = set()
    for route, name, _ in _routes():
        if route.startswith(prefix) and _takes_tenant(route, kind):
            assert name, f"{route} has no name, so it cannot be in the cross-tenant table"
            names.add(name)
    return names


def test_every_tenant_page_is_in_the_cross_tenant_table():
    """A new page under a kind's prefix (/w/<workspace>/…) must be added to its kind's
    table above (WORKSPACE_PAGES for workspaces)."""
    for kind in _kinds():
        table = {name for name, _ in CROSS_TENANT_PAGES.get(kind.name, [])}
        assert _tenant_routes(kind, _page_prefix(kind)) == table, kind.name


def test_every_tenant_endpoint_is_in_the_cross_tenant_table():
    """A new endpoint under a kind's prefix (/api/v1/workspaces/<workspace>/…) must be
    added to its kind's table above (WORKSPACE_API for workspaces)."""
    for kind in _kinds():
        table = {name for name, _ in CROSS_TENANT_API.get(kind.name, [])}
        assert _tenant_routes(kind, _api_prefix(kind)) == table, kind.name


def test_a_tenant_argument_appears_only_under_its_kinds_prefixes():
    """The middleware resolves and scopes a tenant only under its kind's prefixes; a route
    elsewhere taking the same argument would run unscoped and unchecked."""
    for kind in _kinds():
        for route, name, _ in _routes():
            if _takes_tenant(route, kind):
                assert route.startswith((_page_prefix(kind), _api_prefix(kind))), (name, route)


def test_every_tenant_endpoint_uses_the_scoped_base():
    """Each API view under a kind's prefix subclasses TenantViewSet (scoped queryset, 404
    permission), and each of its serializers narrows related fields with
    TenantSerializerMixin. The tenant's own route (/workspaces/<workspace>/) serves no
    tenant-owned rows, but must still let members only in."""
    from core.api.permissions import IsTenantMember
    from core.api.serializers import TenantSerializerMixin
    from core.api.viewsets import TenantViewSet

    checked = 0
    for kind in _kinds():
        for route, _, callback in _routes():
            cls = getattr(callback, "cls", None)
            if cls is None or not route.startswith(_api_prefix(kind)):
                continue
            if not _takes_tenant(route, kind):
                continue
            if getattr(cls, "lookup_url_kwarg", None) == kind.name:  # the tenant itself
                permissions = cls(kwargs={kind.name: "any"}).get_permissions()
                assert any(isinstance(p, IsTenantMember) for p in permissions), route
                continue
            assert issubclass(cls, TenantViewSet), route
            assert issubclass(cls.serializer_class, TenantSerializerMixin), (
                f"{cls.serializer_class.__name__} must narrow related fields to the tenant"
            )
            checked += 1
    assert checked >= 3
