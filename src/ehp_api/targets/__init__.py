"""Baselines and targets the secretariat sets for the plan's indicators."""
