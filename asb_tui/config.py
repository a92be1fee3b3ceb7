"""Where data lives and the council's settings (TOML).

Data directory: `--data-dir`, else `ASB_DATA_DIR`, else platformdirs' user data dir.
Config file: `ASB_CONFIG`, else `config.toml` in the data directory, else platformdirs' user
config dir. A missing file means the defaults; a malformed one is refused with its path and
the problem.
"""

from __future__ import annotations

import getpass
import os
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from platformdirs import user_config_dir, user_data_dir

from asb_tui.domain.deadlines import ClosureRule, normalise_region
from asb_tui.domain.errors import DomainError

APP_NAME = "asb-tui"


class ConfigError(Exception):
    pass


def resolve_data_dir(explicit: str | Path | None = None) -> Path:
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get("ASB_DATA_DIR")
    if env:
        return Path(env).expanduser()
    return Path(user_data_dir(APP_NAME, appauthor=False))


def _default_officer() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "officer"


@dataclass(frozen=True)
class Config:
    data_dir: Path
    officer: str = field(default_factory=_default_officer)
    team: str = "default"
    agency: str = ""
    council: str = "the Council"
    region: str = "england-and-wales"
    auto_lock_minutes: float = 5.0
    # Office closure days, each "dd/mm" (every year) or "dd/mm/yyyy"; ranges "24/12-01/01".
    closures: tuple[str, ...] = ()
    questionnaire: Path | None = None
    manager_review_days: int = 14
    review_sample_fraction: float = 0.10
    review_sample_minimum: int = 1
    repeat_incidents: int = 3
    repeat_window_months: int = 3
    case_review_threshold: int = 3
    case_review_window_months: int = 6
    vvc_weekday: str = "TU"
    vvc_week_of_month: int = 2
    vvc_cutoff_days: int = 10
    retention_years: int = 5
    server_url: str = ""
    signposting: tuple[str, ...] = (
        "Victim Support",
        "Citizens Advice",
        "Mediation service",
        "Mental health crisis line",
        "Domestic abuse service",
        "Housing options",
        "Samaritans",
    )
    agencies: tuple[str, ...] = (
        "Police",
        "Landlord / housing provider",
        "Children's Services",
        "Adult Social Care",
        "Environmental Health",
        "Victim Support",
        "Mental health services",
        "Fire and Rescue",
    )
    extra: dict[str, Any] = field(default_factory=dict)


def config_path(data_dir: Path) -> Path:
    env = os.environ.get("ASB_CONFIG")
    if env:
        return Path(env).expanduser()
    local = data_dir / "config.toml"
    if local.exists() or os.environ.get("ASB_DATA_DIR"):
        return local
    return Path(user_config_dir(APP_NAME, appauthor=False)) / "config.toml"


_FIELDS = {f for f in Config.__dataclass_fields__ if f not in {"data_dir", "extra"}}


def _same_kind(expected: Any, value: Any) -> bool:
    """TOML's types against a default's: a whole number may stand for a float; bool is no int."""
    if isinstance(expected, bool) or isinstance(value, bool):
        return isinstance(expected, bool) and isinstance(value, bool)
    if isinstance(expected, float):
        return isinstance(value, int | float)
    return isinstance(value, type(expected))


def load_config(data_dir: Path) -> Config:
    path = config_path(data_dir)
    if not path.exists():
        return Config(data_dir=data_dir)
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    values: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, value in doc.items():
        name = key.replace("-", "_")
        if name in _FIELDS:
            values[name] = value
        else:
            extra[key] = value
    defaults = Config(data_dir=data_dir)
    for name, value in list(values.items()):
        expected = getattr(defaults, name)
        if isinstance(expected, tuple):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{path}: {name} must be a list of strings")
            values[name] = tuple(value)
        elif name == "questionnaire":
            if not isinstance(value, str):
                raise ConfigError(f"{path}: questionnaire must be a file path")
            values[name] = (path.parent / value).expanduser()
        elif not _same_kind(expected, value):
            raise ConfigError(f"{path}: {name} must be a {type(expected).__name__}, not {value!r}")
    if "region" in values:
        try:
            values["region"] = normalise_region(values["region"]).value
        except DomainError as exc:
            raise ConfigError(f"{path}: {exc}") from None
    try:
        config = Config(data_dir=data_dir, extra=extra, **values)
    except TypeError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    closure_dates(config, range(2000, 2001))  # refuse a malformed closure entry at load
    return config


def closure_dates(config: Config, years: range) -> frozenset[date]:
    """Expand the configured closure entries into dates for the given years: "24/12-01/01" and
    "25/12" recur every year (the domain's ClosureRule); "dd/mm/yyyy" is one day."""
    days: set[date] = set()
    for entry in config.closures:
        text = entry.strip()
        try:
            if text.count("/") == 2 and "-" not in text:
                day, month, year = (int(part) for part in text.split("/"))
                days.add(date(year, month, day))
            else:
                days.update(ClosureRule.parse(text).dates_in_years(years.start, years.stop - 1))
        except ValueError:
            raise ConfigError(
                f"closure {entry!r} is not dd/mm, dd/mm/yyyy or a range such as 24/12-01/01"
            ) from None
    return frozenset(days)
