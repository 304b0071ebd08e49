"""Sync: the removals a client that keeps a copy of readings, alerts and complaints must apply."""
