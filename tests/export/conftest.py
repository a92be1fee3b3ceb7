"""Fixtures of the PDF export tests: sample packs and text extraction with pypdf. They live in
export_testkit (type checked; pytest imports every conftest under the one name `conftest`, which
mypy cannot tell apart)."""

from export_testkit import extract_pages, make_case, make_pack, norm

__all__ = ["extract_pages", "make_case", "make_pack", "norm"]
