"""A Community Protection Notice recorded with its start date (a notice already served when it
is typed in) follows the same rule as one served through the legal moves: a written warning to
the same person in this case first, and its time to comply passed (s43(5) of the 2014 Act)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from case_testkit import TODAY

from asb_tui.domain.types import LegalRemedyKind, PartyRole
from asb_tui.store.commands import cases, legal
from asb_tui.store.commands.fieldwork import FieldworkError
from asb_tui.store.core.store import Store


def test_a_notice_without_a_warning_is_refused_and_with_one_follows_it(
    store: Store, case_id: str
) -> None:
    respondent = cases.add_person(
        store, case_id, name="Dan Quarrington", role=PartyRole.ALLEGED_PERPETRATOR.value
    )
    with pytest.raises(FieldworkError, match="written warning first"):
        legal.add_legal_remedy(store, case_id, kind=LegalRemedyKind.CPN, started_on=TODAY,
                               person_id=respondent, today=TODAY)  # fmt: skip
    with pytest.raises(FieldworkError, match="served on a person"):
        legal.add_legal_remedy(store, case_id, kind=LegalRemedyKind.CPN, started_on=TODAY,
                               today=TODAY)  # fmt: skip
    warning = legal.add_legal_remedy(
        store, case_id, kind=LegalRemedyKind.CPW, started_on=TODAY - timedelta(days=30),
        person_id=respondent, today=TODAY,
    )  # fmt: skip
    # A warning served after the notice's date does not count.
    with pytest.raises(FieldworkError, match="written warning first"):
        legal.add_legal_remedy(store, case_id, kind=LegalRemedyKind.CPN,
                               started_on=TODAY - timedelta(days=31), person_id=respondent,
                               today=TODAY)  # fmt: skip
    notice = legal.add_legal_remedy(
        store, case_id, kind=LegalRemedyKind.CPN, started_on=TODAY, person_id=respondent,
        today=TODAY,
    )  # fmt: skip
    assert notice.prior_warning_id == warning.id
