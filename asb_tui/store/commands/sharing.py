"""Sharing a case (or part of it) with a partner agency, and the consent status shown first.

Every share records the agency, what was shared, the legal basis (s115 Crime and Disorder Act 1998,
consent, safeguarding), the date, the officer and the consent status at the time. A share on the
basis of consent is refused unless a signed consent to record and share is on record and not
withdrawn. Shares are append-only `SharingRecord` rows: audited, synced (a share also grants the
agency's officers access on the central service) and listed in the case timeline.

Withdrawing a share deletes its row (audited here); the service then tells the agency's laptops
to drop the case at their next sync, and the replica's `drop_purged_case` removes their local
copy (audited there) without sending anything back. Only the case's own team may share or
withdraw: the service refuses a partner's share onward or withdrawal, so a partner's laptop
refuses them first (`_owners_only`) rather than keep a change the service will never take.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from asb_tui.domain.dates import format_uk
from asb_tui.domain.types import LegalBasis
from asb_tui.store.commands.oversight_errors import SharingRefused, UnknownRecord
from asb_tui.store.core import settings
from asb_tui.store.core.errors import CaseNotFound
from asb_tui.store.core.models import (
    Case,
    Consent,
    EvidenceItem,
    SharingRecord,
)
from asb_tui.store.core.store import Store
from asb_tui.store.core.user_text import is_blank

LEGAL_BASIS_LABELS: dict[str, str] = {
    LegalBasis.S115.value: "s115 Crime and Disorder Act 1998",
    LegalBasis.CONSENT.value: "Consent of the data subject",
    LegalBasis.SAFEGUARDING.value: "Safeguarding",
}

# What is usually shared; the officer may also type something else.
SHAREABLE_PARTS: tuple[str, ...] = (
    "Whole case",
    "Case summary",
    "Risk assessment",
    "Incident log",
    "Victim contact details",
    "Action plan",
    "Legal remedies",
)

CONSENT_GIVEN = "given"
CONSENT_WITHDRAWN = "withdrawn"
CONSENT_NOT_SIGNED = "not-signed"
CONSENT_NONE = "none"


@dataclass(frozen=True)
class ConsentStatus:
    """The case's consent to record and share, as the officer must see it before sharing."""

    state: str  # given / withdrawn / not-signed / none
    description: str
    given_on: date | None = None
    scope: str = ""
    withdrawn_on: date | None = None

    @property
    def allows_sharing(self) -> bool:
        return self.state == CONSENT_GIVEN


def _consent_status(session: Session, case_id: str, today: date) -> ConsentStatus:
    consents = list(
        session.exec(
            select(Consent).where(Consent.case_id == case_id).order_by(col(Consent.given_on).desc())
        )
    )
    if not consents:
        return ConsentStatus(CONSENT_NONE, "No consent to record and share is on record.")
    for consent in consents:
        current = consent.withdrawn_on is None or consent.withdrawn_on > today
        if consent.record_and_share and consent.signed and current:
            given = f" on {format_uk(consent.given_on)}" if consent.given_on else ""
            scope = f" (scope: {consent.scope})" if consent.scope else ""
            return ConsentStatus(
                CONSENT_GIVEN,
                f"Signed consent to record and share given{given}{scope}.",
                consent.given_on,
                consent.scope,
            )
    withdrawn = [c for c in consents if c.withdrawn_on is not None]
    if withdrawn:
        latest = max(withdrawn, key=lambda c: c.withdrawn_on or date.min)
        assert latest.withdrawn_on is not None
        return ConsentStatus(
            CONSENT_WITHDRAWN,
            f"Consent was withdrawn on {format_uk(latest.withdrawn_on)}.",
            latest.given_on,
            latest.scope,
            latest.withdrawn_on,
        )
    return ConsentStatus(
        CONSENT_NOT_SIGNED,
        "Consent is recorded but not signed, or does not cover sharing.",
    )


def consent_status(store: Store, case_id: str, today: date | None = None) -> ConsentStatus:
    """The current consent to record and share of a case (shown before any share)."""
    with store.read() as session:
        if session.get(Case, case_id) is None:
            raise CaseNotFound()
        return _consent_status(session, case_id, today or date.today())


def share_case(
    store: Store,
    case_id: str,
    *,
    agency: str,
    what: str,
    legal_basis: str,
    shared_on: date,
    officer: str | None = None,
    today: date | None = None,
    includes_files: bool = False,
) -> SharingRecord:
    """Record a share; refused (SharingRefused, nothing written) when it has no lawful basis.
    With `includes_files` the agency's laptops receive the case's evidence files too, and each
    exhibit gets a share event naming it and its hash (continuity)."""
    today = today or date.today()
    if is_blank(agency):
        raise SharingRefused("name the agency the case is shared with")
    if is_blank(what):
        raise SharingRefused("say what was shared (the whole case or which part)")
    try:
        basis = LegalBasis(legal_basis)
    except ValueError:
        choices = ", ".join(b.value for b in LegalBasis)
        raise SharingRefused(f"the legal basis must be one of: {choices}") from None
    if shared_on > today:
        raise SharingRefused("a share cannot be dated in the future")
    with store.write() as uow:
        case = uow.reads.get(Case, case_id)
        if case is None:
            raise CaseNotFound()
        _owners_only(uow.reads, case, act="share")
        status = _consent_status(uow.reads, case_id, shared_on)
        if basis is LegalBasis.CONSENT and not status.allows_sharing:
            raise SharingRefused(
                "cannot share on the basis of consent: "
                + status.description.rstrip(".").lower()
                + "; record the consent first or choose another legal basis"
            )
        record = SharingRecord(
            case_id=case_id,
            agency=agency,
            what=what,
            legal_basis=basis.value,
            shared_on=shared_on,
            officer=officer if officer is not None else uow.actor,
            consent_status=status.state,
            includes_files=includes_files,
        )
        added = uow.add(
            record,
            action="case.share",
            details={"legal_basis": basis.value, "includes_files": includes_files},
        )
        if includes_files:
            items = uow.reads.exec(select(EvidenceItem).where(EvidenceItem.case_id == case_id))
            for item in items:
                uow.audit_only(
                    action="evidence.share",
                    entity="evidence_item",
                    entity_id=item.id,
                    case_id=case_id,
                    details={"exhibit_ref": item.exhibit_ref, "sha256": item.sha256,
                             "share_id": added.id},
                )  # fmt: skip
        return added


@dataclass(frozen=True)
class ShareRow:
    """A share of the case with an agency, as the sharing screen lists it."""

    id: str
    agency: str
    what: str
    legal_basis: str
    shared_on: date
    officer: str


def shares_for_case(store: Store, case_id: str) -> list[ShareRow]:
    """The case's shares, latest first."""
    with store.read() as session:
        records = session.exec(
            select(SharingRecord)
            .where(SharingRecord.case_id == case_id)
            .order_by(col(SharingRecord.shared_on).desc(), col(SharingRecord.created_at).desc())
        )
        return [
            ShareRow(r.id, r.agency, r.what, r.legal_basis, r.shared_on, r.officer) for r in records
        ]


def _owners_only(session: Session, case: Case, *, act: str = "withdraw") -> None:
    """Refuse (SharingRefused) on a laptop enrolled in a team that does not own the case: the
    service lets only the owning team change sharing (sync/server/access.py), so a partner's
    laptop that kept the change would fall out of step with it. A laptop that is not enrolled has
    no service to disagree with."""
    team = settings.enrolled_team(session)
    if team and case.team != team:
        what = "withdraw its shares" if act == "withdraw" else "share it onward"
        raise SharingRefused(
            f"only the case's own team ({case.team}) can {what}; this laptop's "
            f"team ({team}) is a partner of the case: ask {case.team} to {act} it"
        )


def withdraw_share(store: Store, share_id: str, *, reason: str) -> None:
    """Withdraw a share: its row is deleted (and the deletion synced), the reason audited."""
    if is_blank(reason):
        raise SharingRefused("say why the share is withdrawn")
    with store.write() as uow:
        record = uow.reads.get(SharingRecord, share_id)
        if record is None:
            raise UnknownRecord("that share does not exist")
        case = uow.reads.get(Case, record.case_id)
        if case is not None:
            _owners_only(uow.reads, case)
        uow.delete(
            record,
            action="case.share.withdraw",
            details={"agency": record.agency, "reason": reason},
        )


def withdraw_agency_shares(store: Store, case_id: str, agency: str, *, reason: str) -> list[str]:
    """Withdraw every share of the case with the agency (named case-insensitively), so that the
    agency loses the case: one audited deletion per share, all in one transaction. The agency's
    name as recorded; SharingRefused when the case is not shared with it (nothing written)."""
    wanted = agency.strip().casefold()  # matched tolerantly; the reason is kept as typed
    if not wanted:
        raise SharingRefused("name the agency whose share is withdrawn")
    if is_blank(reason):
        raise SharingRefused("say why the share is withdrawn")
    with store.write() as uow:
        case = uow.reads.get(Case, case_id)
        if case is None:
            raise CaseNotFound()
        _owners_only(uow.reads, case)
        shares = list(uow.reads.exec(select(SharingRecord).where(SharingRecord.case_id == case_id)))
        chosen = [s for s in shares if s.agency.strip().casefold() == wanted]
        if not chosen:
            held = sorted({s.agency for s in shares})
            with_whom = ("it is shared with: " + ", ".join(held)) if held else "it is not shared"
            raise SharingRefused(f"the case is not shared with {agency.strip()!r}; {with_whom}")
        for record in chosen:
            uow.delete(
                record,
                action="case.share.withdraw",
                details={"agency": record.agency, "reason": reason},
            )
        return sorted({s.agency for s in chosen})
