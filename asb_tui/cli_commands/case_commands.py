"""`asb-tui deadlines [--all] [--json]`: what is overdue and due, soonest first.

One line each: case reference, what, due date (dd/mm/yyyy), state. `--all` adds deadlines that
are not due yet; `--json` prints a list of objects for scripts.
"""

from __future__ import annotations

import argparse
import json
from datetime import date

from asb_tui.cli_commands.common import UserError, add_passphrase_file_option, open_from_args

DUE_STATES = frozenset({"overdue", "due-today", "due-soon"})


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("deadlines", help="what is overdue and due, soonest first")
    parser.add_argument("--all", action="store_true", help="include deadlines not due yet")
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    parser.add_argument(
        "--today", metavar="DATE", help="count from this date (dd/mm/yyyy) instead of today"
    )
    add_passphrase_file_option(parser)
    parser.set_defaults(func=cmd_deadlines)


def _today(args: argparse.Namespace) -> date:
    if not args.today:
        return date.today()
    from asb_tui.domain.dates import parse_uk_date
    from asb_tui.domain.errors import DomainError

    try:
        return parse_uk_date(args.today, date.today())
    except DomainError as exc:
        raise UserError(f"--today: {exc}") from None


def cmd_deadlines(args: argparse.Namespace) -> int:
    from asb_tui.domain.case_deadlines import deadlines_for_cases
    from asb_tui.domain.dates import format_uk
    from asb_tui.store.deadline_facts import FactsFilter, deadline_rules, load_case_facts

    today = _today(args)
    store, cfg = open_from_args(args)
    try:
        with store.read() as session:
            facts = load_case_facts(session, FactsFilter(open_only=False))
    finally:
        store.close()
    found = deadlines_for_cases(facts, today, deadline_rules(cfg, today))
    if not args.all:
        found = [d for d in found if d.state.value in DUE_STATES]
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "case_ref": d.case_ref,
                        "case_id": d.case_id,
                        "kind": d.kind.value,
                        "what": d.title,
                        "due_on": d.due_on.isoformat(),
                        "due": format_uk(d.due_on),
                        "state": d.state.value,
                    }
                    for d in found
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    if not found:
        print("Nothing is due." if not args.all else "No deadlines.")
        return 0
    ref_width = max(len(d.case_ref) for d in found)
    what_width = min(max(len(d.title) for d in found), 60)
    for d in found:
        what = d.title if len(d.title) <= what_width else d.title[: what_width - 1] + "…"
        print(f"{d.case_ref:<{ref_width}}  {what:<{what_width}}  {format_uk(d.due_on)}  {d.state}")
    return 0
