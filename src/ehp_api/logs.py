"""Log lines carry the request id; nothing else about the request is logged by the app."""

import logging

from ehp_api.request_context import request_id_var


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get() or "-"
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
