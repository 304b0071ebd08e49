"""Readings in files: the CSV and XLSX upload (`parse`), the templates to fill in (`template`),
and their routes (`router`). The columns they share with the exports are `readings.columns`."""
