"""House-to-house enquiries: a run sheet of addresses with one outcome per door.

"Information given" can add a witness (a person with the role witness) or an intelligence note to
the case in the same transaction as the door's outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import col, select

from asb_tui.domain.dates import format_uk
from asb_tui.domain.types import DoorOutcome
from asb_tui.store.commands.fieldwork import FieldworkError, get_case, require_text
from asb_tui.store.commands.visits import Witness, add_witness_row
from asb_tui.store.core.models import DoorEnquiry, HouseToHouseRun, Note, utcnow
from asb_tui.store.core.store import Store

__all__ = [
    "RunSheet",
    "create_run",
    "parse_addresses",
    "record_door_outcome",
    "run_sheet",
    "runs_for_case",
]


def parse_addresses(text: str) -> list[str]:
    """One address per line: blank lines dropped, repeats (ignoring case and spacing) kept once.

    Each address is kept as typed apart from surrounding spaces.
    """
    seen: set[str] = set()
    addresses: list[str] = []
    for line in text.splitlines():
        address = line.strip()
        key = " ".join(address.casefold().split())
        if not key or key in seen:
            continue
        seen.add(key)
        addresses.append(address)
    return addresses


@dataclass(frozen=True)
class RunRow:
    """A house-to-house run, as the run sheet heads it."""

    id: str
    area: str
    run_on: date


@dataclass(frozen=True)
class DoorRow:
    """One door of a run: its place in the run, the address, what happened there."""

    id: str
    position: int
    address: str
    outcome: str | None
    note: str


def _run_row(run: HouseToHouseRun) -> RunRow:
    return RunRow(run.id, run.area, run.run_on)


def _door_row(door: DoorEnquiry) -> DoorRow:
    return DoorRow(door.id, door.position, door.address, door.outcome, door.note)


@dataclass(frozen=True)
class RunSheet:
    """A run with its doors in run order (plain values: screens show them)."""

    run: RunRow
    doors: list[DoorRow]

    @property
    def done(self) -> int:
        return sum(1 for door in self.doors if door.outcome is not None)

    @property
    def total(self) -> int:
        return len(self.doors)

    @property
    def call_backs(self) -> list[DoorRow]:
        return [door for door in self.doors if door.outcome == DoorOutcome.CALL_BACK.value]

    def count(self, outcome: DoorOutcome) -> int:
        return sum(1 for door in self.doors if door.outcome == outcome.value)


def create_run(
    store: Store, case_id: str, *, area: str, run_on: date, addresses: str, notes: str = ""
) -> HouseToHouseRun:
    """Create a run from addresses typed or pasted one per line (see `parse_addresses`)."""
    require_text(area, "The area")
    doors = parse_addresses(addresses)
    if not doors:
        raise FieldworkError("Give at least one address, one per line.")
    with store.write() as uow:
        get_case(uow.reads, case_id)
        run = uow.add(
            HouseToHouseRun(case_id=case_id, area=area, run_on=run_on, notes=notes),
            action="h2h_run.add",
        )
        for position, address in enumerate(doors, start=1):
            uow.add(
                DoorEnquiry(case_id=case_id, run_id=run.id, position=position, address=address),
                action="door_enquiry.add",
            )
        return run


def record_door_outcome(
    store: Store,
    door_id: str,
    outcome: DoorOutcome,
    *,
    note: str = "",
    witness: Witness | None = None,
    intelligence: str = "",
) -> DoorEnquiry:
    """Record what happened at a door (a later call changes it). With "information given",
    `witness` adds a witness to the case and `intelligence` an intelligence note."""
    adds_to_case = witness is not None or bool(intelligence.strip())
    if adds_to_case and outcome is not DoorOutcome.INFORMATION_GIVEN:
        raise FieldworkError("A witness or intelligence comes only with 'information given'.")
    if witness is not None:
        require_text(witness.name, "The witness's name")
    with store.write() as uow:
        door = uow.reads.get(DoorEnquiry, door_id)
        if door is None:
            raise FieldworkError("That address is not on a run sheet in this store.")
        uow.update(
            door,
            {"outcome": outcome.value, "note": note, "done_at": utcnow()},
            action="door_enquiry.outcome",
        )
        if witness is not None:
            add_witness_row(uow, door.case_id, witness)
        if intelligence.strip():
            run = uow.reads.get(HouseToHouseRun, door.run_id)
            when = format_uk(run.run_on) if run is not None else ""
            uow.add(
                Note(
                    case_id=door.case_id,
                    kind="intelligence",
                    body=f"House-to-house {when}, {door.address}:\n{intelligence}",
                    author=uow.actor,
                ),
                action="note.add",
                details={"door_enquiry_id": door.id},
            )
        return door


def run_sheet(store: Store, run_id: str) -> RunSheet:
    """The run with its doors in run order."""
    with store.read() as session:
        run = session.get(HouseToHouseRun, run_id)
        if run is None:
            raise FieldworkError("That house-to-house run is not in this store.")
        doors = session.exec(
            select(DoorEnquiry)
            .where(DoorEnquiry.run_id == run_id)
            .order_by(col(DoorEnquiry.position))
        ).all()
        return RunSheet(_run_row(run), [_door_row(door) for door in doors])


def runs_for_case(store: Store, case_id: str) -> list[RunSheet]:
    """Every run of the case, newest first."""
    with store.read() as session:
        runs = session.exec(
            select(HouseToHouseRun)
            .where(HouseToHouseRun.case_id == case_id)
            .order_by(col(HouseToHouseRun.run_on).desc())
        ).all()
        doors = session.exec(
            select(DoorEnquiry)
            .where(DoorEnquiry.case_id == case_id)
            .order_by(col(DoorEnquiry.position))
        ).all()
    by_run: dict[str, list[DoorEnquiry]] = {run.id: [] for run in runs}
    for door in doors:
        by_run.setdefault(door.run_id, []).append(door)
    return [RunSheet(_run_row(run), [_door_row(door) for door in by_run[run.id]]) for run in runs]
