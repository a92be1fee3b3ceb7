"""Synthetic demo data built with the store's own commands."""
