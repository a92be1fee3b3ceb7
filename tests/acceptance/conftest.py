"""Fixtures of the acceptance suite: one sync service on PostgreSQL per module, and two officers
of one team, each with a laptop enrolled with it. They live in acceptance_kit (type checked;
pytest imports every conftest under the one name `conftest`, which mypy cannot tell apart)."""

from acceptance_kit import asha, ben, service, team

__all__ = ["asha", "ben", "service", "team"]
