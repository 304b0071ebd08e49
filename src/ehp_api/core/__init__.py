"""Plumbing every domain stands on: settings, the database and bulk writes, errors, pagination,
the principal and its permissions, the seeding framework, list filters, logs and migrations.

Nothing here imports `ehp_api.web`, a domain, or the registries at the top of the package."""
