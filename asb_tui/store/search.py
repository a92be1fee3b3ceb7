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

from sqlalchemy import text
from sqlmodel import Session

# Markers around the matched words in a snippet; control characters never occur in typed text
# (the screens show them literally), so the screen can split on them safely.
MATCH_START = "\x02"
MATCH_END = "\x03"
MAX_TERMS = 12
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
    """Cases matching every typed word, best first, one hit (the best snippet) per case."""
    expression = match_expression(typed)
    if expression is None:
        return []
    rows = session.execute(
        text(
            "SELECT s.case_id, c.ref, s.entity, "
            "snippet(search_index, 0, :start, :end, '…', 10) "
            "FROM search_index AS s JOIN asb_case AS c ON c.id = s.case_id "
            "WHERE search_index MATCH :expression ORDER BY rank LIMIT :rows"
        ),
        {"start": MATCH_START, "end": MATCH_END, "expression": expression, "rows": limit * 5},
    ).all()
    hits: list[SearchHit] = []
    seen: set[str] = set()
    for case_id, ref, entity, snippet in rows:
        if case_id in seen:
            continue
        seen.add(case_id)
        hits.append(SearchHit(case_id, ref, entity, snippet or ""))
        if len(hits) >= limit:
            break
    return hits
