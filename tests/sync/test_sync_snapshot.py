"""A new laptop's first pull as a snapshot of the current rows (sync/server/snapshot.py,
sync/snapshot_client.py), on SQLite and PostgreSQL, against real server processes: it ends where
the replay of the stream ends, resumes after a broken link, stays consistent with writes made
while it runs, keeps to the pull's access rules, and falls back to the replay on an older
service."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sync_server_testkit import Device, NewDevice, ServerProcess, make_device, run_cli, unique_team

from sync import snapshot_client
from sync.client import SyncAuthError, SyncNetworkError, SyncProgress
from sync.protocol import API_PREFIX, SnapshotPage
from sync.replica_contract import SyncProtocolError

Holding = dict[tuple[str, str], tuple[dict[str, Any], int]]


def _holding(device: Device) -> Holding:
    """Every live row the laptop holds, with its synced version."""
    return {
        key: (fields, device.replica.version(*key))
        for key, fields in device.replica.snapshot().items()
    }


def _live(device: Device) -> Holding:
    """`_holding` without the rows of cases whose case row is gone (a destroyed case's rows
    stay on the laptop that destroyed it, in this test replica)."""
    held = _holding(device)
    cases = {row_id for (table, row_id) in held if table == "asb_case"}
    return {
        key: value
        for key, value in held.items()
        if (key[1] if key[0] == "asb_case" else value[0].get("case_id")) in cases
    }


def _team_history(device: Device, team: str, cases: int = 6) -> list[str]:
    """Cases with people and incidents, edited and partly deleted (a history to replay), one
    case destroyed whole."""
    case_ids = []
    for n in range(cases):
        case_id = device.replica.new_case(team, summary=f"Case {n}", status="open")
        person = device.replica.insert("person", {"name": f"Pat {n}"}, case_id=case_id)
        for i in range(3):
            device.replica.insert("incident", {"description": f"incident {i}"}, case_id=case_id)
        device.replica.update("person", person, {"phone": f"0770090{n:04d}"})
        case_ids.append(case_id)
    device.sync()
    device.replica.update("asb_case", case_ids[0], {"summary": "Case 0, edited"})
    doomed = device.replica.insert("person", {"name": "Gone"}, case_id=case_ids[1])
    device.sync()
    device.replica.delete("person", doomed)
    device.replica.delete("asb_case", case_ids[-1])  # destroyed: never in a snapshot
    device.sync()
    return case_ids


class _Counting(httpx.HTTPTransport):
    """A real transport that counts the snapshot requests, and can break or refuse them."""

    def __init__(self, *, break_at: int | None = None, refuse: bool = False) -> None:
        super().__init__()
        self.snapshot_requests: list[httpx.URL] = []
        self.break_at = break_at
        self.refuse = refuse

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == f"{API_PREFIX}/snapshot":
            self.snapshot_requests.append(request.url)
            if self.refuse:  # a service from before the snapshot
                return httpx.Response(404, json={"error": "http_404", "message": "Not Found"})
            if len(self.snapshot_requests) == self.break_at:
                raise httpx.ReadError("the link dropped mid-snapshot")
        return super().handle_request(request)


def _laptop(server: ServerProcess, tmp_path: Path, team: str, **options: Any) -> Device:
    return make_device(server, tmp_path, team=team, **options)


def test_snapshot_ends_where_the_replay_ends(server: ServerProcess, tmp_path: Path) -> None:
    team = unique_team()
    colleague = _laptop(server, tmp_path, team)
    _team_history(colleague, team)
    other = _laptop(server, tmp_path, unique_team())
    other.replica.new_case(other.team, summary="not ours", status="open")
    other.sync()

    counting = _Counting()
    # pages of 10 rows: several (and a first page of 1 change in the exchange, so not taken)
    fresh = _laptop(server, tmp_path, team, page_size=1, snapshot_page_rows=10, transport=counting)
    replay = _laptop(server, tmp_path, team, snapshot=False)
    steps: list[SyncProgress] = []
    result = fresh.client.sync(progress=steps.append)
    replay.sync()

    assert len(counting.snapshot_requests) > 2  # pages of whole cases, several of them
    assert fresh.replica.pull_log() == []  # nothing of the stream was replayed
    assert fresh.replica.snapshot_cursor() is None
    assert fresh.replica.pull_cursor() == replay.replica.pull_cursor() > 0
    assert _holding(fresh) == _holding(replay) == _live(colleague)
    assert result.pulled == len(_live(colleague))
    # progress in rows, bytes and the time left, for the sync screen and the CLI
    shown = [p for p in steps if p.phase == "pull" and p.total is not None]
    assert len(shown) == len(counting.snapshot_requests)
    assert [p.total for p in shown] == [result.pulled] * len(shown)
    assert [p.done for p in shown] == sorted(p.done for p in shown)
    assert shown[-1].done == result.pulled and shown[-1].seconds_left == 0
    assert shown[0].seconds_left is not None and shown[0].seconds_left > 0
    assert 0 < shown[0].bytes_done < shown[-1].bytes_done
    assert f"of {result.pulled:,} rows" in shown[0].message and "s left" in shown[0].message
    # and the next change arrives by the ordinary pull
    colleague.replica.update("asb_case", next(iter(_cases(colleague))), {"status": "accepted"})
    colleague.sync()
    fresh.sync()
    replay.sync()
    assert _holding(fresh) == _holding(replay)


def _cases(device: Device) -> list[str]:
    return sorted(r for (t, r) in device.replica.snapshot() if t == "asb_case")


def test_an_interrupted_snapshot_resumes_after_the_last_case_applied(
    server: ServerProcess, tmp_path: Path
) -> None:
    team = unique_team()
    colleague = _laptop(server, tmp_path, team)
    _team_history(colleague, team, cases=8)
    broken = _Counting(break_at=3)
    fresh = _laptop(
        server, tmp_path, team, page_size=1, snapshot_page_rows=10, transport=broken, retries=0
    )
    with pytest.raises(SyncNetworkError):
        fresh.sync()
    kept = fresh.replica.snapshot_cursor()
    assert kept is not None and kept.after_case is not None  # two pages held
    assert fresh.replica.pull_cursor() == 0
    held_before = set(fresh.replica.snapshot())
    assert held_before and held_before < set(colleague.replica.snapshot())

    broken.break_at = None
    fresh.sync()
    resumed = broken.snapshot_requests[3]  # the first request after the break
    assert resumed.params["after_case"] == kept.after_case
    assert resumed.params["head"] == str(kept.head)
    assert fresh.replica.snapshot_cursor() is None
    assert _holding(fresh) == _live(colleague)


def test_writes_between_the_head_and_the_page_reads_end_consistent(
    server: ServerProcess, tmp_path: Path
) -> None:
    team = unique_team()
    colleague = _laptop(server, tmp_path, team)
    case_ids = _team_history(colleague, team, cases=6)
    fresh = _laptop(server, tmp_path, team, page_size=1, snapshot_page_rows=10)
    written: list[str] = []

    def meanwhile(page: SnapshotPage) -> None:
        """After the first page was read at head H, the team goes on writing: cases of later
        pages change before they are read; a case of this page changes after it was read."""
        if written:
            return
        for case_id in case_ids[:-1]:
            held = colleague.replica.snapshot()
            mine = [r for (t, r), f in held.items() if t == "person" and f["case_id"] == case_id]
            colleague.replica.update("person", mine[0], {"name": f"Renamed {case_id[:4]}"})
            colleague.replica.update("asb_case", case_id, {"status": "accepted"})
            written.append(
                colleague.replica.insert("incident", {"description": "late"}, case_id=case_id)
            )
        incidents = [r for (t, r) in colleague.replica.snapshot() if t == "incident"]
        colleague.replica.delete("incident", incidents[0])
        colleague.sync()

    fresh.replica.before_snapshot = meanwhile
    fresh.sync()
    fresh.replica.before_snapshot = None
    assert written  # the writes happened mid-snapshot
    assert _holding(fresh) == _live(colleague)
    assert fresh.replica.pull_log()  # the overlap came again in the stream, and was skipped
    replay = _laptop(server, tmp_path, team, snapshot=False)
    replay.sync()
    assert _holding(fresh) == _holding(replay)


def _ask(server: ServerProcess, device: Device, **params: Any) -> httpx.Response:
    settings = device.replica.sync_settings()
    assert settings is not None
    return httpx.get(
        f"{server.url}{API_PREFIX}/snapshot",
        params=params,
        headers={"Authorization": f"Bearer {settings.device_token}"},
    )


def _snapshot_cases(server: ServerProcess, device: Device, **params: Any) -> set[str]:
    reply = _ask(server, device, limit=20_000, **params)
    assert reply.status_code == 200, reply.text
    page = SnapshotPage.model_validate_json(reply.content)
    return {c.case_id for c in page.changes()}


def test_another_team_sees_nothing_and_a_partner_only_the_shared_case(
    server: ServerProcess, tmp_path: Path, new_device: NewDevice
) -> None:
    team, agency = unique_team(), f"agency-{uuid.uuid4().hex[:6]}"
    owner = new_device(team=team)
    case_ids = _team_history(owner, team, cases=3)
    shared = case_ids[0]
    owner.replica.insert(
        "sharing_record", {"agency": agency, "legal_basis": "Crime and Disorder Act s115"},
        case_id=shared,
    )  # fmt: skip
    owner.sync()
    stranger = new_device(team=unique_team())
    partner = new_device(team=unique_team(), agency=agency)

    assert _snapshot_cases(server, owner, own="true") == set(case_ids[:-1])  # destroyed: never
    assert _snapshot_cases(server, owner) == set()  # it wrote every row: none come back
    assert _snapshot_cases(server, stranger) == set()
    assert _snapshot_cases(server, partner) == {shared}
    # a forged cursor naming another team's case only moves where the officer's own are read
    assert _snapshot_cases(server, stranger, after_case=case_ids[0], head=0) == set()
    assert _snapshot_cases(server, partner, after_case="0" * 8 + "-0000-0000-0000-" + "0" * 12) == {
        shared
    }
    # a head past the stream's is refused (the pull after it would skip changes)
    assert _ask(server, owner, head=2**40).status_code == 409
    # what the partner's laptop holds after its first pull: the shared case only
    partner.sync()
    assert {r for (t, r) in partner.replica.snapshot() if t == "asb_case"} == {shared}
    stranger.sync()
    assert stranger.replica.snapshot() == {}


def test_a_revoked_device_gets_no_snapshot(server: ServerProcess, new_device: NewDevice) -> None:
    team = unique_team()
    owner = new_device(team=team)
    _team_history(owner, team, cases=2)
    thief = new_device(team=team)
    run_cli("device", "revoke", thief.replica.device_id(), "--db", server.db_url)
    reply = _ask(server, thief)
    assert reply.status_code == 401 and "revoked" in reply.json()["message"]
    with pytest.raises(SyncAuthError):
        thief.sync()
    assert thief.replica.snapshot() == {}


def test_an_older_service_without_the_snapshot_gets_the_replay(
    server: ServerProcess, tmp_path: Path
) -> None:
    team = unique_team()
    colleague = _laptop(server, tmp_path, team)
    _team_history(colleague, team, cases=3)
    older = _Counting(refuse=True)
    fresh = _laptop(server, tmp_path, team, transport=older, page_size=1, snapshot_page_rows=10)
    fresh.sync()
    assert len(older.snapshot_requests) == 1  # asked once, then the replay
    assert fresh.replica.pull_log()
    assert _holding(fresh) == _live(colleague)
    fresh.sync()
    assert len(older.snapshot_requests) == 1  # not asked again by this client


def test_a_first_pull_that_fits_in_the_exchange_takes_no_snapshot(
    server: ServerProcess, tmp_path: Path
) -> None:
    team = unique_team()
    colleague = _laptop(server, tmp_path, team)
    _team_history(colleague, team, cases=2)
    counting = _Counting()
    fresh = _laptop(server, tmp_path, team, transport=counting)  # pages of 500 changes
    fresh.sync()
    assert counting.snapshot_requests == []  # one exchange brought it all
    assert _holding(fresh) == _live(colleague)


def test_a_laptop_is_not_sent_back_the_rows_it_wrote_itself(
    server: ServerProcess, tmp_path: Path
) -> None:
    """A laptop that wrote cases before its first sync pushes them, and its snapshot brings
    only what others wrote (a row it wrote that another device then edited comes, whole); it
    ends holding what the replay holds, versions included."""
    team = unique_team()
    colleague = _laptop(server, tmp_path, team)
    _team_history(colleague, team, cases=3)
    counting = _Counting()
    mine = _laptop(server, tmp_path, team, page_size=1, snapshot_page_rows=10, transport=counting)
    own_cases = [mine.replica.new_case(team, summary=f"Mine {n}", status="open") for n in range(2)]
    for case_id in own_cases:
        mine.replica.insert("person", {"name": "Written offline"}, case_id=case_id)
    steps: list[SyncProgress] = []
    first = mine.client.sync(progress=steps.append)  # pushes its four rows, then the snapshot
    assert first.pushed == 4 and counting.snapshot_requests
    assert mine.replica.pull_log() == []  # its first pull was the snapshot, not the replay
    assert first.pulled == len(_live(colleague))  # the colleague's rows, none of its own
    # the first page's count leaves its own rows out too: progress is of the rows that come,
    # from the first page to 100 % at the last
    shown = [p for p in steps if p.phase == "pull" and p.total is not None]
    assert len(shown) == len(counting.snapshot_requests) > 1
    assert [p.total for p in shown] == [first.pulled] * len(shown)
    assert shown[-1].done == shown[-1].total and shown[-1].seconds_left == 0
    assert f"{first.pulled:,} of {first.pulled:,} rows" in shown[-1].message

    settings = mine.replica.sync_settings()
    assert settings is not None
    held = mine.replica.snapshot()
    people = [r for (t, r), f in held.items() if t == "person" and f["case_id"] in own_cases]
    edited = people[0]
    colleague.sync()
    colleague.replica.update("person", edited, {"phone": "07700900123"})
    colleague.sync()
    with_own = {c.row_id for c in _changes(server, settings.device_token, own="true")}
    without = {c.row_id for c in _changes(server, settings.device_token)}
    assert with_own - without == {*own_cases, people[1]}
    assert edited in without  # another device edited it since: it comes, whole

    mine.sync()
    replay = _laptop(server, tmp_path, team, snapshot=False)
    replay.sync()
    assert _holding(mine) == _holding(replay)


def _changes(server: ServerProcess, token: str, **params: Any) -> list[Any]:
    reply = httpx.get(
        f"{server.url}{API_PREFIX}/snapshot",
        params={"limit": 20_000, **params},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert reply.status_code == 200, reply.text
    return SnapshotPage.model_validate_json(reply.content).changes()


class _Streamed(httpx.HTTPTransport):
    """A real transport that hands each snapshot answer over in pieces, as a slow link does,
    and holds an answer with more to come after its first pieces until the next page has been
    asked for (so the test sees the overlap, not a race); `retarget` rewrites the answer of
    the page after `after_case` so that it ends naming another next page than it named in
    front of its rows."""

    def __init__(self, retarget: str | None = None) -> None:
        super().__init__()
        self.asked: list[str | None] = []  # each request's after_case, in order
        self.overlapped = 0  # requests made while the answer before them was still coming
        self.retarget = retarget
        self._next_asked = threading.Event()
        self._coming = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path != f"{API_PREFIX}/snapshot":
            return super().handle_request(request)
        self.overlapped += self._coming > 0
        self.asked.append(request.url.params.get("after_case"))
        early = len(self.asked) > 1  # the first page's size is not known before it ends
        self._next_asked.set()
        self._next_asked = threading.Event()
        waiting_for = self._next_asked
        request.headers["Accept-Encoding"] = "identity"
        response = super().handle_request(request)
        response.read()
        body = response.content
        data = json.loads(body)
        if self.retarget is not None and data.get("after_case") == self.retarget:
            body = body[:-1] + b',"next_case":"' + str(uuid.uuid4()).encode() + b'"}'
        pieces = [body[i : i + 200] for i in range(0, len(body), 200)]

        def stream() -> Iterator[bytes]:
            self._coming += 1
            try:
                for n, piece in enumerate(pieces):
                    if n == 2 and early and data.get("more"):
                        waiting_for.wait(10)  # the next page is asked for before this ends
                    yield piece
            finally:
                self._coming -= 1

        return httpx.Response(response.status_code, content=stream(), headers=response.headers)


def test_the_next_page_is_asked_for_before_the_last_has_all_come(
    server: ServerProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once a page's answer nears its end (at the rate it comes, judged by the last page's
    size), the next is asked for with the cursor read in front of its rows; the pages still
    apply in order and end where the replay ends."""
    monkeypatch.setattr(snapshot_client, "_LEAD_SECONDS", 1e9)  # any answer "nears its end"
    team = unique_team()
    colleague = _laptop(server, tmp_path, team)
    _team_history(colleague, team)
    streamed = _Streamed()
    fresh = _laptop(server, tmp_path, team, page_size=1, snapshot_page_rows=5, transport=streamed)
    replay = _laptop(server, tmp_path, team, snapshot=False)
    fresh.sync()
    replay.sync()
    assert len(streamed.asked) > 3
    # the first page's size is not known before it ends; after it, each next is asked early
    assert streamed.overlapped == len(streamed.asked) - 2
    assert len(set(streamed.asked)) == len(streamed.asked)  # no page asked for twice
    assert fresh.replica.snapshot_cursor() is None
    assert _holding(fresh) == _holding(replay) == _live(colleague)


def test_a_page_that_ends_naming_another_next_page_is_refused(
    server: ServerProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cursor read in front of a page's rows only says where to ask next: an answer that
    names another next page at its end (a second `next_case`) is refused before it is
    applied, and the snapshot resumes after the last page applied."""
    monkeypatch.setattr(snapshot_client, "_LEAD_SECONDS", 1e9)
    team = unique_team()
    colleague = _laptop(server, tmp_path, team)
    _team_history(colleague, team)
    probe = _Streamed()
    _laptop(server, tmp_path, team, page_size=1, snapshot_page_rows=10, transport=probe).sync()
    second = probe.asked[1]  # the after_case of the second page: its answer is rewritten
    fresh = _laptop(
        server, tmp_path, team, page_size=1, snapshot_page_rows=10, retries=0,
        transport=_Streamed(retarget=second),
    )  # fmt: skip
    with pytest.raises(SyncProtocolError) as refused:
        fresh.client.sync()
    assert "another next page" in str(refused.value) and "\n" not in str(refused.value)
    cursor = fresh.replica.snapshot_cursor()
    assert cursor is not None and cursor.after_case == second  # the first page stays applied
