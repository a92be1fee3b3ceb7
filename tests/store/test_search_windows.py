"""Search ranks its matches in bounded windows, newest first (store/queries/search.py): what a
window holds is ranked best first, older windows follow, and no matching case is missed."""

from __future__ import annotations

from datetime import date

import pytest

from asb_tui.store.commands import cases
from asb_tui.store.core.store import Store
from asb_tui.store.queries.search import search

TODAY = date(2026, 11, 20)
# Oldest first. bm25 prefers the word often in a short text: "graffiti graffiti graffiti".
SUMMARIES = (
    "Graffiti graffiti graffiti",  # the best match of all, but the oldest
    "Graffiti sprayed on the long garden wall of the corner shop by the bus stop",
    "Graffiti on the door",
    "Music and graffiti in the stairwell of the block late at night again and again",
    "Graffiti graffiti on the garage",  # the best of the newest three
    "Graffiti reported by a neighbour who saw a group of lads near the flats at night",
    "Loud music, no paint at all",  # never a match
)


@pytest.fixture
def refs(store: Store) -> dict[str, str]:
    """Summary -> case reference, referred in the order above."""
    made = {}
    for summary in SUMMARIES:
        case = cases.refer_case(store, category="nuisance", summary=summary, referred_on=TODAY)
        made[summary] = case.ref
    return made


def _found(store: Store, typed: str, **kwargs: int) -> list[str]:
    with store.read() as session:
        return [hit.case_ref for hit in search(session, typed, **kwargs)]


def test_a_window_ranks_its_rows_best_first_and_older_windows_follow(
    store: Store, refs: dict[str, str]
) -> None:
    everything = _found(store, "graff", window=10_000)
    assert everything[0] == refs[SUMMARIES[0]]  # ranked over every match, the best is first
    assert set(everything) == {refs[s] for s in SUMMARIES[:6]}

    windowed = _found(store, "graff", window=3)
    newest = {refs[s] for s in SUMMARIES[3:6]}
    assert set(windowed[:3]) == newest  # the newest window first...
    assert windowed[0] == refs[SUMMARIES[4]]  # ...best first within it
    assert set(windowed) == set(everything)  # and no matching case is missed
    assert len(windowed) == len(everything)
    assert _found(store, "graff", window=1) == [refs[s] for s in reversed(SUMMARIES[:6])]


def test_the_limit_holds_across_windows(store: Store, refs: dict[str, str]) -> None:
    assert len(_found(store, "graff", limit=4, window=3)) == 4
    assert len(_found(store, "graff", limit=4, window=2)) == 4
    assert _found(store, "graff", limit=0) == []
    assert _found(store, "paint", window=2) == [refs[SUMMARIES[6]]]


def test_a_window_of_no_rows_is_refused(store: Store, refs: dict[str, str]) -> None:
    with store.read() as session, pytest.raises(ValueError, match="at least one row"):
        search(session, "graff", window=0)


def test_each_case_shows_the_snippet_of_its_best_row_in_every_window(store: Store) -> None:
    """Only a case's first (best) row read gets its snippet made: the hit shows that row's
    snippet, and a case first met in an older window still gets one."""
    case = cases.refer_case(store, category="nuisance", summary="Graffiti", referred_on=TODAY)
    cases.add_note(store, case.id, body="Graffiti graffiti graffiti on the shutters")
    cases.add_note(store, case.id, body="A long note that mentions graffiti once among many words")
    older = cases.refer_case(
        store, category="nuisance", summary="Graffiti on the bridge", referred_on=TODAY
    )
    for _ in range(3):  # newer rows of the first case push the older case into another window
        cases.add_note(store, case.id, body="graffiti seen again by the caretaker")
    for window in (10_000, 2, 1):
        with store.read() as session:
            hits = {hit.case_id: hit for hit in search(session, "graff", window=window)}
        assert set(hits) == {case.id, older.id}
        assert all(hit.snippet for hit in hits.values()), window
        assert "bridge" in hits[older.id].snippet
    with store.read() as session:
        best = {hit.case_id: hit for hit in search(session, "graff", window=10_000)}
    assert "shutters" in best[case.id].snippet  # the best-ranked row of the case, not the newest
