"""Across teams without sharing personal data, between real encrypted laptops and a real server
(SQLite and PostgreSQL): two laptops of different teams that record the same person (typed with
and without accents, same date of birth) each learn "known in 1 case held by team X, officer Y
to contact"; everything the second laptop received (every HTTP reply to it, its whole store, its
files) holds none of the first team's names, address, dates of birth, notes or case reference,
nor the service's key; what a laptop was told goes with a withdrawn share and with retention."""

# ruff: noqa: F811  (the fixtures imported from sync_e2e_support are test arguments)

from __future__ import annotations

import contextlib
import json
import uuid
from datetime import date
from pathlib import Path

import httpx
import sqlalchemy as sa
from sqlalchemy import text
from sqlmodel import select
from sync_e2e_support import (  # noqa: F401  (fixtures)
    FaultyTransport,
    Laptop,
    LaptopFactory,
    central,
    central_db,
    laptops,
    unique_team,
)
from sync_server_testkit import ServerProcess

from asb_tui.domain.case_deadlines import DeadlineRules
from asb_tui.store.commands.retention import destroy_due_cases
from asb_tui.store.commands.sharing import share_case, withdraw_share
from asb_tui.store.core.models import Address, Case, Person, PersonElsewhere
from asb_tui.store.queries.case_queries import case_detail
from asb_tui.store.queries.known_elsewhere import people_known_elsewhere
from asb_tui.store.queries.people import person_profile
from sync.server import db as tables
from sync.server.db import open_database

S115 = "s115-crime-and-disorder-act-1998"
BORN = date(1990, 4, 2)


class Recording(httpx.HTTPTransport):
    """A real transport that keeps the body of every reply."""

    def __init__(self) -> None:
        super().__init__()
        self.bodies: list[bytes] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        response.read()
        self.bodies.append(response.content)
        return response


def _add_person(
    laptop: Laptop, case_id: str, name: str, born: date | None = BORN, notes: str = ""
) -> str:
    with laptop.store.write() as uow:
        person = uow.add(
            Person(case_id=case_id, name=name, date_of_birth=born, notes=notes),
            action="person.add",
        )
        return person.id


def _known(laptop: Laptop, case_id: str) -> list[tuple[str, str, str, int, str]]:
    with laptop.store.read() as session:
        return [
            (k.person_name, k.team, k.matched_on, k.cases, k.contact_officer)
            for k in people_known_elsewhere(session, case_id)
        ]


def _whole_store(laptop: Laptop) -> str:
    """Every row of every table of the laptop's store, as text."""
    parts: list[str] = []
    with laptop.store.read() as session:
        names = session.execute(
            text("SELECT name FROM sqlite_master WHERE type = 'table'")
        ).scalars()
        for name in list(names):
            for row in session.execute(text(f'SELECT * FROM "{name}"')):
                parts.append(repr(tuple(row)))
    return "\n".join(parts)


def _replies(transport: Recording) -> str:
    """Every reply body, raw and with its JSON decoded (so an escaped accent is seen too)."""
    parts = []
    for body in transport.bodies:
        parts.append(body.decode("utf-8", errors="replace"))
        with contextlib.suppress(ValueError):
            parts.append(json.dumps(json.loads(body), ensure_ascii=False))
    return "\n".join(parts)


def test_two_teams_learn_of_the_same_person_and_receive_nothing_personal(
    laptops: LaptopFactory, central: ServerProcess
) -> None:
    team_a, team_b = unique_team(), unique_team()
    tag = uuid.uuid4().hex[:6]
    received = Recording()
    anna = laptops(team=team_a, name="Anna")
    bilal = laptops(team=team_b, name="Bilal", transport=received)
    typed_by_anna = f"Síobhán Ó Súilleabháin {tag}"
    witness = f"Zebedee Quartermaine {tag}"
    street = f"Rowan Court {tag}"
    note = f"Lives with her sister, scared of the neighbour {tag}"
    anna_case = anna.new_case(f"Shouting at the bins {tag}", victim_name="", officer="Anna Jones")
    anna_person = _add_person(anna, anna_case, typed_by_anna, notes=note)
    _add_person(anna, anna_case, witness, born=date(1975, 11, 30))
    with anna.store.write() as uow:
        uow.add(
            Address(case_id=anna_case, person_id=anna_person, line1=f"Flat 3, {street}",
                    town="London", postcode="SW1A 1AA"),
            action="address.add",
        )  # fmt: skip
    bilal_case = bilal.new_case("Threats on the stairs", victim_name="", officer="Bilal Khan")
    _add_person(bilal, bilal_case, f"Siobhan O Suilleabhain {tag}")
    for laptop in (anna, bilal, anna, bilal):
        assert laptop.sync().result.ok

    assert _known(anna, anna_case) == [(typed_by_anna, team_b, "identity", 1, "Bilal Khan")]
    assert _known(bilal, bilal_case) == [
        (f"Siobhan O Suilleabhain {tag}", team_a, "identity", 1, "Anna Jones")
    ]
    with bilal.store.read() as session:
        (told,) = people_known_elsewhere(session, bilal_case)
    assert told.sentence == (
        f"known in 1 case held by team {team_a} (by name and date of birth), Anna Jones to contact"
    )
    assert bilal.sync().known_elsewhere == 1  # asked again at every sync, the same answer
    # The case detail (and `case show`) and the person's profile say it.
    with bilal.store.read() as session:
        detail = case_detail(session, bilal_case, today=date.today(), rules=DeadlineRules())
        profile = person_profile(session, told.person_id, today=date.today(), rules=DeadlineRules())
    assert detail is not None
    assert detail.known_elsewhere == (f"{told.person_name}: {told.sentence}",)
    assert profile is not None
    assert [(k.team, k.cases, k.contact_officer) for k in profile.known_elsewhere] == [
        (team_a, 1, "Anna Jones")
    ]

    # Nothing of team A's case reached team B: not in a reply, not in the store, not in a file.
    anna_ref = anna.held_case(anna_case).ref
    secrets = [
        typed_by_anna, "Síobhán", "Súilleabháin", witness, "Quartermaine", "1975-11-30",
        "30/11/1975", street, "SW1A 1AA", "SW1A1AA", note, anna_ref, f"Shouting at the bins {tag}",
        anna_case, anna_person,
    ]  # fmt: skip
    replies, store = _replies(received), _whole_store(bilal)
    in_annas = _whole_store(anna)  # the scan finds them where they are
    assert all(s in in_annas for s in (typed_by_anna, witness, street, note, anna_ref, "SW1A 1AA"))
    assert len(received.bodies) >= 3  # a reply of each of Bilal's syncs was recorded
    assert tag in store  # the scan reads the store's text (Bilal's own person is there)
    for secret in secrets:
        assert secret not in replies, secret
        assert secret not in store, secret
    for file in Path(bilal.data_dir).rglob("*"):
        if file.is_file():
            content = file.read_bytes()
            for secret in (typed_by_anna, witness, street, note, anna_ref):
                assert secret.encode() not in content, (file, secret)

    # Nor the service's key, nor its check value.
    database = open_database(central.db_url)
    try:
        with database.read() as connection:
            kept = {r.name: r.value for r in connection.execute(sa.select(tables.service_secret))}
    finally:
        database.dispose()
    for value in kept.values():
        assert value not in replies and value not in store


def test_what_a_laptop_was_told_goes_with_a_withdrawn_share(
    laptops: LaptopFactory, central: ServerProcess
) -> None:
    police = f"Police {uuid.uuid4().hex[:6]}"
    team_b, team_c = unique_team(), unique_team()
    name = f"Pat Doyle {uuid.uuid4().hex[:6]}"
    anna = laptops(team=unique_team(), agency=police, name="Anna")
    bilal = laptops(team=team_b, name="Bilal")
    carol = laptops(team=team_c, name="Carol")
    anna_case = anna.new_case("Noise", victim_name="", officer="Anna Jones")
    _add_person(anna, anna_case, name)
    shared = bilal.new_case("Cuckooing", victim_name="", officer="Bilal Khan")
    _add_person(bilal, shared, name)
    carol_case = carol.new_case("Graffiti", victim_name="", officer="Carol Ng")
    _add_person(carol, carol_case, name)
    share = share_case(bilal.store, shared, agency=police, what="Whole case", legal_basis=S115,
                       shared_on=date(2026, 1, 6), today=date(2026, 1, 6))  # fmt: skip
    for laptop in (bilal, carol, anna):
        assert laptop.sync().result.ok

    # Team B's case is shared with Anna's agency: she sees it, so it is not "elsewhere".
    assert anna.case(shared) is not None
    assert _known(anna, anna_case) == [(name, team_c, "identity", 1, "Carol Ng")]
    assert _known(anna, shared) == [(name, team_c, "identity", 1, "Carol Ng")]

    withdraw_share(bilal.store, share.id, reason="the operation has ended")
    assert bilal.sync().result.ok and anna.sync().result.ok
    assert anna.case(shared) is None
    with anna.store.read() as session:
        held = session.exec(select(PersonElsewhere)).all()
        assert {row.case_id for row in held} == {anna_case}
    assert sorted(_known(anna, anna_case)) == sorted(
        [(name, team_b, "identity", 1, "Bilal Khan"), (name, team_c, "identity", 1, "Carol Ng")]
    )


def test_retention_destroys_what_was_learned_with_the_case(
    laptops: LaptopFactory, central: ServerProcess
) -> None:
    name = f"Lee Ward {uuid.uuid4().hex[:6]}"
    anna = laptops(team=unique_team(), name="Anna")
    bilal = laptops(team=unique_team(), name="Bilal")
    doomed = anna.new_case("Old case", victim_name="", officer="Anna Jones")
    _add_person(anna, doomed, name)
    _add_person(bilal, bilal.new_case("New case", victim_name="", officer="Bilal Khan"), name)
    for laptop in (anna, bilal, anna):
        assert laptop.sync().result.ok
    assert len(_known(anna, doomed)) == 1
    anna.edit_case(doomed, {"status": "closed", "closed_on": date(2019, 3, 1),
                            "closure_reason": "resolved"})  # fmt: skip
    assert anna.sync().result.ok

    result = destroy_due_cases(anna.store, date(2026, 1, 5), 5, apply=True)
    assert [c.case_id for c in result.cases] == [doomed]
    with anna.store.read() as session:
        assert session.get(Case, doomed) is None
        assert session.exec(select(PersonElsewhere)).all() == []
    assert anna.sync().result.ok
    # Team B no longer learns of the destroyed case either.
    assert bilal.sync().known_elsewhere == 0


def test_a_service_that_cannot_answer_leaves_the_sync_done_and_what_was_known(
    laptops: LaptopFactory, central: ServerProcess
) -> None:
    name = f"Kim Lowe {uuid.uuid4().hex[:6]}"
    refusing = {"on": False}

    def hook(request: httpx.Request, inner: httpx.BaseTransport) -> httpx.Response:
        if refusing["on"] and request.url.path == "/v1/elsewhere":
            return httpx.Response(404, json={"error": "http_404", "message": "Not Found"})
        return inner.handle_request(request)

    anna = laptops(team=unique_team(), name="Anna", transport=FaultyTransport(hook))
    bilal = laptops(team=unique_team(), name="Bilal")
    anna_case = anna.new_case("Noise", victim_name="", officer="Anna Jones")
    _add_person(anna, anna_case, name)
    _add_person(bilal, bilal.new_case("Threats", victim_name="", officer="Bilal Khan"), name)
    for laptop in (anna, bilal, anna):
        assert laptop.sync().result.ok
    assert len(_known(anna, anna_case)) == 1

    refusing["on"] = True
    # Something that may change the answer reaches the service (else the sync's exchange says
    # nothing changed and the laptop asks nothing).
    _add_person(bilal, bilal.new_case("Graffiti", victim_name="", officer="Bilal Khan"), "Jo Marsh")
    assert bilal.sync().result.ok
    outcome = anna.sync()
    assert outcome.result.ok and outcome.known_elsewhere is None
    assert any("other teams know" in w for w in outcome.warnings)
    assert len(_known(anna, anna_case)) == 1  # kept until the service answers again
