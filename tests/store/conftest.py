"""Fixtures of the store tests that need a case (case_testkit)."""

from case_testkit import case_id

__all__ = ["case_id"]
