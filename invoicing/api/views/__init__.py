"""The invoicing API under /api/v1/workspaces/<workspace>/, one module per concept
(invoices, payments, rates, schedules): thin viewsets that parse input, call one service
and render, following engagements.api.views.

Scoping, 404s across tenants and read-only accountants come from `WorkspaceViewSet`;
related ids are narrowed to the workspace by the serializers; services raise Django's
ValidationError, answered as a 400 by `service_errors`. Payments and credit entries are
append-only: they are created and reversed, never edited or deleted."""
