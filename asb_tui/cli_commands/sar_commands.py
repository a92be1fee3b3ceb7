"""`sar log|identity|fee|clarify|extend|complete|list`: the subject access request log.

Requests are kept on this laptop only (docs/subject-access.md). `export sar --request REF` links
an export to its request. Dates are typed the UK way (or `today`, `yesterday`, `+3wd`).
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from typing import TYPE_CHECKING, Any

from asb_tui.cli_commands.common import UserError, add_passphrase_file_option, open_from_args
from asb_tui.domain.dates import format_uk, parse_uk_date
from asb_tui.domain.errors import DomainError

if TYPE_CHECKING:
    from asb_tui.store.commands.subject_access import RequestView

# The store's subject access commands are imported by each command (`sar` below), not here: the
# parser is built from this module (asb_tui/cli.py).

REQUEST_HELP = "the request's reference (SAR-2026-0001) or id"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = sub.add_parser("sar", help="subject access requests: log, extend, complete, list")
    commands = group.add_subparsers(dest="sar_command", required=True, metavar="ACTION")

    log = commands.add_parser("log", help="log a subject access request as received")
    log.add_argument("--received", metavar="DD/MM/YYYY", required=True, help="day received")
    log.add_argument("--requester", metavar="NAME", required=True, help="who made the request")
    log.add_argument("--person", metavar="ID", help="the person's id, when this laptop holds them")
    log.add_argument("--details", metavar="TEXT", default="", help="what was asked for")
    log.add_argument(
        "--identity-checked", metavar="DD/MM/YYYY", help="the day the identity was confirmed"
    )
    log.add_argument("--identity-how", metavar="TEXT", default="", help="how it was confirmed")
    log.add_argument(
        "--identity-asked",
        action="store_true",
        help="proof of identity was asked for: the clock starts when it is confirmed",
    )
    log.add_argument(
        "--fee-asked", action="store_true", help="a fee was asked for: the clock starts on receipt"
    )
    log.set_defaults(func=cmd_log)

    identity = commands.add_parser("identity", help="record the requester's identity confirmed")
    identity.add_argument("request", metavar="REQUEST", help=REQUEST_HELP)
    identity.add_argument("--on", metavar="DD/MM/YYYY", default="today")
    identity.add_argument("--how", metavar="TEXT", required=True, help="how it was confirmed")
    identity.set_defaults(func=cmd_identity)

    fee = commands.add_parser("fee", help="record the fee asked for as received")
    fee.add_argument("request", metavar="REQUEST", help=REQUEST_HELP)
    fee.add_argument("--received", metavar="DD/MM/YYYY", default="today")
    fee.set_defaults(func=cmd_fee)

    clarify = commands.add_parser(
        "clarify", help="a clarification asked for (the clock stops) or answered (it runs again)"
    )
    clarify.add_argument("request", metavar="REQUEST", help=REQUEST_HELP)
    clarify.add_argument("--asked", metavar="DD/MM/YYYY", help="the day it was asked for")
    clarify.add_argument("--answered", metavar="DD/MM/YYYY", help="the day the answer came")
    clarify.set_defaults(func=cmd_clarify)

    extend = commands.add_parser(
        "extend", help="extend by 1 or 2 further months (complex or numerous requests)"
    )
    extend.add_argument("request", metavar="REQUEST", help=REQUEST_HELP)
    extend.add_argument("--months", metavar="N", default="2", help="1 or 2 (default 2)")
    extend.add_argument("--reason", metavar="TEXT", required=True, help="why (told to them)")
    extend.add_argument("--on", metavar="DD/MM/YYYY", default="today", help="day decided")
    extend.set_defaults(func=cmd_extend)

    complete = commands.add_parser("complete", help="record the reply as sent")
    complete.add_argument("request", metavar="REQUEST", help=REQUEST_HELP)
    complete.add_argument("--on", metavar="DD/MM/YYYY", default="today", help="day sent")
    complete.set_defaults(func=cmd_complete)

    listing = commands.add_parser("list", help="the requests, soonest due first")
    listing.add_argument("--open", action="store_true", help="only those not yet answered")
    listing.add_argument("--json", action="store_true", help="as JSON")
    listing.set_defaults(func=cmd_list)

    for parser in (log, identity, fee, clarify, extend, complete, listing):
        add_passphrase_file_option(parser)


def _date(text: str | None, option: str, today: date) -> date | None:
    if text is None:
        return None
    try:
        return parse_uk_date(text, today)
    except DomainError as exc:
        raise UserError(f"{option}: {exc}") from None


def _required_date(text: str, option: str, today: date) -> date:
    day = _date(text, option, today)
    assert day is not None
    return day


def _context(args: argparse.Namespace, *, records: bool = True) -> tuple[Any, Any, date]:
    from asb_tui.store.queries.deadline_facts import deadline_rules

    store, cfg = open_from_args(args, records=records)
    today = date.today()
    return store, deadline_rules(cfg, today), today


def _clock_line(view: RequestView) -> str:
    if view.completed_on is not None:
        return f"answered on {format_uk(view.completed_on)}"
    if view.due_on is None:
        return f"the clock waits for {view.waiting_for}"
    text = f"reply due {format_uk(view.due_on)}"
    if view.extension_months:
        text += f" (extended by {view.extension_months} month(s))"
    return text + ("" if view.state == "open" else f": {view.state.upper()}")


def cmd_log(args: argparse.Namespace) -> int:
    today = date.today()
    received = _required_date(args.received, "--received", today)
    checked = _date(args.identity_checked, "--identity-checked", today)
    from asb_tui.store.commands import subject_access as sar

    store, rules, today = _context(args)
    with store:
        view = sar.log_request(
            store,
            received_on=received,
            requester=args.requester,
            today=today,
            rules=rules,
            person_id=args.person,
            details=args.details,
            identity_asked=args.identity_asked,
            identity_confirmed_on=checked,
            identity_how=args.identity_how,
            fee_asked=args.fee_asked,
        )
    print(f"Logged {view.ref} (received {format_uk(view.received_on)}): {_clock_line(view)}")
    return 0


def cmd_identity(args: argparse.Namespace) -> int:
    on = _required_date(args.on, "--on", date.today())
    from asb_tui.store.commands import subject_access as sar

    store, rules, today = _context(args)
    with store:
        view = sar.confirm_identity(
            store, args.request, on=on, how=args.how, today=today, rules=rules
        )
    print(f"{view.ref}: identity confirmed on {format_uk(on)}; {_clock_line(view)}")
    return 0


def cmd_fee(args: argparse.Namespace) -> int:
    on = _required_date(args.received, "--received", date.today())
    from asb_tui.store.commands import subject_access as sar

    store, rules, today = _context(args)
    with store:
        view = sar.record_fee(store, args.request, on=on, today=today, rules=rules)
    print(f"{view.ref}: fee received on {format_uk(on)}; {_clock_line(view)}")
    return 0


def cmd_clarify(args: argparse.Namespace) -> int:
    today = date.today()
    asked = _date(args.asked, "--asked", today)
    answered = _date(args.answered, "--answered", today)
    from asb_tui.store.commands import subject_access as sar

    store, rules, today = _context(args)
    with store:
        view = sar.record_clarification(
            store, args.request, asked_on=asked, received_on=answered, today=today, rules=rules
        )
    print(f"{view.ref}: {_clock_line(view)}")
    return 0


def cmd_extend(args: argparse.Namespace) -> int:
    on = _required_date(args.on, "--on", date.today())
    try:
        months = int(args.months)
    except ValueError:
        raise UserError(f"--months: {args.months!r} is not a number; give 1 or 2") from None
    from asb_tui.store.commands import subject_access as sar

    store, rules, today = _context(args)
    with store:
        view = sar.extend_request(
            store, args.request, months=months, reason=args.reason, on=on, today=today, rules=rules
        )
    print(f"{view.ref}: {_clock_line(view)}")
    return 0


def cmd_complete(args: argparse.Namespace) -> int:
    on = _required_date(args.on, "--on", date.today())
    from asb_tui.store.commands import subject_access as sar

    store, rules, today = _context(args)
    with store:
        view = sar.complete_request(store, args.request, on=on, today=today, rules=rules)
    late = view.due_on is not None and on > view.due_on
    tail = f" (late: it was due {format_uk(view.due_on)})" if late and view.due_on else ""
    print(f"{view.ref}: {_clock_line(view)}{tail}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from asb_tui.store.commands import subject_access as sar

    store, rules, today = _context(args, records=False)
    with store:
        views = sar.list_requests(store, today=today, rules=rules, open_only=args.open)
    if args.json:
        print(json.dumps([v.as_json() for v in views], ensure_ascii=False, indent=2))
        return 0
    if not views:
        print("No subject access request is logged on this laptop.")
        return 0
    print(f"{'Request':<15} {'Received':<11} {'Due':<11} {'State':<9} Requester")
    for view in views:
        due = format_uk(view.due_on) if view.due_on else "—"
        shown = "answered" if view.state == "done" else view.state
        line = f"{view.ref:<15} {format_uk(view.received_on):<11} {due:<11} {shown:<9} "
        print(line + view.requester.replace("\n", " "))
        if view.waiting_for and view.completed_on is None:
            print(f"{'':<15} the clock waits for {view.waiting_for}")
    return 0
