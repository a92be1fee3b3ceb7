"""`asb-tui case show REF --json` through the real CLI holds the Case Review: its status, the
qualifying complaints with their dates, the threshold and the deadlines; a config asking for a
threshold the Act does not allow is refused in one line."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from built_case_testkit import Cli

from asb_tui.store.commands import case_review as cr
from asb_tui.store.commands import diary
from asb_tui.store.core.models import Case
from asb_tui.store.core.store import Store

TODAY = date(2026, 12, 1)


def _ref(store: Store, case_id: str) -> str:
    with store.read() as session:
        case = session.get(Case, case_id)
    assert case is not None
    return case.ref


def test_case_show_json_holds_the_case_review(store: Store, case_id: str, cli: Cli) -> None:
    sheet = diary.record_sheets_sent(store, case_id, sent_on=date(2026, 9, 1))
    for happened, reported, to in (
        (date(2026, 9, 3), date(2026, 9, 3), ("police",)),
        (date(2026, 9, 28), date(2026, 10, 1), ("council",)),
        (date(2026, 10, 12), date(2026, 10, 13), ("housing",)),
        (date(2026, 6, 1), date(2026, 8, 1), ("council",)),  # two months late: left out
    ):
        diary.add_diary_entry(
            store,
            sheet.id,
            diary.DiaryEntry(
                occurred_on=happened,
                description=f"Incident of {happened}",
                reported_on=reported,
                reported_to=to,
            ),
            typed_on=TODAY,
        )
    review = cr.apply_for_case_review(
        store, case_id, applicant="Ann Victim", applied_on=date(2026, 11, 2), today=TODAY
    )
    cr.acknowledge_application(store, review.id, date(2026, 11, 4), today=TODAY)
    result = cli("case", "show", _ref(store, case_id), "--json", "--today", "01/12/2026")
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)["case_review"]
    assert shown["status"] == "acknowledged"
    assert shown["threshold"] == {"complaints": 3, "months": 6, "met": True}
    assert shown["qualifying_complaints"] == 3 and shown["threshold_met"] is True
    assert [
        (q["occurred_on"], q["reported_on"], q["reported_to"]) for q in shown["qualifying"]
    ] == [
        ("2026-09-03", "2026-09-03", ["police"]),
        ("2026-09-28", "2026-10-01", ["council"]),
        ("2026-10-12", "2026-10-13", ["housing"]),
    ]
    assert [(o["occurred_on"], o["reason"]) for o in shown["left_out"]] == [
        ("2026-06-01", "reported more than a month after it happened")
    ]
    assert shown["tell_victim"] is True and shown["tell_victim_due"] == "2026-10-01"
    steps = [(d["what"], d["due_on"], d["state"]) for d in shown["deadlines"]]
    assert steps == [
        ("Case Review: acknowledge the application", "2026-11-16", "met"),
        ("Case Review: decide the threshold and write to the applicant", "2026-11-23", "overdue"),
        ("Case Review: hold the review meeting", "2026-11-30", "overdue"),
    ]
    (application,) = shown["applications"]
    assert application["applicant"] == "Ann Victim" and application["applied_on"] == "2026-11-02"
    text = cli("case", "show", _ref(store, case_id), "--today", "01/12/2026")
    assert "3 qualifying complaint(s); threshold met" in text.stdout
    assert "Case Review: hold the review meeting" in text.stdout


def test_a_config_above_three_in_six_months_is_refused_in_one_line(
    store: Store, case_id: str, cli: Cli, data_dir: Path
) -> None:
    ref = _ref(store, case_id)
    (data_dir / "config.toml").write_text("case_review_threshold = 4\n", encoding="utf-8")
    result = cli("case", "show", ref, "--json")
    assert result.returncode != 0 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "case_review_threshold" in lines[0] and "three" in lines[0]
    (data_dir / "config.toml").write_text("case_review_window_months = 5\n", encoding="utf-8")
    result = cli("case", "show", ref, "--json")
    assert result.returncode != 0 and "six months" in result.stderr.strip()
