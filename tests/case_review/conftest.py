"""Fixtures of the Case Review tests: a case in a real encrypted store, the app over it, the real
CLI (case_testkit, built_case_testkit)."""

from built_case_testkit import cli
from case_testkit import case_id, host

__all__ = ["case_id", "cli", "host"]
