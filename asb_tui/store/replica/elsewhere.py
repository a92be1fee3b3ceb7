"""What the central service's blind index told this laptop of its people (sync/server/blind.py):
a person of one of its cases is also known, by name and date of birth or by address, in cases
held by another team, with how many and the officer to contact there. Nothing else of those cases
ever reaches the laptop.

Local only (`person_elsewhere`, written with the unit of work's local methods): replaced whole
at the end of each sync (`replace_known_elsewhere`, called by `asb_tui.services.sync_run`), never
synced or exported, and wiped with its case (retention, a purge, a case destroyed elsewhere:
`forget_elsewhere`). Read by `asb_tui.store.queries.known_elsewhere`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

from sqlmodel import col, select

from asb_tui.store.core import settings
from asb_tui.store.core.models import Person, PersonElsewhere, utcnow
from asb_tui.store.core.store import Store
from asb_tui.store.core.unit_of_work import UnitOfWork
from sync.protocol import KnownElsewhere

#: what the last full answer was for: a digest of the people asked (and the service and
#: device that answered) and the service's `as_of`, so the next sync may ask "changed since?"
ASKED_KEY = "sync.elsewhere_asked"


def asked_digest(person_ids: Sequence[str], service: str) -> str:
    joined = "\n".join([service, *sorted(person_ids)])
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()


def last_asked(store: Store, digest: str) -> int | None:
    """The `as_of` of the last full answer when it was for exactly these people, else None."""
    with store.read() as session:
        kept = settings.get_json(session, ASKED_KEY, {})
    if not isinstance(kept, dict) or kept.get("people") != digest:
        return None
    as_of = kept.get("as_of")
    return as_of if isinstance(as_of, int) and not isinstance(as_of, bool) and as_of >= 0 else None


def people_to_ask(store: Store) -> list[str]:
    """The ids of every person row this laptop holds (the service answers for those it holds
    in cases this laptop may see, and ignores rows it never received)."""
    with store.read() as session:
        return sorted(str(i) for i in session.exec(select(Person.id)).all())


def replace_known_elsewhere(
    store: Store, known: Sequence[KnownElsewhere], asked: tuple[str, int | None] | None = None
) -> int:
    """Replace what the laptop knows of its people elsewhere by the service's latest answer, in
    one transaction; rows of people it no longer holds are left out. An answer equal to what is
    kept writes no rows (they keep the time they were first learned). `asked`: the digest of the
    people asked and the answer's `as_of`, kept for the next sync's "changed since?" (an
    answer without `as_of` forgets it). The rows kept."""
    now = utcnow()
    with store.write() as uow:
        if asked is not None:
            digest, as_of = asked
            value = json.dumps({"people": digest, "as_of": as_of} if as_of is not None else {})
            if settings.get(uow.reads, ASKED_KEY) != value:
                uow.put_setting(ASKED_KEY, value)
        held = uow.reads.exec(select(PersonElsewhere)).all()
        ids = sorted({k.person_id for k in known})
        cases: dict[str, str] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            for person_id, case_id in uow.reads.exec(
                select(Person.id, Person.case_id).where(col(Person.id).in_(chunk))
            ):
                cases[str(person_id)] = str(case_id)
        fresh = [item for item in known if item.person_id in cases]
        if _facts(held) == {
            (k.person_id, k.team, k.matched_on, cases[k.person_id], k.cases, k.contact_officer)
            for k in fresh
        } and len(held) == len(fresh):
            return len(held)
        uow.drop_local(held)
        for item in fresh:
            uow.keep_local(
                PersonElsewhere(
                    person_id=item.person_id,
                    team=item.team,
                    matched_on=item.matched_on,
                    case_id=cases[item.person_id],
                    cases=item.cases,
                    contact_officer=item.contact_officer,
                    learned_at=now,
                )
            )
        return len(fresh)


def kept_elsewhere_count(store: Store) -> int:
    """How many facts of the last answer the laptop keeps (a sync told "unchanged")."""
    with store.read() as session:
        return len(session.exec(select(PersonElsewhere.person_id)).all())


def _facts(rows: Sequence[PersonElsewhere]) -> set[tuple[str, str, str, str, int, str]]:
    return {
        (r.person_id, r.team, r.matched_on, r.case_id, r.cases, r.contact_officer) for r in rows
    }


def forget_elsewhere(uow: UnitOfWork, case_id: str) -> None:
    """Drop what the laptop was told of a case's people, in a write that removes the case."""
    uow.drop_local(
        uow.reads.exec(select(PersonElsewhere).where(col(PersonElsewhere.case_id) == case_id)).all()
    )
