"""`evidence add|list|export`: the evidence locker from the command line (docs/evidence.md).

    asb-tui evidence add REF FILE [--description TEXT] [--source WHO] [--incident ID]
                                  [--visit ID] [--person ID] [--exhibit GD/3] [--obtained DATE]
    asb-tui evidence list REF [--json]
    asb-tui evidence export REF EXHIBIT --out PATH [--force]

`add` hashes the file as it reads it and keeps it encrypted in the store's data directory;
`export` writes the bytes back out, checked against the recorded SHA-256. Both are audited.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path

from asb_tui.cli_commands.common import (
    UserError,
    add_passphrase_file_option,
    json_value,
    open_from_args,
    today_from_args,
)
from asb_tui.domain.evidence import EvidenceSource


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = sub.add_parser("evidence", help="a case's exhibits: attach a file, list, export")
    commands = group.add_subparsers(dest="evidence_command", required=True, metavar="ACTION")

    add = commands.add_parser("add", help="attach a file to a case as an exhibit")
    add.add_argument("ref", metavar="REF", help="the case reference")
    add.add_argument("file", metavar="FILE", help="the file to attach")
    add.add_argument("--description", metavar="TEXT", default="", help="what it shows")
    add.add_argument(
        "--source",
        choices=[s.value for s in EvidenceSource],
        default=EvidenceSource.OFFICER.value,
        help="where it came from (default officer)",
    )
    add.add_argument("--incident", metavar="ID", help="the incident it belongs to")
    add.add_argument("--visit", metavar="ID", help="the visit it was gathered at")
    add.add_argument("--person", metavar="ID", help="the person it is from or about")
    add.add_argument("--exhibit", metavar="GD/3", help="the exhibit reference (default: next)")
    add.add_argument("--obtained", metavar="DD/MM/YYYY", help="the day obtained (default today)")
    add.add_argument("--today", metavar="DD/MM/YYYY", help=argparse.SUPPRESS)
    add.set_defaults(func=cmd_add)

    listing = commands.add_parser("list", help="a case's exhibits")
    listing.add_argument("ref", metavar="REF", help="the case reference")
    listing.add_argument("--json", action="store_true", help="as JSON")
    listing.set_defaults(func=cmd_list)

    export = commands.add_parser("export", help="write an exhibit's file out (hash checked)")
    export.add_argument("ref", metavar="REF", help="the case reference")
    export.add_argument("exhibit", metavar="EXHIBIT", help="the exhibit reference, e.g. GD/3")
    export.add_argument("--out", metavar="PATH", required=True, help="the file to write")
    export.add_argument("--force", action="store_true", help="replace PATH if it exists")
    export.set_defaults(func=cmd_export)

    for parser in (add, listing, export):
        add_passphrase_file_option(parser)


def _size(size: int) -> str:
    """An exhibit's size: in bytes under a kilobyte (a 78-byte text message is not "0 KB")."""
    from asb_tui.store.core.disk_space import human_size

    return f"{size} bytes" if size < 1024 else human_size(size)


def cmd_add(args: argparse.Namespace) -> int:
    from asb_tui.domain.dates import parse_uk_date
    from asb_tui.domain.errors import DomainError
    from asb_tui.store.commands.evidence import attach_evidence
    from asb_tui.store.commands.vvc import find_case_id

    today = today_from_args(args)
    try:
        obtained = parse_uk_date(args.obtained, today) if args.obtained else today
    except DomainError as exc:
        raise UserError(f"--obtained: {exc}") from None
    path = Path(args.file).expanduser()
    store, cfg = open_from_args(args)
    with store:
        case_id = find_case_id(store, args.ref)
        attached = attach_evidence(
            store,
            case_id,
            path,
            officer=cfg.officer,
            description=args.description,
            source=args.source,
            exhibit_ref=args.exhibit,
            obtained_on=obtained,
            incident_id=args.incident,
            visit_id=args.visit,
            person_id=args.person,
            max_bytes=cfg.evidence_max_mb * 1_000_000,
            today=today,
        )
    item = attached.item
    again = " (the same content is already held: its encrypted copy is reused)"
    print(
        f"Attached {item.exhibit_ref} to {args.ref.strip()}: {item.original_name}, "
        f"{item.media_type}, {_size(item.size)}, SHA-256 {item.sha256}"
        + (again if attached.reused else "")
    )
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from asb_tui.store.commands.vvc import find_case_id
    from asb_tui.store.queries.evidence import case_evidence

    store, _cfg = open_from_args(args, records=False)
    with store:
        case_id = find_case_id(store, args.ref)
        with store.read() as session:
            rows = case_evidence(session, store.blobs, case_id)
    if args.json:
        out = [{k: v for k, v in asdict(row).items() if k != "case_id"} for row in rows]
        print(json.dumps(out, indent=2, ensure_ascii=False, default=json_value))
        return 0
    if not rows:
        print(f"{args.ref.strip()} has no exhibits")
        return 0
    for row in rows:
        held = "" if row.held else "  [file not on this laptop]"
        day = row.obtained_on.strftime("%d/%m/%Y") if row.obtained_on else "-"
        print(
            f"{row.exhibit_ref:<8} {day}  {row.source:<8} {row.media_type:<22} "
            f"{_size(row.size):>9}  {row.sha256[:16]}  {row.description}{held}"
        )
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from asb_tui.store.commands.evidence import export_evidence, item_for_exhibit
    from asb_tui.store.commands.vvc import find_case_id

    out = Path(args.out).expanduser()
    store, _cfg = open_from_args(args)
    with store:
        case_id = find_case_id(store, args.ref)
        item_id = item_for_exhibit(store, case_id, args.exhibit)
        digest = export_evidence(store, item_id, out, force=args.force)
    print(f"Wrote {args.exhibit.strip().upper()} to {out} (SHA-256 {digest}, matches the record)")
    return 0
