"""A case's people known to other teams, as the service's blind index told at the last sync
(store/replica/elsewhere.py): "known in N cases held by team X, officer Y to contact". For the
case detail and `asb-tui person show`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

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
    rows = session.exec(
        select(PersonElsewhere, Person.name)
        .join(Person, col(Person.id) == col(PersonElsewhere.person_id))
        .where(col(Person.case_id) == case_id)
        .order_by(col(Person.name), col(PersonElsewhere.team), col(PersonElsewhere.matched_on))
    ).all()
    return [
        PersonKnownElsewhere(
            person_id=row.person_id,
            person_name=name,
            team=row.team,
            matched_on=row.matched_on,
            cases=row.cases,
            contact_officer=row.contact_officer,
            learned_at=row.learned_at,
        )
        for row, name in rows
    ]
