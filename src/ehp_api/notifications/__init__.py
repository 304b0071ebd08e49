"""Notifications: the events of the outbox (`ehp_api.events`) delivered by the worker process
(`ehp-api worker`) to the organisations' webhook subscriptions and, by e-mail, to the people
they concern; each delivery retried with backoff and kept in a log that can be replayed."""
