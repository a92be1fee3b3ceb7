"""Shared fixtures: real encrypted stores in temp dirs. They live in laptop_testkit (type checked;
pytest imports every conftest under the one name `conftest`, which mypy cannot tell apart)."""

from laptop_testkit import data_dir, light_key_derivation, passphrase, store

__all__ = ["data_dir", "light_key_derivation", "passphrase", "store"]
