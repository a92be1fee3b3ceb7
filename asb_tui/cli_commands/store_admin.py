"""`init`, `passphrase change|reset`, `rekey`, `audit verify`."""

from __future__ import annotations

import argparse
import os
import sys

from asb_tui.cli_commands.common import (
    UserError,
    add_passphrase_file_option,
    config,
    new_passphrase,
    open_from_args,
    passphrase,
    read_secret_file,
)

# The store is imported by each command, not here: the parser is built from this module.

RECOVERY_NOTICE = (
    "Recovery key (shown only now; write it down and keep it apart from this laptop):\n"
    "  {key}\n"
    "It resets a forgotten passphrase: asb-tui passphrase reset --recovery-key"
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("init", help="create a new encrypted store")
    add_passphrase_file_option(p)
    p.set_defaults(func=cmd_init)

    pp = sub.add_parser("passphrase", help="change or reset the passphrase")
    psub = pp.add_subparsers(dest="passphrase_command", required=True, metavar="{change,reset}")
    change = psub.add_parser(
        "change", help="change the passphrase (the database is not rewritten)", allow_abbrev=False
    )
    add_passphrase_file_option(change)
    change.add_argument("--new-passphrase-file", metavar="FILE")
    change.set_defaults(func=cmd_passphrase_change)
    reset = psub.add_parser(
        "reset", help="set a new passphrase with the recovery key", allow_abbrev=False
    )
    reset.add_argument(
        "--recovery-key",
        action="store_true",
        required=True,
        help="use the recovery key (asked on the terminal, or ASB_RECOVERY_KEY, "
        "or --recovery-key-file)",
    )
    reset.add_argument("--recovery-key-file", metavar="FILE")
    reset.add_argument("--new-passphrase-file", metavar="FILE")
    reset.set_defaults(func=cmd_passphrase_reset)

    rk = sub.add_parser("rekey", help="replace the data key and issue a new recovery key")
    add_passphrase_file_option(rk)
    rk.set_defaults(func=cmd_rekey)

    audit = sub.add_parser("audit", help="audit chain tools")
    asub = audit.add_subparsers(dest="audit_command", required=True, metavar="{verify}")
    verify = asub.add_parser("verify", help="check every link of the audit chain")
    add_passphrase_file_option(verify)
    verify.set_defaults(func=cmd_audit_verify)


def cmd_init(args: argparse.Namespace) -> int:
    from asb_tui.store.core import store as store_mod
    from asb_tui.store.core.keyslots import check_passphrase_strength

    cfg = config(args)
    secret = passphrase(args, confirm=True)
    check_passphrase_strength(secret)
    store, recovery_key = store_mod.create_store(cfg.data_dir, secret, actor=cfg.officer)
    store.close()
    print(f"Created an encrypted store in {cfg.data_dir}")
    print(RECOVERY_NOTICE.format(key=recovery_key))
    return 0


def cmd_passphrase_change(args: argparse.Namespace) -> int:
    from asb_tui.store.core import store as store_mod

    cfg = config(args)
    store_mod.require_store(cfg.data_dir)
    old = passphrase(args, prompt="Current passphrase: ")
    store_mod.change_passphrase(cfg.data_dir, old, new_passphrase(args))
    print("Passphrase changed.")
    return 0


def _recovery_key(args: argparse.Namespace) -> str:
    if args.recovery_key_file:
        return read_secret_file(args.recovery_key_file, "recovery key").strip()
    env = os.environ.get("ASB_RECOVERY_KEY")
    if env:
        return env
    if not sys.stdin.isatty():
        raise UserError("no recovery key: set ASB_RECOVERY_KEY or use --recovery-key-file")
    import getpass

    return getpass.getpass("Recovery key: ")


def cmd_passphrase_reset(args: argparse.Namespace) -> int:
    from asb_tui.store.core import store as store_mod

    cfg = config(args)
    store_mod.require_store(cfg.data_dir)
    store_mod.reset_passphrase(cfg.data_dir, _recovery_key(args), new_passphrase(args))
    print("Passphrase reset. The recovery key still works; keep it safe.")
    return 0


def cmd_rekey(args: argparse.Namespace) -> int:
    from asb_tui.store.core import store as store_mod

    cfg = config(args)
    store_mod.require_store(cfg.data_dir)
    result = store_mod.rekey(cfg.data_dir, passphrase(args), actor=cfg.officer)
    print("The database has a new data key; the old recovery key no longer works.")
    print(RECOVERY_NOTICE.format(key=result.recovery_key))
    if result.audit_problem:
        print(
            f"asb-tui: warning: the rekey is done but its audit event was not written: "
            f"{result.audit_problem}",
            file=sys.stderr,
        )
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from asb_tui.store.core.audit import verify_chain
    from asb_tui.store.core.database import damage_message
    from asb_tui.store.core.errors import StoreDamaged

    store, _cfg = open_from_args(args, records=False)
    with store:
        # A damaged page may lie outside the chain's rows: every page is checked first.
        problem = store.integrity_problems()
        if problem is not None:
            raise StoreDamaged(damage_message(store.paths.database, problem))
        with store.read() as session:
            result = verify_chain(session)
    if result.ok:
        print(f"audit chain ok: {result.count} events, head {result.head}")
        return 0
    print(f"audit chain BROKEN at event {result.broken_seq}: {result.problem}")
    return 1
