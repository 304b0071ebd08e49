"""ehp_api: system of record for the protection strategy of Mali's Humanitarian Country Team."""

__version__ = "0.1.0"
