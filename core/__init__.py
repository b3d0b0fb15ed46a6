"""The kernel: what every app builds on, and nothing above it.

It depends only on Django and third-party libraries, never on an app of this project
(import-linter's contracts in pyproject.toml enforce it): tenancy and the tenant-kind
registry, money and currencies, the API base, rate limiting, token hashing, CSV helpers,
dates, the page role gate, the Celery tenant-task wrapper and the money template tags.
"""
