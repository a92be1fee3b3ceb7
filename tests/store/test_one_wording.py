"""One error family, one wording per failure, one text policy, one of each shared constant.

Every command that meets a case that is not on the laptop raises the same `CaseNotFound` (a
`StoreError`, which the CLI prints and the screens show as it is) with the same sentence, whether
it was a field-work, case, sharing, review or VVC command, an export or the CLI. Text the officer
types is stored exactly as typed, and a blank required text is refused the same way everywhere.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from laptop_testkit import assert_no_traceback, run_cli
from sqlmodel import select

from asb_tui.export.json_export import ExportError, export_cases
from asb_tui.store.commands import cases, diary, house_to_house, reviews, sharing, vvc
from asb_tui.store.core.errors import (
    CASE_NOT_FOUND,
    CASE_REF_NOT_FOUND,
    CaseNotFound,
    RecordNotFound,
    StoreError,
)
from asb_tui.store.core.models import Case, ManagerReview, Note
from asb_tui.store.core.store import Store
from asb_tui.store.core.user_text import TextRequired
from sync.batches import chunks

PACKAGE = Path(__file__).resolve().parents[2]
MISSING = "00000000-0000-4000-8000-00000000dead"
TODAY = date(2026, 11, 20)

BY_ID: dict[str, Callable[[Store], Any]] = {
    "field work (diary sheets)": lambda s: diary.record_sheets_sent(s, MISSING, sent_on=TODAY),
    "case (a note)": lambda s: cases.add_note(s, MISSING, body="Called the victim"),
    "sharing (consent status)": lambda s: sharing.consent_status(s, MISSING, TODAY),
    "review": lambda s: reviews.record_review(
        s, MISSING, reviewed_on=TODAY, notes="Reviewed", today=TODAY
    ),
    "withdrawing a share": lambda s: sharing.withdraw_agency_shares(
        s, MISSING, "Police", reason="Ended"
    ),
}


@pytest.mark.parametrize("command", sorted(BY_ID))
def test_a_missing_case_is_worded_once_whichever_command_meets_it(
    store: Store, command: str
) -> None:
    with pytest.raises(CaseNotFound) as raised:
        BY_ID[command](store)
    assert str(raised.value) == CASE_NOT_FOUND
    assert isinstance(raised.value, RecordNotFound | StoreError)


def test_a_missing_reference_is_worded_once_in_the_store_the_export_and_the_cli(
    store: Store, data_dir: Path
) -> None:
    expected = CASE_REF_NOT_FOUND.format(ref="ASB-1999-ZZ-00001")
    with pytest.raises(CaseNotFound) as found:
        vvc.find_case_id(store, "ASB-1999-ZZ-00001")
    assert str(found.value) == expected
    with pytest.raises(ExportError) as exported:
        export_cases(store, ["ASB-1999-ZZ-00001"])
    assert str(exported.value) == expected
    store.close()
    shown = run_cli("case", "show", "ASB-1999-ZZ-00001", data_dir=data_dir)
    assert_no_traceback(shown)
    assert shown.returncode == 2
    assert shown.stderr.strip() == f"asb-tui: {expected}"


# --- one text policy: stored exactly as typed -------------------------------------------------


def _case_id(store: Store) -> str:
    made = cases.refer_case(
        store, category="personal", summary="  Shouting at night\n", referred_on=TODAY,
        location=" Flat 3 ", victim_name="Ann Lee",
    )  # fmt: skip
    return made.id


def test_typed_text_is_stored_exactly_as_typed(store: Store) -> None:
    case_id = _case_id(store)
    cases.add_note(store, case_id, body="\tIndented line\n  and a second  ")
    reviews.record_review(
        store, case_id, reviewed_on=TODAY, notes="  Notes as typed  ", actions=" none ",
        today=TODAY,
    )  # fmt: skip
    with store.read() as session:
        case = session.get(Case, case_id)
        assert case is not None
        assert (case.summary, case.location) == ("  Shouting at night\n", " Flat 3 ")
        bodies = set(session.exec(select(Note.body).where(Note.case_id == case_id)))
        assert "\tIndented line\n  and a second  " in bodies
        review = session.exec(select(ManagerReview)).one()
        assert (review.notes, review.actions) == ("  Notes as typed  ", " none ")


@pytest.mark.parametrize(
    "blank",
    [
        lambda s, c: cases.add_note(s, c, body="   "),
        lambda s, c: cases.add_action(s, c, title=" \n ", due_on=None),
        lambda s, c: house_to_house.create_run(
            s, c, area="  ", run_on=TODAY, addresses="1 High Street"
        ),
    ],
    ids=["a note", "an action", "a house-to-house run (field work)"],
)
def test_a_blank_required_text_is_refused_alike(
    store: Store, blank: Callable[[Store, str], Any]
) -> None:
    case_id = _case_id(store)
    with pytest.raises(TextRequired):
        blank(store, case_id)


# --- one of each ---------------------------------------------------------------------------------


@functools.cache
def _parsed_sources() -> list[tuple[Path, ast.Module]]:
    """Every source file of the package, parsed once for all the names below (parsing them
    all took ~4 s a name; the trees are only read)."""
    sources = [*PACKAGE.joinpath("asb_tui").rglob("*.py"), *PACKAGE.joinpath("sync").rglob("*.py")]
    return [(path, ast.parse(path.read_text(encoding="utf-8"))) for path in sorted(sources)]


def _definitions(name: str) -> list[str]:
    """Where `name` is defined: as a function anywhere, or as a module-level constant."""
    found = []
    for path, tree in _parsed_sources():
        functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == name]
        constants = [
            n
            for n in tree.body
            if (isinstance(n, ast.Assign) and any(getattr(t, "id", "") == name for t in n.targets))
            or (isinstance(n, ast.AnnAssign) and getattr(n.target, "id", "") == name)
        ]
        found += [f"{path.relative_to(PACKAGE)}:{n.lineno}" for n in (*functions, *constants)]
    return found


@pytest.mark.parametrize("name", ["OPEN_STATUSES", "chunks", "_chunks", "_in_chunks"])
def test_shared_helpers_are_defined_once(name: str) -> None:
    found = _definitions(name)
    assert len(found) == (0 if name.startswith("_") else 1), found


def test_chunks_cover_every_item_in_order_within_the_size() -> None:
    items = [str(n) for n in range(1_201)]
    pieces = list(chunks(items, 500))
    assert [len(p) for p in pieces] == [500, 500, 201]
    assert [x for p in pieces for x in p] == items
    assert list(chunks([], 500)) == []
    with pytest.raises(ValueError):
        list(chunks(items, 0))
