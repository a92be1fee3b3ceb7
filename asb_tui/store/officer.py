"""Who uses this laptop: the officer's name (as cases are assigned) and team, asked on first run
and kept in the encrypted store, so the app never falls back to the operating system's user."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from asb_tui.store import settings
from asb_tui.store.errors import StoreError
from asb_tui.store.store import Store

OFFICER_NAME = "officer_name"
OFFICER_TEAM = "officer_team"
MAX_NAME = 100


class OfficerRefused(StoreError):
    """A name that cannot stand for the officer (empty, too long, control characters)."""


@dataclass(frozen=True)
class Officer:
    name: str
    team: str = ""


def checked_officer(name: str, team: str = "") -> Officer:
    """The officer as typed, trimmed; refused with a one-line reason when it cannot be used."""
    name, team = name.strip(), team.strip()
    if not name:
        raise OfficerRefused("Type your name as cases are assigned to you.")
    for what, text in (("Your name", name), ("The team", team)):
        if len(text) > MAX_NAME:
            raise OfficerRefused(f"{what} must be at most {MAX_NAME} characters.")
        if any(unicodedata.category(ch) in {"Cc", "Cf"} for ch in text):
            raise OfficerRefused(f"{what} holds characters that cannot be shown.")
    return Officer(name, team)


def save_officer(store: Store, officer: Officer) -> None:
    with store.write() as uow:
        settings.put(uow.session, OFFICER_NAME, officer.name)
        settings.put(uow.session, OFFICER_TEAM, officer.team)
    store.actor = officer.name


def load_officer(store: Store) -> Officer | None:
    """The officer kept in the store, or None for a store made before it was asked."""
    with store.read() as session:
        name = settings.get(session, OFFICER_NAME)
        team = settings.get(session, OFFICER_TEAM, "")
    if not name:
        return None
    return Officer(name, team or "")
