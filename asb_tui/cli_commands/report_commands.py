"""`asb-tui report`: the management report over the cases this laptop holds (docs/reports.md).

    asb-tui report [--from DD/MM/YYYY] [--to DD/MM/YYYY] [--team T]
                   [--json | --csv DIR | --pdf FILE]

With no output option it prints the figures as text. The figures are domain/report_figures.py's,
the same functions `asb-sync-server report` runs over the central service.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from asb_tui.cli_commands.common import (
    UserError,
    add_passphrase_file_option,
    open_from_args,
    today_from_args,
)

if TYPE_CHECKING:
    from asb_tui.domain.report_figures import ReportPeriod

# The report's figures and the store are imported by the command, not here: the parser is built
# from this module (asb_tui/cli.py).


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    report = sub.add_parser(
        "report", help="the management report: caseload, visits, outcomes, powers, Case Review"
    )
    report.add_argument("--from", dest="start", metavar="DD/MM/YYYY", help="first day counted")
    report.add_argument("--to", dest="end", metavar="DD/MM/YYYY", help="last day (default today)")
    report.add_argument("--team", metavar="TEAM", help="only the cases of this team")
    report.add_argument("--today", metavar="DD/MM/YYYY", help=argparse.SUPPRESS)
    out = report.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the report as JSON")
    out.add_argument("--csv", metavar="DIR", help="write one CSV file per table into DIR")
    out.add_argument("--pdf", metavar="FILE", help="write the report as a PDF with charts")
    add_passphrase_file_option(report)
    report.set_defaults(func=cmd_report)


def period_from_args(args: argparse.Namespace, today: date) -> ReportPeriod:
    """`--from`/`--to` (DD/MM/YYYY), defaulting to the twelve months up to `--to` or today."""
    from asb_tui.domain.errors import DomainError
    from asb_tui.domain.report_figures import period_from_text

    try:
        return period_from_text(args.start, args.end, today)
    except DomainError as exc:
        raise UserError(str(exc)) from None


def write_csv_tables(tables: dict[str, list[list[Any]]], directory: Path) -> list[Path]:
    """One `<name>.csv` per table (header first), UTF-8, in an existing directory."""
    if not directory.is_dir():
        raise UserError(f"the directory {directory} does not exist")
    written = []
    for name, rows in tables.items():
        path = directory / f"{name}.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(rows)
        written.append(path)
    return written


def cmd_report(args: argparse.Namespace) -> int:
    from asb_tui.domain.report_figures import report_tables
    from asb_tui.store.queries.report_rows import management_report

    period = period_from_args(args, today_from_args(args))
    pdf_out = Path(args.pdf) if args.pdf else None
    if pdf_out is not None and (pdf_out.is_dir() or not pdf_out.parent.exists()):
        raise UserError(f"cannot write the PDF to {pdf_out}: give a file in an existing directory")
    if args.csv and not Path(args.csv).is_dir():
        raise UserError(f"the directory {args.csv} does not exist")
    store, _cfg = open_from_args(args, records=False)
    with store:
        report = management_report(store, period, args.team)
    if args.json:
        json.dump(report, sys.stdout, ensure_ascii=False, indent=1)
        print()
    elif args.csv:
        written = write_csv_tables(report_tables(report), Path(args.csv))
        print(f"Wrote {len(written)} CSV files to {args.csv}")
    elif pdf_out is not None:
        from asb_tui.export.report_pdf import render_report_pdf

        render_report_pdf(report, pdf_out)
        print(f"Wrote the report to {pdf_out}")
    else:
        print(format_text(report))
    return 0


def format_text(report: dict[str, Any]) -> str:
    """The report as plain text: one line per figure under each section's heading."""
    from asb_tui.domain.report_figures import SECTION_TITLES, report_tables

    lines = [
        f"Report {report['period']['from']} to {report['period']['to']}: "
        f"{report['cases_in_period']} cases in the period of {report['cases_held']} held"
    ]
    current = None
    for section, name, value in report_tables(report)["summary"][1:]:
        if section != current:
            current = section
            lines.append("")
            lines.append(SECTION_TITLES[section])
        lines.append(f"  {name}: {value}")
    return "\n".join(lines)
