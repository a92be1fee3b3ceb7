"""The evidence commands that talk to the sync service (the others are in evidence_commands.py):

    asb-tui evidence fetch REF EXHIBIT        fetch one exhibit's file now
    asb-tui evidence downloads [auto|on-demand]
                                              show or set whether each sync fetches the files
                                              ("on-demand" for a slow link: then `fetch` them)

Exit status of `fetch`: 0 the file is on this laptop, 1 a network or server error (what was
fetched is kept; run it again to fetch the rest), 2 a user error (no such case or exhibit, not
enrolled, the case's share with your agency does not include its files).
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from asb_tui.cli_commands.common import UserError, add_passphrase_file_option, open_from_args

if TYPE_CHECKING:
    from collections.abc import Callable

    from sync.files import FileProgress

EXIT_DONE = 0
EXIT_FAILED = 1


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `fetch` and `downloads` under `asb-tui evidence` (made by evidence_commands.py, which
    comes first in `cli.COMMAND_MODULES`; made here when it is not there)."""
    evidence = sub.choices.get("evidence")
    if evidence is None:
        evidence = sub.add_parser("evidence", help="the evidence locker: exhibits and their files")
    actions = next(
        (a for a in evidence._actions if isinstance(a, argparse._SubParsersAction)), None
    )
    if actions is None:
        actions = evidence.add_subparsers(dest="evidence_command", metavar="COMMAND")
        actions.required = True
    register_subcommands(actions)


def register_subcommands(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `fetch` and `downloads` to the `asb-tui evidence` subcommands."""
    fetch = actions.add_parser(
        "fetch",
        help="fetch one exhibit's file from the sync service now",
        description="Fetch the file of exhibit EXHIBIT of case REF (chunks already on this "
        "laptop are not fetched again). Exit status: 0 done, 1 network or server error, "
        "2 no such exhibit, or the file is not shared with your agency.",
    )
    add_passphrase_file_option(fetch)
    fetch.add_argument("ref", metavar="REF", help="the case reference")
    fetch.add_argument("exhibit", metavar="EXHIBIT", help="the exhibit reference, e.g. GD/3")
    fetch.set_defaults(func=cmd_fetch)

    downloads = actions.add_parser(
        "downloads",
        help="show or set whether each sync fetches evidence files",
        description="auto (default): each sync fetches the files of the items it holds; "
        "on-demand (a slow link): only `asb-tui evidence fetch` does. Files are always sent.",
    )
    add_passphrase_file_option(downloads)
    downloads.add_argument("mode", nargs="?", choices=("auto", "on-demand"))
    downloads.set_defaults(func=cmd_downloads)


def progress_printer() -> Callable[[FileProgress], None]:
    """Print the files' progress at each file done and each tenth of the bytes, not per chunk
    (a 500 MB file is 500 chunks)."""
    last: dict[str, tuple[int, int]] = {}

    def show(progress: FileProgress) -> None:
        tenth = progress.bytes_done * 10 // max(progress.bytes_total, 1)
        mark = (progress.files_done, tenth)
        if last.get(progress.direction) != mark:
            last[progress.direction] = mark
            print(progress.message, flush=True)

    return show


def cmd_fetch(args: argparse.Namespace) -> int:
    from asb_tui.services.file_sync import fetch_item_file
    from asb_tui.store.replica.replica import StoreReplica
    from sync.client import SyncAuthError, SyncError, SyncServerError

    store, _cfg = open_from_args(args)
    try:
        if StoreReplica(store).sync_settings() is None:
            raise UserError("this laptop is not enrolled for sync: it has no service to fetch from")
        try:
            result = fetch_item_file(store, args.ref, args.exhibit, progress=progress_printer())
        except SyncAuthError as err:
            raise UserError(f"the sync service refused this laptop: {err}") from None
        except SyncServerError as err:
            if err.status is not None and 400 <= err.status < 500:
                raise UserError(f"the file could not be fetched: {err}") from None
            print(f"asb-tui: fetch failed: {err} (what was fetched is kept)", file=sys.stderr)
            return EXIT_FAILED
        except SyncError as err:
            print(f"asb-tui: fetch failed: {err} (what was fetched is kept)", file=sys.stderr)
            return EXIT_FAILED
        if result.files_refused:
            raise UserError(
                f"exhibit {args.exhibit} of case {args.ref}: the case is shared with your "
                "agency without its files"
            )
        if result.files_waiting:
            print(
                f"exhibit {args.exhibit}: {result.chunks_received} chunks fetched; the rest is "
                "not on the service yet (its team's laptop has not sent it all)"
            )
            return EXIT_FAILED
        if result.files_downloaded:
            print(f"exhibit {args.exhibit} of case {args.ref} is on this laptop")
        else:
            print(f"exhibit {args.exhibit} of case {args.ref} was already on this laptop")
        return EXIT_DONE
    finally:
        store.close()


def cmd_downloads(args: argparse.Namespace) -> int:
    from asb_tui.store.replica.files import downloads_mode, set_downloads_mode

    store, _cfg = open_from_args(args)
    try:
        if args.mode:
            set_downloads_mode(store, args.mode)
        print(f"evidence file downloads: {downloads_mode(store)}")
        return EXIT_DONE
    finally:
        store.close()
