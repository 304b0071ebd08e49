"""Log lines: JSON (one object a line) or plain text (`EHP_LOG_FORMAT`), the app's and uvicorn's
alike, each with the request id of the request that caused it.

The access log is the app's own (`ehp_api.access`, one line per request, written by
`ehp_api.web.middleware`): it knows the route template, the latency and who called, which
uvicorn's does not; uvicorn's is turned off.

What this service protects stays out: a bearer secret keeps its public prefix only, complaint
follow-up codes (which travel in URL paths) are replaced, and a field named for an identity, a
narrative or a secret is replaced whatever its value. SQLAlchemy's engine logger would print
result rows at DEBUG (complaint descriptions among them): it is kept at INFO at most.
"""

import logging
import re
from collections.abc import Mapping
from typing import Any, Literal

import orjson
import structlog
from structlog.typing import EventDict

from ehp_api.core.request_context import request_id_var

LogFormat = Literal["json", "text"]

REDACTED = "[redacted]"
# A route template (`.../follow-up/{code}`) is no code.
_FOLLOW_UP = re.compile(r"(/complaints/follow-up/)(?!\{code\})[^/?\s\"']+")
# An API key is `ehpk_<8 hex>_<secret>` (the first part is its public prefix), a token `ehpt_...`.
_SECRET = re.compile(r"\b(ehpk_[0-9a-f]{8}_|ehpt_)[A-Za-z0-9_-]+")
SENSITIVE_FIELDS = frozenset(
    {
        "authorization",
        "complainant",
        "description",
        "follow_up_code",
        "identity",
        "narrative",
        "password",
        "phone",
        "secret",
        "token",
    }
)
_FIRST = ("time", "level", "logger", "request_id", "event")


def redact_text(text: str) -> str:
    return _SECRET.sub(rf"\1{REDACTED}", _FOLLOW_UP.sub(rf"\1{REDACTED}", text))


def _redacted(value: Any) -> Any:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {k: REDACTED if k in SENSITIVE_FIELDS else _redacted(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redacted(v) for v in value]
    return value


def redact(_logger: Any, _name: str, event: EventDict) -> EventDict:
    """Every value of the line through `redact_text`; sensitive fields replaced whole."""
    return _redacted(event)


def _drop_uvicorn_colours(_logger: Any, _name: str, event: EventDict) -> EventDict:
    event.pop("color_message", None)
    return event


def _add_request_id(_logger: Any, _name: str, event: EventDict) -> EventDict:
    event["request_id"] = request_id_var.get()
    return event


def _in_order(event: EventDict) -> dict[str, Any]:
    first = {key: event.pop(key) for key in _FIRST if key in event}
    return first | {key: value for key, value in event.items() if value is not None}


def _json(_logger: Any, _name: str, event: EventDict) -> str:
    return orjson.dumps(_in_order(event), default=str).decode()


def _text(_logger: Any, _name: str, event: EventDict) -> str:
    line = _in_order(event)
    head = (
        f"{line.pop('time')} {line.pop('level').upper()} {line.pop('logger')} "
        f"[{line.pop('request_id', None) or '-'}] {line.pop('event')}"
    )
    exception = line.pop("exception", None)
    fields = "".join(f" {key}={value}" for key, value in line.items())
    return head + fields + (f"\n{exception}" if exception else "")


def formatter(log_format: LogFormat) -> logging.Formatter:
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.processors.TimeStamper(fmt="iso", utc=True, key="time"),
            structlog.stdlib.ExtraAdder(),
            _drop_uvicorn_colours,
            _add_request_id,
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            redact,
            _json if log_format == "json" else _text,
        ],
    )


def configure_logging(level: str, log_format: LogFormat = "json") -> None:
    """One handler, on standard error, for the app's loggers and uvicorn's; idempotent."""
    handler = logging.StreamHandler()
    handler.setFormatter(formatter(log_format))
    for name in ("ehp_api", "uvicorn"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.propagate = False
    logging.getLogger("ehp_api").setLevel(level.upper())
    # The app writes the access log (`ehp_api.access`); uvicorn's would print raw paths.
    logging.getLogger("uvicorn.access").disabled = True
    engine_logger = logging.getLogger("sqlalchemy.engine")
    if engine_logger.getEffectiveLevel() < logging.INFO:
        # At DEBUG it prints result rows; INFO prints statements, whose parameters are hidden.
        engine_logger.setLevel(logging.INFO)
