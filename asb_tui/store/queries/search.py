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

# Markers around the matched words in a snippet; control characters never occur in typed text
# (the screens show them literally), so the screen can split on them safely.
MATCH_START = "\x02"
MATCH_END = "\x03"
MAX_TERMS = 12
# Matches ranked at once, newest first (see `search`).
CANDIDATES = 2_000
# Ranked rows are read in small batches, so that little is read past the last case needed.
_BATCH = 64
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class SearchHit:
    case_id: str
    case_ref: str
    entity: str
    snippet: str


def match_expression(typed: str) -> str | None:
    """The FTS5 expression for what was typed, or None when it has no searchable word."""
    words = _WORD.findall(typed)[:MAX_TERMS]
    if not words:
        return None
    return " AND ".join(f'body : "{word}"*' for word in words)


def search(
    session: Session, typed: str, *, limit: int = 200, window: int = CANDIDATES
) -> list[SearchHit]:
    """Cases matching every typed word, best first, one hit (the best snippet) per case.

    bm25 costs a lookup per row ranked, so ranking every match is what grows with the store
    (142 ms p95 at 1,000,000 entries). The matches are therefore ranked in windows of `window`
    rows, newest first: the index is asked for the rowid of the `window`-th newest match (rowids
    follow the order rows were written in; FTS5 walks its lists backwards without ranking), then
    only the matches at or above it are ranked (`rowid >=` bounds what FTS5 ranks), best first,
    and read until `limit` cases have their hit. When the window gives fewer cases than `limit`,
    the next older window follows. So a search ranks at most `window` rows per window read,
    however many rows match, and never misses a case that matches: the best matches of the
    newest entries come first, then those of older ones. A row's case id (an unindexed column)
    and its snippet are read only for the rows read.
    """
    expression = match_expression(typed)
    if expression is None or limit <= 0:
        return []
    if window < 1:
        raise ValueError("the search window must be at least one row")
    connection = session.connection().connection.driver_connection
    if connection is None:  # pragma: no cover - an open session always has one
        return []
    best: dict[str, tuple[str, str]] = {}
    # A case's snippet is made only for its first (best) row read: FTS5 makes a snippet for
    # every row a query returns, and most rows of a window are further rows of cases already
    # hit (a case holds ~30 entries), which was most of a two-word search's time.
    seen: set[str] = set()

    def first_of_case(case_id: str) -> int:
        if case_id in seen:
            return 0
        seen.add(case_id)
        return 1

    connection.create_function("asb_first_of_case", 1, first_of_case)
    below: int | None = None  # the window's upper bound (exclusive); None: the newest row
    while len(best) < limit:
        older = "" if below is None else " AND rowid < ?"
        bound = () if below is None else (below,)
        edge = connection.execute(
            f"SELECT rowid FROM search_index WHERE search_index MATCH ?{older} "
            "ORDER BY rowid DESC LIMIT 1 OFFSET ?",
            (expression, *bound, window - 1),
        ).fetchone()
        lowest = () if edge is None else (edge[0],)
        ranked = connection.execute(
            "SELECT case_id, entity, CASE WHEN asb_first_of_case(case_id) "
            "THEN snippet(search_index, 0, ?, ?, '…', 10) END FROM search_index "
            f"WHERE search_index MATCH ?{older}{'' if edge is None else ' AND rowid >= ?'} "
            "ORDER BY rank",
            (MATCH_START, MATCH_END, expression, *bound, *lowest),
        )
        _read_best(ranked, best, limit)
        if edge is None:  # the oldest window has been read
            break
        below = edge[0]
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
        SearchHit(case_id, refs[case_id], entity, snippet)
        for case_id, (entity, snippet) in best.items()
        if case_id in refs
    ]


def _read_best(ranked: Any, best: dict[str, tuple[str, str]], limit: int) -> None:
    """Read ranked rows in small batches until `limit` cases have their (first, best) hit."""
    while len(best) < limit:
        batch = ranked.fetchmany(_BATCH)
        if not batch:
            break
        for case_id, entity, snippet in batch:
            if case_id not in best:
                best[case_id] = (entity, snippet or "")
                if len(best) >= limit:
                    break
    ranked.close()
