"""Full-text search over case summaries, incidents, notes, visits, contacts and victim updates
(the FTS5 `search_index` inside the encrypted file).

What the officer types is never handed to MATCH as query syntax: each word becomes a quoted
prefix term (`"smi"*`) restricted to the `body` column, and the terms are ANDed. So `OR`, `NEAR`,
quotes, brackets, `*` or `-` are searched for as words (or ignored as punctuation), never
interpreted, and a half-typed word still finds matches as the officer types.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlmodel import Session

from asb_tui.store.queries.search_ranking import (
    MATCH_END,
    MATCH_START,
    best_first,
    fold,
    snippet,
    unmark_others,
    word_counts,
)

__all__ = ["MATCH_END", "MATCH_START", "SearchHit", "match_expression", "search", "search_words"]

MAX_TERMS = 12
# Matches ranked at once, newest first (see `search`).
CANDIDATES = 2_000
# The longest prefix the index keeps a list for (migration 0014, `prefix = '2 3 4'`).
PREFIX_INDEXED = 4
# Rows a search by the words' first characters may read that hold none of a typed word,
# beyond as many as it kept, before the rest is read by the whole words (`_matching_rows`).
MISSES_ALLOWED = 100
# The newest matching rows of a case that are ranked (its hit is the best of them).
ROWS_PER_CASE = 8
_WORD = re.compile(r"\w+", re.UNICODE)
_ONE_TOKEN = re.compile(r"[^\W_]+")  # a word FTS5 keeps whole (an underscore splits one)
_ROWS = (
    "SELECT rowid, case_id, entity, highlight(search_index, 0, ?, ?) FROM search_index "
    "WHERE search_index MATCH ?{bound} ORDER BY rowid DESC"
)


@dataclass(frozen=True)
class SearchHit:
    case_id: str
    case_ref: str
    entity: str
    snippet: str


class _Row(NamedTuple):  # a tuple: one is made per row read
    case_id: str
    entity: str
    text: str  # highlight()'s
    counts: list[int]  # of each typed word


def search_words(typed: str) -> list[str]:
    """The words searched for in what was typed (at most MAX_TERMS)."""
    return _WORD.findall(typed)[:MAX_TERMS]


def match_expression(typed: str) -> str | None:
    """The FTS5 expression for what was typed, or None when it has no searchable word."""
    return _expression(search_words(typed))


def _expression(words: Sequence[str]) -> str | None:
    if not words:
        return None
    return " AND ".join(f'body : "{word}"*' for word in words)


def _narrowed(word: str) -> str:
    """The word's first PREFIX_INDEXED characters when it is longer (FTS5 then reads one
    prefix list instead of merging those of every word it begins)."""
    if len(word) > PREFIX_INDEXED and _ONE_TOKEN.fullmatch(word):
        return word[:PREFIX_INDEXED]
    return word


def search(
    session: Session, typed: str, *, limit: int = 200, window: int = CANDIDATES
) -> list[SearchHit]:
    """Cases matching every typed word, best first, one hit (the best snippet) per case.

    The matches are read newest first (rowids follow the order rows were written in; FTS5
    walks its lists backwards without ranking), in windows: a window ends after `window`
    rows, or sooner, once its rows name as many new cases as are still wanted for `limit`.
    Each window is ranked best first (store/queries/search_ranking.py) and its cases taken in
    that order; while fewer than `limit` cases have their hit, the next older window of the
    same cursor follows. So a search reads the rows of the `limit` cases matched most
    recently and ranks at most `window` rows at a time, however many rows match: the cases
    shown are those with the newest matches, the best of them first (each by its best row
    read), and no matching case is missed while `limit` allows it.

    The ranking is done here from each row's `highlight()` text, not by FTS5's `bm25()`: bm25
    counts every row each typed word matches (its IDF) afresh on every query, a walk of the
    word's whole list that grows with the index, not with the window (at 1,000,000 entries
    most of a search's time), and `ORDER BY rank` needed a second query bounded by the
    window's last rowid, which walked the lists again. One query without ranking reads each
    window's rows once; the snippet is cut from the same text, only for each case's best row.
    """
    words = search_words(typed)
    if not words or limit <= 0:
        return []
    if window < 1:
        raise ValueError("the search window must be at least one row")
    connection = session.connection().connection.driver_connection
    if connection is None:  # pragma: no cover - an open session always has one
        return []
    terms = [fold(word) for word in words]
    narrowed = [_narrowed(word) for word in words]
    best: dict[str, tuple[str, str]] = {}
    rows = _matching_rows(connection, words, terms, narrowed)
    try:
        while len(best) < limit:
            batch, oldest_read = _next_window(rows, window, limit - len(best), set(best))
            order = best_first([row.counts for row in batch], [len(row.text) for row in batch])
            for index in order:
                row = batch[index]
                if row.case_id not in best:
                    text = row.text if narrowed == words else unmark_others(row.text, terms)
                    best[row.case_id] = (row.entity, snippet(text))
            if oldest_read:
                break
    finally:
        rows.close()
    if not best:
        return []
    case_ids = list(best)
    marks = ", ".join("?" * len(case_ids))
    refs = dict(
        connection.execute(
            f"SELECT id, ref FROM asb_case WHERE id IN ({marks})", case_ids
        ).fetchall()
    )
    # An index row whose case is gone is never shown (the triggers keep this from happening).
    return [
        SearchHit(case_id, refs[case_id], entity, text)
        for case_id, (entity, text) in best.items()
        if case_id in refs
    ]


def _matching_rows(
    connection: Any, words: list[str], terms: list[str], narrowed: list[str]
) -> Generator[_Row]:
    """The rows holding every typed word (as a prefix), newest first.

    FTS5 answers a prefix longer than its prefix lists (`"shout"*`) by merging, before the
    first row, the whole list of every word it begins: at 1,000,000 entries 20-45 ms for a
    common word, however few rows are read. So the rows are asked for by the words' first
    PREFIX_INDEXED characters (`"shou"*`, read lazily from one list) and a row is kept when
    each typed word is the start of one of its marked words. Should that read MISSES_ALLOWED
    more rows that hold none (`"shou"*` finds `should`) than rows it kept, the older rows are
    asked for by the whole words, from where it stopped: the rows are the same, and a rare
    word behind a common prefix costs those misses more (~100 rows), not a walk of the
    prefix's list.

    A case's rows after its ROWS_PER_CASE newest are passed over unranked: an address is in
    every entry of a case, and ranking all of them cost more than the rest of the search.
    """
    exact = narrowed == words
    taken: dict[str, int] = {}  # rows yielded per case

    def wants_rows(case_id: str) -> bool:
        return taken.get(case_id, 0) < ROWS_PER_CASE

    # (Asking SQLite to skip such a row's highlight() through a SQL function of the case id
    # cost more in calls than the highlights it saved.)
    last_read: int | None = None
    if not exact:
        misses = kept = 0
        needed = [index for index, word in enumerate(words) if word != narrowed[index]]
        cursor = connection.execute(
            _ROWS.format(bound=""), (MATCH_START, MATCH_END, _expression(narrowed))
        )
        try:
            for rowid, case_id, entity, text in cursor:
                last_read = rowid
                if not wants_rows(case_id):
                    continue
                counts = word_counts(text, terms, exact=False)
                if all(counts[index] for index in needed):
                    taken[case_id] = taken.get(case_id, 0) + 1
                    kept += 1
                    yield _Row(case_id, entity, text, counts)
                    continue
                misses += 1
                if misses > MISSES_ALLOWED + kept:
                    break
            else:
                return  # the oldest row has been read
        finally:
            cursor.close()
    bound = "" if last_read is None else " AND rowid < ?"
    cursor = connection.execute(
        _ROWS.format(bound=bound),
        (MATCH_START, MATCH_END, _expression(words), *(() if last_read is None else (last_read,))),
    )
    try:
        for _rowid, case_id, entity, text in cursor:
            if not wants_rows(case_id):
                continue
            taken[case_id] = taken.get(case_id, 0) + 1
            yield _Row(case_id, entity, text, word_counts(text, terms, exact=True))
    finally:
        cursor.close()


def _next_window(
    rows: Iterator[_Row], window: int, cases_wanted: int, cases_had: set[str]
) -> tuple[list[_Row], bool]:
    """The next (older) window: rows read until it holds `window` rows or rows of
    `cases_wanted` cases not had yet, whichever comes first; and whether the oldest match has
    been read."""
    window_rows: list[_Row] = []
    new_cases: set[str] = set()
    for row in rows:
        window_rows.append(row)
        if row.case_id not in cases_had:
            new_cases.add(row.case_id)
            if len(new_cases) >= cases_wanted:
                return window_rows, False
        if len(window_rows) >= window:
            return window_rows, False
    return window_rows, True
