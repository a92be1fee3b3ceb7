"""What search returns when many rows match (store/queries/search.py, search_ranking.py): the
cases matched most recently, the best of them first; a half-typed word; two words; snippets."""

from __future__ import annotations

from datetime import date

import pytest

from asb_tui.store.commands import cases
from asb_tui.store.core.store import Store
from asb_tui.store.queries import search as search_module
from asb_tui.store.queries.search import MATCH_END, MATCH_START, SearchHit, search
from asb_tui.store.queries.search_ranking import (
    best_first,
    fold,
    snippet,
    unmark_others,
    word_counts,
)

TODAY = date(2026, 11, 20)
S, E = MATCH_START, MATCH_END


def _refer(store: Store, summary: str) -> str:
    return cases.refer_case(store, category="nuisance", summary=summary, referred_on=TODAY).id


def _hits(store: Store, typed: str, **kwargs: int) -> list[SearchHit]:
    with store.read() as session:
        return search(session, typed, **kwargs)


def test_many_matches_show_the_newest_cases_best_first(store: Store) -> None:
    """More matching cases than `limit`: the cases matched most recently are shown, best
    first, and an older case is not shown however well it matches."""
    oldest_best = _refer(store, "Graffiti graffiti graffiti")
    for number in range(6):
        _refer(store, f"Graffiti reported by a neighbour on the estate, report {number}")
    weak_newer = _refer(store, "A long report that mentions graffiti once near the shops")
    strong_newest = _refer(store, "Graffiti graffiti on the garage")

    found = [hit.case_id for hit in _hits(store, "graff", limit=2)]
    assert found == [strong_newest, weak_newer]
    three = [hit.case_id for hit in _hits(store, "graff", limit=3)]
    assert three[0] == strong_newest and oldest_best not in three
    everything = [hit.case_id for hit in _hits(store, "graff")]
    assert len(everything) == 9
    assert everything[0] == oldest_best  # every case in one window: the best match leads


def test_a_case_with_many_matching_rows_leaves_room_for_the_others(store: Store) -> None:
    """A window ends once its rows name the cases still wanted, not after a count of rows:
    a case whose many notes all match does not fill the page alone."""
    older = [_refer(store, f"Dog barking at number {n}") for n in range(3)]
    busy = _refer(store, "Dog barking all night")
    for n in range(40):
        cases.add_note(store, busy, body=f"Dog barking again, visit {n}")
    for window in (2_000, 5):
        found = [hit.case_id for hit in _hits(store, "dog bark", limit=4, window=window)]
        assert len(found) == 4 and set(found) == {busy, *older}, window


def test_a_half_typed_word_and_an_accent_match(store: Store) -> None:
    kowalski = _refer(store, "Mr Kowalski reports a broken window")
    cafe = _refer(store, "Noise from the Café on the corner")
    assert [hit.case_id for hit in _hits(store, "kowal")] == [kowalski]
    assert [hit.case_id for hit in _hits(store, "KOW")] == [kowalski]
    (hit,) = _hits(store, "cafe")
    assert hit.case_id == cafe and f"{S}Café{E}" in hit.snippet
    assert [hit.case_id for hit in _hits(store, "kowalskis")] == []


def test_two_words_both_needed_and_the_row_with_more_of_them_first(store: Store) -> None:
    one_word = _refer(store, "Loud shouting in the street")
    both_long = _refer(
        store, "Music heard from the flat above, loud on some evenings, quiet on others"
    )
    both_often = _refer(store, "Loud music, loud music again")
    reversed_order = _refer(store, "Music loud")
    found = [hit.case_id for hit in _hits(store, "loud music")]
    assert one_word not in found
    assert set(found) == {both_long, both_often, reversed_order}
    assert found[-1] == both_long  # the long row with each word once ranks last
    assert found.index(both_often) < found.index(both_long)


def test_the_snippet_is_of_the_cases_best_row_and_marks_every_match(store: Store) -> None:
    case = _refer(store, "Graffiti")
    cases.add_note(store, case, body="Graffiti graffiti graffiti on the shutters")
    cases.add_note(store, case, body="A long note that mentions graffiti once among many words")
    (hit,) = _hits(store, "graff")
    assert hit.snippet == f"{S}Graffiti{E} {S}graffiti{E} {S}graffiti{E} on the shutters"
    assert hit.entity == "note"


def test_a_long_row_is_cut_around_its_first_match() -> None:
    text = f"one two three four five six seven {S}eight{E} nine ten eleven twelve thirteen end"
    assert snippet(text) == f"…seven {S}eight{E} nine ten eleven twelve thirteen end"
    assert snippet(text, words=3) == f"…seven {S}eight{E} nine…"
    assert snippet(f"{S}Graffiti{E}, again.") == f"{S}Graffiti{E}, again"
    long_word = "x" * 60
    assert snippet(f"{long_word} {S}hit{E} b") == f"…{S}hit{E} b"  # no word shown cut


def test_words_are_counted_per_typed_term() -> None:
    text = f"{S}Loud{E} {S}music{E}, {S}LOUD{E}-{S}Musician{E} and {S}Wójcik{E}"
    assert word_counts(text, ["loud"]) == [5]  # one term: every mark is one of its words
    assert word_counts(text, ["loud", "music", "wojcik"]) == [2, 2, 1]
    assert word_counts(f"{S}cartoon{E}", ["car", "cart"]) == [1, 1]
    assert fold("Wójcik") == "wojcik" and fold("ÉCOLE") == "ecole"


def test_rows_are_ranked_by_count_then_shortness_newest_first_on_a_tie() -> None:
    rows = [
        f"a {S}dog{E} in a long row of many words about nothing else at all today",
        f"{S}dog{E} {S}dog{E} here",
        f"short {S}dog{E}",
        f"short {S}dog{E}",
    ]
    counts = [word_counts(row, ["dog"]) for row in rows]
    assert best_first(counts, [len(row) for row in rows]) == [1, 2, 3, 0]
    assert best_first([], []) == []


def test_a_search_by_first_characters_counts_and_marks_only_the_typed_words() -> None:
    text = f"{S}Should{E} we {S}shout{E}? {S}Shouting{E} heard"
    assert word_counts(text, ["shout"], exact=False) == [2]
    assert unmark_others(text, ["shout"]) == f"Should we {S}shout{E}? {S}Shouting{E} heard"


def test_a_long_word_behind_a_common_prefix_finds_exactly_its_rows(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`shouting` is asked for as `shou`: rows with only `should` are not shown, and when
    they outnumber the rows kept by MISSES_ALLOWED the older rows are read by the whole
    word, none missed."""
    shouting = [_refer(store, f"Shouting in the car park, report {n}") for n in range(3)]
    should = [_refer(store, f"Should be seen again, report {n}") for n in range(5)]
    newest = _refer(store, "More shouting late at night")
    for misses in (1_000, 2, 0):  # never, after 4 misses, after 2
        monkeypatch.setattr(search_module, "MISSES_ALLOWED", misses)
        hits = _hits(store, "shouting")
        assert {hit.case_id for hit in hits} == {*shouting, newest}, misses
        assert not {hit.case_id for hit in hits} & set(should)
        assert all("Should" not in hit.snippet.split(S)[-1] for hit in hits)
        assert all(f"{S}Shouting{E}" in h.snippet or f"{S}shouting{E}" in h.snippet for h in hits)
