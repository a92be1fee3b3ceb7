"""`asb-tui case list` and `asb-tui case show` through the real CLI, on a case walked through the
store's commands: what the case detail shows, with the deadlines as the app computes them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from laptop_testkit import OFFICER, PASSPHRASE, assert_no_traceback, run_cli

from asb_tui.config import Config
from asb_tui.domain.labels import VOCABULARIES, label
from asb_tui.domain.types import DeadlineState
from asb_tui.store.core.store import create_store
from asb_tui.store.demo.demo_walkthrough import WalkedCase, walk_case
from asb_tui.store.queries.case_queries import case_detail
from asb_tui.store.queries.deadline_facts import deadline_rules

TODAY = date(2026, 12, 1)
Walked = tuple[Path, WalkedCase, list[Any]]  # the data folder, the case, its deadlines


@pytest.fixture(scope="module")
def walked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Walked]:
    data_dir = tmp_path_factory.mktemp("cli-case") / "data"
    store, _recovery = create_store(data_dir, PASSPHRASE, actor=OFFICER)
    config = Config(data_dir=data_dir)
    case = walk_case(store, config, TODAY)
    with store.read() as session:
        detail = case_detail(
            session, case.case_id, today=TODAY, rules=deadline_rules(config, TODAY)
        )
    store.close()
    assert detail is not None
    yield data_dir, case, list(detail.deadlines)


def test_case_show_json_holds_the_case_and_its_derived_facts(walked: Walked) -> None:
    data_dir, case, deadlines = walked
    result = run_cli(
        "case", "show", case.ref.lower(), "--json", "--today", "01/12/2026", data_dir=data_dir
    )
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["ref"] == case.ref and shown["status"] == "reopened"
    assert shown["risk_level"] == "high" and shown["reopen_count"] == 1
    assert shown["flags"]["high_risk"] and shown["flags"]["vvc_referred"]
    review = shown["case_review"]
    assert (review["qualifying_complaints"], review["threshold_met"], review["tell_victim"]) == (
        3,
        True,
        True,
    )
    assert [(d["what"], d["due_on"], d["state"]) for d in shown["deadlines"]] == [
        (d.title, d.due_on.isoformat(), d.state.value) for d in deadlines
    ]
    roles = {(p["name"], p["role"]) for p in shown["people"]}
    assert (case.witness_name, "witness") in roles
    assert ("Dariusz Wiśniewski", "alleged-perpetrator") in roles
    visits = " ".join(e["detail"] for e in shown["visits_and_contacts"])
    assert case.needs in visits and "Phone video of the shouting" in visits
    legal = " ".join(e["what"] + e["detail"] for e in shown["legal"])
    assert "Community Protection Warning" in legal and "Served by hand" in legal
    kinds = [r["kind"] for r in shown["referrals"]]
    assert "victim-support-officer" in kinds and "vulnerable-victims-conference" in kinds


def test_case_show_text_and_case_list(walked: Walked) -> None:
    data_dir, case, _deadlines = walked
    text = run_cli("case", "show", case.ref, "--today", "01/12/2026", data_dir=data_dir)
    assert text.returncode == 0, text.stderr
    assert text.stdout.startswith(f"{case.ref}  Reopened  High risk")
    assert "Case Review    3 qualifying complaint(s); threshold met" in text.stdout
    assert "Witness" in text.stdout and case.witness_name in text.stdout
    # Deadline states as labels ("Not due"), never the stored "not-due".
    deadline_lines = text.stdout.split("\nDeadlines\n")[1].split("\n\n")[0].splitlines()
    states = {label(state) for state in DeadlineState}
    assert deadline_lines and all(line[14:24].strip() in states for line in deadline_lines)
    raw = [m.value for vocabulary in VOCABULARIES for m in vocabulary if "-" in m.value]
    assert [value for value in raw if value in text.stdout] == []
    listed = run_cli("case", "list", "--json", data_dir=data_dir)
    assert listed.returncode == 0, listed.stderr
    (row,) = json.loads(listed.stdout)
    assert row["ref"] == case.ref and row["risk_level"] == "high"


def test_case_show_refuses_an_unknown_reference_and_a_bad_date(walked: Walked) -> None:
    data_dir, case, _deadlines = walked
    unknown = run_cli("case", "show", "ASB-1999-00001", data_dir=data_dir)
    assert (
        unknown.returncode == 2
        and "There is no case ASB-1999-00001 on this laptop" in unknown.stderr
    )
    assert_no_traceback(unknown)
    bad = run_cli("case", "show", case.ref, "--today", "31/02/2026", data_dir=data_dir)
    assert bad.returncode == 2 and "not a real date" in bad.stderr
    assert_no_traceback(bad)
