"""The service checks what it is asked to store beyond pushes: an edited conflict resolution must
fit the field it resolves (the sync schema), else a clear 422 and the conflict stays open."""

from __future__ import annotations

import json

import httpx
import pytest
from sync_server_testkit import NewDevice, unique_team

from sync.client import SyncServerError


def test_an_edited_resolution_that_does_not_fit_the_field_is_refused(new_device: NewDevice) -> None:
    team = unique_team()
    ann, bob = new_device(team=team), new_device(team=team)
    case_id = ann.replica.new_case(team, summary="Noise at night")
    person_id = ann.replica.insert("person", {"name": "Pat", "phone": ""}, case_id=case_id)
    ann.sync()
    bob.sync()
    ann.replica.update("person", person_id, {"phone": "111"})
    bob.replica.update("person", person_id, {"phone": "222"})
    ann.sync()
    bob.sync()
    [conflict] = bob.replica.open_conflicts()
    for bad, why in (("9" * 201, "201 characters"), (7, "must be text")):
        with pytest.raises(SyncServerError, match=why) as refused:
            bob.client.resolve_conflict(conflict["id"], "edit", bad)
        assert refused.value.status == 422
    # Raw, as a hostile client sends it (json.dumps escapes the lone surrogate as \ud800).
    enrolled = bob.replica.sync_settings()
    assert enrolled is not None
    raw = httpx.post(
        f"{enrolled.server_url}/v1/conflicts/{conflict['id']}/resolve",
        content=json.dumps({"choice": "edit", "value": "\ud800"}),
        headers={
            "Authorization": f"Bearer {enrolled.device_token}",
            "Content-Type": "application/json",
        },
    )
    assert raw.status_code == 422 and "surrogate" in raw.json()["message"], raw.text
    assert bob.client.resolve_conflict(conflict["id"], "edit", "333").status == "resolved"
    bob.sync()
    ann.sync()
    row = ann.replica.get("person", person_id)
    assert row is not None and row["phone"] == "333"
