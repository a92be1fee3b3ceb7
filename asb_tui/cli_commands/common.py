"""What every subcommand shares: the passphrase rules, opening the store, user-facing errors.

Passphrases never come from argv (they would show in `ps` and shell history): from a terminal
prompt, `ASB_PASSPHRASE`, or `--passphrase-file`, as restic does.

Every command module imports this one to build the parser, so it imports neither the store nor
the config at the top: `asb-tui --help` and a mistyped option then answer without loading
SQLAlchemy and the models (most of a command's start time, docs/performance.md).
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from asb_tui.config import Config
    from asb_tui.store.core.store import Store

# Printed after every export that writes personal data in clear (export json, export sar).
PERSONAL_DATA_NOTICE = (
    "The file holds personal data: it is readable only by you (mode 0600) and is NOT encrypted. "
    "Keep it on an encrypted drive and delete it when it is no longer needed."
)
PERSONAL_DATA_NOTICE_FILES = (
    "The files hold personal data: they are readable only by you (mode 0600) and are NOT "
    "encrypted. Keep them on an encrypted drive and delete them when they are no longer needed."
)


class UserError(Exception):
    """An error the user can fix; printed as one line, exit status 2."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def data_dir(args: argparse.Namespace) -> Path:
    from asb_tui.config import resolve_data_dir

    return resolve_data_dir(getattr(args, "data_dir", None))


def config(args: argparse.Namespace) -> Config:
    from asb_tui.config import load_config

    return load_config(data_dir(args))


def read_secret_file(path: str, what: str) -> str:
    """A secret from the first line of a file; a missing, unreadable or empty file is refused."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot read the {what} file {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise UserError(f"cannot read the {what} file {path}: it is not UTF-8 text") from None
    lines = text.splitlines()
    secret = lines[0] if lines else ""
    if not secret:
        raise UserError(f"the {what} file {path} is empty")
    return secret


def _interactive() -> bool:
    return sys.stdin.isatty()


def passphrase(
    args: argparse.Namespace, *, confirm: bool = False, prompt: str = "Passphrase: "
) -> str:
    """The store passphrase from --passphrase-file, ASB_PASSPHRASE, or the terminal."""
    if getattr(args, "passphrase_file", None):
        return read_secret_file(args.passphrase_file, "passphrase")
    env = os.environ.get("ASB_PASSPHRASE")
    if env:
        return env
    if not _interactive():
        raise UserError(
            "no passphrase: set ASB_PASSPHRASE or use --passphrase-file (no terminal to ask on)"
        )
    return _prompt_secret(prompt, confirm)


def new_passphrase(args: argparse.Namespace) -> str:
    """A new passphrase from --new-passphrase-file, ASB_NEW_PASSPHRASE, or the terminal (twice)."""
    if getattr(args, "new_passphrase_file", None):
        return read_secret_file(args.new_passphrase_file, "new passphrase")
    env = os.environ.get("ASB_NEW_PASSPHRASE")
    if env:
        return env
    if not _interactive():
        raise UserError("no new passphrase: set ASB_NEW_PASSPHRASE or use --new-passphrase-file")
    return _prompt_secret("New passphrase: ", True)


def _prompt_secret(prompt: str, confirm: bool) -> str:
    import getpass

    first = getpass.getpass(prompt)
    if confirm and getpass.getpass("Again: ") != first:
        raise UserError("the two passphrases differ; nothing was changed")
    return first


def open_from_args(args: argparse.Namespace, *, records: bool = True) -> tuple[Store, Config]:
    """The store and the config, as the officer the store keeps. `records=False` for a command
    that only reads (it writes no audit event, so names nobody)."""
    from asb_tui.store.core.store import open_store, require_store

    cfg = config(args)
    require_store(cfg.data_dir)  # "no store here" (or a damaged one) before asking a passphrase
    store = open_store(cfg.data_dir, passphrase(args), actor=cfg.officer)
    for notice in store.notices:
        print(f"asb-tui: note: {notice}", file=sys.stderr)
    return store, as_stored_officer(store, cfg, say_fallback=records)


_AFTER_SUCCESS: list[str] = []


def print_notes_after_success() -> None:
    """The notes a command left for the end of a run that succeeded (stderr, one line each)."""
    for note in dict.fromkeys(_AFTER_SUCCESS):
        print(f"asb-tui: note: {note}", file=sys.stderr)
    _AFTER_SUCCESS.clear()


def as_stored_officer(store: Store, cfg: Config, *, say_fallback: bool = True) -> Config:
    """Work on this laptop is the officer's the store keeps (asked on the app's first run), as
    in the app: audit events name them, and new cases are theirs. Only a store made before the
    officer was asked (or by `asb-tui init`) falls back to the configured or login name, and the
    command says so."""
    from dataclasses import replace

    from asb_tui.store.commands.officer import load_officer

    officer = load_officer(store)
    if officer is None:
        if not say_fallback:
            return cfg
        # Said once the command has done its work, so a refusal stays one line.
        _AFTER_SUCCESS.append(
            f"this store does not name its officer yet (the app asks on first run); the work "
            f"was recorded as {cfg.officer!r}"
        )
        return cfg
    store.actor = officer.name
    return replace(cfg, officer=officer.name, team=officer.team or cfg.team)


def add_passphrase_file_option(parser: argparse.ArgumentParser) -> None:
    # No abbreviations on a command that reads a passphrase: argparse would otherwise take
    # `--passphrase SECRET` as `--passphrase-file SECRET` and print the secret in its error.
    parser.allow_abbrev = False
    parser.add_argument(
        "--passphrase-file",
        metavar="FILE",
        help="read the passphrase from FILE (first line) instead of asking",
    )


_EXPORT_GROUPS: dict[int, argparse._SubParsersAction[argparse.ArgumentParser]] = {}


def export_subparsers(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse._SubParsersAction[argparse.ArgumentParser]:
    """The `export` group's subparsers, shared by the modules that add export formats
    (`export json`, `export vvc`, `export sar`)."""
    key = id(sub)
    if key not in _EXPORT_GROUPS:
        parser = sub.add_parser("export", help="export cases, VVC packs, subject access data")
        _EXPORT_GROUPS[key] = parser.add_subparsers(
            dest="export_format", required=True, metavar="FORMAT"
        )
    return _EXPORT_GROUPS[key]


def today_from_args(args: argparse.Namespace) -> date:
    """`--today DD/MM/YYYY` when given (a command counting from another day), else today."""
    if not getattr(args, "today", None):
        return date.today()
    from asb_tui.domain.dates import parse_uk_date
    from asb_tui.domain.errors import DomainError

    try:
        return parse_uk_date(args.today, date.today())
    except DomainError as exc:
        raise UserError(f"--today: {exc}") from None


def json_value(value: object) -> object:
    """`json.dumps(default=...)` for the CLI's documents: dates ISO, anything else as text."""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
