"""The request id and the request's language, available to logs, errors and audit rows without
passing them around."""

from contextvars import ContextVar

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
# `fr` or `en`, set per request by the web wing (`ehp_api.web.language`); unset outside a request.
language_var: ContextVar[str | None] = ContextVar("language", default=None)
