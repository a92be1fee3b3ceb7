"""What syncs: every table of a case, its fields, their kinds and limits, kept as plain data.

This is the one description of the synced rows that the laptop and the central service share.
`sync` imports nothing of `asb_tui`, so the laptop's models are not read here; a test
(tests/sync/test_sync_schema.py) checks that this module equals `asb_tui/store/core/models.py` table
for table and field for field, so the two cannot drift apart. The wire patterns and limits of
`sync.protocol` come from here, and `check_change` is the one validation of a change's content:
the service refuses what fails it (nothing a laptop cannot apply enters the stream), a laptop sets
aside what fails it (a local change it cannot send, a pulled change it cannot apply), and the
laptop's store enforces the same limits when a record is saved.

Kinds of field (the JSON value each carries):
- ID: a row id (UUID text); TEXT: text up to `max_chars` characters, valid Unicode, no NUL;
- INT: a whole number (64-bit); FLOAT: a finite number; BOOL: true or false;
- DATE: "YYYY-MM-DD"; DATETIME: an ISO 8601 date-time;
- OBJECT / LIST: a JSON object / array (a form's answers, a list of actions).
`nullable` fields accept null; `required` fields must be present in an insert (other fields take
their default when a row from an older release lacks them).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

# --- kinds and limits --------------------------------------------------------------------------

ID: Final = "id"
TEXT: Final = "text"
INT: Final = "int"
FLOAT: Final = "float"
BOOL: Final = "bool"
DATE: Final = "date"
DATETIME: Final = "datetime"
OBJECT: Final = "object"
LIST: Final = "list"
KINDS: Final = frozenset({ID, TEXT, INT, FLOAT, BOOL, DATE, DATETIME, OBJECT, LIST})

#: A name, a code, a short label (the service's own columns hold these in 200 characters).
SHORT: Final = 200
#: An address, a place, one line of description.
LINE: Final = 1_000
#: Free text: a note, a summary, what was found.
LONG: Final = 100_000

#: Table and field names: lower-case identifiers (digits allowed after the first letter).
TABLE_NAME_PATTERN: Final = r"^[a-z][a-z0-9_]{0,39}$"
FIELD_NAME_PATTERN: Final = r"^[A-Za-z_][A-Za-z0-9_]{0,63}$"
ID_PATTERN: Final = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
_ID = re.compile(ID_PATTERN)
_MAX_INT = 2**63
#: Fields every synced row has that the service itself owns or sets (never data of the row).
VERSION_FIELD: Final = "version"


@dataclass(frozen=True)
class FieldSpec:
    kind: str
    nullable: bool = False
    required: bool = False
    #: TEXT only: the most characters the field may hold
    max_chars: int | None = None


@dataclass(frozen=True)
class TableSpec:
    name: str
    fields: dict[str, FieldSpec]
    #: written once, never edited (never conflicts)
    append_only: bool

    @property
    def versioned(self) -> bool:
        return VERSION_FIELD in self.fields


def _f(kind: str, *, max_chars: int | None = None, nullable: bool = False,
       required: bool = False) -> FieldSpec:  # fmt: skip
    return FieldSpec(kind=kind, nullable=nullable, required=required, max_chars=max_chars)


def _table(*, append_only: bool, **fields: FieldSpec) -> dict[str, Any]:
    return {"append_only": append_only, "fields": fields}


# --- the tables of a case, parents first (the order of store.core.models.CASE_TABLES) -------

_TABLES: dict[str, dict[str, Any]] = {
    "asb_case": _table(
        append_only=False,
        id=_f(ID),
        ref=_f(TEXT, max_chars=SHORT, required=True),
        category=_f(TEXT, max_chars=SHORT, required=True),
        status=_f(TEXT, max_chars=SHORT, required=True),
        region=_f(TEXT, max_chars=SHORT),
        summary=_f(TEXT, max_chars=LONG),
        location=_f(TEXT, max_chars=LINE),
        referral_source=_f(TEXT, max_chars=SHORT),
        referred_on=_f(DATE, required=True),
        accepted_on=_f(DATE, nullable=True),
        closed_on=_f(DATE, nullable=True),
        closure_reason=_f(TEXT, max_chars=SHORT, nullable=True),
        reopen_count=_f(INT),
        risk_level=_f(TEXT, max_chars=SHORT, nullable=True),
        repeat_victim=_f(BOOL),
        counter_allegation=_f(BOOL),
        officer=_f(TEXT, max_chars=SHORT),
        case_manager=_f(TEXT, max_chars=SHORT),
        team=_f(TEXT, max_chars=SHORT),
        created_at=_f(DATETIME),
        version=_f(INT),
    ),
    "person": _table(
        append_only=False,
        id=_f(ID),
        case_id=_f(ID, required=True),
        identity_id=_f(ID, nullable=True),
        merged_from_id=_f(ID, nullable=True),
        name=_f(TEXT, max_chars=SHORT, required=True),
        date_of_birth=_f(DATE, nullable=True),
        address=_f(TEXT, max_chars=LINE),
        phone=_f(TEXT, max_chars=SHORT),
        email=_f(TEXT, max_chars=SHORT),
        language=_f(TEXT, max_chars=SHORT),
        notes=_f(TEXT, max_chars=LONG),
        created_at=_f(DATETIME),
        version=_f(INT),
    ),
    "case_party": _table(
        append_only=False,
        id=_f(ID),
        case_id=_f(ID, required=True),
        person_id=_f(ID, required=True),
        role=_f(TEXT, max_chars=SHORT, required=True),
        vulnerabilities=_f(TEXT, max_chars=LONG),
        further_needs=_f(TEXT, max_chars=LONG),
        notes=_f(TEXT, max_chars=LONG),
        risk_level=_f(TEXT, max_chars=SHORT, nullable=True),
        risk_notes=_f(TEXT, max_chars=LONG),
        version=_f(INT),
    ),
    "address": _table(
        append_only=False,
        id=_f(ID),
        case_id=_f(ID, required=True),
        person_id=_f(ID, nullable=True),
        kind=_f(TEXT, max_chars=SHORT),
        line1=_f(TEXT, max_chars=LINE, required=True),
        line2=_f(TEXT, max_chars=LINE),
        town=_f(TEXT, max_chars=SHORT),
        postcode=_f(TEXT, max_chars=SHORT),
        uprn=_f(TEXT, max_chars=SHORT),
        area=_f(TEXT, max_chars=SHORT),
        from_on=_f(DATE, nullable=True),
        to_on=_f(DATE, nullable=True),
        version=_f(INT),
    ),
    "case_link": _table(
        append_only=False,
        id=_f(ID),
        case_id=_f(ID, required=True),
        linked_case_id=_f(ID, required=True),
        linked_ref=_f(TEXT, max_chars=SHORT),
        reason=_f(TEXT, max_chars=LONG, required=True),
        linked_by=_f(TEXT, max_chars=SHORT),
        linked_on=_f(DATE, required=True),
        version=_f(INT),
    ),
    "risk_assessment": _table(
        append_only=True,
        id=_f(ID),
        case_id=_f(ID, required=True),
        person_id=_f(ID, nullable=True),
        questionnaire_version=_f(TEXT, max_chars=SHORT),
        answers=_f(OBJECT),
        score=_f(INT),
        computed_level=_f(TEXT, max_chars=SHORT, required=True),
        level=_f(TEXT, max_chars=SHORT, required=True),
        override_reason=_f(TEXT, max_chars=LONG),
        previous_level=_f(TEXT, max_chars=SHORT, nullable=True),
        change_reason=_f(TEXT, max_chars=LONG),
        assessed_by=_f(TEXT, max_chars=SHORT),
        assessed_on=_f(DATE, required=True),
        created_at=_f(DATETIME),
    ),
    "diary_sheet": _table(
        append_only=False,
        id=_f(ID),
        case_id=_f(ID, required=True),
        person_id=_f(ID, nullable=True),
        sent_on=_f(DATE, nullable=True),
        letter_sent_on=_f(DATE, nullable=True),
        returned_on=_f(DATE, nullable=True),
        notes=_f(TEXT, max_chars=LONG),
        version=_f(INT),
    ),
    "incident": _table(
        append_only=True,
        id=_f(ID),
        case_id=_f(ID, required=True),
        diary_sheet_id=_f(ID, nullable=True),
        occurred_on=_f(DATE, required=True),
        occurred_time=_f(TEXT, max_chars=SHORT),
        location=_f(TEXT, max_chars=LINE),
        description=_f(TEXT, max_chars=LONG),
        who_involved=_f(TEXT, max_chars=LONG),
        impact=_f(TEXT, max_chars=LONG),
        reported_to_police=_f(BOOL),
        police_ref=_f(TEXT, max_chars=SHORT),
        reported_to_council_on=_f(DATE, nullable=True),
        source=_f(TEXT, max_chars=SHORT),
        recorded_by=_f(TEXT, max_chars=SHORT),
        created_at=_f(DATETIME),
        reported_on=_f(DATE, nullable=True),
        reported_to=_f(TEXT, max_chars=SHORT),
    ),
    "visit": _table(
        append_only=False,
        id=_f(ID),
        case_id=_f(ID, required=True),
        kind=_f(TEXT, max_chars=SHORT, required=True),
        due_on=_f(DATE, nullable=True),
        done_on=_f(DATE, nullable=True),
        status=_f(TEXT, max_chars=SHORT),
        present=_f(TEXT, max_chars=LONG),
        evidence_gathered=_f(TEXT, max_chars=LONG),
        perpetrator_identified=_f(TEXT, max_chars=LONG),
        further_needs=_f(TEXT, max_chars=LONG),
        signposting=_f(LIST),
        outcome=_f(TEXT, max_chars=LONG),
        denial=_f(BOOL),
        counter_allegation=_f(TEXT, max_chars=LONG),
        cited_exhibits=_f(LIST),
        notes=_f(TEXT, max_chars=LONG),
        form_state=_f(OBJECT),
        version=_f(INT),
    ),
    "consent": _table(
        append_only=False,
        id=_f(ID),
        case_id=_f(ID, required=True),
        person_id=_f(ID, nullable=True),
        record_and_share=_f(BOOL),
        signed=_f(BOOL),
        given_on=_f(DATE, nullable=True),
        scope=_f(TEXT, max_chars=LINE),
        perpetrator_visit_agreed=_f(BOOL),
        withdrawn_on=_f(DATE, nullable=True),
        perpetrator_visit_withdrawn_on=_f(DATE, nullable=True),
        version=_f(INT),
    ),
    "contact_agreement": _table(
        append_only=False,
        id=_f(ID),
        case_id=_f(ID, required=True),
        person_id=_f(ID, nullable=True),
        frequency=_f(TEXT, max_chars=SHORT, required=True),
        means=_f(TEXT, max_chars=SHORT),
        safe_times=_f(TEXT, max_chars=LINE),
        may_leave_messages=_f(BOOL),
        agreed_on=_f(DATE, required=True),
        version=_f(INT),
    ),
    "victim_update": _table(
        append_only=True,
        id=_f(ID),
        case_id=_f(ID, required=True),
        updated_on=_f(DATE, required=True),
        means=_f(TEXT, max_chars=SHORT),
        summary=_f(TEXT, max_chars=LONG),
        feels_safer=_f(TEXT, max_chars=SHORT),
        officer=_f(TEXT, max_chars=SHORT),
        created_at=_f(DATETIME),
    ),
    "agency_contact": _table(
        append_only=True,
        id=_f(ID),
        case_id=_f(ID, required=True),
        agency=_f(TEXT, max_chars=SHORT, required=True),
        contact_name=_f(TEXT, max_chars=SHORT),
        reference=_f(TEXT, max_chars=SHORT),
        reference_kind=_f(TEXT, max_chars=SHORT),
        method=_f(TEXT, max_chars=SHORT),
        summary=_f(TEXT, max_chars=LONG),
        contacted_on=_f(DATE, required=True),
        follow_up_due=_f(DATE, nullable=True),
        created_at=_f(DATETIME),
    ),
    "h2h_run": _table(
        append_only=False,
        id=_f(ID),
        case_id=_f(ID, required=True),
        area=_f(TEXT, max_chars=LINE, required=True),
        run_on=_f(DATE, required=True),
        notes=_f(TEXT, max_chars=LONG),
        version=_f(INT),
    ),
    "door_enquiry": _table(
        append_only=False,
        id=_f(ID),
        case_id=_f(ID, required=True),
        run_id=_f(ID, required=True),
        position=_f(INT, required=True),
        address=_f(TEXT, max_chars=LINE, required=True),
        outcome=_f(TEXT, max_chars=SHORT, nullable=True),
        note=_f(TEXT, max_chars=LONG),
        done_at=_f(DATETIME, nullable=True),
        version=_f(INT),
    ),
    "action": _table(
        append_only=False,
        id=_f(ID),
        case_id=_f(ID, required=True),
        kind=_f(TEXT, max_chars=SHORT),
        title=_f(TEXT, max_chars=SHORT, required=True),
        owner=_f(TEXT, max_chars=SHORT),
        agency=_f(TEXT, max_chars=SHORT),
        due_on=_f(DATE, nullable=True),
        done_on=_f(DATE, nullable=True),
        reference=_f(TEXT, max_chars=SHORT),
        notes=_f(TEXT, max_chars=LONG),
        created_at=_f(DATETIME),
        version=_f(INT),
    ),
    "legal_remedy": _table(
        append_only=False,
        id=_f(ID),
        case_id=_f(ID, required=True),
        kind=_f(TEXT, max_chars=SHORT, required=True),
        person_id=_f(ID, nullable=True),
        status=_f(TEXT, max_chars=SHORT),
        started_on=_f(DATE, nullable=True),
        review_on=_f(DATE, nullable=True),
        expires_on=_f(DATE, nullable=True),
        victim_role=_f(TEXT, max_chars=LINE),
        support_offered=_f(TEXT, max_chars=LONG),
        notes=_f(TEXT, max_chars=LONG),
        version=_f(INT),
        statutory=_f(BOOL),
        served_at=_f(DATETIME, nullable=True),
        ends_on=_f(DATE, nullable=True),
        ends_at=_f(DATETIME, nullable=True),
        comply_by=_f(DATE, nullable=True),
        prior_warning_id=_f(ID, nullable=True),
        respondent_age=_f(INT, nullable=True),
        consulted_on=_f(DATE, nullable=True),
        convicted_on=_f(DATE, nullable=True),
        power_of_arrest=_f(BOOL),
        grounds=_f(TEXT, max_chars=SHORT),
        grounds_met_on=_f(DATE, nullable=True),
    ),
    "legal_stage": _table(
        append_only=True,
        id=_f(ID),
        case_id=_f(ID, required=True),
        remedy_id=_f(ID, required=True),
        stage=_f(TEXT, max_chars=SHORT, required=True),
        stage_on=_f(DATE, required=True),
        notes=_f(TEXT, max_chars=LONG),
        created_at=_f(DATETIME),
        to_status=_f(TEXT, max_chars=SHORT),
        stage_at=_f(DATETIME, nullable=True),
    ),
    "evidence_item": _table(
        append_only=True,
        id=_f(ID),
        case_id=_f(ID, required=True),
        exhibit_ref=_f(TEXT, max_chars=SHORT, required=True),
        kind=_f(TEXT, max_chars=SHORT),
        description=_f(TEXT, max_chars=LONG),
        source=_f(TEXT, max_chars=SHORT),
        original_name=_f(TEXT, max_chars=LINE),
        media_type=_f(TEXT, max_chars=SHORT),
        size=_f(INT),
        sha256=_f(TEXT, max_chars=64),
        content_key=_f(TEXT, max_chars=64),
        obtained_on=_f(DATE, nullable=True),
        obtained_by=_f(TEXT, max_chars=SHORT),
        incident_id=_f(ID, nullable=True),
        visit_id=_f(ID, nullable=True),
        person_id=_f(ID, nullable=True),
        created_at=_f(DATETIME),
    ),
    "note": _table(
        append_only=True,
        id=_f(ID),
        case_id=_f(ID, required=True),
        kind=_f(TEXT, max_chars=SHORT),
        body=_f(TEXT, max_chars=LONG, required=True),
        author=_f(TEXT, max_chars=SHORT),
        created_at=_f(DATETIME),
    ),
    "manager_review": _table(
        append_only=True,
        id=_f(ID),
        case_id=_f(ID, required=True),
        reviewed_on=_f(DATE, required=True),
        reviewer=_f(TEXT, max_chars=SHORT),
        reason=_f(TEXT, max_chars=LONG),
        notes=_f(TEXT, max_chars=LONG),
        actions=_f(TEXT, max_chars=LONG),
        next_review_on=_f(DATE, nullable=True),
        created_at=_f(DATETIME),
    ),
    "referral": _table(
        append_only=False,
        id=_f(ID),
        case_id=_f(ID, required=True),
        kind=_f(TEXT, max_chars=SHORT, required=True),
        referred_on=_f(DATE, required=True),
        reason=_f(TEXT, max_chars=LONG),
        meeting_on=_f(DATE, nullable=True),
        status=_f(TEXT, max_chars=SHORT),
        version=_f(INT),
    ),
    "vvc_decision": _table(
        append_only=False,
        id=_f(ID),
        case_id=_f(ID, required=True),
        meeting_on=_f(DATE, required=True),
        case_officer=_f(TEXT, max_chars=SHORT),
        case_manager=_f(TEXT, max_chars=SHORT),
        decision=_f(TEXT, max_chars=LONG),
        actions=_f(LIST),
        next_review_on=_f(DATE, nullable=True),
        version=_f(INT),
    ),
    "sharing_record": _table(
        append_only=True,
        id=_f(ID),
        case_id=_f(ID, required=True),
        agency=_f(TEXT, max_chars=SHORT, required=True),
        what=_f(TEXT, max_chars=LINE, required=True),
        legal_basis=_f(TEXT, max_chars=SHORT, required=True),
        shared_on=_f(DATE, required=True),
        officer=_f(TEXT, max_chars=SHORT),
        consent_status=_f(TEXT, max_chars=SHORT),
        includes_files=_f(BOOL),
        created_at=_f(DATETIME),
    ),
    "case_review": _table(
        append_only=False,
        id=_f(ID),
        case_id=_f(ID, required=True),
        applicant=_f(TEXT, max_chars=SHORT, required=True),
        on_behalf_of=_f(TEXT, max_chars=SHORT),
        applied_on=_f(DATE, required=True),
        cited_incidents=_f(LIST),
        partner_reports=_f(TEXT, max_chars=LONG),
        acknowledged_on=_f(DATE, nullable=True),
        decided_on=_f(DATE, nullable=True),
        threshold_met=_f(BOOL, nullable=True),
        decision_reason=_f(TEXT, max_chars=LONG),
        decision_letter_on=_f(DATE, nullable=True),
        meeting_on=_f(DATE, nullable=True),
        agencies_present=_f(LIST),
        outcome=_f(TEXT, max_chars=LONG),
        outcome_told_on=_f(DATE, nullable=True),
        escalation_route=_f(TEXT, max_chars=LINE),
        escalated_on=_f(DATE, nullable=True),
        notes=_f(TEXT, max_chars=LONG),
        created_at=_f(DATETIME),
        version=_f(INT),
    ),
    "case_review_recommendation": _table(
        append_only=False,
        id=_f(ID),
        case_id=_f(ID, required=True),
        review_id=_f(ID, required=True),
        text=_f(TEXT, max_chars=LONG, required=True),
        owner=_f(TEXT, max_chars=SHORT, required=True),
        due_on=_f(DATE, nullable=True),
        done_on=_f(DATE, nullable=True),
        created_at=_f(DATETIME),
        version=_f(INT),
    ),
    "communication": _table(
        append_only=True,
        id=_f(ID),
        case_id=_f(ID, required=True),
        person_id=_f(ID, nullable=True),
        recipient=_f(TEXT, max_chars=SHORT, required=True),
        template=_f(TEXT, max_chars=SHORT, required=True),
        template_version=_f(TEXT, max_chars=SHORT, required=True),
        title=_f(TEXT, max_chars=SHORT),
        language=_f(TEXT, max_chars=SHORT),
        sent_on=_f(DATE, required=True),
        method=_f(TEXT, max_chars=SHORT),
        pdf_sha256=_f(TEXT, max_chars=SHORT),
        pdf_name=_f(TEXT, max_chars=LINE),
        officer=_f(TEXT, max_chars=SHORT),
        created_at=_f(DATETIME),
    ),
}

TABLES: Final[dict[str, TableSpec]] = {
    name: TableSpec(name=name, fields=spec["fields"], append_only=spec["append_only"])
    for name, spec in _TABLES.items()
}
TABLE_NAMES: Final = tuple(TABLES)
APPEND_ONLY_TABLES: Final = frozenset(name for name, t in TABLES.items() if t.append_only)
#: The longest text any field may hold: the wire's own limit for one value.
MAX_TEXT_CHARS: Final = max(f.max_chars or 0 for t in TABLES.values() for f in t.fields.values())


# --- checking a value and a change ---------------------------------------------------------------


def unicode_problem(text: str) -> str | None:
    """Why `text` cannot be stored everywhere, or None: a lone surrogate has no UTF-8 form, and
    PostgreSQL refuses a NUL in JSON (the same limits hold on SQLite)."""
    if "\x00" in text:
        return "holds a NUL character, which the central store cannot keep"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "is not valid Unicode (it holds a lone surrogate)"
    return None


def _json_problem(value: Any, depth: int = 0) -> str | None:
    if depth > 8:
        return "is nested too deeply"
    if isinstance(value, str):
        if len(value) > LONG:
            return f"holds a text longer than {LONG:,} characters"
        return unicode_problem(value)
    if isinstance(value, float) and not math.isfinite(value):
        return "holds a number that is not finite"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= _MAX_INT:
        return "holds a whole number out of range"
    if isinstance(value, list):
        for item in value:
            if problem := _json_problem(item, depth + 1):
                return problem
    elif isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                return "has a key that is not text"
            if problem := _json_problem(key, depth + 1) or _json_problem(item, depth + 1):
                return problem
    elif value is not None and not isinstance(value, str | int | float | bool):
        return f"holds a {type(value).__name__}, which JSON cannot carry"
    return None


def value_problem(spec: FieldSpec, value: Any) -> str | None:
    """Why `value` does not fit the field (a phrase to follow its name), or None."""
    if value is None:
        return None if spec.nullable else "may not be empty (null)"
    kind = spec.kind
    if kind in (ID, TEXT, DATE, DATETIME) and not isinstance(value, str):
        return f"must be text, not {_json_kind(value)}"
    if kind == ID:
        return None if _ID.match(value) else "must be a record id (a UUID)"
    if kind == TEXT:
        limit = spec.max_chars or LONG
        if len(value) > limit:
            return f"is {len(value):,} characters long; the most it may hold is {limit:,}"
        return unicode_problem(value)
    if kind == DATE:
        try:
            date.fromisoformat(value)
        except ValueError:
            return "must be a date (YYYY-MM-DD)"
        return None if len(value) == 10 else "must be a date (YYYY-MM-DD)"
    if kind == DATETIME:
        if len(value) > 40:
            return "must be a date and time (ISO 8601)"
        try:
            datetime.fromisoformat(value)
        except ValueError:
            return "must be a date and time (ISO 8601)"
        return None
    if kind == BOOL:
        return (
            None if isinstance(value, bool) else f"must be true or false, not {_json_kind(value)}"
        )
    if kind == INT:
        if isinstance(value, bool) or not isinstance(value, int):
            return f"must be a whole number, not {_json_kind(value)}"
        return None if abs(value) < _MAX_INT else "is a whole number out of range"
    if kind == FLOAT:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"must be a number, not {_json_kind(value)}"
        return None if math.isfinite(value) else "must be a finite number"
    if kind == OBJECT and not isinstance(value, dict):
        return f"must be an object, not {_json_kind(value)}"
    if kind == LIST and not isinstance(value, list):
        return f"must be a list, not {_json_kind(value)}"
    return _json_problem(value)


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _shown(name: str) -> str:
    """A table or field name as it may be quoted in a message (never raw hostile text)."""
    clean = name if re.fullmatch(r"[A-Za-z0-9_]{1,64}", name) else name[:40].encode(
        "ascii", "backslashreplace").decode("ascii")  # fmt: skip
    return repr(clean)


def check_change(
    table: str, op: str, fields: dict[str, Any], *, row_id: str = "", case_id: str = ""
) -> str | None:
    """Why this change cannot be stored or applied (one sentence), or None when it fits.

    insert: every field known and fitting, the required ones present; update: at least the given
    fields known and fitting; delete: only the table must be known. `id` and `case_id`, when
    given in the fields, must name the change's own row and case.
    """
    spec = TABLES.get(table)
    if spec is None:
        return f"there is no table {_shown(table)} in the sync schema"
    for name, value in fields.items():
        field = spec.fields.get(name)
        if field is None:
            return f"{table} has no field {_shown(name)}"
        if problem := value_problem(field, value):
            return f"{table}.{name} {problem}"
    if op == "insert":
        missing = [n for n, f in spec.fields.items() if f.required and n not in fields]
        if missing:
            return f"a new {table} record needs {', '.join(missing)}"
    if row_id and "id" in fields and fields["id"] != row_id:
        return f"{table}.id differs from the record the change names"
    if case_id and "case_id" in fields and fields["case_id"] != case_id:
        return f"{table}.case_id differs from the case the change names"
    return None


def field_limit(table: str, field: str) -> int | None:
    """The most characters a TEXT field may hold (None when it is not a text field)."""
    spec = TABLES.get(table)
    field_spec = spec.fields.get(field) if spec else None
    return field_spec.max_chars if field_spec else None
