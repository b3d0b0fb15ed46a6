"""Dashboard pages of the engagements app, one module per concept; `engagements.urls`
routes to them."""
