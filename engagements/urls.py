"""Pages of the engagements app (namespace `engagements`): the workspace's pages under
/w/<workspace>/ (membership enforced by the tenant middleware; every route there must also
be in tests/test_cross_tenant.py's table) and the client's proposal link /p/<token>/."""

from django.urls import include, path

from engagements.views import capacity, clients, csv, engagements, proposals, records

app_name = "engagements"

workspace_pages = [
    path("clients/", clients.client_list, name="client_list"),
    path("clients/new/", clients.client_create, name="client_create"),
    path("clients/<int:pk>/", clients.client_detail, name="client_detail"),
    path("clients/<int:pk>/contacts/", clients.client_contact_save, name="client_contact_save"),
    path("clients/<int:pk>/archive/", clients.client_archive, name="client_archive"),
    path("engagements/", engagements.engagement_list, name="engagement_list"),
    path("engagements/new/", engagements.engagement_create, name="engagement_create"),
    path("engagements/<int:pk>/", engagements.engagement_detail, name="engagement_detail"),
    path("engagements/<int:pk>/edit/", engagements.engagement_edit, name="engagement_edit"),
    path("engagements/<int:pk>/time/", records.time_entry_save, name="engagement_time_save"),
    path(
        "engagements/<int:pk>/milestones/", records.milestone_add, name="engagement_milestone_add"
    ),
    path(
        "engagements/<int:pk>/milestones/<int:milestone_pk>/deliver/",
        records.milestone_deliver,
        name="engagement_milestone_deliver",
    ),
    path(
        "engagements/<int:pk>/milestones/<int:milestone_pk>/accept/",
        records.milestone_accept,
        name="engagement_milestone_accept",
    ),
    path("engagements/<int:pk>/outcomes/", records.outcome_add, name="engagement_outcome_add"),
    path(
        "engagements/<int:pk>/outcomes/<int:outcome_pk>/accept/",
        records.outcome_accept,
        name="engagement_outcome_accept",
    ),
    path(
        "engagements/<int:pk>/revenue/", records.revenue_report_add, name="engagement_revenue_add"
    ),
    path("engagements/<int:pk>/expenses/", records.expense_add, name="engagement_expense_add"),
    path(
        "engagements/<int:pk>/expenses/<int:expense_pk>/receipt/",
        records.expense_receipt,
        name="engagement_expense_receipt",
    ),
    path("engagements/<int:pk>/delete/", records.record_delete, name="engagement_record_delete"),
    # Proposals (views.proposals; the client's public page is /p/<token>/ in portfolio/urls)
    path("proposals/", proposals.proposal_list, name="proposal_list"),
    path("proposals/new/", proposals.proposal_create, name="proposal_create"),
    path("proposals/<int:pk>/", proposals.proposal_detail, name="proposal_detail"),
    path("proposals/<int:pk>/edit/", proposals.proposal_edit, name="proposal_edit"),
    path("proposals/<int:pk>/send/", proposals.proposal_send, name="proposal_send"),
    path("proposals/<int:pk>/withdraw/", proposals.proposal_withdraw, name="proposal_withdraw"),
    # Capacity (views.capacity)
    path("capacity/", capacity.capacity, name="capacity"),
    path(
        "capacity/availability/",
        capacity.capacity_availability,
        name="capacity_availability",
    ),
    path("capacity/blocked/new/", capacity.blocked_time_create, name="blocked_time_create"),
    path("capacity/blocked/<int:pk>/", capacity.blocked_time_edit, name="blocked_time_edit"),
    path(
        "capacity/blocked/<int:pk>/delete/",
        capacity.blocked_time_delete,
        name="blocked_time_delete",
    ),
    # CSV import & export (views.csv)
    path("import-export/", csv.import_export, name="csv_import_export"),
    path(
        "import-export/clients-template.csv",
        csv.csv_template,
        {"kind": "clients"},
        name="csv_template_clients",
    ),
    path(
        "import-export/time-entries-template.csv",
        csv.csv_template,
        {"kind": "time-entries"},
        name="csv_template_time_entries",
    ),
    path("export/clients.csv", csv.csv_export, {"kind": "clients"}, name="csv_export_clients"),
    path(
        "export/engagements.csv",
        csv.csv_export,
        {"kind": "engagements"},
        name="csv_export_engagements",
    ),
    path(
        "export/time-entries.csv",
        csv.csv_export,
        {"kind": "time-entries"},
        name="csv_export_time_entries",
    ),
    path(
        "export/expenses.csv",
        csv.csv_export,
        {"kind": "expenses"},
        name="csv_export_expenses",
    ),
]

urlpatterns = [
    path("w/<slug:workspace>/", include(workspace_pages)),
    path("p/<str:token>/", proposals.proposal_public, name="proposal_public"),
]
