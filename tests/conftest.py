"""Shared fixtures: real encrypted stores in temp dirs. They live in laptop_testkit (type checked;
pytest imports every conftest under the one name `conftest`, which mypy cannot tell apart). The
collection hook that groups and orders the tests for xdist's workers lives in suite_schedule."""

from laptop_testkit import data_dir, light_key_derivation, passphrase, store
from suite_schedule import pytest_collection_modifyitems

__all__ = [
    "data_dir",
    "light_key_derivation",
    "passphrase",
    "pytest_collection_modifyitems",
    "store",
]
