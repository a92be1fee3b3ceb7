"""`enrol` and `sync`: join the central service, then push and pull.

    asb-tui enrol --server URL --token TOKEN     (or ASB_ENROL_TOKEN, or --token-file FILE;
                                                  --token=TOKEN if it starts with a dash)
    asb-tui sync [--server URL]

The enrolment token may be given in argv: it is issued by an administrator for one officer, works
once and expires within days, and it is useless once traded for the device token (which never
leaves the encrypted store). `ASB_ENROL_TOKEN` and `--token-file` keep it out of `ps` and shell
history for those who prefer.

Exit status of `sync`:
  0  done: everything sent and received
  3  done, but conflicts wait for the officer (resolve them on the Sync screen of the app)
  1  a network or server error: nothing was lost; the changes stay on this laptop, sync again later
  2  a user error: no store, wrong passphrase, not enrolled, or this device was revoked (retrying
     cannot help: an administrator must enrol the laptop again; the local data stays intact)
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
from typing import TYPE_CHECKING

from asb_tui.cli_commands.common import (
    UserError,
    add_passphrase_file_option,
    open_from_args,
    read_secret_file,
)

if TYPE_CHECKING:
    from asb_tui.store.core.store import Store
    from sync.client import SyncProgress

# The sync machinery (httpx, the protocol's models, the replica) is imported by the two commands
# that use it: every other `asb-tui` command would otherwise pay ~0.25 s to load it.

EXIT_DONE = 0
EXIT_FAILED = 1
EXIT_USER = 2
EXIT_CONFLICTS = 3

NOTHING_LOST = (
    "nothing was lost: your changes stay on this laptop and go at the next sync. "
    "Check the network and the server address, then run `asb-tui sync` again"
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    enrol_parser = sub.add_parser(
        "enrol",
        help="enrol this laptop with the central sync service (one-time token)",
        description="Trade the one-time enrolment token from your administrator for this "
        "laptop's device token (kept inside the encrypted store).",
    )
    add_passphrase_file_option(enrol_parser)
    enrol_parser.add_argument("--server", metavar="URL", help="the sync service address")
    tokens = enrol_parser.add_mutually_exclusive_group()
    tokens.add_argument(
        "--token",
        metavar="TOKEN",
        help="the one-time enrolment token (or ASB_ENROL_TOKEN; it works once and expires); "
        "write --token=TOKEN when the token starts with a dash",
    )
    tokens.add_argument("--token-file", metavar="FILE", help="read the token from FILE")
    enrol_parser.add_argument(
        "--device-name", metavar="NAME", help="how administrators see this laptop"
    )
    enrol_parser.set_defaults(func=cmd_enrol)

    sync_parser = sub.add_parser(
        "sync",
        help="send this laptop's changes and receive the team's",
        description="Exit status: 0 done, 3 conflicts wait for you, 1 network or server error "
        "(nothing lost), 2 not enrolled / revoked / wrong passphrase.",
    )
    add_passphrase_file_option(sync_parser)
    sync_parser.add_argument(
        "--server", metavar="URL", help="use this address for this sync (default: the enrolled one)"
    )
    sync_parser.set_defaults(func=cmd_sync)


def _enrolment_token(args: argparse.Namespace) -> str:
    if args.token:
        return str(args.token).strip()
    if args.token_file:
        return read_secret_file(args.token_file, "enrolment token").strip()
    env = os.environ.get("ASB_ENROL_TOKEN", "").strip()
    if env:
        return env
    raise UserError(
        "no enrolment token: give --token TOKEN (or ASB_ENROL_TOKEN, or --token-file FILE) "
        "with the token from your administrator"
    )


def cmd_enrol(args: argparse.Namespace) -> int:
    from asb_tui.services.sync_run import enrol
    from sync.client import SyncAuthError, SyncError, SyncServerError

    token = _enrolment_token(args)
    store, cfg = open_from_args(args)
    try:
        server = (args.server or cfg.server_url or "").strip()
        if not server:
            raise UserError("give the sync service address with --server URL")
        device_name = args.device_name or f"{cfg.officer} on {socket.gethostname()}"
        try:
            enrolment = enrol(store, server, token, device_name=device_name)
        except SyncAuthError as err:
            raise UserError(f"enrolment refused: {err}") from None
        except SyncServerError as err:
            if err.status is not None and 400 <= err.status < 500:
                raise UserError(f"enrolment refused: {err}") from None
            print(f"asb-tui: enrolment failed: {err}", file=sys.stderr)
            return EXIT_FAILED
        except SyncError as err:
            print(f"asb-tui: enrolment failed: {err}", file=sys.stderr)
            return EXIT_FAILED
        officer = enrolment.officer
        agency = f", agency {officer.agency}" if officer.agency else ""
        print(f"enrolled with {server} as {officer.name} (team {officer.team}{agency})")
        if enrolment.adopted:
            refs = ", ".join(enrolment.adopted[:5]) + (" ..." if len(enrolment.adopted) > 5 else "")
            print(
                f"{len(enrolment.adopted)} cases made on this laptop before it was enrolled now "
                f"belong to team {officer.team!r}, so they can sync ({refs})"
            )
        if cfg.team and cfg.team != "default" and cfg.team != officer.team:
            print(
                f"note: this laptop's configured team is {cfg.team!r} but the service has you "
                f"in {officer.team!r}; new cases must be in {officer.team!r} to sync"
            )
        print("next: run `asb-tui sync`")
        return EXIT_DONE
    finally:
        store.close()


def _print_progress(progress: SyncProgress) -> None:
    if progress.phase == "push":
        print(f"pushed {progress.done} changes", flush=True)
    elif progress.phase == "pull" and progress.total is not None:
        print(progress.message, flush=True)  # a first pull by snapshot: rows, bytes, time left
    elif progress.phase == "pull":
        print(f"pulled {progress.done} changes", flush=True)


def _sync_files(store: Store, server: str | None) -> bool:
    """After the records: the evidence files (see services/file_sync.py). False when it failed
    (the records are synced; the files resume at the next sync)."""
    from asb_tui.cli_commands.evidence_files_commands import progress_printer
    from asb_tui.services.file_sync import run_file_sync
    from sync.client import SyncError

    try:
        files = run_file_sync(store, server_url=server, progress=progress_printer())
    except SyncError as err:
        print(f"asb-tui: evidence files: {err}", file=sys.stderr)
        print(
            "asb-tui: the records are synced; what was sent or received of the files is kept "
            "and the next sync carries on from there",
            file=sys.stderr,
        )
        return False
    if files.says_anything():
        print(f"evidence {files.summary()}")
    return True


def cmd_sync(args: argparse.Namespace) -> int:
    from asb_tui.services.sync_run import run_sync
    from asb_tui.store.replica.replica import StoreReplica
    from asb_tui.store.replica.sync_state import set_aside_changes, sync_overview
    from sync.client import SyncAuthError, SyncError, SyncNetworkError, SyncServerError

    store, _cfg = open_from_args(args)
    try:
        replica = StoreReplica(store)
        enrolled = replica.sync_settings()
        if enrolled is None:
            raise UserError(
                "this laptop is not enrolled for sync: run "
                "`asb-tui enrol --server URL --token TOKEN` with the token from your administrator"
            )
        server = (args.server or enrolled.server_url).rstrip("/")
        waiting = sync_overview(store).changes_waiting
        print(f"syncing with {server} as {enrolled.officer_name} (team {enrolled.team})")
        print(f"{waiting} changes waiting to be sent", flush=True)
        before = {(v.direction, v.number) for v in set_aside_changes(store)}
        try:
            outcome = run_sync(store, server_url=args.server, progress=_print_progress)
        except SyncAuthError as err:
            raise UserError(
                f"the sync service refused this laptop: {err} "
                "(your local data is intact; nothing was changed)"
            ) from None
        except SyncError as err:
            print(f"asb-tui: sync failed: {err}", file=sys.stderr)
            if isinstance(err, SyncNetworkError | SyncServerError):
                print(f"asb-tui: {NOTHING_LOST}", file=sys.stderr)
            else:
                print(
                    "asb-tui: nothing was lost: your changes stay on this laptop",
                    file=sys.stderr,
                )
            return EXIT_FAILED
        result = outcome.result
        if outcome.set_aside_applied:
            print(
                f"applied {outcome.set_aside_applied} received changes set aside before "
                "(they left the list)"
            )
        if outcome.resolutions_sent:
            print(f"sent {outcome.resolutions_sent} conflict resolutions")
        for warning in outcome.warnings:
            print(f"warning: {warning}")
        for item in set_aside_changes(store):
            if (item.direction, item.number) in before:
                continue
            heading = (
                f"not sent: change {item.number}"
                if item.direction == "sent"
                else f"not applied: received change {item.number}"
            )
            print(f"{heading} ({item.what}, record {item.row_id}): {item.reason}")
            print(f"  what to do: {item.advice}")
        for removed in result.removed:
            print(
                f"removed from this laptop: case {removed.ref or removed.case_id}: {removed.reason}"
            )
        print(
            f"done: pushed {result.pushed}, pulled {result.pulled}, "
            f"conflicts {outcome.open_conflicts}"
        )
        if not _sync_files(store, args.server):
            return EXIT_FAILED
        if outcome.open_conflicts:
            print(
                f"{outcome.open_conflicts} conflicts wait for you: open the app's Sync screen to "
                "keep yours, keep theirs or edit"
            )
            return EXIT_CONFLICTS
        return EXIT_DONE
    finally:
        store.close()
