"""`asb-tui case show REF --json` through the real CLI gives each remedy: its power, respondent
(person id), stages with dates (and the time of service), status, whether it is in force, its next
deadline with its time, and the legal moves open to it."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from case_testkit import make_case
from laptop_testkit import assert_no_traceback, run_cli
from legal_testkit import NOW, add_respondent, at
from sqlmodel import select

from asb_tui.domain.legal_powers import RemedyStatus as S
from asb_tui.domain.types import LegalRemedyKind as K
from asb_tui.store.commands import legal_powers
from asb_tui.store.core.models import Case
from asb_tui.store.core.store import Store


def test_case_show_json_gives_each_remedy_with_its_clock(store: Store, data_dir: Path) -> None:
    case_id = make_case(store)
    dean = add_respondent(store, case_id)
    notice = legal_powers.propose_remedy(store, case_id, kind=K.CLOSURE_NOTICE, person_id=dean)
    friday = at(date(2026, 11, 27), 16, 30)
    legal_powers.move_remedy(store, notice.id, to=S.SERVED, on=friday.date(), at=friday, now=NOW)
    warning = legal_powers.propose_remedy(store, case_id, kind=K.CPW, person_id=dean)
    legal_powers.move_remedy(
        store, warning.id, to=S.SERVED, on=date(2026, 11, 2), comply_by=date(2026, 11, 16), now=NOW
    )
    legal_powers.move_remedy(store, warning.id, to=S.ENDED, on=date(2026, 11, 17), now=NOW)
    proposed = legal_powers.propose_remedy(store, case_id, kind=K.CBO, person_id=dean)
    with store.read() as session:
        ref = session.exec(select(Case.ref).where(Case.id == case_id)).one()
    store.close()

    result = run_cli("case", "show", ref, "--json", "--today", "28/11/2026", data_dir=data_dir)
    assert_no_traceback(result)
    assert result.returncode == 0, result.stderr
    remedies = {r["id"]: r for r in json.loads(result.stdout)["legal_remedies"]}
    assert set(remedies) == {notice.id, warning.id, proposed.id}

    closure = remedies[notice.id]
    assert (closure["power"], closure["respondent"], closure["status"]) == (
        "closure-notice",
        dean,
        "served",
    )
    assert closure["in_force"] is True
    assert closure["served_at"] == "2026-11-27T16:30:00+00:00"
    assert closure["ends_at"] == "2026-11-28T16:30:00+00:00"
    assert closure["stages"] == [
        {
            "stage": "served",
            "on": "2026-11-27",
            "at": "2026-11-27T16:30:00+00:00",
            "to_status": "served",
        }
    ]
    # the notice ends first (24 hours); the hearing is in the clock of the case's deadlines
    assert closure["next_deadline"] == {
        "what": "closure notice ends (s77)",
        "due_on": "2026-11-28",
        "due_at": "2026-11-28T16:30:00+00:00",
    }
    assert "varied" in closure["legal_next"] and "granted" not in closure["legal_next"]

    ended = remedies[warning.id]
    assert (ended["status"], ended["in_force"], ended["next_deadline"]) == ("ended", False, None)
    assert [s["to_status"] for s in ended["stages"]] == ["served", "ended"]
    assert ended["comply_by"] == "2026-11-16" and ended["legal_next"] == []

    cbo = remedies[proposed.id]
    assert (cbo["status"], cbo["in_force"], cbo["legal_next"]) == (
        "proposed",
        False,
        ["applied", "ended"],
    )

    hearing = [
        d
        for d in json.loads(result.stdout)["deadlines"]
        if d["kind"] == "legal-step" and "hearing" in d["what"]
    ]
    assert [(d["due_on"], d["due_at"]) for d in hearing] == [
        ("2026-11-29", "2026-11-29T16:30:00+00:00")
    ]
