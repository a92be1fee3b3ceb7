"""Letters and printable diary sheets, typeset from the case with Typst (docs/letters.md).

A letter is `templates/letter_<name>.typ` (its wording, in English and Welsh) behind
`templates/_letter.typ` (the layout) and `templates/_common.typ` (the helpers); the diary sheet
is `templates/diary_sheets.typ`. A council may point config `letter_templates` at a folder of
its own: a file there replaces the shipped one of the same name. Everything from the case and the
config goes in as JSON (`sys.inputs.data`, see pdf_render.py) and is only displayed, so a name
such as `#set` or `*` prints as typed. Typst fetches nothing: only the shipped fonts and files
are used, and the only file a document may read is the council's logo.

Every document is a tagged PDF/UA-1 with its language and title set. Making a letter writes the
PDF (mode 0600, atomically) and logs it on the case (store/commands/communications.py) with its
template, version and SHA-256, which completes the task the letter is the doing of.
"""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from platformdirs import user_documents_dir

from asb_tui.config import Config
from asb_tui.domain.case_review import CaseReviewRule
from asb_tui.domain.diary_columns import DIARY_COLUMNS
from asb_tui.domain.labels import label
from asb_tui.domain.letters import (
    CLOSURE_WORDING,
    DIARY_HEADINGS_CY,
    DIARY_SHEETS,
    LETTERS,
    PERPETRATOR,
    VICTIM,
    LetterKind,
    letter_kind,
    uk_long_date,
)
from asb_tui.domain.types import LegalRemedyKind, PartyRole, VisitKind
from asb_tui.export.pdf_render import compile_source, write_pdf_atomically
from asb_tui.store.commands.communications import (
    CommunicationRow,
    LetterRefused,
    record_communication,
)
from asb_tui.store.core.errors import CaseNotFound
from asb_tui.store.core.store import Store
from asb_tui.store.queries.case_queries import find_case
from asb_tui.store.queries.case_records import CaseRecords, load_case_records

__all__ = [
    "MAX_ROWS",
    "LetterRefused",
    "MadeLetter",
    "NoPrintSystem",
    "Recipient",
    "default_letters_dir",
    "diary_sheets_pdf",
    "letter_file_name",
    "letter_pdf",
    "letter_recipients",
    "make_diary_sheets",
    "make_letter",
    "preview_text",
    "print_letter",
    "print_pdf",
    "template_version",
]

_PACKAGE = "asb_tui.export"
_COMMON = "_common.typ"
_LAYOUT = "_letter.typ"
MAX_ROWS = 200
_LOGO_NAME = "logo"


@dataclass(frozen=True)
class Recipient:
    person_id: str
    name: str
    role: str


@dataclass(frozen=True)
class MadeLetter:
    path: Path
    sha256: str
    logged: CommunicationRow


# --- templates --------------------------------------------------------------------------------


def _shipped(name: str) -> bytes:
    return resources.files(_PACKAGE).joinpath("templates").joinpath(name).read_bytes()


def _template(name: str, config: Config) -> tuple[bytes, bool]:
    """The template's text, and whether it is the council's own (config `letter_templates`)."""
    if config.letter_templates is not None:
        own = Path(config.letter_templates) / name
        if own.is_file():
            try:
                return own.read_bytes(), True
            except OSError as exc:
                raise LetterRefused(f"The council's template {own} cannot be read: {exc}") from None
    return _shipped(name), False


def _source(kind: LetterKind, config: Config) -> tuple[bytes, str]:
    """The whole Typst source of a letter (helpers, layout, wording) and its version."""
    common, own_common = _template(_COMMON, config)
    parts = [common]
    own_parts: list[bytes] = [common] if own_common else []
    if kind is not DIARY_SHEETS:
        layout, own_layout = _template(_LAYOUT, config)
        parts.append(layout)
        if own_layout:
            own_parts.append(layout)
    body_name = "diary_sheets.typ" if kind is DIARY_SHEETS else kind.template
    body, own_body = _template(body_name, config)
    parts.append(body)
    if own_body:
        own_parts.append(body)
    version = str(kind.version)
    if own_parts:
        version = "council:" + hashlib.sha256(b"\n".join(own_parts)).hexdigest()[:12]
    return b"\n".join(parts), version


def template_version(template: str, config: Config) -> str:
    """The version a letter made now would be logged with ("1", or "council:<sha>")."""
    return _source(letter_kind(template), config)[1]


# --- the data handed to Typst -----------------------------------------------------------------


def _records(store: Store, ref_or_id: str) -> CaseRecords:
    with store.read() as session:
        case_id = find_case(session, ref_or_id) or ref_or_id
        records = load_case_records(session, case_id)
    if records is None:
        raise CaseNotFound(ref_or_id)
    return records


def letter_recipients(store: Store, case_id: str) -> list[Recipient]:
    """The people of the case a letter can be written to, victims first."""
    records = _records(store, case_id)
    order = {PartyRole.VICTIM.value: 0, PartyRole.ALLEGED_PERPETRATOR.value: 1}
    found = [Recipient(person.id, person.name, party.role) for party, person in records.parties()]
    return sorted(found, key=lambda r: order.get(r.role, 2))


def _address_lines(records: CaseRecords, person: Any) -> list[str]:
    homes = [
        a
        for a in records.rows("address")
        if a.person_id == person.id and a.kind == "home" and a.to_on is None
    ]
    if homes:
        home = max(homes, key=lambda a: a.from_on or date.min)
        return [part for part in (home.line1, home.line2, home.town, home.postcode) if part]
    typed = person.address.replace("\r", "\n")
    return [
        part.strip() for chunk in typed.split("\n") for part in chunk.split(",") if part.strip()
    ]


def _council(config: Config, root: Path | None) -> dict[str, Any]:
    return {
        "name": config.council,
        "address": list(config.council_address),
        "phone": config.council_phone,
        "email": config.council_email,
        "logo": f"/{_LOGO_NAME}{Path(config.council_logo).suffix.lower()}"
        if root is not None and config.council_logo is not None
        else None,
    }


def _officer(config: Config) -> dict[str, Any]:
    return {
        "name": config.officer,
        "title": config.officer_title,
        "phone": config.officer_phone,
        "email": config.officer_email,
    }


def _long(day: date | None, language: str) -> str:
    return uk_long_date(day, "cy" if language == "cy" else "en") if day else ""


def _person(records: CaseRecords, person_id: str) -> tuple[Any, set[str]]:
    people = {p.id: p for p in records.rows("person")}
    person = people.get(person_id)
    if person is None:
        raise LetterRefused(f"That person is not in case {records.case.ref}; no letter was made.")
    roles = {party.role for party in records.rows("case_party") if party.person_id == person_id}
    return person, roles


def _check_recipient(kind: LetterKind, person: Any, roles: set[str]) -> None:
    wanted = {VICTIM: PartyRole.VICTIM.value, PERPETRATOR: PartyRole.ALLEGED_PERPETRATOR.value}
    role = wanted.get(kind.recipient)
    if role is not None and role not in roles:
        shown = ", ".join(sorted(label(r).lower() for r in roles)) or "no role"
        raise LetterRefused(
            f"The letter {kind.name!r} goes to the {label(role).lower()}; {person.name} is "
            f"{shown} in this case. No letter was made."
        )


def _case_review(records: CaseRecords, language: str) -> dict[str, Any]:
    reviews = sorted(records.rows("case_review"), key=lambda r: (r.applied_on, r.id))
    if not reviews:
        return {}
    r = reviews[-1]
    recs = [x for x in records.rows("case_review_recommendation") if x.review_id == r.id]
    return {
        "applied_on": _long(r.applied_on, language),
        "acknowledged_on": _long(r.acknowledged_on, language),
        "decided_on": _long(r.decided_on, language),
        "threshold_met": r.threshold_met,
        "decision_reason": r.decision_reason,
        "meeting_on": _long(r.meeting_on, language),
        "outcome": r.outcome,
        "escalation_route": r.escalation_route,
        "recommendations": [
            {"text": x.text, "owner": x.owner} for x in sorted(recs, key=lambda x: x.created_at)
        ],
    }


def _warning(records: CaseRecords, person_id: str, language: str) -> dict[str, Any]:
    warnings = [
        r
        for r in records.rows("legal_remedy")
        if r.kind == LegalRemedyKind.CPW.value and r.person_id in (person_id, None)
    ]
    if not warnings:
        return {}
    w = max(warnings, key=lambda r: (r.started_on or date.min, r.id))
    return {
        "conduct": w.notes,
        "requirements": w.grounds,
        "comply_by": _long(w.comply_by, language),
    }


def _visit(records: CaseRecords, language: str) -> dict[str, Any]:
    planned = [
        v
        for v in records.rows("visit")
        if v.kind == VisitKind.PERPETRATOR.value and v.done_on is None and v.due_on is not None
    ]
    if not planned:
        return {}
    return {"due_on": _long(min(v.due_on for v in planned), language)}


def letter_data(
    records: CaseRecords,
    config: Config,
    kind: LetterKind,
    person_id: str,
    *,
    today: date,
    text: str = "",
    large_print: bool = False,
    logo_root: Path | None = None,
) -> dict[str, Any]:
    """What a letter prints, as JSON values (strings exactly as typed)."""
    person, roles = _person(records, person_id)
    _check_recipient(kind, person, roles)
    language = config.language
    case = records.case
    reason = case.closure_reason or ""
    wording = CLOSURE_WORDING.get(reason)
    rule = CaseReviewRule(
        threshold=config.case_review_threshold, months=config.case_review_window_months
    )
    return {
        "language": language,
        "large_print": large_print,
        "date": uk_long_date(today, "en"),
        "date_cy": uk_long_date(today, "cy"),
        "council": _council(config, logo_root),
        "officer": _officer(config),
        "recipient": {"name": person.name, "address": _address_lines(records, person)},
        "case": {
            "ref": case.ref,
            "category": label(case.category),
            "location": case.location,
            "referred_on": _long(case.referred_on, language),
            "closed_on": _long(case.closed_on, language),
            "closure_reason": wording[0] if wording else label(reason) if reason else "",
            "closure_reason_cy": wording[1] if wording else "",
        },
        "case_review": _case_review(records, language),
        "warning": _warning(records, person_id, language),
        "visit": _visit(records, language),
        "threshold": str(rule.threshold),
        "window_months": str(rule.months),
        "text": text,
    }


def _logo_root(config: Config) -> Path | None:
    """A private folder holding only the council's logo, for Typst to read it from."""
    if config.council_logo is None:
        return None
    logo = Path(config.council_logo)
    import tempfile

    root = Path(tempfile.mkdtemp(prefix="asb-tui-logo-"))
    try:
        shutil.copyfile(logo, root / f"{_LOGO_NAME}{logo.suffix.lower()}")
    except OSError as exc:
        shutil.rmtree(root, ignore_errors=True)
        raise LetterRefused(f"The council's logo {logo} cannot be read: {exc}") from None
    return root


def _render(kind: LetterKind, config: Config, build: Any) -> tuple[bytes, str]:
    source, version = _source(kind, config)
    root = _logo_root(config)
    try:
        data = build(root)
        pdf = compile_source(source, data, name=kind.template, root=root, accessible=True)
    finally:
        if root is not None:
            shutil.rmtree(root, ignore_errors=True)
    return pdf, version


def letter_pdf(
    store: Store,
    config: Config,
    ref: str,
    template: str,
    person_id: str,
    *,
    today: date,
    text: str = "",
    large_print: bool = False,
) -> tuple[bytes, str]:
    """The letter's PDF and the template version it was made from; nothing is written."""
    kind = letter_kind(template)
    if kind is DIARY_SHEETS:
        raise LetterRefused("Diary sheets are made with `asb-tui diary-sheets`, not as a letter.")
    records = _records(store, ref)
    letter_data(records, config, kind, person_id, today=today)  # refuse a wrong recipient first
    return _render(
        kind,
        config,
        lambda root: letter_data(
            records,
            config,
            kind,
            person_id,
            today=today,
            text=text,
            large_print=large_print,
            logo_root=root,
        ),
    )


def diary_columns_data() -> list[dict[str, Any]]:
    """The grid's columns, in the grid's order, with a printed width for the short ones."""
    # Short values get a fixed width; the texts share the rest, the widest a third of its
    # share on screen (the paper is wider than a terminal for the short columns).
    widths = {"date": 2.4, "time": 1.6, "yesno": 2.3, "agencies": 3.4}
    return [
        {
            "key": c.key,
            "heading": c.heading,
            "heading_cy": DIARY_HEADINGS_CY.get(c.key, c.heading),
            "width_cm": widths.get(c.kind, 2.8 if c.share <= 1 else None),
            "fr": 1 + c.share / 4,
        }
        for c in DIARY_COLUMNS
    ]


def _victim(records: CaseRecords) -> Any | None:
    victims = records.parties(PartyRole.VICTIM.value)
    return victims[0][1] if victims else None


def diary_sheets_pdf(
    store: Store,
    config: Config,
    ref: str,
    *,
    rows: int = 10,
    large_print: bool = False,
    person_id: str | None = None,
) -> tuple[bytes, str, Any | None]:
    """The diary sheets' PDF, its template version and the victim they are for."""
    if not 1 <= rows <= MAX_ROWS:
        raise LetterRefused(f"A diary sheet has 1 to {MAX_ROWS} rows, not {rows}.")
    records = _records(store, ref)
    victim = _person(records, person_id)[0] if person_id else _victim(records)
    pdf, version = _render(
        DIARY_SHEETS,
        config,
        lambda root: {
            "ref": records.case.ref,
            "victim": victim.name if victim is not None else "",
            "council": _council(config, None),
            "officer": _officer(config),
            "columns": diary_columns_data(),
            "rows": rows,
            "large_print": large_print,
            "language": config.language,
        },
    )
    return pdf, version, victim


def _sha(pdf: bytes) -> str:
    return hashlib.sha256(pdf).hexdigest()


def _write(path: Path, pdf: bytes, config: Config) -> Path:
    path = Path(path).expanduser()
    if path.resolve().is_relative_to(Path(config.data_dir).expanduser().resolve()):
        raise LetterRefused(
            "Letters are not written into the data folder (it holds the encrypted store); "
            "choose another folder."
        )
    if path.suffix.lower() != ".pdf":
        raise LetterRefused(f"{path.name}: the file name must end in .pdf.")
    if not path.parent.is_dir():
        raise LetterRefused(f"There is no folder {path.parent}; no letter was written.")
    if path.exists():
        # A letter already made is evidence of what was sent (its SHA-256 is logged): kept.
        raise LetterRefused(f"{path} already exists; choose another file name.")
    try:
        write_pdf_atomically(path, pdf)
    except OSError as exc:
        raise LetterRefused(f"{path} could not be written: {exc.strerror or exc}") from None
    return path


def make_letter(
    store: Store,
    config: Config,
    ref: str,
    template: str,
    person_id: str,
    out: Path,
    *,
    today: date,
    method: str = "post",
    text: str = "",
    large_print: bool = False,
) -> MadeLetter:
    """Typeset the letter, write it to `out` and log it on the case (completing its task)."""
    pdf, version = letter_pdf(
        store, config, ref, template, person_id, today=today, text=text, large_print=large_print
    )
    path = _write(out, pdf, config)
    logged = _log(store, config, ref, template, person_id, pdf, version, path.name, method, today)
    return MadeLetter(path, logged.pdf_sha256, logged)


def print_letter(
    store: Store,
    config: Config,
    ref: str,
    template: str,
    person_id: str,
    *,
    today: date,
    method: str = "post",
    text: str = "",
    large_print: bool = False,
) -> tuple[CommunicationRow, str]:
    """Typeset the letter, send it to the printer with `lp` and log it; nothing is written to
    disk. Refused (NoPrintSystem) where no print system is installed: then nothing is logged."""
    pdf, version = letter_pdf(
        store, config, ref, template, person_id, today=today, text=text, large_print=large_print
    )
    said = print_pdf(pdf, letter_file_name(ref, template, today))
    logged = _log(store, config, ref, template, person_id, pdf, version, "", method, today)
    return logged, said


def _log(
    store: Store,
    config: Config,
    ref: str,
    template: str,
    person_id: str,
    pdf: bytes,
    version: str,
    pdf_name: str,
    method: str,
    today: date,
) -> CommunicationRow:
    records = _records(store, ref)
    person, _roles = _person(records, person_id)
    return record_communication(
        store,
        records.case_id,
        template=template,
        template_version=version,
        recipient=person.name,
        person_id=person_id,
        sent_on=today,
        method=method,
        pdf_sha256=_sha(pdf),
        pdf_name=pdf_name,
        language=config.language,
        officer=config.officer,
        today=today,
    )


def make_diary_sheets(
    store: Store,
    config: Config,
    ref: str,
    out: Path,
    *,
    today: date,
    rows: int = 10,
    large_print: bool = False,
) -> MadeLetter:
    """Typeset the diary sheets, write them to `out` and log them on the case."""
    pdf, version, victim = diary_sheets_pdf(store, config, ref, rows=rows, large_print=large_print)
    records = _records(store, ref)
    path = _write(out, pdf, config)
    sha = _sha(pdf)
    logged = record_communication(
        store,
        records.case_id,
        template=DIARY_SHEETS.name,
        template_version=version,
        recipient=victim.name if victim is not None else "(no victim recorded)",
        person_id=victim.id if victim is not None else None,
        sent_on=today,
        method="printed",
        pdf_sha256=sha,
        pdf_name=path.name,
        language=config.language,
        officer=config.officer,
        today=today,
    )
    return MadeLetter(path, sha, logged)


def preview_text(pdf: bytes) -> str:
    """The text of a PDF as a reader sees it, for the letters screen's preview."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    return "\n\n".join(_reflow((page.extract_text() or "").strip()) for page in reader.pages)


def _reflow(text: str) -> str:
    """The lines of a page joined back into paragraphs: a line as long as the page's longest
    lines was broken by the page's width, so it runs on; a shorter one ends its paragraph."""
    lines = text.splitlines()
    widest = max((len(line) for line in lines), default=0)
    out: list[str] = []
    running = False
    for line in lines:
        if running and out:
            out[-1] = f"{out[-1]} {line.strip()}"
        else:
            out.append(line.rstrip())
        running = len(line) >= 0.75 * widest and not line.rstrip().endswith((".", ":"))
    return "\n".join(out)


def default_letters_dir(config: Config) -> Path:
    """Where letters go unless another folder is chosen: config `letters_dir`, else the user's
    Documents folder (never the data directory, which holds the encrypted store)."""
    if config.letters_dir is not None:
        return Path(config.letters_dir)
    return Path(user_documents_dir())


def letter_file_name(ref: str, template: str, today: date) -> str:
    safe = re.sub(r"[^A-Za-z0-9-]+", "-", ref).strip("-") or "case"
    return f"{safe}-{letter_kind(template).name}-{today:%Y-%m-%d}.pdf"


class NoPrintSystem(LetterRefused):
    """There is no `lp` on this machine."""


def print_pdf(pdf: bytes, title: str) -> str:
    """Send the PDF to the default printer with `lp`; the message `lp` gave back."""
    lp = shutil.which("lp")
    if lp is None:
        raise NoPrintSystem(
            "There is no print system on this computer (no `lp` command): nothing was printed. "
            "Write the letter to a folder and print it from there."
        )
    try:
        done = subprocess.run(  # noqa: S603 - lp from PATH, arguments are ours
            [lp, "-t", title, "-"], input=pdf, capture_output=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise LetterRefused(f"Printing failed: {exc}") from None
    if done.returncode != 0:
        said = done.stderr.decode(errors="replace").strip().splitlines()
        raise LetterRefused(f"Printing failed: {said[-1] if said else 'lp gave no reason'}")
    return done.stdout.decode(errors="replace").strip() or "Sent to the printer."


def letters_listed() -> list[Mapping[str, str]]:
    """The letters `asb-tui letter list` shows."""
    return [
        {
            "name": k.name,
            "title": k.title,
            "version": str(k.version),
            "to": k.recipient,
            "completes": k.completes.value if k.completes else "",
            "purpose": k.purpose,
        }
        for k in LETTERS
    ]
