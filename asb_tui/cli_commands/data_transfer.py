"""`export json`, `import`, `demo`: whole cases in and out of the store, and demo data."""

from __future__ import annotations

import argparse
import sys

from asb_tui.cli_commands.common import (
    PERSONAL_DATA_NOTICE,
    UserError,
    add_passphrase_file_option,
    as_stored_officer,
    config,
    export_subparsers,
    open_from_args,
    passphrase,
)
from asb_tui.cli_commands.store_admin import RECOVERY_NOTICE

# The store, the export and the demo generator are imported by their commands (the store costs
# most of a command's start; the others ~0.1 s each, which every other command would pay).


def _positive(text: str) -> int:
    from asb_tui.store.demo.demo import MAX_CASES

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= value <= MAX_CASES:
        raise argparse.ArgumentTypeError(f"must be between 1 and {MAX_CASES:,}")
    return value


def _seed(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    export_json = export_subparsers(sub).add_parser(
        "json", help="export whole cases as JSON (all cases unless --case is given)"
    )
    export_json.add_argument("--out", required=True, metavar="FILE", help="the file to write")
    export_json.add_argument(
        "--case", action="append", dest="cases", metavar="REF", help="a case reference (repeat)"
    )
    add_passphrase_file_option(export_json)
    export_json.set_defaults(func=cmd_export_json)

    imp = sub.add_parser("import", help="import cases from an asb-tui JSON export")
    imp.add_argument("file", metavar="FILE")
    add_passphrase_file_option(imp)
    imp.set_defaults(func=cmd_import)

    demo = sub.add_parser("demo", help="create (or fill) a store with synthetic demo cases")
    demo.add_argument("--cases", type=_positive, default=50, metavar="N", help="default 50")
    demo.add_argument("--seed", type=_seed, default=1, metavar="S", help="default 1")
    demo.add_argument(
        "--incidents-per-case",
        type=int,
        default=None,
        metavar="K",
        help="exactly K incidents per case (default 2 to 12; the benchmark uses 20)",
    )
    demo.add_argument(
        "--bulk",
        action="store_true",
        help="faster for large demos: one audit event per case instead of one per record",
    )
    add_passphrase_file_option(demo)
    demo.set_defaults(func=cmd_demo)


def cmd_export_json(args: argparse.Namespace) -> int:
    from asb_tui.export.json_export import write_export

    store, _cfg = open_from_args(args)
    with store:
        summary = write_export(store, args.out, args.cases)
    noun = "case" if summary.cases == 1 else "cases"
    print(f"Exported {summary.cases} {noun} ({summary.rows} records) to {summary.path}")
    print(PERSONAL_DATA_NOTICE)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from asb_tui.export.json_export import import_file

    store, _cfg = open_from_args(args)
    with store:
        summary = import_file(store, args.file)
    noun = "case" if summary.cases == 1 else "cases"
    print(f"Imported {summary.cases} {noun} ({summary.rows} records) from {args.file}")
    for ref in summary.refs[:20]:
        print(f"  {ref}")
    if len(summary.refs) > 20:
        print(f"  ... and {len(summary.refs) - 20} more")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from asb_tui.store.core.keyslots import check_passphrase_strength
    from asb_tui.store.core.store import StorePaths, create_store, open_store
    from asb_tui.store.demo.demo import describe, fill_demo

    if args.incidents_per_case is not None and not 0 <= args.incidents_per_case <= 1000:
        raise UserError("--incidents-per-case must be between 0 and 1000")
    cfg = config(args)
    paths = StorePaths(cfg.data_dir)
    if paths.exists():
        store = open_store(cfg.data_dir, passphrase(args), actor=cfg.officer)
        cfg = as_stored_officer(store, cfg)  # the demo's cases are the stored officer's
    else:
        secret = passphrase(args, confirm=True)
        check_passphrase_strength(secret)
        store, recovery_key = create_store(cfg.data_dir, secret, actor=cfg.officer)
        print(f"Created an encrypted store in {cfg.data_dir}")
        print(RECOVERY_NOTICE.format(key=recovery_key))
        cfg = as_stored_officer(store, cfg)  # a new store names no officer: says so

    def progress(done: int, total: int) -> None:
        if total >= 1000:
            print(f"  {done:,} / {total:,} cases", file=sys.stderr, flush=True)

    with store:
        summary = fill_demo(
            store,
            cases=args.cases,
            seed=args.seed,
            incidents_per_case=args.incidents_per_case,
            bulk=args.bulk,
            progress=progress,
            config=cfg,
        )
    print(describe(summary))
    if summary.refs:
        print(f"References {summary.refs[0]} ... {summary.refs[-1]} (a DEM series is demo data)")
    return 0
