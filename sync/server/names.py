"""What an administrator types on the service's command line (an officer's name, a team, an
agency, who acted and why), checked before anything is written.

Officers' names, teams and agencies end up in synced rows (a case's team, a note's officer), so
they take the limits `sync.schema` sets for those fields: a name fits in `SHORT` characters of
storable text, on SQLite as on PostgreSQL. A refusal is one line naming what is wrong, never
the value itself (it may be anything).
"""

from __future__ import annotations

from sync.schema import LONG, SHORT, unicode_problem
from sync.server.errors import ServiceError


def _refuse(message: str) -> ServiceError:
    return ServiceError(422, "invalid", message)


def _checked(what: str, value: str, limit: int) -> str:
    text = value.strip()
    if not text:
        raise _refuse(f"{what} may not be empty")
    if len(text) > limit:
        raise _refuse(f"{what} is {len(text):,} characters long; the most it may hold is {limit:,}")
    problem = unicode_problem(text)
    if problem is not None:
        raise _refuse(f"{what} {problem}")
    return text


def name(what: str, value: str) -> str:
    """A name (person, team, agency): stripped, 1 to `SHORT` characters of storable text."""
    return _checked(what, value, SHORT)


def optional_name(what: str, value: str | None) -> str | None:
    """A name that may be left out (None or blank)."""
    return None if value is None or not value.strip() else name(what, value)


def reason(what: str, value: str) -> str:
    """Free text (a reason): stripped, 1 to `LONG` characters of storable text."""
    return _checked(what, value, LONG)
