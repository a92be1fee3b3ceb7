"""`asb-tui`: with no subcommand, the app; otherwise one of the subcommands below.

Global options come before the subcommand: `asb-tui --data-dir DIR init`.
Exit status: 0 done, 1 a check failed, 2 a user error (message on stderr, never a traceback).
Before anything else the process forbids its own core dumps: every command may come to hold the
passphrase or the data key (see process_hardening.py).

Nothing heavy is imported before the arguments are parsed: the parser is built from the command
modules, which import the store, the config and the domain inside their handlers. `--help`, a
usage error, and the work of a command that needs little start faster (docs/performance.md).
"""

from __future__ import annotations

import argparse
import errno
import sys
from collections.abc import Sequence

COMMAND_MODULES = (
    "store_admin",
    "data_transfer",  # export json, import, demo
    "case_commands",  # deadlines, case list, case show
    "oversight_commands",  # export vvc, export sar, retention
    "sync_commands",  # enrol, sync
    "sharing_commands",  # share withdraw
    "people_commands",  # person find, show, merge, split
    "sar_commands",  # sar log, extend, complete, list
    "letters_commands",  # letter list, make, log; diary-sheets
    "report_commands",  # report
    "evidence_commands",  # evidence add, list, export
    "evidence_files_commands",  # evidence fetch, evidence downloads (after the evidence commands)
)


def build_parser() -> argparse.ArgumentParser:
    import importlib

    parser = argparse.ArgumentParser(
        prog="asb-tui",
        allow_abbrev=False,  # `--passphrase X` must never be read as `--passphrase-file X`
        description="Anti-social behaviour case management. With no command, opens the app.",
    )
    parser.add_argument("--data-dir", metavar="DIR", help="where the store lives (or ASB_DATA_DIR)")
    parser.add_argument(
        "--passphrase-file", metavar="FILE", dest="passphrase_file_global", help=argparse.SUPPRESS
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"asb_tui.cli_commands.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from asb_tui.process_hardening import forbid_core_dumps

    forbid_core_dumps()
    from asb_tui.cli_commands.common import UserError, print_notes_after_success

    parser = build_parser()
    args = parser.parse_args(argv)
    from asb_tui.config import ConfigError
    from asb_tui.store.core.errors import StoreError

    if getattr(args, "passphrase_file_global", None) and not getattr(args, "passphrase_file", None):
        args.passphrase_file = args.passphrase_file_global
    try:
        if args.command is None:
            from asb_tui.app import run_app

            return run_app(args)
        status = int(args.func(args))
        if status == 0:
            print_notes_after_success()
        return status
    except (UserError, StoreError, ConfigError) as exc:
        print(f"asb-tui: {exc}", file=sys.stderr)
        return exc.exit_code if isinstance(exc, UserError) else 2
    except KeyboardInterrupt:
        print("asb-tui: interrupted; nothing was left half-written", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1
    except OSError as exc:
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        where = f" ({exc.filename})" if exc.filename else ""
        print(f"asb-tui: the disk is full{where}: free some space and try again", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
