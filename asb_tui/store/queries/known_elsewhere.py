"""A case's people known to other teams, as the service's blind index told at the last sync
(store/replica/elsewhere.py): "known in N cases held by team X, officer Y to contact". For the
case detail and `asb-tui person show`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy import select as sa_select
from sqlmodel import Session

from asb_tui.store.core.models import Person, PersonElsewhere


@dataclass(frozen=True)
class PersonKnownElsewhere:
    person_id: str
    #: this laptop's own record of the person (the other team's is never sent)
    person_name: str
    team: str
    #: "identity" (name and date of birth) or "address"
    matched_on: str
    cases: int
    contact_officer: str
    learned_at: datetime

    @property
    def sentence(self) -> str:
        cases = "1 case" if self.cases == 1 else f"{self.cases} cases"
        how = "by name and date of birth" if self.matched_on == "identity" else "by address"
        contact = f", {self.contact_officer} to contact" if self.contact_officer else ""
        return f"known in {cases} held by team {self.team} ({how}){contact}"


def people_known_elsewhere(session: Session, case_id: str) -> list[PersonKnownElsewhere]:
    """The case's people that other teams' cases also name, by person, team and kind of match."""
    rows = session.connection().execute(_case_statement(), {"case_id": case_id})
    return [
        PersonKnownElsewhere(
            person_id=person_id,
            person_name=name,
            team=team,
            matched_on=matched_on,
            cases=cases,
            contact_officer=contact_officer,
            learned_at=learned_at,
        )
        for person_id, name, team, matched_on, cases, contact_officer, learned_at in rows
    ]


@cache
def _case_statement() -> Any:
    """The read of one case's rows (`case_id` bound), built once: it runs at every opening of a
    case, where building an ORM statement and its entities cost more than running it. Plain
    columns, so the column types still read the dates as the ORM would."""
    elsewhere = PersonElsewhere.__table__  # type: ignore[attr-defined]
    person = Person.__table__  # type: ignore[attr-defined]
    return (
        sa_select(
            elsewhere.c.person_id,
            person.c.name,
            elsewhere.c.team,
            elsewhere.c.matched_on,
            elsewhere.c.cases,
            elsewhere.c.contact_officer,
            elsewhere.c.learned_at,
        )
        .join_from(elsewhere, person, person.c.id == elsewhere.c.person_id)
        .where(person.c.case_id == bindparam("case_id"))
        .order_by(person.c.name, elsewhere.c.team, elsewhere.c.matched_on)
    )
