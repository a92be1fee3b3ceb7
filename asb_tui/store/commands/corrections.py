"""Correcting a completed record: the fields an officer may put right after saving, checked, and
written through the unit of work (audited as `<table>.correct`, synced like any edit).

Only mutable tables have correctable fields; append-only records (contacts, updates, stages,
notes, reviews, shares) are kept as written, and are corrected by adding a note. Identity, case
and state fields are never correctable here: they have their own commands (reopen, withdraw).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from asb_tui.domain.dates import format_uk, parse_uk_date
from asb_tui.domain.errors import DomainError
from asb_tui.store.commands.fieldwork import FieldworkError
from asb_tui.store.core.models import APPEND_ONLY_TABLES, TABLES_BY_NAME
from asb_tui.store.core.store import Store

MAX_TEXT = 20_000
# A remedy's status is not corrected here: it moves only by the Act's legal moves
# (store/commands/legal_powers.move_remedy, the legal screen's ctrl+o).


@dataclass(frozen=True)
class Correctable:
    """One field that may be corrected: its column, its label and its kind."""

    column: str
    label: str
    kind: str = "text"  # text / date / choice / list
    choices: tuple[str, ...] = ()


CORRECTABLE: Mapping[str, tuple[Correctable, ...]] = {
    "visit": (
        Correctable("done_on", "Date of the visit", "date"),
        Correctable("present", "Who was present"),
        Correctable("evidence_gathered", "Evidence gathered"),
        Correctable("perpetrator_identified", "Perpetrator identified"),
        Correctable("further_needs", "Further needs and vulnerabilities"),
        Correctable("signposting", "Signposted to (comma between services)", "list"),
        Correctable("outcome", "Outcome"),
        Correctable("counter_allegation", "Counter-allegation"),
        Correctable("notes", "Notes"),
    ),
    "legal_remedy": (
        Correctable("started_on", "Started on", "date"),
        Correctable("review_on", "Review on", "date"),
        Correctable("expires_on", "Expires on", "date"),
        Correctable("victim_role", "The victim's role"),
        Correctable("support_offered", "Support offered"),
        Correctable("notes", "Notes"),
    ),
}
assert not set(CORRECTABLE) & APPEND_ONLY_TABLES


def correctable(table: str) -> tuple[Correctable, ...]:
    return CORRECTABLE.get(table, ())


def shown_value(field: Correctable, value: Any) -> str:
    """The value as it is typed in the correction form."""
    if value is None:
        return ""
    if field.kind == "date":
        return format_uk(value) if isinstance(value, date) else str(value)
    if field.kind == "list":
        return ", ".join(str(v) for v in value)
    return str(value)


def _parsed(field: Correctable, typed: str, today: date) -> Any:
    text = typed.strip()
    if field.kind == "date":
        if not text:
            return None
        try:
            day = parse_uk_date(text, today)
        except DomainError as exc:
            raise FieldworkError(f"{field.label}: {exc}") from None
        if field.column in {"done_on", "started_on"} and day > today:
            raise FieldworkError(f"{field.label}: {format_uk(day)} is in the future.")
        return day
    if len(typed) > MAX_TEXT:
        raise FieldworkError(f"{field.label}: at most {MAX_TEXT:,} characters.")
    if field.kind == "list":
        return [part.strip() for part in text.split(",") if part.strip()]
    if field.kind == "choice":
        if text not in field.choices:
            raise FieldworkError(f"{field.label}: choose one of {', '.join(field.choices)}.")
        return text
    return typed


def correct_record(
    store: Store, case_id: str, table: str, row_id: str, typed: Mapping[str, str], today: date
) -> int:
    """Write the corrected fields of one record; returns how many fields changed.

    `typed` maps column names to the text typed in the form. Refused (FieldworkError, nothing
    written) for a table or field that cannot be corrected, a row of another case, or a value
    that does not check out.
    """
    fields = {f.column: f for f in correctable(table)}
    if not fields:
        raise FieldworkError("This record is kept as written; add a note to correct it.")
    unknown = set(typed) - set(fields)
    if unknown:
        raise FieldworkError(f"{', '.join(sorted(unknown))} cannot be corrected here.")
    values = {column: _parsed(fields[column], text, today) for column, text in typed.items()}
    if table == "visit" and "done_on" in values and values["done_on"] is None:
        raise FieldworkError("A completed visit needs its date.")
    model = TABLES_BY_NAME[table]
    with store.write() as uow:
        row = uow.reads.get(model, row_id)
        if row is None or getattr(row, "case_id", None) != case_id:
            raise FieldworkError("That record is not in this case.")
        if table == "visit" and getattr(row, "status", "") != "complete":
            raise FieldworkError("Only a completed visit is corrected here; resume a draft.")
        changed = {k: v for k, v in values.items() if getattr(row, k) != v}
        if changed:
            uow.update(row, changed, action=f"{table}.correct", details={"fields": sorted(changed)})
        return len(changed)
