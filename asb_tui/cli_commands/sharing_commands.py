"""`share add` and `share withdraw`: a case's shares with partner agencies.

    asb-tui share add REF AGENCY --what TEXT --basis BASIS [--with-files] [--on DD/MM/YYYY]
    asb-tui share withdraw REF AGENCY --reason TEXT

A share reaches the agency's laptops with the case's evidence files only with --with-files.

Every share of the case with the agency is withdrawn (audited with the reason); at its next sync
this laptop tells the service, and the agency's laptops drop the case at theirs.
"""

from __future__ import annotations

import argparse

from asb_tui.cli_commands.common import UserError, add_passphrase_file_option, open_from_args
from asb_tui.store.commands.oversight_errors import SharingRefused
from asb_tui.store.core.errors import RecordNotFound


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    share = sub.add_parser("share", help="a case's shares with partner agencies")
    actions = share.add_subparsers(dest="share_command", metavar="ACTION", required=True)
    withdraw = actions.add_parser(
        "withdraw",
        help="withdraw a case's share with an agency (its laptops drop the case at their sync)",
    )
    withdraw.add_argument("ref", metavar="REF", help="the case reference")
    withdraw.add_argument("agency", metavar="AGENCY", help="the agency, as the share names it")
    withdraw.add_argument("--reason", metavar="TEXT", default="", help="why (required; audited)")
    add_passphrase_file_option(withdraw)
    withdraw.set_defaults(func=cmd_share_withdraw)

    add = actions.add_parser("add", help="record a share of a case with an agency")
    add.add_argument("ref", metavar="REF", help="the case reference")
    add.add_argument("agency", metavar="AGENCY", help="the agency")
    add.add_argument("--what", metavar="TEXT", default="Whole case", help="what is shared")
    add.add_argument(
        "--basis",
        metavar="BASIS",
        required=True,
        help="the legal basis: s115-crime-and-disorder-act-1998, consent or safeguarding",
    )
    add.add_argument(
        "--with-files", action="store_true", help="the agency receives the evidence files too"
    )
    add.add_argument("--on", metavar="DD/MM/YYYY", help="the day shared (default today)")
    add.add_argument("--today", metavar="DD/MM/YYYY", help=argparse.SUPPRESS)
    add_passphrase_file_option(add)
    add.set_defaults(func=cmd_share_add)


def cmd_share_add(args: argparse.Namespace) -> int:
    from asb_tui.cli_commands.common import today_from_args
    from asb_tui.domain.dates import parse_uk_date
    from asb_tui.store.commands.sharing import share_case
    from asb_tui.store.commands.vvc import find_case_id

    today = today_from_args(args)
    try:
        shared_on = parse_uk_date(args.on, today) if args.on else today
    except ValueError as exc:
        raise UserError(f"--on: {exc}") from None
    store, cfg = open_from_args(args)
    with store:
        try:
            case_id = find_case_id(store, args.ref)
            record = share_case(
                store, case_id, agency=args.agency, what=args.what, legal_basis=args.basis,
                shared_on=shared_on, officer=cfg.officer, today=today,
                includes_files=args.with_files,
            )  # fmt: skip
        except (SharingRefused, RecordNotFound) as exc:
            raise UserError(str(exc)) from None
    files = " with its evidence files" if record.includes_files else " (records only, no files)"
    print(f"Shared {args.ref.strip()} with {record.agency}{files}")
    return 0


def cmd_share_withdraw(args: argparse.Namespace) -> int:
    from asb_tui.store.commands.sharing import withdraw_agency_shares
    from asb_tui.store.commands.vvc import find_case_id

    if not args.reason.strip():
        raise UserError("say why the share is withdrawn: --reason TEXT")
    store, _cfg = open_from_args(args)
    with store:
        try:
            case_id = find_case_id(store, args.ref)
            agencies = withdraw_agency_shares(store, case_id, args.agency, reason=args.reason)
        except (SharingRefused, RecordNotFound) as exc:
            raise UserError(str(exc)) from None
    print(
        f"Withdrew the share of {args.ref.strip()} with {', '.join(agencies)}: "
        "its laptops drop the case at their next sync after this laptop's "
        "(run `asb-tui sync`)"
    )
    return 0
