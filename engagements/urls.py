"""Pages of the engagements app (namespace `engagements`): the workspace's pages under
/w/<workspace>/ (membership enforced by the tenant middleware; every route there must also
be in tests/test_tenancy.py's table) and the client's proposal link /p/<token>/."""

from django.urls import include, path

from engagements import views, views_capacity, views_csv, views_proposals

app_name = "engagements"

workspace_pages = [
    path("clients/", views.client_list, name="client_list"),
    path("clients/new/", views.client_create, name="client_create"),
    path("clients/<int:pk>/", views.client_detail, name="client_detail"),
    path("clients/<int:pk>/contacts/", views.client_contact_save, name="client_contact_save"),
    path("clients/<int:pk>/archive/", views.client_archive, name="client_archive"),
    path("engagements/", views.engagement_list, name="engagement_list"),
    path("engagements/new/", views.engagement_create, name="engagement_create"),
    path("engagements/<int:pk>/", views.engagement_detail, name="engagement_detail"),
    path("engagements/<int:pk>/edit/", views.engagement_edit, name="engagement_edit"),
    path("engagements/<int:pk>/time/", views.time_entry_save, name="engagement_time_save"),
    path("engagements/<int:pk>/milestones/", views.milestone_add, name="engagement_milestone_add"),
    path(
        "engagements/<int:pk>/milestones/<int:milestone_pk>/deliver/",
        views.milestone_deliver,
        name="engagement_milestone_deliver",
    ),
    path(
        "engagements/<int:pk>/milestones/<int:milestone_pk>/accept/",
        views.milestone_accept,
        name="engagement_milestone_accept",
    ),
    path("engagements/<int:pk>/outcomes/", views.outcome_add, name="engagement_outcome_add"),
    path(
        "engagements/<int:pk>/outcomes/<int:outcome_pk>/accept/",
        views.outcome_accept,
        name="engagement_outcome_accept",
    ),
    path("engagements/<int:pk>/revenue/", views.revenue_report_add, name="engagement_revenue_add"),
    path("engagements/<int:pk>/expenses/", views.expense_add, name="engagement_expense_add"),
    path(
        "engagements/<int:pk>/expenses/<int:expense_pk>/receipt/",
        views.expense_receipt,
        name="engagement_expense_receipt",
    ),
    path("engagements/<int:pk>/delete/", views.record_delete, name="engagement_record_delete"),
    # Proposals (views_proposals; the client's public page is /p/<token>/ in portfolio/urls)
    path("proposals/", views_proposals.proposal_list, name="proposal_list"),
    path("proposals/new/", views_proposals.proposal_create, name="proposal_create"),
    path("proposals/<int:pk>/", views_proposals.proposal_detail, name="proposal_detail"),
    path("proposals/<int:pk>/send/", views_proposals.proposal_send, name="proposal_send"),
    path(
        "proposals/<int:pk>/withdraw/", views_proposals.proposal_withdraw, name="proposal_withdraw"
    ),
    # Capacity (views_capacity)
    path("capacity/", views_capacity.capacity, name="capacity"),
    path(
        "capacity/availability/",
        views_capacity.capacity_availability,
        name="capacity_availability",
    ),
    path("capacity/blocked/new/", views_capacity.blocked_time_create, name="blocked_time_create"),
    path("capacity/blocked/<int:pk>/", views_capacity.blocked_time_edit, name="blocked_time_edit"),
    path(
        "capacity/blocked/<int:pk>/delete/",
        views_capacity.blocked_time_delete,
        name="blocked_time_delete",
    ),
    # CSV import & export (views_csv)
    path("import-export/", views_csv.import_export, name="csv_import_export"),
    path(
        "import-export/clients-template.csv",
        views_csv.csv_template,
        {"kind": "clients"},
        name="csv_template_clients",
    ),
    path(
        "import-export/time-entries-template.csv",
        views_csv.csv_template,
        {"kind": "time-entries"},
        name="csv_template_time_entries",
    ),
    path(
        "export/clients.csv", views_csv.csv_export, {"kind": "clients"}, name="csv_export_clients"
    ),
    path(
        "export/engagements.csv",
        views_csv.csv_export,
        {"kind": "engagements"},
        name="csv_export_engagements",
    ),
    path(
        "export/time-entries.csv",
        views_csv.csv_export,
        {"kind": "time-entries"},
        name="csv_export_time_entries",
    ),
    path(
        "export/expenses.csv",
        views_csv.csv_export,
        {"kind": "expenses"},
        name="csv_export_expenses",
    ),
]

urlpatterns = [
    path("w/<slug:workspace>/", include(workspace_pages)),
    path("p/<str:token>/", views_proposals.proposal_public, name="proposal_public"),
]
