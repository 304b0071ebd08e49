"""The request id, available to logs, errors and audit rows without passing it around."""

from contextvars import ContextVar

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
