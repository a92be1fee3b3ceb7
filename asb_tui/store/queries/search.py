"""Full-text search over case summaries, incidents, notes, visits, contacts and victim updates
(the FTS5 `search_index` inside the encrypted file).

What the officer types is never handed to MATCH as query syntax: each word becomes a quoted
prefix term (`"smi"*`) restricted to the `body` column, and the terms are ANDed. So `OR`, `NEAR`,
quotes, brackets, `*` or `-` are searched for as words (or ignored as punctuation), never
interpreted, and a half-typed word still finds matches as the officer types.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from asb_tui.store.queries.search_ranking import MATCH_END, MATCH_START, best_first, fold, snippet

__all__ = ["MATCH_END", "MATCH_START", "SearchHit", "match_expression", "search", "search_words"]

MAX_TERMS = 12
# Matches ranked at once, newest first (see `search`).
CANDIDATES = 2_000
# Rows are read in small batches, so that little is read past the last case needed.
_BATCH = 64
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class SearchHit:
    case_id: str
    case_ref: str
    entity: str
    snippet: str


def search_words(typed: str) -> list[str]:
    """The words searched for in what was typed (at most MAX_TERMS)."""
    return _WORD.findall(typed)[:MAX_TERMS]


def match_expression(typed: str) -> str | None:
    """The FTS5 expression for what was typed, or None when it has no searchable word."""
    words = search_words(typed)
    if not words:
        return None
    return " AND ".join(f'body : "{word}"*' for word in words)


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
    expression = match_expression(typed)
    if expression is None or limit <= 0:
        return []
    if window < 1:
        raise ValueError("the search window must be at least one row")
    connection = session.connection().connection.driver_connection
    if connection is None:  # pragma: no cover - an open session always has one
        return []
    terms = [fold(word) for word in words]
    best: dict[str, tuple[str, str]] = {}
    rows = connection.execute(
        "SELECT case_id, entity, highlight(search_index, 0, ?, ?) FROM search_index "
        "WHERE search_index MATCH ? ORDER BY rowid DESC",
        (MATCH_START, MATCH_END, expression),
    )
    try:
        while len(best) < limit:
            batch, oldest_read = _next_window(rows, window, limit - len(best), set(best))
            for index in best_first([text for _case, _entity, text in batch], terms):
                case_id, entity, text = batch[index]
                if case_id not in best:
                    best[case_id] = (entity, snippet(text))
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


def _next_window(
    rows: Any, window: int, cases_wanted: int, cases_had: set[str]
) -> tuple[list[tuple[str, str, str]], bool]:
    """The next (older) window: rows read in small batches until it holds `window` rows or
    rows of `cases_wanted` cases not had yet, whichever comes first; and whether the oldest
    match has been read."""
    window_rows: list[tuple[str, str, str]] = []
    new_cases: set[str] = set()
    while len(window_rows) < window:
        batch = rows.fetchmany(min(_BATCH, window - len(window_rows)))
        if not batch:
            return window_rows, True
        for index, row in enumerate(batch):
            window_rows.append(row)
            if row[0] not in cases_had:
                new_cases.add(row[0])
                if len(new_cases) >= cases_wanted:
                    # The batch's further rows are read already: those of the window's cases
                    # may be their best.
                    window_rows += [r for r in batch[index + 1 :] if r[0] in new_cases]
                    return window_rows, False
    return window_rows, False
