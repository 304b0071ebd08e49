"""ehp-partner: what a partner system needs of the EHP API, without the server: a thin typed
client (`Client`) and the spreadsheet push tool (`ehp-push`)."""

__version__ = "0.1.0"

from ehp_partner.client import (
    ApiError,
    BatchRefused,
    BatchSummary,
    Client,
    Conflict,
    InvalidParam,
    Page,
    Problem,
    RowResult,
)

__all__ = [
    "ApiError",
    "BatchRefused",
    "BatchSummary",
    "Client",
    "Conflict",
    "InvalidParam",
    "Page",
    "Problem",
    "RowResult",
    "__version__",
]
