"""The management report as a PDF: ``templates/report.typ`` typesets the figures of
domain/report_figures.py and draws their bars (no image files, no downloads at render time).

The report holds counts and case references, no names of victims; it is written atomically with
mode 0600 like every other export.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from asb_tui.export.pdf_render import compile_typst, write_pdf_atomically

TEMPLATE = "report.typ"


def _uk(iso: str | None) -> str | None:
    return None if iso is None else date.fromisoformat(iso).strftime("%d/%m/%Y")


def render_report_pdf(report: Mapping[str, Any], out: Path) -> Path:
    """Typeset `report` (compute_report's dict) to `out` and return `out`."""
    data = dict(report) | {
        "generated_at": f"{datetime.now():%d/%m/%Y %H:%M}",
        "period": {k: _uk(v) for k, v in report["period"].items()},
    }
    visit = dict(report["first_home_visit"])
    visit["misses"] = [
        m | {"accepted_on": _uk(m["accepted_on"]), "visited_on": _uk(m["visited_on"])}
        for m in visit["misses"]
    ]
    data["first_home_visit"] = visit
    write_pdf_atomically(Path(out), compile_typst(TEMPLATE, data))
    return Path(out)
