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

from sqlmodel import Session

# Markers around the matched words in a snippet; control characters never occur in typed text
# (the screens show them literally), so the screen can split on them safely.
MATCH_START = "\x02"
MATCH_END = "\x03"
MAX_TERMS = 12
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


def search(session: Session, typed: str, *, limit: int = 200) -> list[SearchHit]:
    """Cases matching every typed word, best first, one hit (the best snippet) per case.

    FTS5 ranks every match by bm25 (`ORDER BY rank`, done inside the index); the rows are then
    read best first only until `limit` cases have their hit. A row's case id (an unindexed
    column) and its snippet cost something per row, so they are computed for the rows read,
    never for all the matches, and there is no fixed over-fetch window that could run short.
    """
    expression = match_expression(typed)
    if expression is None or limit <= 0:
        return []
    connection = session.connection().connection.driver_connection
    if connection is None:  # pragma: no cover - an open session always has one
        return []
    ranked = connection.execute(
        "SELECT case_id, entity, snippet(search_index, 0, ?, ?, '…', 10) FROM search_index "
        "WHERE search_index MATCH ? ORDER BY rank",
        (MATCH_START, MATCH_END, expression),
    )
    best: dict[str, tuple[str, str]] = {}
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
