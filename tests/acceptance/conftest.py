"""Fixtures of the acceptance suite: one sync service on PostgreSQL per module, and two officers
of one team, each with a laptop enrolled with it."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))
# The sync tests' server helpers: fresh databases, server processes, officers.
import sync_server_testkit as servers
from acceptance_kit import Laptop, make_laptop


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """`asb-sync-server serve` on loopback over a fresh PostgreSQL database."""
    with (
        servers.fresh_database("postgres", tmp_path_factory.mktemp("central")) as url,
        servers.running_server(url, tmp_path_factory.mktemp("service-log")) as process,
    ):
        yield process


@pytest.fixture(scope="module")
def team() -> str:
    return f"north-{uuid.uuid4().hex[:6]}"


@pytest.fixture(scope="module")
def asha(service: Any, team: str, tmp_path_factory: pytest.TempPathFactory) -> Laptop:
    """Asha Begum's laptop: she takes the case."""
    laptop = make_laptop(
        service, tmp_path_factory.mktemp("asha"), "Asha Begum", team, servers.add_officer
    )
    return laptop


@pytest.fixture(scope="module")
def ben(service: Any, team: str, tmp_path_factory: pytest.TempPathFactory) -> Laptop:
    """Ben Okafor's laptop: a colleague in the same team who covers for her."""
    laptop = make_laptop(
        service, tmp_path_factory.mktemp("ben"), "Ben Okafor", team, servers.add_officer
    )
    return laptop
