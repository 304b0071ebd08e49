"""Exports: the readings as CSV (with HXL hashtags) or XLSX, and the work plan as a logframe."""
