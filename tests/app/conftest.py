"""Fixtures of the app tests: a case for the field-work screens (case_testkit), cases built
through the unit of work for the oversight screens (built_case_testkit)."""

from built_case_testkit import make_case, read_pdf
from case_testkit import case_id, host

__all__ = ["case_id", "host", "make_case", "read_pdf"]
