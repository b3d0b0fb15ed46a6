"""Pages of invoicing, one concept per module (invoicing/urls.py names each view by its
module): invoices (list, new, the invoice page, PDF), drafts (editing), actions (payments,
credit, void, link, send), rates, reminders, recurring, and public (the client's link).

Thin, like the engagement pages: parse a form, call one service, render. Every POST that
writes is gated by `role_required("write")` (accountants read only: 403); every object
comes through `get_tenant_object_or_404` (another workspace's id is a 404). A service's
ValidationError lands on the form it came from with a 200, or, for one-button actions, in
a flash message after the redirect."""
