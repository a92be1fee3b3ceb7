"""The report's PDF: names from the data (officers, areas) print exactly as typed, never read as
Typst markup, and the bars are drawn from the figures."""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path
from typing import Any

from asb_tui.domain.report_figures import ReportPeriod, compute_report
from asb_tui.export.report_pdf import render_report_pdf

HOSTILE = ("#set text(red)", "*bold* $x$", "عائشة الراشد", "Seán Ó Briain", "[bold]x[/]")


def _case(number: int, officer: str, area: str) -> dict[str, Any]:
    return {
        "id": f"c{number}", "ref": f"ASB-P-{number}", "category": "nuisance",
        "status": "accepted", "region": "northern-ireland", "referred_on": "2026-03-02",
        "accepted_on": "2026-03-03", "closed_on": None, "closure_reason": None,
        "reopen_count": 0, "risk_level": "high", "repeat_victim": True, "officer": officer,
        "team": "east",
    } | {"area": area}  # fmt: skip


def test_hostile_names_print_as_typed(tmp_path: Path) -> None:
    cases = [_case(n, name, name) for n, name in enumerate(HOSTILE)]
    rows = {
        "asb_case": [{k: v for k, v in c.items() if k != "area"} for c in cases],
        "address": [{"case_id": c["id"], "kind": "location", "area": c["area"]} for c in cases],
    }
    report = compute_report(rows, ReportPeriod(date(2026, 1, 1), date(2026, 6, 30)))
    out = render_report_pdf(report, tmp_path / "report.pdf")
    text = subprocess.run(
        ["pdftotext", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = " ".join(text.replace("\u200b", "").split())
    for name in HOSTILE:
        assert flat.count(name) >= 2, name  # by area and by officer
    assert "01/01/2026 to 30/06/2026" in flat
    # Every case unvisited and past its 3-day target: each listed as a miss.
    assert all(f"ASB-P-{n}" in flat for n in range(len(HOSTILE)))
