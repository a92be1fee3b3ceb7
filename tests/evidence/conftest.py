"""Fixtures of the evidence locker's tests: a case in a real encrypted store, cases built
through the unit of work, and the app to drive its screens (case_testkit, built_case_testkit)."""

from built_case_testkit import make_case
from case_testkit import case_id, host

__all__ = ["case_id", "host", "make_case"]
