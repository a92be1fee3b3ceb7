"""`asb-sync-server`: run the central sync service and administer officers and devices.

    asb-sync-server serve [--db URL] [--host 127.0.0.1] [--port 8600]
                          [--ssl-certfile F --ssl-keyfile F] [--insecure-http]
                          [--keep-alive SECONDS] [--workers N]
                          [--proxy-headers | --no-proxy-headers] [--forwarded-allow-ips IPS]
                          [--root-path PATH]
    asb-sync-server migrate [--db URL]
    asb-sync-server officer add NAME --team TEAM [--agency AGENCY] [--db URL]
    asb-sync-server device list [--db URL]
    asb-sync-server device revoke DEVICE_ID [--db URL]
    asb-sync-server refused list [--device ID] [--officer ID] [--db URL]
    asb-sync-server stream remove TABLE ROW_ID --reason WHY --by NAME [--db URL]
    asb-sync-server stream log [--db URL]
    asb-sync-server case transfer CASE TEAM --by NAME --requested-by NAME --reason TEXT
    asb-sync-server audit flags [--all] [--db URL]
    asb-sync-server audit clear DEVICE_ID --by NAME --reason TEXT [--db URL]
    asb-sync-server index rebuild [--new-key] [--db URL]
    asb-sync-server report [--from DD/MM/YYYY] [--to DD/MM/YYYY] [--team T ...]
                           [--json | --csv DIR] [--db URL]

The database is `--db`, else `ASB_SERVER_DB`, else an SQLite file in the service's data directory
(`ASB_SERVER_DATA_DIR` overrides it). `serve` upgrades the schema on start (see `migrate`).
The blind index key is `ASB_SERVER_INDEX_KEY` or the file `ASB_SERVER_INDEX_KEY_FILE`, else one
generated once and kept in the database (see `sync.server.blind`); it is never printed.
Errors are one line on stderr and a non-zero exit code.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys
from collections.abc import Sequence

import sqlalchemy as sa

from sync.server import repair_cli
from sync.server.db import Database, default_db_url, open_database
from sync.server.errors import ServiceError
from sync.server.repair_cli import RepairError


class CliError(Exception):
    """A problem the administrator can fix; printed as one line."""


def _db_url(args: argparse.Namespace) -> str:
    return str(args.db or os.environ.get("ASB_SERVER_DB") or default_db_url())


def _open(args: argparse.Namespace, *, upgrade: bool = True, check: bool = True) -> Database:
    from sync.server import migrate

    url = _db_url(args)
    try:
        database = open_database(url)
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError) as exc:
        raise CliError(f"not a usable database URL: {url!r} ({exc})") from exc
    if upgrade:
        migrate.upgrade(database.writer)
    elif check and migrate.current_revision(database.writer) != migrate.head_revision():
        raise CliError("the database schema is not up to date: run `asb-sync-server migrate`")
    return database


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


#: seconds an idle HTTP connection is kept open: above the keepalive_timeout of the load
#: balancer's upstream block (deploy/nginx: 60 s), so the balancer never reuses a connection the
#: service has just closed (a 502). uvicorn's own default is 5 s.
KEEP_ALIVE_DEFAULT = 75
MAX_WORKERS = 64


def _whole_number(value: str, option: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except ValueError:
        raise CliError(f"{option} takes a whole number, not {value!r}") from None
    if not low <= number <= high:
        raise CliError(f"{option} must be between {low} and {high}, not {number}")
    return number


def _forwarded_ips(value: str) -> str:
    """`*` or a comma-separated list of addresses and networks (what uvicorn trusts)."""
    parts = [part.strip() for part in value.split(",")]
    if value.strip() == "*":
        return "*"
    for part in parts:
        try:
            ipaddress.ip_network(part, strict=False)
        except ValueError:
            raise CliError(
                f"--forwarded-allow-ips: {part!r} is not an IP address or network "
                "(give addresses or networks separated by commas, or *)"
            ) from None
    return ",".join(parts)


def _root_path(value: str) -> str:
    if value == "":
        return ""
    if not value.startswith("/") or value.endswith("/") or any(c.isspace() for c in value):
        raise CliError(
            f"--root-path must start with / and not end with / (e.g. /asb-sync), not {value!r}"
        )
    return value


def app_from_environment() -> object:
    """The app of one worker process (`--workers` above 1): the parent passed the database URL
    in `ASB_SERVER_DB` and upgraded the schema already."""
    from sync.server.app import create_app

    return create_app(open_database(os.environ["ASB_SERVER_DB"]))


def cmd_serve(args: argparse.Namespace) -> int:
    keep_alive = _whole_number(args.keep_alive, "--keep-alive", 1, 3600)
    workers = _whole_number(args.workers, "--workers", 1, MAX_WORKERS)
    forwarded = _forwarded_ips(args.forwarded_allow_ips)
    root_path = _root_path(args.root_path)
    if bool(args.ssl_certfile) != bool(args.ssl_keyfile):
        raise CliError("TLS needs both --ssl-certfile and --ssl-keyfile")
    tls = bool(args.ssl_certfile)
    if not tls and not _is_loopback(args.host) and not args.insecure_http:
        raise CliError(
            f"refusing to serve plain HTTP on {args.host}: device tokens and case data would "
            "cross the network unencrypted. Give --ssl-certfile and --ssl-keyfile, or "
            "--insecure-http if TLS is terminated in front of this service."
        )
    for path in (args.ssl_certfile, args.ssl_keyfile):
        if path and not os.path.isfile(path):
            raise CliError(f"no such file: {path}")
    import uvicorn

    from sync.server.app import create_app

    database = _open(args, upgrade=not args.no_migrate)
    _check_index_key(database)
    settings: dict[str, object] = {
        "host": args.host,
        "port": args.port,
        "ssl_certfile": args.ssl_certfile,
        "ssl_keyfile": args.ssl_keyfile,
        "log_level": args.log_level,
        "access_log": args.log_level == "debug",
        "timeout_keep_alive": keep_alive,
        "proxy_headers": args.proxy_headers,
        "forwarded_allow_ips": forwarded,
        "root_path": root_path,
    }
    if workers == 1:
        uvicorn.run(create_app(database), **settings)  # type: ignore[arg-type]
    else:
        # Worker processes import the app by name; each opens the database itself.
        os.environ["ASB_SERVER_DB"] = _db_url(args)
        uvicorn.run(
            "sync.server.cli:app_from_environment",
            factory=True,
            workers=workers,
            **settings,  # type: ignore[arg-type]
        )
    return 0


def _check_index_key(database: Database) -> None:
    from sync.server import blind

    try:
        blind.index_key(database)  # builds the index of an upgraded database
    except blind.IndexKeyError as exc:
        raise CliError(str(exc)) from None


def cmd_index_rebuild(args: argparse.Namespace) -> int:
    from sync.server import blind

    database = _open(args)
    try:
        written = blind.rebuild(database, new_key=args.new_key)
    except blind.IndexKeyError as exc:
        raise CliError(str(exc)) from None
    key = "a new key kept in the database" if args.new_key else "the current key"
    print(
        f"blind index rebuilt under {key}: {written} digest(s); restart every running "
        "instance of the service so it uses this key"
    )
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    from sync.server import migrate

    database = _open(args, upgrade=False, check=False)
    changed = migrate.upgrade(database.writer)
    analysed = (
        " (upgraded; statistics refreshed with ANALYZE)"
        if changed and (database.writer.dialect.name == "postgresql")
        else " (upgraded)"
        if changed
        else ""
    )
    print(f"database schema is at revision {migrate.current_revision(database.writer)}{analysed}")
    return 0


def cmd_officer_add(args: argparse.Namespace) -> int:
    from sync.server.accounts import add_officer

    database = _open(args)
    created = add_officer(
        database, args.name, team=args.team, agency=args.agency, valid_days=args.valid_days
    )
    officer = created.officer
    agency = f", agency {officer.agency}" if officer.agency else ""
    print(f"officer {officer.name} (team {officer.team}{agency}) id {officer.id}")
    print(f"enrolment token (shown once, valid until {created.expires_at:%d/%m/%Y %H:%M} UTC):")
    print(created.enrolment_token)
    return 0


def cmd_device_list(args: argparse.Namespace) -> int:
    from sync.server.accounts import list_devices

    devices = list_devices(_open(args))
    if not devices:
        print("no devices enrolled")
        return 0
    for d in devices:
        state = f"revoked {d.revoked_at:%d/%m/%Y %H:%M}" if d.revoked_at else "active"
        seen = f"{d.last_seen_at:%d/%m/%Y %H:%M}" if d.last_seen_at else "never"
        flag = f"  AUDIT FLAG: {d.audit_flag}" if d.audit_flag else ""
        print(
            f"{d.id}  {d.name!r}  officer {d.officer_name!r} (team {d.team})  {state}  "
            f"last seen {seen}  changes {d.applied_counter}{flag}"
        )
    return 0


def cmd_device_revoke(args: argparse.Namespace) -> int:
    from sync.server.accounts import revoke_device

    if not revoke_device(_open(args), args.device_id):
        raise CliError(f"no device with id {args.device_id}")
    print(f"device {args.device_id} revoked: its token no longer works")
    return 0


def cmd_case_transfer(args: argparse.Namespace) -> int:
    from sync.server.transfer import transfer_case

    moved = transfer_case(
        _open(args), args.case, args.team,
        by=args.by, requested_by=args.requested_by, reason=args.reason,
    )  # fmt: skip
    print(
        f"case {moved.ref} ({moved.case_id}) transferred from team {moved.old_team} to team "
        f"{moved.new_team}; the old team's laptops drop it at their next sync"
    )
    count = len(moved.open_conflicts)
    if count:
        goes = "1 open conflict goes" if count == 1 else f"{count} open conflicts go"
        print(
            f"{goes} with it: the new team's laptops receive and resolve "
            f"{'it' if count == 1 else 'them'} ({', '.join(moved.open_conflicts)})"
        )
    return 0


def cmd_audit_flags(args: argparse.Namespace) -> int:
    from sync.server.anchor import list_flags

    flags = list_flags(_open(args), include_cleared=args.all)
    if not flags:
        print("no audit flags" if args.all else "no open audit flags")
        return 0
    for f in flags:
        state = (
            f"cleared {f.cleared_at:%d/%m/%Y %H:%M} by {f.cleared_by}: {f.cleared_reason}"
            if f.cleared_at
            else "OPEN"
        )
        print(
            f"{f.flagged_at:%d/%m/%Y %H:%M}  device {f.device_id} ({f.device_name!r}, officer "
            f"{f.officer_name!r})  {f.reason}  [{state}]"
        )
    return 0


def cmd_audit_clear(args: argparse.Namespace) -> int:
    from sync.server.anchor import clear_flags

    cleared = clear_flags(_open(args), args.device_id, by=args.by, reason=args.reason)
    print(f"{cleared} audit flag(s) of device {args.device_id} cleared; the clearing is recorded")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    import csv
    import json
    from datetime import date
    from pathlib import Path

    from asb_tui.domain.errors import DomainError
    from asb_tui.domain.report_figures import period_from_text, report_tables
    from sync.server.report import partnership_report

    try:
        period = period_from_text(args.start, args.end, date.today())
    except DomainError as exc:
        raise CliError(str(exc)) from None
    if args.csv and not os.path.isdir(args.csv):
        raise CliError(f"the directory {args.csv} does not exist")
    report = partnership_report(_open(args), period, args.team)
    if args.csv:
        tables = report_tables(report)
        for name, rows in tables.items():
            with (Path(args.csv) / f"{name}.csv").open("w", encoding="utf-8", newline="") as out:
                csv.writer(out).writerows(rows)
        print(f"Wrote {len(tables)} CSV files to {args.csv}")
    else:
        json.dump(report, sys.stdout, ensure_ascii=False, indent=None if args.json else 1)
        print()
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="asb-sync-server", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    def with_db(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--db", help="database URL (default: $ASB_SERVER_DB or an SQLite file)")
        return p

    serve = with_db(commands.add_parser("serve", help="run the HTTP service"))
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8600)
    serve.add_argument("--ssl-certfile")
    serve.add_argument("--ssl-keyfile")
    serve.add_argument(
        "--insecure-http", action="store_true", help="allow plain HTTP on a non-loopback host"
    )
    serve.add_argument(
        "--no-migrate",
        action="store_true",
        help="do not upgrade the schema on start; refuse to start if it is not current",
    )
    serve.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"]
    )
    serve.add_argument(
        "--keep-alive",
        default=str(KEEP_ALIVE_DEFAULT),
        metavar="SECONDS",
        help="close an idle connection after this long; keep it above the load balancer's "
        f"upstream keep-alive (default {KEEP_ALIVE_DEFAULT})",
    )
    serve.add_argument(
        "--workers", default="1", metavar="N", help="worker processes on this port (default 1)"
    )
    serve.add_argument(
        "--proxy-headers",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="take the client's address and scheme from X-Forwarded-For/-Proto sent by the "
        "addresses of --forwarded-allow-ips (default: on)",
    )
    serve.add_argument(
        "--forwarded-allow-ips",
        default=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        metavar="IPS",
        help="the proxies trusted for forwarded headers: addresses or networks, comma "
        "separated, or * (default 127.0.0.1)",
    )
    serve.add_argument(
        "--root-path",
        default="",
        metavar="PATH",
        help="the path prefix the proxy serves the service under, e.g. /asb-sync",
    )
    serve.set_defaults(handler=cmd_serve)

    with_db(commands.add_parser("migrate", help="upgrade the database schema")).set_defaults(
        handler=cmd_migrate
    )

    officer = commands.add_parser("officer", help="manage officers").add_subparsers(
        dest="officer_command", required=True
    )
    add = with_db(officer.add_parser("add", help="add an officer and print an enrolment token"))
    add.add_argument("name")
    add.add_argument("--team", required=True)
    add.add_argument("--agency")
    add.add_argument("--valid-days", type=int, default=7)
    add.set_defaults(handler=cmd_officer_add)

    device = commands.add_parser("device", help="manage enrolled devices").add_subparsers(
        dest="device_command", required=True
    )
    with_db(device.add_parser("list", help="list devices")).set_defaults(handler=cmd_device_list)
    revoke = with_db(device.add_parser("revoke", help="revoke a lost or retired device"))
    revoke.add_argument("device_id")
    revoke.set_defaults(handler=cmd_device_revoke)

    repair_cli.register(commands, with_db, _open)
    case = commands.add_parser("case", help="administer cases").add_subparsers(
        dest="case_command", required=True
    )
    transfer = with_db(case.add_parser("transfer", help="move a case to another team"))
    transfer.add_argument("case", help="the case's id or reference")
    transfer.add_argument("team", help="the team that takes the case")
    transfer.add_argument("--by", required=True, help="the administrator making the transfer")
    transfer.add_argument(
        "--requested-by", required=True, help="the owning team's officer who asked for it"
    )
    transfer.add_argument("--reason", required=True)
    transfer.set_defaults(handler=cmd_case_transfer)

    audit = commands.add_parser("audit", help="audit-chain flags").add_subparsers(
        dest="audit_command", required=True
    )
    flags = with_db(audit.add_parser("flags", help="list devices whose audit chain was flagged"))
    flags.add_argument("--all", action="store_true", help="include cleared flags")
    flags.set_defaults(handler=cmd_audit_flags)
    clear = with_db(audit.add_parser("clear", help="clear a device's open flags, with a reason"))
    clear.add_argument("device_id")
    clear.add_argument("--by", required=True, help="the administrator clearing it")
    clear.add_argument("--reason", required=True, help="what was found and why it is cleared")
    clear.set_defaults(handler=cmd_audit_clear)

    index = commands.add_parser(
        "index", help="the blind index of people and addresses across teams"
    ).add_subparsers(dest="index_command", required=True)
    rebuild = with_db(
        index.add_parser("rebuild", help="recompute the blind index under the current key")
    )
    rebuild.add_argument(
        "--new-key",
        action="store_true",
        help="first replace the key kept in the database by a new random one (rotation)",
    )
    rebuild.set_defaults(handler=cmd_index_rebuild)

    report = with_db(
        commands.add_parser(
            "report", help="the management report over every team (or the teams named)"
        )
    )
    report.add_argument("--from", dest="start", metavar="DD/MM/YYYY", help="first day counted")
    report.add_argument("--to", dest="end", metavar="DD/MM/YYYY", help="last day (default today)")
    report.add_argument(
        "--team", action="append", metavar="TEAM", help="only this team's cases (repeatable)"
    )
    out = report.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the report as JSON (the default)")
    out.add_argument("--csv", metavar="DIR", help="write one CSV file per table into DIR")
    report.set_defaults(handler=cmd_report)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        code: int = args.handler(args)
    except (CliError, RepairError) as exc:
        print(f"asb-sync-server: {exc}", file=sys.stderr)
        return 2
    except ServiceError as exc:
        print(f"asb-sync-server: {exc.message}", file=sys.stderr)
        return 1
    except sa.exc.OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        print(f"asb-sync-server: cannot use the database: {reason}", file=sys.stderr)
        return 1
    except sa.exc.SQLAlchemyError as exc:
        print(f"asb-sync-server: database error: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"asb-sync-server: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
