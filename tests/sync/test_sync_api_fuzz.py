"""The API refuses bad input with a clear 4xx, never a 5xx: malformed and oversize bodies, and a
bounded hypothesis fuzz of every endpoint, in-process (FastAPI's TestClient) on SQLite and
PostgreSQL."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sync_server_testkit import fresh_database

from sync.protocol import MAX_BATCH, MAX_BODY_BYTES
from sync.server import migrate
from sync.server.accounts import add_officer
from sync.server.app import create_app
from sync.server.db import open_database


class Api:
    def __init__(self, client: TestClient, token: str, device_id: str, case_id: str) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}
        self.device_id = device_id
        self.case_id = case_id

    def post(self, path: str, body: Any, **kwargs: Any) -> Any:
        return self.client.post(path, json=body, headers=self.headers, **kwargs)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def api(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    with fresh_database(request.param, Path(tmp_path_factory.mktemp("fuzz"))) as url:
        database = open_database(url)
        migrate.upgrade(database.writer)
        token = add_officer(database, "Fuzz", team="fuzzers").enrolment_token
        with TestClient(create_app(database), raise_server_exceptions=False) as client:
            device_id = str(uuid.uuid4())
            reply = client.post(
                "/v1/enrol", json={"token": token, "device_id": device_id, "device_name": "x"}
            )
            assert reply.status_code == 200, reply.text
            api = Api(client, reply.json()["device_token"], device_id, str(uuid.uuid4()))
            case = {
                "device_counter": 1, "table": "asb_case", "row_id": api.case_id,
                "case_id": api.case_id, "op": "insert",
                "fields": {
                    "id": api.case_id, "team": "fuzzers", "ref": "FUZ/1", "category": "noise",
                    "status": "open", "referred_on": "2026-01-05",
                },
            }  # fmt: skip
            pushed = api.post("/v1/push", _push(api, [case]))
            assert pushed.status_code == 200, pushed.text
            yield api
        database.dispose()


def _push(api: Api, batch: list[Any]) -> dict[str, Any]:
    return {
        "device_id": api.device_id,
        "batch": batch,
        "audit_head": {"count": 0, "hash": "0" * 64},
    }


def _assert_clear_4xx(reply: Any, status: int | None = None) -> None:
    assert 400 <= reply.status_code < 500, (reply.status_code, reply.text[:500])
    if status is not None:
        assert reply.status_code == status, reply.text[:500]
    body = reply.json()
    assert body["message"] and isinstance(body["message"], str)


# --- explicit bad requests -------------------------------------------------------------------


def test_malformed_json_is_a_clear_422(api: Api) -> None:
    reply = api.client.post(
        "/v1/push",
        content=b'{"device_id": ',
        headers={**api.headers, "Content-Type": "application/json"},
    )
    _assert_clear_4xx(reply, 422)


def test_deeply_nested_json_is_refused(api: Api) -> None:
    deep = b"[" * 200_000 + b"]" * 200_000
    reply = api.client.post(
        "/v1/push", content=deep, headers={**api.headers, "Content-Type": "application/json"}
    )
    _assert_clear_4xx(reply)


def test_oversize_batch_is_422(api: Api) -> None:
    batch = [
        {
            "device_counter": 2 + n,
            "table": "note",
            "row_id": str(uuid.uuid4()),
            "case_id": api.case_id,
            "op": "insert",
            "fields": {},
            "append_only": True,
        }
        for n in range(MAX_BATCH + 1)
    ]
    reply = api.post("/v1/push", _push(api, batch))
    _assert_clear_4xx(reply, 422)
    assert "batch" in reply.json()["message"]


def test_oversize_body_is_413(api: Api) -> None:
    blob = "x" * (MAX_BODY_BYTES + 10)
    reply = api.client.post(
        "/v1/push",
        content=json.dumps({"pad": blob}).encode(),
        headers={**api.headers, "Content-Type": "application/json"},
    )
    _assert_clear_4xx(reply, 413)


def test_non_finite_numbers_are_422(api: Api) -> None:
    body = json.dumps(_push(api, [])).replace('"count": 0', '"count": NaN')
    reply = api.client.post(
        "/v1/push", content=body, headers={**api.headers, "Content-Type": "application/json"}
    )
    _assert_clear_4xx(reply, 422)
    change = json.dumps(
        {
            "device_counter": 2, "table": "note", "row_id": str(uuid.uuid4()),
            "case_id": api.case_id, "op": "insert", "fields": {"x": "INF"}, "append_only": True,
        }
    ).replace('"INF"', "Infinity")  # fmt: skip
    body = json.dumps(_push(api, [])).replace('"batch": []', f'"batch": [{change}]')
    reply = api.client.post(
        "/v1/push", content=body, headers={**api.headers, "Content-Type": "application/json"}
    )
    _assert_clear_4xx(reply, 422)


def test_oversize_values_and_bad_identifiers_are_422(api: Api) -> None:
    base = {
        "device_counter": 2, "table": "note", "row_id": str(uuid.uuid4()),
        "case_id": api.case_id, "op": "insert", "fields": {}, "append_only": True,
    }  # fmt: skip
    for bad in (
        {"table": "Robert'); DROP TABLE stream;--"},
        {"row_id": "not-a-uuid"},
        {"fields": {"bad name": 1}},
        {"op": "upsert"},
        {"fields": {"x": 10**30}},
    ):
        _assert_clear_4xx(api.post("/v1/push", _push(api, [{**base, **bad}])), 422)


def test_missing_or_unknown_token_is_401(api: Api) -> None:
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}):
        reply = api.client.get("/v1/pull", headers=headers)
        _assert_clear_4xx(reply, 401)


def test_openapi_spec_is_served(api: Api) -> None:
    spec = api.client.get("/openapi.json").json()
    assert {"/v1/push", "/v1/pull", "/v1/enrol", "/v1/status"} <= set(spec["paths"])


# --- bounded fuzz ----------------------------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
uuids = st.uuids().map(str)
tables = st.sampled_from(["asb_case", "person", "note", "sharing_record", "incident", "BAD", ""])
changes = st.fixed_dictionaries(
    {
        "device_counter": st.integers(min_value=-2, max_value=8),
        "table": tables,
        "row_id": uuids,
        "case_id": uuids,
        "op": st.sampled_from(["insert", "update", "delete", "merge"]),
        "fields": st.dictionaries(
            st.sampled_from(["id", "case_id", "team", "agency", "legal_basis", "text", "version"]),
            json_values,
            max_size=4,
        ),
    },
    optional={
        "base_version": st.none() | st.integers(min_value=-1, max_value=5),
        "append_only": st.booleans(),
    },
)
FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)


@FUZZ
@given(
    batch=st.lists(changes, max_size=4),
    head_count=st.integers(min_value=-1, max_value=9),
    renumber=st.booleans(),
    into_known_case=st.booleans(),
)
def test_fuzz_push_never_5xx(
    api: Api, batch: list[dict[str, Any]], head_count: int, renumber: bool, into_known_case: bool
) -> None:
    if renumber:  # reach the apply rules, not only validation
        status = api.client.get("/v1/status", headers=api.headers).json()
        for n, change in enumerate(batch):
            change["device_counter"] = status["device"]["applied_up_to"] + 1 + n
            if into_known_case:
                change["case_id"] = api.case_id
    body = _push(api, batch)
    body["audit_head"]["count"] = head_count
    reply = api.post("/v1/push", body)
    assert reply.status_code < 500, reply.text[:500]
    if reply.status_code == 200:
        for refused in reply.json()["refused"]:
            assert refused["reason"]


@FUZZ
@given(
    path=st.sampled_from(["/v1/push", "/v1/enrol", "/v1/conflicts/{}/resolve"]), body=json_values
)
def test_fuzz_any_json_body_never_5xx(api: Api, path: str, body: Any) -> None:
    reply = api.post(path.format(uuid.uuid4()), body)
    assert reply.status_code < 500, reply.text[:500]
    assert 400 <= reply.status_code < 500


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    derandomize=True,
)
@given(
    after=st.text(max_size=12) | st.integers().map(str),
    limit=st.text(max_size=6) | st.integers().map(str),
    conflict_id=st.text(max_size=40),
    choice=json_values,
)
def test_fuzz_pull_and_resolve_params_never_5xx(
    api: Api, after: str, limit: str, conflict_id: str, choice: Any
) -> None:
    reply = api.client.get("/v1/pull", params={"after": after, "limit": limit}, headers=api.headers)
    assert reply.status_code < 500, reply.text[:500]
    path = "/v1/conflicts/" + quote(conflict_id, safe="")
    reply = api.post(path + "/resolve", {"choice": choice})
    assert reply.status_code < 500, reply.text[:500]
