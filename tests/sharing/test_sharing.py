"""Sharing with agencies: consent status first, consent basis refused without consent, audited."""

from __future__ import annotations

from datetime import date

import pytest
from built_case_testkit import MakeCase
from sqlmodel import select

from asb_tui.domain.types import LegalBasis
from asb_tui.store.commands.oversight_errors import SharingRefused
from asb_tui.store.commands.sharing import consent_status, share_case, shares_for_case
from asb_tui.store.core.models import AuditEvent, ChangeRecord, SharingRecord
from asb_tui.store.core.store import Store

TODAY = date.today()


def _counts(store: Store) -> tuple[int, int, int]:
    with store.read() as session:
        return (
            len(session.exec(select(SharingRecord)).all()),
            len(session.exec(select(AuditEvent)).all()),
            len(session.exec(select(ChangeRecord)).all()),
        )


@pytest.mark.parametrize("consent", [None, "withdrawn"])
def test_consent_basis_without_consent_is_refused(
    store: Store, make_case: MakeCase, consent: str | None
) -> None:
    case = make_case("ASB-SH-1", people=[("Ann Victim", "victim")], consent=consent)
    status = consent_status(store, case.case_id)
    assert not status.allows_sharing
    assert status.state == ("none" if consent is None else "withdrawn")
    before = _counts(store)
    with pytest.raises(SharingRefused, match="consent"):
        share_case(
            store,
            case.case_id,
            agency="Police",
            what="Incident log",
            legal_basis=LegalBasis.CONSENT.value,
            shared_on=TODAY,
        )
    assert _counts(store) == before


def test_s115_share_without_consent_is_recorded_audited_and_synced(
    store: Store, make_case: MakeCase
) -> None:
    case = make_case("ASB-SH-2", people=[("Ann Victim", "victim")])
    record = share_case(
        store,
        case.case_id,
        agency="Landlord / housing provider",
        what="Incident log",
        legal_basis=LegalBasis.S115.value,
        shared_on=TODAY,
        officer="Priya",
    )
    assert record.consent_status == "none"
    (listed,) = shares_for_case(store, case.case_id)
    assert (listed.agency, listed.what, listed.legal_basis, listed.officer) == (
        "Landlord / housing provider",
        "Incident log",
        "s115-crime-and-disorder-act-1998",
        "Priya",
    )
    with store.read() as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "case.share")).one()
        change = session.exec(
            select(ChangeRecord).where(ChangeRecord.table_name == "sharing_record")
        ).one()
    assert event.entity_id == record.id and event.case_id == case.case_id
    assert "Landlord" not in str(event.details)  # field names only, never values
    assert change.op == "insert" and change.fields["agency"] == "Landlord / housing provider"


def test_consent_basis_with_signed_consent_is_allowed(store: Store, make_case: MakeCase) -> None:
    case = make_case("ASB-SH-3", people=[("Ann Victim", "victim")], consent="given")
    status = consent_status(store, case.case_id)
    assert status.allows_sharing and "Police, landlord" in status.description
    record = share_case(
        store,
        case.case_id,
        agency="Police",
        what="Whole case",
        legal_basis="consent",
        shared_on=TODAY,
    )
    assert record.consent_status == "given"


@pytest.mark.parametrize(
    ("agency", "what", "basis", "message"),
    [
        ("", "x", "safeguarding", "agency"),
        ("Police", " ", "safeguarding", "what was shared"),
        ("Police", "x", "gossip", "legal basis"),
    ],
)
def test_incomplete_share_is_refused(
    store: Store,
    make_case: MakeCase,
    agency: str,
    what: str,
    basis: str,
    message: str,
) -> None:
    case = make_case("ASB-SH-4")
    with pytest.raises(SharingRefused, match=message):
        share_case(
            store, case.case_id, agency=agency, what=what, legal_basis=basis, shared_on=TODAY
        )
