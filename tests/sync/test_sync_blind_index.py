"""The service's blind index (sync/server/blind.py) against a real server process, on SQLite and
PostgreSQL: devices of two teams learn that they hold the same person (name and date of birth,
typed with or without accents) or the same address (UPRN, or postcode and first line), how many
cases and whom to contact, and nothing else; a deleted person or a destroyed case stops
matching; a device may ask only about rows of cases it may see; bad requests are 4xx; the key
is never sent and the administrator's rebuild never prints it."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sync_server_testkit import (
    Device,
    NewDevice,
    ServerProcess,
    fresh_database,
    run_cli,
    unique_team,
)

from sync.client import SyncClient, SyncProtocolError, SyncServerError
from sync.protocol import API_PREFIX, MAX_ELSEWHERE_ASK, KnownElsewhere
from sync.server import blind
from sync.server import db as tables
from sync.server.db import open_database

BORN = "1990-04-02"


def _unique(text: str) -> str:
    """A name no other test of the module's server uses (so their people never match)."""
    return f"{text} {uuid.uuid4().hex[:8]}"


def _case(device: Device, officer: str) -> str:
    return device.replica.new_case(device.team, summary="Noise at night", officer=officer)


def _person(device: Device, case_id: str, name: str, born: str | None = BORN) -> str:
    return device.replica.insert(
        "person", {"name": name, "date_of_birth": born, "notes": "private"}, case_id=case_id
    )


def _address(device: Device, case_id: str, person_id: str | None, **fields: Any) -> str:
    return device.replica.insert(
        "address", {"person_id": person_id, "kind": "home", **fields}, case_id=case_id
    )


def _ask(device: Device, *person_ids: str) -> list[KnownElsewhere]:
    return device.client.known_elsewhere(list(person_ids))


def _token(device: Device) -> str:
    settings = device.replica.sync_settings()
    assert settings is not None
    return settings.device_token


def _sync_all(*devices: Device) -> None:
    for device in (*devices, *devices):
        device.sync()


# --- normalising (pure) -----------------------------------------------------------------------


def test_names_fold_accents_case_punctuation_and_spaces() -> None:
    assert blind.fold_name("Síobhán Ó Súilleabháin") == blind.fold_name("Siobhan O Suilleabhain")
    assert blind.fold_name("Súilleabháin") == blind.fold_name("SUILLEABHAIN")
    assert blind.fold_name("O'Neil") == blind.fold_name("ONeil") == blind.fold_name("o neil")
    assert blind.fold_name("Anne-Marie") == blind.fold_name("Anne Marie")
    assert blind.fold_name("Ann Smith") != blind.fold_name("Anna Smith")
    assert blind.fold_postcode(" sw1a  1aa ") == "SW1A1AA"
    assert blind.fold_uprn(" 000100023336956 ") == "100023336956"
    assert blind.fold_uprn("not a number") == ""


def test_digests_need_both_name_and_date_of_birth_and_depend_on_the_key() -> None:
    key, other = b"k" * 32, b"j" * 32
    a = blind.row_digests(key, "person", {"name": "Síobhán Ó Súilleabháin", "date_of_birth": BORN})
    b = blind.row_digests(key, "person", {"name": "siobhan o'suilleabhain", "date_of_birth": BORN})
    assert a == b and set(a) == {"identity"}
    assert blind.row_digests(key, "person", {"name": "Siobhan", "date_of_birth": None}) == {}
    assert blind.row_digests(key, "person", {"name": "", "date_of_birth": BORN}) == {}
    assert blind.row_digests(other, "person", {"name": "Siobhan", "date_of_birth": BORN}) != (
        blind.row_digests(key, "person", {"name": "Siobhan", "date_of_birth": BORN})
    )
    place = blind.row_digests(
        key, "address", {"line1": "Flat 3, Rowan Court", "postcode": "sw1a1aa", "uprn": ""}
    )
    assert set(place) == {"place"}
    both = blind.row_digests(
        key, "address", {"line1": "flat 3 rowan court", "postcode": "SW1A 1AA", "uprn": "12"}
    )
    assert both["place"] == place["place"] and set(both) == {"place", "uprn"}
    # the kinds never collide: a UPRN is not a postcode
    assert blind.row_digests(key, "address", {"line1": "", "uprn": "12"})["uprn"] != both["place"]


# --- across teams, through a real server --------------------------------------------------------


def test_two_teams_learn_of_each_others_case_for_the_same_person(
    new_device: NewDevice, server: ServerProcess
) -> None:
    team_a, team_b = unique_team(), unique_team()
    anna, bilal = new_device(team=team_a), new_device(team=team_b)
    surname = _unique("Súilleabháin")
    anna_case = _case(anna, "Anna Jones")
    anna_person = _person(anna, anna_case, f"Síobhán Ó {surname}")
    bilal_old = _case(bilal, "Old Officer")
    bilal_person_old = _person(bilal, bilal_old, f"SIOBHAN O {surname.upper()}")
    _sync_all(anna, bilal)
    assert _ask(anna, anna_person) == [
        KnownElsewhere(
            person_id=anna_person, team=team_b, matched_on="identity", cases=1,
            contact_officer="Old Officer",
        )
    ]  # fmt: skip
    assert _ask(bilal, bilal_person_old) == [
        KnownElsewhere(
            person_id=bilal_person_old, team=team_a, matched_on="identity", cases=1,
            contact_officer="Anna Jones",
        )
    ]  # fmt: skip

    # A second, newer case of team B: two cases, and its officer is the one to contact.
    bilal_new = bilal.replica.new_case(
        team_b, summary="Threats", officer="Bilal Khan", referred_on="2026-03-01"
    )
    bilal.replica.update("asb_case", bilal_old, {"referred_on": "2025-01-01"})
    _person(bilal, bilal_new, f"Siobhan O {surname}")
    bilal.sync()
    (known,) = _ask(anna, anna_person)
    assert (known.team, known.cases, known.contact_officer) == (team_b, 2, "Bilal Khan")

    # The same team's own cases are never "elsewhere"; another date of birth never matches.
    other = _person(anna, anna_case, f"Siobhan O {surname}", born="1991-04-02")
    anna.sync()
    assert _ask(anna, other) == []

    # A deleted person stops matching; a destroyed case too.
    bilal.replica.delete("person", bilal_person_old)
    bilal.sync()
    (known,) = _ask(anna, anna_person)
    assert known.cases == 1
    bilal.replica.delete("asb_case", bilal_new)
    bilal.sync()
    assert _ask(anna, anna_person) == []
    database = open_database(server.db_url)
    try:
        with database.read() as connection:
            left = connection.execute(
                sa.select(sa.func.count())
                .select_from(tables.blind_index)
                .where(tables.blind_index.c.case_id.in_([bilal_new]))
            ).scalar_one()
        assert left == 0
    finally:
        database.dispose()


def test_an_address_matches_by_uprn_and_by_postcode_and_first_line(
    new_device: NewDevice,
) -> None:
    team_a, team_b = unique_team(), unique_team()
    anna, bilal = new_device(team=team_a), new_device(team=team_b)
    street = _unique("Rowan Court")
    uprn = str(100_000_000_000 + uuid.uuid4().int % 10**9)
    anna_case = _case(anna, "Anna Jones")
    by_place = _person(anna, anna_case, _unique("Dee Jay"), born=None)
    _address(anna, anna_case, by_place, line1=f"Flat 3, {street}", postcode="SW1A 1AA")
    by_uprn = _person(anna, anna_case, _unique("Em Cee"), born=None)
    _address(anna, anna_case, by_uprn, line1="The Old Mill", postcode="", uprn=uprn)
    nowhere = _person(anna, anna_case, _unique("No One"), born=None)
    _address(anna, anna_case, nowhere, line1=f"Flat 3, {street}", postcode="SW1A 2AA")

    bilal_case = _case(bilal, "Bilal Khan")
    # a place of team B's case (no person) at the same flat, typed differently
    _address(bilal, bilal_case, None, line1=f"flat 3 {street.lower()}", postcode="sw1a1aa")
    tenant = _person(bilal, bilal_case, _unique("Someone Else"), born=None)
    _address(bilal, bilal_case, tenant, line1="Mill House", postcode="E1 6AN", uprn=f"00{uprn}")
    _sync_all(anna, bilal)

    known = {(k.person_id, k.matched_on, k.cases, k.contact_officer) for k in _ask(
        anna, by_place, by_uprn, nowhere
    )}  # fmt: skip
    assert known == {(by_place, "address", 1, "Bilal Khan"), (by_uprn, "address", 1, "Bilal Khan")}
    assert [(k.team, k.matched_on) for k in _ask(bilal, tenant)] == [(team_a, "address")]


def test_a_device_may_ask_only_about_people_of_cases_it_may_see(new_device: NewDevice) -> None:
    anna, bilal = new_device(team=unique_team()), new_device(team=unique_team())
    bilal_case = _case(bilal, "Bilal Khan")
    hidden = _person(bilal, bilal_case, _unique("Hidden Person"))
    anna_case = _case(anna, "Anna Jones")
    mine = _person(anna, anna_case, _unique("My Person"))
    _sync_all(anna, bilal)
    with pytest.raises(SyncServerError) as refused:
        _ask(anna, mine, hidden)
    assert refused.value.status == 403
    assert "cases you may see" in str(refused.value)
    # a row the service never received is not an error: nothing is known of it
    assert _ask(anna, mine, str(uuid.uuid4())) == []


def test_an_answer_is_unchanged_only_until_something_that_could_change_it_arrives(
    new_device: NewDevice,
) -> None:
    team_a, team_b = unique_team(), unique_team()
    anna, bilal = new_device(team=team_a), new_device(team=team_b)
    name = _unique("Lee Ward")
    anna_person = _person(anna, _case(anna, "Anna Jones"), name)
    bilal_case = _case(bilal, "Bilal Khan")
    _sync_all(anna, bilal)
    first = anna.client.known_elsewhere_since([anna_person], None)
    assert first.known == [] and first.as_of is not None

    # Nothing arrived: "unchanged", and the laptop keeps what it has.
    assert anna.client.known_elsewhere_since([anna_person], first.as_of).known is None
    # Another team's incidents cannot change an answer: still unchanged.
    bilal.replica.insert(
        "incident", {"occurred_on": "2026-02-01", "description": "Shouting"}, case_id=bilal_case
    )
    bilal.sync()
    assert anna.client.known_elsewhere_since([anna_person], first.as_of).known is None
    # Another team's matching person can: the whole answer again, with the match.
    _person(bilal, bilal_case, name)
    bilal.sync()
    again = anna.client.known_elsewhere_since([anna_person], first.as_of)
    assert [(k.team, k.cases) for k in again.known or []] == [(team_b, 1)]
    assert again.as_of is not None and again.as_of > first.as_of
    # A position the service never reached (another database) is never "unchanged".
    assert anna.client.known_elsewhere_since([anna_person], again.as_of + 10**6).known is not None


def test_unchanged_tells_nothing_of_rows_the_device_may_not_see(new_device: NewDevice) -> None:
    anna, bilal = new_device(team=unique_team()), new_device(team=unique_team())
    hidden = _person(bilal, _case(bilal, "Bilal Khan"), _unique("Hidden Person"))
    mine = _person(anna, _case(anna, "Anna Jones"), _unique("My Person"))
    _sync_all(anna, bilal)
    as_of = anna.client.known_elsewhere_since([mine], None).as_of
    with pytest.raises(SyncServerError) as refused:
        anna.client.known_elsewhere_since([mine, hidden], as_of)
    assert refused.value.status == 403


def test_the_client_refuses_an_unchanged_it_did_not_ask_for(new_device: NewDevice) -> None:
    device = new_device(team=unique_team())
    answer = httpx.MockTransport(lambda _r: httpx.Response(200, json={"unchanged": True}))
    client = SyncClient(device.replica, "http://127.0.0.1:9", transport=answer)
    with pytest.raises(SyncProtocolError, match="unchanged"):
        client.known_elsewhere([str(uuid.uuid4())])
    client.close()


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"person_ids": []},
        {"person_ids": ["not-a-uuid"]},
        {"person_ids": "0b6f8a0e-3c1e-4a1e-9d9e-2f1a1b1c1d1e"},
        {"person_ids": [str(uuid.uuid4())] * 2},
        {"person_ids": [str(uuid.uuid4()) for _ in range(MAX_ELSEWHERE_ASK + 1)]},
        {"person_ids": [str(uuid.uuid4())], "names": ["Siobhan"]},
        {"person_ids": [str(uuid.uuid4())], "since": -1},
        {"person_ids": [str(uuid.uuid4())], "since": "yesterday"},
        [1, 2, 3],
    ],
)
def test_bad_requests_are_refused_with_a_reason_never_a_500(
    new_device: NewDevice, server: ServerProcess, body: Any
) -> None:
    device = new_device(team=unique_team())
    response = httpx.post(
        f"{server.url}{API_PREFIX}/elsewhere",
        json=body,
        headers={"Authorization": f"Bearer {_token(device)}"},
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "invalid"
    unauthenticated = httpx.post(
        f"{server.url}{API_PREFIX}/elsewhere", json={"person_ids": [str(uuid.uuid4())]}
    )
    assert unauthenticated.status_code == 401


def test_the_key_is_in_no_reply(new_device: NewDevice, server: ServerProcess) -> None:
    team_a, team_b = unique_team(), unique_team()
    bodies: list[bytes] = []

    class Recording(httpx.HTTPTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            response = super().handle_request(request)
            response.read()
            bodies.append(response.content)
            return response

    anna = new_device(team=team_a)
    anna.client = SyncClient(anna.replica, server.url, retry_delay=0.2, transport=Recording())
    bilal = new_device(team=team_b)
    name = _unique("Key Holder")
    anna_person = _person(anna, _case(anna, "Anna"), name)
    _person(bilal, _case(bilal, "Bilal"), name)
    _sync_all(anna, bilal)
    assert len(_ask(anna, anna_person)) == 1
    anna.client.status()
    database = open_database(server.db_url)
    try:
        with database.read() as connection:
            secrets = {
                r.name: r.value for r in connection.execute(sa.select(tables.service_secret))
            }
    finally:
        database.dispose()
    key = secrets["blind_index_key"]
    assert len(key) == 64 and bodies
    for body in bodies:
        assert key.encode() not in body
        assert bytes.fromhex(key) not in body
        assert secrets["blind_index_check"].encode() not in body
    anna.client.close()


# --- the administrator: rebuild and rotate ------------------------------------------------------


def test_rebuild_rotates_the_key_and_prints_no_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with fresh_database("sqlite", tmp_path) as url:
        database = open_database(url)
        try:
            from sync.server import migrate

            migrate.upgrade(database.writer)
            with database.write() as connection:
                connection.execute(
                    tables.row_state.insert().values(
                        table_name="person", row_id=str(uuid.uuid4()), case_id=str(uuid.uuid4()),
                        version=1, fields={"name": "Pat", "date_of_birth": BORN},
                        field_versions={}, append_only=False, deleted=False, created_seq=1,
                    )
                )  # fmt: skip
            first = blind.index_key(database)  # an upgraded database's index is built at once

            def digests() -> list[str]:
                with database.read() as connection:
                    return list(
                        connection.execute(sa.select(tables.blind_index.c.digest)).scalars()
                    )

            before = digests()
            assert len(before) == 1
            done = run_cli("index", "rebuild", "--new-key", "--db", url)
            assert "1 digest(s)" in done.stdout
            blind.forget_cached_key(database)
            second = blind.index_key(database)
            assert second != first and digests() != before
            for output in (done.stdout, done.stderr):
                assert first.hex() not in output and second.hex() not in output

            # A configured key other than the one the index was built under: serve refuses.
            monkeypatch.setenv(blind.KEY_ENV, "x" * 40)
            refused = run_cli("serve", "--db", url, "--port", "1", check=False)
            assert refused.returncode == 2
            assert "built under another key" in refused.stderr
            assert len(refused.stderr.strip().splitlines()) == 1
            refused = run_cli("index", "rebuild", "--new-key", "--db", url, check=False)
            assert refused.returncode == 2 and "rotate it there" in refused.stderr
            assert "1 digest(s)" in run_cli("index", "rebuild", "--db", url).stdout
            blind.forget_cached_key(database)
            assert blind.index_key(database) == b"x" * 40
            monkeypatch.setenv(blind.KEY_ENV, "short")
            refused = run_cli("index", "rebuild", "--db", url, check=False)
            assert refused.returncode == 2 and "too short" in refused.stderr
        finally:
            database.dispose()


def test_the_client_refuses_an_answer_about_a_person_it_did_not_ask_about(
    new_device: NewDevice,
) -> None:
    device = new_device(team=unique_team())
    asked, stranger = str(uuid.uuid4()), str(uuid.uuid4())
    pages: list[int] = []

    def answer(request: httpx.Request) -> httpx.Response:
        ids = json_ids(request)
        pages.append(len(ids))
        about = stranger if len(pages) == 1 else ids[0]
        known = {"person_id": about, "team": "North", "matched_on": "identity", "cases": 1}
        return httpx.Response(200, json={"known": [known]})

    def json_ids(request: httpx.Request) -> list[str]:
        return list(json.loads(request.content)["person_ids"])

    client = SyncClient(device.replica, "http://127.0.0.1:9", transport=httpx.MockTransport(answer))
    with pytest.raises(SyncProtocolError, match="not asked about"):
        client.known_elsewhere([asked])
    # asked in pages of the protocol's size
    many = [str(uuid.uuid4()) for _ in range(MAX_ELSEWHERE_ASK + 3)]
    assert len(client.known_elsewhere(many)) == 2
    assert pages[1:] == [MAX_ELSEWHERE_ASK, 3]
    client.close()


def test_the_index_follows_a_resolved_conflict_a_removed_row_and_a_transfer(
    new_device: NewDevice, server: ServerProcess
) -> None:
    team_a, team_b, team_c = unique_team(), unique_team(), unique_team()
    anna = new_device(team=team_a)
    bilal, bea = new_device(team=team_b), new_device(team=team_b)
    typed = _unique("Jordan Reyes")
    anna_person = _person(anna, _case(anna, "Anna Jones"), typed)
    bilal_case = _case(bilal, "Bilal Khan")
    bilal_person = _person(bilal, bilal_case, _unique("Someone"))
    _sync_all(anna, bilal, bea)
    assert _ask(anna, anna_person) == []

    # Two officers of team B edit the name at once; the one resolving it types Anna's person.
    bilal.replica.update("person", bilal_person, {"name": _unique("Other")})
    bea.replica.update("person", bilal_person, {"name": _unique("Another")})
    bilal.sync()
    bea.sync()
    (conflict,) = bea.replica.open_conflicts()
    bea.client.resolve_conflict(conflict["id"], "edit", typed.upper())
    assert [(k.team, k.cases) for k in _ask(anna, anna_person)] == [(team_b, 1)]

    # The case moves to team C: the match is team C's now.
    run_cli("case", "transfer", bilal_case, team_c, "--by", "Admin", "--requested-by", "Bilal",
            "--reason", "the address is in team C's ward", "--db", server.db_url)  # fmt: skip
    assert [k.team for k in _ask(anna, anna_person)] == [team_c]

    # An administrator removes the row: it matches no more.
    run_cli("stream", "remove", "person", bilal_person, "--reason", "entered in error",
            "--by", "Admin", "--db", server.db_url)  # fmt: skip
    assert _ask(anna, anna_person) == []
    log = server.log_path.read_text(encoding="utf-8", errors="replace")
    database = open_database(server.db_url)
    try:
        with database.read() as connection:
            kept = {r.name: r.value for r in connection.execute(sa.select(tables.service_secret))}
    finally:
        database.dispose()
    assert kept and all(value not in log for value in kept.values())
