"""`letter list|make|log` and `diary-sheets`: letters and printable diary sheets from a case.

Each letter made is written as a tagged PDF and logged on the case (template and version,
recipient, date, how it was sent, SHA-256), which completes the task it does (docs/letters.md).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from asb_tui.cli_commands.common import (
    UserError,
    add_passphrase_file_option,
    open_from_args,
    today_from_args,
)
from asb_tui.domain.dates import format_uk
from asb_tui.domain.errors import DomainError
from asb_tui.domain.letters import SEND_METHODS


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = sub.add_parser("letter", help="letters from a case: list the templates, make one")
    commands = group.add_subparsers(dest="letter_command", required=True, metavar="ACTION")

    listing = commands.add_parser("list", help="the letters there are, and what each is for")
    listing.add_argument("--json", action="store_true", help="as JSON")
    listing.set_defaults(func=cmd_list)

    make = commands.add_parser("make", help="make a letter as a PDF and log it on the case")
    make.add_argument("ref", metavar="REF", help="the case reference")
    make.add_argument("--template", metavar="NAME", required=True, help="see `letter list`")
    make.add_argument("--to", metavar="PERSON_ID", required=True, help="the person's id")
    make.add_argument("--out", metavar="FILE.pdf", required=True, help="where to write it")
    make.add_argument(
        "--method", choices=SEND_METHODS, default="post", help="how it is sent (default post)"
    )
    make.add_argument("--text", metavar="TEXT", default="", help="a paragraph of your own")
    make.add_argument("--large-print", action="store_true", help="in large print")
    make.add_argument("--print", action="store_true", help="also send it to the printer (lp)")
    make.add_argument("--today", metavar="DD/MM/YYYY", help=argparse.SUPPRESS)
    make.set_defaults(func=cmd_make)

    log = commands.add_parser("log", help="the letters a case has sent, newest first")
    log.add_argument("ref", metavar="REF", help="the case reference")
    log.add_argument("--json", action="store_true", help="as JSON")
    log.set_defaults(func=cmd_log)

    sheets = sub.add_parser("diary-sheets", help="printable diary sheets for a case's victim")
    sheets.add_argument("ref", metavar="REF", help="the case reference")
    sheets.add_argument("--out", metavar="FILE.pdf", required=True, help="where to write them")
    sheets.add_argument("--rows", metavar="N", type=int, default=10, help="rows (default 10)")
    sheets.add_argument("--large-print", action="store_true", help="in large print")
    sheets.add_argument("--today", metavar="DD/MM/YYYY", help=argparse.SUPPRESS)
    sheets.set_defaults(func=cmd_diary_sheets)

    for parser in (make, log, sheets):
        add_passphrase_file_option(parser)


def cmd_list(args: argparse.Namespace) -> int:
    from asb_tui.export.letters import letters_listed

    listed = letters_listed()
    if args.json:
        print(json.dumps(listed, indent=2, ensure_ascii=False))
        return 0
    width = max(len(item["name"]) for item in listed)
    for item in listed:
        done = f" (completes: {item['completes']})" if item["completes"] else ""
        print(
            f"{item['name']:<{width}}  v{item['version']}  to {item['to']}: {item['title']}{done}"
        )
        print(f"{'':<{width}}  {item['purpose']}")
    return 0


def _case_id(store: object, ref: str) -> str:
    from asb_tui.store.core.errors import CaseNotFound
    from asb_tui.store.queries.case_queries import find_case

    with store.read() as session:  # type: ignore[attr-defined]
        case_id = find_case(session, ref)
    if case_id is None:
        raise CaseNotFound(ref)
    return case_id


def cmd_make(args: argparse.Namespace) -> int:
    from asb_tui.export import letters
    from asb_tui.export.pdf_render import PdfRenderError

    today = today_from_args(args)
    store, cfg = open_from_args(args)
    with store:
        case_id = _case_id(store, args.ref)
        people = letters.letter_recipients(store, case_id)
        if args.to not in {p.person_id for p in people}:
            shown = "; ".join(f"{p.person_id} {p.name} ({p.role})" for p in people)
            raise UserError(
                f"--to: {args.to} is not a person of case {args.ref}. Its people: {shown}"
            )
        try:
            made = letters.make_letter(
                store,
                cfg,
                args.ref,
                args.template,
                args.to,
                Path(args.out),
                today=today,
                method=args.method,
                text=args.text,
                large_print=args.large_print,
            )
        except DomainError as exc:
            raise UserError(str(exc)) from None
        except PdfRenderError as exc:
            raise UserError(str(exc).splitlines()[0]) from None
        print(f"Wrote {made.path} ({made.logged.title}, to {made.logged.recipient}).")
        print(f"Logged on {args.ref.upper()}: SHA-256 {made.sha256}")
        if made.logged.completed_task:
            print(f"Task done: {made.logged.completed_task}")
        if args.print:
            try:
                print(letters.print_pdf(made.path.read_bytes(), made.path.name))
            except letters.NoPrintSystem:
                print(
                    f"asb-tui: note: there is no print system on this computer (no `lp`): the "
                    f"letter was written to {made.path} but not printed",
                    file=sys.stderr,
                )
    return 0


def cmd_log(args: argparse.Namespace) -> int:
    from asb_tui.store.commands.communications import communications

    store, _cfg = open_from_args(args, records=False)
    with store:
        rows = communications(store, _case_id(store, args.ref))
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "sent_on": r.sent_on.isoformat(),
                        "template": r.template,
                        "template_version": r.template_version,
                        "title": r.title,
                        "recipient": r.recipient,
                        "method": r.method,
                        "pdf_sha256": r.pdf_sha256,
                        "pdf_name": r.pdf_name,
                    }
                    for r in rows
                ],
                indent=2,
                ensure_ascii=False,
            )
        )
        return 0
    if not rows:
        print(f"No letters have been made from {args.ref.upper()}.")
    for r in rows:
        print(
            f"{format_uk(r.sent_on)}  {r.title} (v{r.template_version}) to {r.recipient}, "
            f"by {r.method}; {r.pdf_name}; SHA-256 {r.pdf_sha256}"
        )
    return 0


def cmd_diary_sheets(args: argparse.Namespace) -> int:
    from asb_tui.export import letters
    from asb_tui.export.pdf_render import PdfRenderError

    today = today_from_args(args)
    store, cfg = open_from_args(args)
    with store:
        _case_id(store, args.ref)
        try:
            made = letters.make_diary_sheets(
                store,
                cfg,
                args.ref,
                Path(args.out),
                today=today,
                rows=args.rows,
                large_print=args.large_print,
            )
        except PdfRenderError as exc:
            raise UserError(str(exc).splitlines()[0]) from None
    print(f"Wrote {made.path}: {args.rows} rows for {made.logged.recipient}.")
    print(f"Logged on {args.ref.upper()}: SHA-256 {made.sha256}")
    return 0
