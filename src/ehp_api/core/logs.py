"""Log lines carry the request id; nothing else about the request is logged by the app.

Two loggers of the libraries are kept from leaking what this service protects: SQLAlchemy's
engine logger would print result rows at DEBUG (complaint descriptions among them), and
uvicorn's access log would print the complaint follow-up codes that travel in URL paths.
"""

import logging
import re

from ehp_api.core.request_context import request_id_var

_FOLLOW_UP = re.compile(r"(/complaints/follow-up/)[^/?\s]+")


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get() or "-"
        return True


class RedactFollowUpCodes(logging.Filter):
    """Replace follow-up codes in uvicorn's access lines (`args[2]` is the request path)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) >= 3:
            args = list(record.args)
            args[2] = _FOLLOW_UP.sub(r"\1[redacted]", str(args[2]))
            record.args = tuple(args)
        return True


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(_RequestIdFilter())
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
    )
    root = logging.getLogger("ehp_api")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False
    engine_logger = logging.getLogger("sqlalchemy.engine")
    if engine_logger.getEffectiveLevel() < logging.INFO:
        # At DEBUG it prints result rows; INFO prints statements, whose parameters are hidden.
        engine_logger.setLevel(logging.INFO)
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactFollowUpCodes) for f in access.filters):
        access.addFilter(RedactFollowUpCodes())
