"""`asb-sync-server refused list` and `asb-sync-server stream remove|log`: the administrators'
tools of `sync.server.repair`, registered on the main parser by `sync.server.cli`.

    asb-sync-server refused list [--device DEVICE_ID] [--officer OFFICER_ID] [--db URL]
    asb-sync-server stream remove TABLE ROW_ID --reason WHY --by NAME [--db URL]
    asb-sync-server stream log [--db URL]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from sync.server import repair
from sync.server.db import Database

Opener = Callable[[argparse.Namespace], Database]
WithDb = Callable[[argparse.ArgumentParser], argparse.ArgumentParser]


class RepairError(Exception):
    """A problem the administrator can fix (printed as one line by the main CLI)."""


def register(commands: Any, with_db: WithDb, open_db: Opener) -> None:
    refused = commands.add_parser(
        "refused", help="changes the service refused or laptops set aside"
    ).add_subparsers(dest="refused_command", required=True)
    listing = with_db(refused.add_parser("list", help="list refused changes with their reasons"))
    listing.add_argument("--device", metavar="DEVICE_ID")
    listing.add_argument("--officer", metavar="OFFICER_ID")
    listing.set_defaults(handler=lambda args: _list(args, open_db))

    stream = commands.add_parser("stream", help="repair the change stream").add_subparsers(
        dest="stream_command", required=True
    )
    remove = with_db(
        stream.add_parser("remove", help="remove a poisoned row from the stream (audited)")
    )
    remove.add_argument("table")
    remove.add_argument("row_id")
    remove.add_argument("--reason", required=True, help="why (kept in the log)")
    remove.add_argument("--by", required=True, metavar="NAME", help="who removes it")
    remove.set_defaults(handler=lambda args: _remove(args, open_db))
    log = with_db(stream.add_parser("log", help="what administrators removed, who and why"))
    log.set_defaults(handler=lambda args: _log(args, open_db))


def _list(args: argparse.Namespace, open_db: Opener) -> int:
    rows = repair.refused_changes(open_db(args), device_id=args.device, officer_id=args.officer)
    if not rows:
        print("no refused changes")
        return 0
    for r in rows:
        print(
            f"{r.at:%d/%m/%Y %H:%M}  device {r.device_id} ({r.device_name!r}, officer "
            f"{r.officer_name!r} {r.officer_id})  change {r.device_counter}: {r.op} {r.table} "
            f"{r.row_id} of case {r.case_id}: {r.reason}"
        )
    return 0


def _remove(args: argparse.Namespace, open_db: Opener) -> int:
    try:
        done = repair.remove_row(
            open_db(args), args.table, args.row_id, actor=args.by, reason=args.reason
        )
    except (repair.NothingToRemove, ValueError) as exc:
        raise RepairError(str(exc)) from None
    tail = (
        f"; laptops that hold it delete it at their next sync (stream change {done.delete_seq})"
        if done.delete_seq
        else ""
    )
    print(
        f"removed {done.table} {done.row_id} from the stream ({done.stream_entries} entries"
        f"{', and its state' if done.had_state else ''}){tail}; recorded in `stream log`"
    )
    return 0


def _log(args: argparse.Namespace, open_db: Opener) -> int:
    actions = repair.admin_actions(open_db(args))
    if not actions:
        print("no administrator actions recorded")
        return 0
    for a in actions:
        print(
            f"{a.at:%d/%m/%Y %H:%M}  {a.actor!r}  {a.action}  {a.table_name} {a.row_id}  "
            f"(case {a.case_id}): {a.reason}"
        )
    return 0
