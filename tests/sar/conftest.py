"""Fixtures of the sar tests: cases built through the unit of work, the real CLI, a store file
decrypted, PDF text (built_case_testkit)."""

from built_case_testkit import cli, decrypt, make_case, read_pdf

__all__ = ["cli", "decrypt", "make_case", "read_pdf"]
