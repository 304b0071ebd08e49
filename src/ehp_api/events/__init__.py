"""Events: what happened that someone must be told, written to the outbox in the transaction of
the change itself (`service.emit`), delivered later by the worker (`ehp_api.notifications`).

This package sits low, beside the wings: the domains that emit import it, and it imports none
of them. Who may receive an event is decided by the domain that emits it, as data
(`policy.Audience`), and read back by the deliverer against each receiver's permissions.
"""
