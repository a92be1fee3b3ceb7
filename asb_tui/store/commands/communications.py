"""The communications log: every letter (and set of diary sheets) made from a case.

`record_communication` stores one row of `communication` (the template and its version, the
recipient, the day, how it went, the SHA-256 of the PDF) in one transaction with the audit event,
and in the same transaction completes the task the letter is the doing of: the process letter
sent with the diary sheets completes "send diary sheets and the letter", the closure letter
completes "tell the victim the case is closed", the Case Review letter meets "tell the victim
about the ASB Case Review". Rows are never edited (append-only): a letter sent again is a new row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlmodel import col, select

from asb_tui.domain.letters import SEND_METHODS, letter_kind
from asb_tui.domain.tasks import TELL_VICTIM_TITLE
from asb_tui.domain.types import ActionKind
from asb_tui.store.commands.fieldwork import FieldworkError, get_case, require_text
from asb_tui.store.core.models import Action, Communication, Person
from asb_tui.store.core.store import Store

__all__ = ["CommunicationRow", "LetterRefused", "communications", "record_communication"]

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class LetterRefused(FieldworkError):
    """A letter could not be recorded; the message says why and nothing was written."""


@dataclass(frozen=True)
class CommunicationRow:
    id: str
    template: str
    template_version: str
    title: str
    recipient: str
    sent_on: date
    method: str
    pdf_sha256: str
    pdf_name: str
    completed_task: str | None = None  # the title of the task this letter completed


def _row(c: Communication, completed: str | None = None) -> CommunicationRow:
    return CommunicationRow(
        id=c.id,
        template=c.template,
        template_version=c.template_version,
        title=c.title,
        recipient=c.recipient,
        sent_on=c.sent_on,
        method=c.method,
        pdf_sha256=c.pdf_sha256,
        pdf_name=c.pdf_name,
        completed_task=completed,
    )


def record_communication(
    store: Store,
    case_id: str,
    *,
    template: str,
    template_version: str,
    recipient: str,
    sent_on: date,
    pdf_sha256: str,
    person_id: str | None = None,
    method: str = "post",
    pdf_name: str = "",
    language: str = "en",
    officer: str = "",
    today: date | None = None,
) -> CommunicationRow:
    """Log one letter made from the case and complete the task it does (one transaction)."""
    kind = letter_kind(template)
    require_text(recipient, "The recipient")
    if method not in SEND_METHODS:
        raise LetterRefused(f"Sent by: {method!r} is not one of {', '.join(SEND_METHODS)}.")
    if not _SHA256.match(pdf_sha256):
        raise LetterRefused("The letter's SHA-256 is not 64 lower-case hex digits.")
    if today is not None and sent_on > today:
        raise LetterRefused(
            f"A letter cannot be sent on {sent_on:%d/%m/%Y}: that is in the future."
        )
    with store.write() as uow:
        case = get_case(uow.reads, case_id)
        if person_id is not None:
            person = uow.reads.get(Person, person_id)
            if person is None or person.case_id != case.id:
                raise LetterRefused(f"That person is not in case {case.ref}; nothing was sent.")
        row = uow.add(
            Communication(
                case_id=case_id,
                person_id=person_id,
                recipient=recipient,
                template=kind.name,
                template_version=template_version,
                title=kind.title,
                language=language,
                sent_on=sent_on,
                method=method,
                pdf_sha256=pdf_sha256,
                pdf_name=pdf_name,
                officer=officer,
            ),
            action="communication.add",
        )
        completed: str | None = None
        if kind.completes is ActionKind.CASE_REVIEW_INFO:
            done = uow.reads.exec(
                select(Action).where(
                    Action.case_id == case_id,
                    Action.kind == ActionKind.CASE_REVIEW_INFO.value,
                    col(Action.done_on).is_not(None),
                )
            ).first()
            if done is None:
                uow.add(
                    Action(
                        case_id=case_id,
                        kind=ActionKind.CASE_REVIEW_INFO.value,
                        title=TELL_VICTIM_TITLE,
                        due_on=sent_on,
                        done_on=sent_on,
                    ),
                    action="action.done",
                )
                completed = TELL_VICTIM_TITLE
        elif kind.completes is not None:
            open_tasks = uow.reads.exec(
                select(Action).where(
                    Action.case_id == case_id,
                    Action.kind == kind.completes.value,
                    col(Action.done_on).is_(None),
                )
            ).all()
            for task in open_tasks:
                uow.update(task, {"done_on": sent_on}, action="action.done")
                completed = task.title
        return _row(row, completed)


def communications(store: Store, case_id: str) -> list[CommunicationRow]:
    """The case's letters, newest first."""
    with store.read() as session:
        rows = session.exec(select(Communication).where(Communication.case_id == case_id)).all()
    return [_row(c) for c in sorted(rows, key=lambda c: (c.sent_on, c.created_at), reverse=True)]
