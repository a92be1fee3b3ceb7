"""`share withdraw`: withdraw a case's share with a partner agency.

    asb-tui share withdraw REF AGENCY --reason TEXT

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
