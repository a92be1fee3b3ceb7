"""`export vvc`, `export sar`, `retention`.

The pack password comes from `--password-file`, `ASB_PACK_PASSWORD`, or the terminal (asked twice);
never from argv. An unencrypted pack needs `--no-encrypt` and is written with a warning.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from asb_tui.cli_commands.common import (
    PERSONAL_DATA_NOTICE_FILES,
    UserError,
    add_passphrase_file_option,
    export_subparsers,
    open_from_args,
    read_secret_file,
)

if TYPE_CHECKING:
    from asb_tui.store.core.store import Store

# The store, the exports and the date parser are imported by the commands that use them: the
# parser is built from this module (asb_tui/cli.py).

UNENCRYPTED_WARNING = (
    "asb-tui: WARNING: the VVC pack is NOT encrypted. It holds victims' personal data: "
    "keep it off email and shared drives, and destroy it after the meeting."
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    exports = export_subparsers(sub)

    vvc = exports.add_parser(
        "vvc", help="the VVC pack (PDF, AES-256 encrypted) for a meeting or for cases"
    )
    which = vvc.add_mutually_exclusive_group(required=True)
    which.add_argument("--meeting", metavar="DD/MM/YYYY", help="the meeting's agenda")
    which.add_argument("--case", metavar="REF", nargs="+", help="one or more case references")
    vvc.add_argument("--out", metavar="FILE.pdf", required=True)
    vvc.add_argument(
        "--password-file", metavar="FILE", help="read the pack password from FILE (first line)"
    )
    vvc.add_argument(
        "--no-encrypt", action="store_true", help="write an unencrypted pack (not advised)"
    )
    add_passphrase_file_option(vvc)
    vvc.set_defaults(func=cmd_export_vvc)

    sar = exports.add_parser("sar", help="subject access: everything held about one person")
    sar.add_argument("--person", metavar="ID", required=True, help="the person's id")
    sar.add_argument("--out", metavar="DIR", required=True, help="directory for the JSON and PDF")
    sar.add_argument(
        "--request",
        metavar="REF",
        help="the subject access request it answers (SAR-2026-0001): the files' names and "
        "SHA-256 are recorded on it",
    )
    add_passphrase_file_option(sar)
    sar.set_defaults(func=cmd_export_sar)

    retention = sub.add_parser(
        "retention", help="list (or with --apply destroy) closed cases past their retention date"
    )
    retention.add_argument(
        "--apply", action="store_true", help="destroy them (the default is a dry run)"
    )
    add_passphrase_file_option(retention)
    retention.set_defaults(func=cmd_retention)


def _pack_password(args: argparse.Namespace) -> str | None:
    if args.no_encrypt:
        if args.password_file:
            raise UserError("--no-encrypt and --password-file contradict each other; choose one")
        return None
    if args.password_file:
        return read_secret_file(args.password_file, "pack password")
    env = os.environ.get("ASB_PACK_PASSWORD")
    if env:
        return env
    if not sys.stdin.isatty():
        raise UserError(
            "no pack password: use --password-file or ASB_PACK_PASSWORD (no terminal to ask on), "
            "or --no-encrypt"
        )
    import getpass

    first = getpass.getpass("Pack password: ")
    if getpass.getpass("Again: ") != first:
        raise UserError("the two pack passwords differ; no pack was written")
    return first


def cmd_export_vvc(args: argparse.Namespace) -> int:
    from asb_tui.domain.dates import format_uk, parse_uk_date
    from asb_tui.domain.errors import DomainError
    from asb_tui.export.pack_data import check_pack_password, export_vvc_pack
    from asb_tui.export.pdf_render import PdfRenderError  # with the renderer: loaded to render
    from asb_tui.store.commands.vvc import agenda, check_meeting_date, find_case_id

    out = Path(args.out)
    if out.is_dir():
        raise UserError(f"{out} is a directory; give the pack's file name")
    if not out.parent.exists():
        raise UserError(f"the directory {out.parent} does not exist")
    password = _pack_password(args)
    if password is not None:
        check_pack_password(password)
    store, cfg = open_from_args(args)
    with store:
        today = date.today()
        meeting_on: date | None = None
        if args.meeting:
            try:
                meeting_on = parse_uk_date(args.meeting, today)
            except DomainError as exc:
                raise UserError(f"--meeting: {exc}") from None
            check_meeting_date(cfg, meeting_on)
            case_ids = [item.case_id for item in agenda(store, cfg, meeting_on)]
            if not case_ids:
                raise UserError(f"the VVC of {format_uk(meeting_on)} has no cases on its agenda")
        else:
            case_ids = list(dict.fromkeys(find_case_id(store, ref) for ref in args.case))
        if password is None:
            print(UNENCRYPTED_WARNING, file=sys.stderr)
        try:
            result = export_vvc_pack(
                store,
                cfg,
                case_ids,
                out,
                meeting_on=meeting_on,
                password=password,
                encrypt=password is not None,
                today=today,
            )
        except PdfRenderError as exc:
            raise UserError(f"the pack could not be typeset: {exc}") from None
        except OSError as exc:
            raise UserError(f"cannot write {out}: {exc.strerror or exc}") from None
    state = "encrypted (AES-256)" if result.encrypted else "NOT encrypted"
    print(f"Wrote {result.path}: {len(result.refs)} case(s), {state}: {', '.join(result.refs)}")
    return 0


def cmd_export_sar(args: argparse.Namespace) -> int:
    from asb_tui.export.pdf_render import PdfRenderError
    from asb_tui.export.subject_access import export_subject

    out_dir = Path(args.out)
    if out_dir.exists() and not out_dir.is_dir():
        raise UserError(f"{out_dir} is a file; give a directory for the export")
    store, cfg = open_from_args(args)
    with store:
        try:
            result = export_subject(store, args.person, out_dir, config=cfg, request=args.request)
        except PdfRenderError as exc:
            raise UserError(f"the PDF could not be typeset: {exc}") from None
        except OSError as exc:
            raise UserError(f"cannot write into {out_dir}: {exc.strerror or exc}") from None
    print(f"Wrote {result.json_path} and {result.pdf_path} ({result.cases} case(s))")
    if result.files:
        print(f"Wrote the person's {len(result.files)} evidence file(s) into {out_dir / 'files'}")
    if result.files_missing:
        print(
            f"Not on this laptop, so not written: {', '.join(result.files_missing)} "
            "(listed in the export; sync, then export again)"
        )
    if result.request_ref:
        print(
            f"Linked to {result.request_ref}: {result.pdf_path.name} sha256 {result.pdf_sha256}, "
            f"{result.json_path.name} sha256 {result.json_sha256}"
        )
    print(PERSONAL_DATA_NOTICE_FILES)
    return 0


def _requests_past_retention(store: Store, today: date, years: int, *, apply: bool) -> None:
    """Subject access requests answered `years` ago or more go as closed cases do (their log
    holds the requester's name); with `apply` they are destroyed and the file compacted."""
    from asb_tui.domain.dates import format_uk
    from asb_tui.store.commands import subject_access

    due = subject_access.requests_past_retention(store, today, years)
    if not due:
        return
    refs = ", ".join(f"{r.ref} (answered {format_uk(r.completed_on)})" for r in due)
    if not apply:
        print(f"Dry run: {len(due)} subject access request(s) are due for destruction: {refs}")
        return
    subject_access.destroy_requests(store, due)
    store.compact_file()
    print(f"Destroyed {len(due)} subject access request(s): {refs}")


def cmd_retention(args: argparse.Namespace) -> int:
    from asb_tui.domain.dates import format_uk
    from asb_tui.store.commands.retention import destroy_due_cases
    from asb_tui.store.core.audit import verify_chain

    store, cfg = open_from_args(args)
    with store:
        today = date.today()
        _requests_past_retention(store, today, cfg.retention_years, apply=args.apply)
        result = destroy_due_cases(store, today, cfg.retention_years, apply=args.apply)
        if not result.cases:
            print(f"No closed case is past its retention date ({cfg.retention_years} years).")
            return 0
        print(f"{'Case':<24} {'Closed on':<11} Destroy after")
        for case in result.cases:
            print(f"{case.ref:<24} {format_uk(case.closed_on):<11} {format_uk(case.destroy_after)}")
        if not args.apply:
            print(
                f"Dry run: nothing was deleted. {len(result.cases)} case(s) are due for "
                "destruction; run `asb-tui retention --apply` to destroy them."
            )
            return 0
        with store.read() as session:
            verified = verify_chain(session)
    print(
        f"Destroyed {len(result.cases)} case(s): {result.total_rows} row(s) deleted, "
        f"{result.change_records_removed} sent change record(s) removed, "
        f"{result.change_records_scrubbed} unsent change record(s) emptied; database vacuumed."
    )
    for table, count in sorted(result.rows_deleted.items()):
        print(f"  {table}: {count}")
    if not verified.ok:
        print(f"asb-tui: the audit chain does not verify: {verified.problem}", file=sys.stderr)
        return 1
    print(f"Audit chain verified ({verified.count} events).")
    return 0
