"""Fixtures of the acceptance suite: one sync service on PostgreSQL per module, and two officers
of one team, each with a laptop enrolled with it."""

from __future__ import annotations

import importlib.util
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from acceptance_kit import Laptop, make_laptop


def _server_fixtures() -> Any:
    """The sync tests' server helpers (tests/sync/conftest.py), loaded by path under their own
    name, as tests/e2e does."""
    name = "sync_server_fixtures"
    if name not in sys.modules:
        path = Path(__file__).resolve().parents[1] / "sync" / "conftest.py"
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


servers = _server_fixtures()


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
