"""Fixtures of the evidence locker's tests: a case in a real encrypted store, and the app to
drive its screens (case_testkit)."""

from case_testkit import case_id, host

__all__ = ["case_id", "host"]
