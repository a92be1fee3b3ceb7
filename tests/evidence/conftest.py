"""Fixtures of the evidence locker's tests: a case in a real encrypted store, cases built
through the unit of work, the real CLI, PDF text, and the app to drive its screens
(case_testkit, built_case_testkit)."""

from built_case_testkit import cli, make_case, read_pdf
from case_testkit import case_id, host

__all__ = ["case_id", "cli", "host", "make_case", "read_pdf"]
