"""Dashboard forms, one module per concept. They parse input only; every write goes through
`engagements.services`. Forms that offer related rows are given the request's workspace
and scope their choices to it (a scoped manager alone would not stop a crafted id from
another workspace being *displayed*; the service re-checks on save)."""
