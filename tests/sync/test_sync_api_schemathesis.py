"""schemathesis against the live OpenAPI of a running service, with a real device token: every
operation, a fixed small number of generated examples each; no 5xx, and every response matches
the published schema (status code, content type, body). On SQLite: the in-process fuzz of
test_sync_api_fuzz.py covers PostgreSQL too."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks
from sync_server_testkit import ServerProcess, fresh_database, make_device, unique_team

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]
HEADERS: dict[str, str] = {}


@pytest.fixture(scope="module")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with fresh_database("sqlite", tmp_path_factory.mktemp("central")) as url:
        yield url


@pytest.fixture(scope="module")
def api_schema(server: ServerProcess, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    device = make_device(server, Path(tmp_path_factory.mktemp("schemathesis")), team=unique_team())
    device.replica.new_case(device.team)
    device.sync()  # so pulls have a stream to page through
    settings_ = device.replica.sync_settings()
    assert settings_ is not None
    HEADERS["Authorization"] = f"Bearer {settings_.device_token}"
    yield schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    device.client.close()
    device.replica.close()


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_the_live_api_never_fails_and_keeps_its_schema(case: Any) -> None:
    case.call_and_validate(headers=HEADERS, checks=CHECKS)
