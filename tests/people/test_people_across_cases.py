"""One person across cases, on a real encrypted store through the commands and the real CLI:
a match confirmed links two cases, the repeat-victim rule starts the protocol across cases, a
merge and a split are audited and exact, retention keeps a person still in another case, search
finds people by address and postcode, and a lowered risk waits for the manager."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from laptop_testkit import OFFICER, PASSPHRASE, assert_no_traceback, run_cli
from people_testkit import BORN, RULES, TODAY, diary_incidents, new_case, victim_of
from sqlmodel import col, select

from asb_tui.config import Config
from asb_tui.domain.errors import DomainError
from asb_tui.domain.types import PartyRole, ReferralKind, RiskLevel
from asb_tui.store.commands import cases, people, retention
from asb_tui.store.commands.reviews import review_queue
from asb_tui.store.core.models import AuditEvent, Case, Note, Person, Referral
from asb_tui.store.core.store import Store, create_store
from asb_tui.store.core.user_text import TextRequired
from asb_tui.store.queries.case_queries import dashboard, list_cases
from asb_tui.store.queries.people import find_people, linked_cases, person_matches, person_profile
from asb_tui.store.queries.search import search


@pytest.fixture
def laptop(tmp_path: Path) -> Iterator[tuple[Store, Path]]:
    data_dir = tmp_path / "data"
    store, _recovery = create_store(data_dir, PASSPHRASE, actor=OFFICER)
    yield store, data_dir
    store.close()


def _two_cases_same_perpetrator(store: Store) -> tuple[str, str, str, str]:
    first = new_case(store, "Abuse on the stairs", victim="Ann Lee", referred_on=date(2026, 9, 1))
    accented = people.add_person_to_case(
        store,
        first,
        name="Dariusz Wiśniewski",
        role=PartyRole.ALLEGED_PERPETRATOR.value,
        date_of_birth=BORN,
        address=people.AddressInput("Flat 3, 14 Acacia Road", town="Leeds", postcode="LS8 2QT"),
    )
    second = new_case(store, "Music at night", victim="Eileen Marsh", referred_on=date(2026, 11, 2))
    with store.read() as session:
        offered = person_matches(session, name="Dariusz Wisniewski", date_of_birth=BORN)
    assert offered, "the same perpetrator typed without accents is offered"
    assert offered[0].likely and offered[0].identity_id == accented
    assert offered[0].cases[0].case_id == first
    plain = people.add_person_to_case(
        store,
        second,
        name="Dariusz Wisniewski",
        role=PartyRole.ALLEGED_PERPETRATOR.value,
        date_of_birth=BORN,
        same_as=offered[0].identity_id,
    )
    return first, second, accented, plain


def test_a_confirmed_match_links_the_two_cases_and_flags_a_repeat_perpetrator(
    laptop: tuple[Store, Path],
) -> None:
    store, data_dir = laptop
    first, second, accented, plain = _two_cases_same_perpetrator(store)
    with store.read() as session:
        linked = linked_cases(session, second)
        profile = person_profile(session, plain, today=TODAY, rules=RULES)
    assert [(c.case_id, c.kind) for c in linked] == [(first, "person")]
    assert "alleged perpetrator here, alleged perpetrator there" in linked[0].why
    assert profile is not None and profile.identity_id == accented
    assert {c.case_id for c in profile.cases} == {first, second}
    assert profile.repeat_perpetrator is not None and profile.repeat_perpetrator.current
    with store.read() as session:
        listed = {row.case_id: row.linked for row in list_cases(session)}
    assert listed == {first: 1, second: 1}
    with store.read() as session:
        ref = session.get(Case, second).ref  # type: ignore[union-attr]
    store.close()

    shown = run_cli("case", "show", ref, "--json", "--today", "01/12/2026", data_dir=data_dir)
    assert shown.returncode == 0, shown.stderr
    doc = json.loads(shown.stdout)
    perpetrator = next(p for p in doc["people"] if p["role"] == "alleged-perpetrator")
    assert perpetrator["identity_id"] == accented
    assert [c["case_id"] for c in doc["linked_cases"]] == [first]
    assert doc["flags"]["repeat_perpetrator"] is True
    assert any(line.startswith("Repeat perpetrator: Dariusz") for line in doc["repeat"])

    found = run_cli("person", "find", "wisniewski", "--json", data_dir=data_dir)
    assert found.returncode == 0, found.stderr
    [person] = json.loads(found.stdout)
    assert person["identity_id"] == accented and len(person["cases"]) == 2

    profile_cli = run_cli("person", "show", plain, "--json", "--today", "01/12/2026",
                          data_dir=data_dir)  # fmt: skip
    assert profile_cli.returncode == 0, profile_cli.stderr
    shown_profile = json.loads(profile_cli.stdout)
    assert shown_profile["flags"] == {"repeat_victim": False, "repeat_perpetrator": True}
    assert shown_profile["addresses"][0]["postcode"] == "LS8 2QT"

    unknown = run_cli("person", "show", "not-a-person", data_dir=data_dir)
    assert unknown.returncode != 0
    assert_no_traceback(unknown)
    assert len(unknown.stderr.strip().splitlines()) == 1


def test_three_incidents_in_three_months_across_two_cases_make_a_repeat_victim(
    laptop: tuple[Store, Path],
) -> None:
    store, _data_dir = laptop
    first = new_case(store, "Bins set alight", victim="Síobhán Ó Súilleabháin",
                     referred_on=date(2026, 8, 3))  # fmt: skip
    first_victim = victim_of(store, first)
    with store.write() as uow:
        born = uow.reads.get(Person, first_victim)
        assert born is not None
        uow.update(born, {"date_of_birth": BORN}, action="person.edit")
    diary_incidents(store, first, first_victim, [date(2026, 9, 2), date(2026, 9, 20)])
    second = new_case(store, "Stones at the window", victim="Siobhan O Suilleabhain",
                      referred_on=date(2026, 10, 1))  # fmt: skip
    with store.read() as session:
        assert session.get(Case, first).repeat_victim is False  # type: ignore[union-attr]
        offered = person_matches(session, name="Siobhan O Suilleabhain", date_of_birth=BORN)
    # The second case's victim is the same person: the officer confirms it.
    second_victim = victim_of(store, second)
    people.merge_people(store, offered[0].identity_id, second_victim, reason="Same DOB and name",
                        today=TODAY, rules=RULES)  # fmt: skip
    with store.read() as session:
        assert not session.exec(select(Referral)).all(), "two incidents are not yet a repeat"
    diary_incidents(store, second, second_victim, [date(2026, 10, 30)])

    with store.read() as session:
        for case_id in (first, second):
            case = session.get(Case, case_id)
            assert case is not None and case.repeat_victim, case_id
            referrals = session.exec(select(Referral).where(Referral.case_id == case_id)).all()
            assert {r.kind for r in referrals} == {ReferralKind.VSO.value, ReferralKind.VVC.value}
            assert {r.reason for r in referrals} == {"repeat victim"}
        profile = person_profile(session, second_victim, today=TODAY, rules=RULES)
        events = session.exec(
            select(AuditEvent.action).where(AuditEvent.action == "case.repeat-victim")
        ).all()
    assert profile is not None and profile.repeat_victim is not None
    assert profile.repeat_victim.count == 3 and profile.repeat_victim.current
    assert len(events) == 2
    with store.read() as session:
        board = dashboard(session, officer=None, today=TODAY, rules=RULES)
    assert board.counts.repeat_victims == 2
    # Once started, more incidents do not start the protocol again.
    diary_incidents(store, second, second_victim, [date(2026, 11, 2)])
    with store.read() as session:
        assert len(session.exec(select(Referral)).all()) == 4


def test_a_merge_and_its_split_are_exact_audited_and_noted(laptop: tuple[Store, Path]) -> None:
    store, _ = laptop
    one = new_case(store, "One", victim="Kai Brown", referred_on=date(2026, 10, 1))
    two = new_case(store, "Two", victim="Kai Browne", referred_on=date(2026, 10, 5))
    three = new_case(store, "Three", victim="Kai Brown", referred_on=date(2026, 10, 9))
    a, b, c = (victim_of(store, case) for case in (one, two, three))
    people.merge_people(store, a, b, reason="Same person, name misspelt", today=TODAY, rules=RULES)
    people.merge_people(store, a, c, reason="Same person again", today=TODAY, rules=RULES)
    with store.read() as session:
        identities = {p.id: p.identity_id for p in session.exec(select(Person))}
    assert identities == {a: a, b: a, c: a}
    # The wrong one is split off: exactly the record the merge brought, back to its identity.
    assert people.split_person(store, c, reason="Different date of birth") == c
    with store.read() as session:
        identities = {p.id: p.identity_id for p in session.exec(select(Person))}
        actions = session.exec(select(AuditEvent.action)).all()
        notes = session.exec(select(Note.case_id, Note.body)).all()
    assert identities == {a: a, b: a, c: c}
    assert actions.count("person.merge") == 2 and actions.count("person.split") == 1
    assert any(case == three and "Different date of birth" in body for case, body in notes)
    with pytest.raises(people.PeopleError):
        people.split_person(store, c, reason="again")
    with pytest.raises(TextRequired):
        people.merge_people(store, a, b, reason="   ")


def test_retention_of_one_case_keeps_a_person_still_in_another(laptop: tuple[Store, Path]) -> None:
    store, _data_dir = laptop
    first, second, accented, plain = _two_cases_same_perpetrator(store)
    long_ago = date(2019, 1, 7)
    cases.close_case(store, first, reason="asb-ceased", on=TODAY - timedelta(days=1))
    with store.write() as uow:
        case = uow.reads.get(Case, first)
        assert case is not None
        uow.update(case, {"closed_on": long_ago}, action="case.edit")
    destroyed = retention.destroy_due_cases(store, TODAY, 5, apply=True)
    assert [c.case_id for c in destroyed.cases] == [first]
    with store.read() as session:
        left = session.exec(select(Person).where(col(Person.identity_id) == accented)).all()
        profile = person_profile(session, accented, today=TODAY, rules=RULES)
    assert [p.id for p in left] == [plain]
    assert profile is not None and [c.case_id for c in profile.cases] == [second]


def test_search_finds_people_by_address_and_postcode(laptop: tuple[Store, Path]) -> None:
    store, _ = laptop
    first, _second, accented, _plain = _two_cases_same_perpetrator(store)
    with store.read() as session:
        for typed in ("LS8 2QT", "ls82qt", "acacia", "Wisniewski"):
            hits = search(session, typed)
            assert first in [h.case_id for h in hits], typed
        assert [p.identity_id for p in find_people(session, "acacia road")] == [accented]


def test_addresses_are_checked_where_they_enter(laptop: tuple[Store, Path]) -> None:
    store, _ = laptop
    case_id = new_case(store, "x", victim="Ann", referred_on=date(2026, 11, 2))
    for bad, message in (
        (people.AddressInput("1 Road", postcode="LS8"), "is not a UK postcode"),
        (people.AddressInput("1 Road", uprn="12ab"), "is not a UPRN"),
        (people.AddressInput("1 Road", area="Mars"), "not one of the council's areas"),
    ):
        with pytest.raises(DomainError, match=message):
            people.add_address(store, case_id, bad, areas=("Harehills",))
    with pytest.raises(TextRequired, match="first line"):
        people.add_address(store, case_id, people.AddressInput("   "))
    with store.read() as session:
        assert person_matches(session, name="Nobody Atall") == []


def test_a_reassessment_can_lower_the_level_and_the_manager_is_asked(
    laptop: tuple[Store, Path],
) -> None:
    store, data_dir = laptop
    case_id = new_case(store, "High risk", victim="Ann Lee", referred_on=date(2026, 11, 2))
    victim = victim_of(store, case_id)
    with store.write() as uow:
        case = uow.reads.get(Case, case_id)
        assert case is not None
        uow.update(case, {"risk_level": "high"}, action="case.edit")
    with pytest.raises(TextRequired):
        people.reassess_risk(store, case_id, person_id=victim, level=RiskLevel.STANDARD,
                             reason="", on=TODAY, rules=RULES)  # fmt: skip
    change = people.reassess_risk(
        store, case_id, person_id=victim, level=RiskLevel.STANDARD,
        reason="Perpetrator moved away", on=date(2026, 11, 30), rules=RULES,
    )  # fmt: skip
    assert change.lowered and change.previous is RiskLevel.HIGH
    queue = review_queue(store, Config(data_dir=data_dir), TODAY, draw=False)
    assert [(i.case_id, i.reason) for i in queue.items] == [(case_id, "risk-lowered")]
    with store.read() as session:
        case = session.get(Case, case_id)
        assert case is not None and case.risk_level == "standard"


def test_cases_are_linked_from_the_cli_with_a_reason(laptop: tuple[Store, Path]) -> None:
    store, data_dir = laptop
    one = new_case(store, "One", victim="Ann Lee", referred_on=date(2026, 10, 1))
    two = new_case(store, "Two", victim="Bo Hill", referred_on=date(2026, 10, 2))
    with store.read() as session:
        refs = [session.get(Case, c).ref for c in (one, two)]  # type: ignore[union-attr]
    store.close()
    linked = run_cli("case", "link", refs[1], refs[0], "--reason", "Same block of flats",
                     data_dir=data_dir)  # fmt: skip
    assert linked.returncode == 0, linked.stderr
    assert f"Linked {refs[1]} to {refs[0]}" in linked.stdout
    again = run_cli("case", "link", refs[1], refs[0], "--reason", "x", data_dir=data_dir)
    missing = run_cli("case", "link", refs[1], "ASB-1999-00001", "--reason", "x",
                      data_dir=data_dir)  # fmt: skip
    for refused in (again, missing):
        assert refused.returncode != 0
        assert_no_traceback(refused)
        assert len(refused.stderr.strip().splitlines()) == 1, refused.stderr
    assert "already linked" in again.stderr
    shown = run_cli("case", "show", refs[0], "--json", data_dir=data_dir)
    [link] = json.loads(shown.stdout)["linked_cases"]
    assert (link["ref"], link["kind"], link["why"]) == (
        refs[1],
        "link",
        "linked: Same block of flats",
    )


def test_an_export_of_an_earlier_release_imports_each_person_as_their_own(
    laptop: tuple[Store, Path], tmp_path: Path
) -> None:
    from asb_tui.export.json_export import ADDED_SINCE_VERSION_1, export_cases, import_document

    store, _ = laptop
    _first, second, _accented, plain = _two_cases_same_perpetrator(store)
    document = export_cases(store, None)
    document["version"] = 1
    for entry in document["cases"]:
        for table, added in ADDED_SINCE_VERSION_1.items():
            for row in entry.get(table, []):
                for name in added:
                    row.pop(name)
        for table in ("address", "case_link"):  # tables a version 1 file never had
            entry.pop(table, None)
    fresh, _recovery = create_store(tmp_path / "fresh", PASSPHRASE, actor=OFFICER)
    try:
        import_document(fresh, document)
        with fresh.read() as session:
            record = session.get(Person, plain)
            assert record is not None and record.identity_id is None
            profile = person_profile(session, plain, today=TODAY, rules=RULES)
        assert profile is not None and [c.case_id for c in profile.cases] == [second]
    finally:
        fresh.close()
