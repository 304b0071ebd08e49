"""The request id and the request's language, available to logs, errors and audit rows without
passing them around."""

from contextvars import ContextVar

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
# `fr` or `en`, set per request by the web wing (`ehp_api.web.language`) and per run by the command
# line (`ehp_api.cli.language`); unset elsewhere.
language_var: ContextVar[str | None] = ContextVar("language", default=None)
