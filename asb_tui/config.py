"""Where data lives and the council's settings (TOML).

Data directory: `--data-dir`, else `ASB_DATA_DIR`, else platformdirs' user data dir.
Config file: `ASB_CONFIG`, else `config.toml` in the data directory, else platformdirs' user
config dir. A missing file means the defaults; a malformed one is refused with its path and
the problem.

Every setting is checked when the file is loaded, with the reason it is refused: a value outside
what the council's procedure or the law allows (a retention of -100 years destroyed a case closed
days before), an unknown key (a misspelt `retention_year` would otherwise be ignored in silence),
a questionnaire file that does not load. Nothing runs on a config that is refused.
"""

from __future__ import annotations

import difflib
import getpass
import math
import os
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from platformdirs import user_config_dir, user_data_dir

from asb_tui.domain.errors import DomainError
from asb_tui.domain.working_days import ClosureRule, normalise_region

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
    repeat_perpetrator_cases: int = 2
    repeat_perpetrator_months: int = 12
    # The council's areas or wards, as addresses are counted by place; none: any text is kept.
    areas: tuple[str, ...] = ()
    case_review_threshold: int = 3
    case_review_window_months: int = 6
    # Working days from a Case Review application to each step (the council's procedure).
    case_review_acknowledge_days: int = 10
    case_review_decide_days: int = 15
    case_review_meet_days: int = 20
    vvc_weekday: str = "TU"
    vvc_week_of_month: int = 2
    vvc_cutoff_days: int = 10
    retention_years: int = 5
    # The largest file the evidence locker takes in, in megabytes (docs/evidence.md).
    evidence_max_mb: int = 500
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
    # The council's identity on its letters and diary sheets (docs/letters.md).
    council_address: tuple[str, ...] = ()
    council_phone: str = ""
    council_email: str = ""
    council_logo: Path | None = None  # a PNG, JPEG or SVG file
    officer_title: str = "Anti-social Behaviour Officer"
    officer_phone: str = ""
    officer_email: str = ""
    # A folder of the council's own letter templates, each overriding the shipped one of its name.
    letter_templates: Path | None = None
    # Where letters are written unless another folder is chosen (default: the Documents folder).
    letters_dir: Path | None = None
    # The language of letters: "en" (English), "cy" (Welsh) or "en+cy" (bilingual, Welsh first).
    language: str = "en"
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


# name: (lowest, highest, what it is and why the bounds). Whole numbers unless the default is a
# float. The bounds are a council's procedure and the law, not taste.
_BOUNDS: dict[str, tuple[float, float, str]] = {
    "auto_lock_minutes": (
        1,
        60,
        "minutes idle before the app locks itself; auto-lock cannot be turned off, and an "
        "hour is the most a laptop holding victims' data may stay open unattended",
    ),
    "manager_review_days": (1, 365, "days between a manager's reviews of a high-risk case"),
    "review_sample_fraction": (
        0.01,
        1,
        "the share of the other open cases a manager samples for review (0.10 is a tenth)",
    ),
    "review_sample_minimum": (0, 1000, "the fewest cases a manager's review sample holds"),
    "repeat_incidents": (2, 100, "incidents within the window that make a repeat victim"),
    "repeat_window_months": (1, 60, "months over which repeat incidents are counted"),
    "repeat_perpetrator_cases": (
        2,
        100,
        "cases naming the same alleged perpetrator within the window that flag a repeat "
        "perpetrator",
    ),
    "repeat_perpetrator_months": (1, 120, "months over which a perpetrator's cases are counted"),
    "case_review_threshold": (
        1,
        3,
        "qualifying complaints that trigger an ASB Case Review; the 2014 Act allows a threshold "
        "of three at most",
    ),
    "case_review_window_months": (
        6,
        24,
        "months over which Case Review complaints are counted; the 2014 Act counts six months, "
        "and a council may only be more generous",
    ),
    "case_review_acknowledge_days": (
        1,
        60,
        "working days from a Case Review application to its acknowledgement",
    ),
    "case_review_decide_days": (
        1,
        60,
        "working days from a Case Review application to the threshold decision",
    ),
    "case_review_meet_days": (
        1,
        90,
        "working days from a Case Review application to the review meeting",
    ),
    "vvc_cutoff_days": (0, 60, "days before a VVC meeting after which referrals wait a month"),
    "retention_years": (
        1,
        100,
        "years a closed case is kept before it is destroyed (the council's policy; the "
        "procedure says five)",
    ),
    "evidence_max_mb": (1, 10_000, "the largest evidence file taken in, in megabytes"),
}
_VVC_WEEKS = {-1: "last", 1: "first", 2: "second", 3: "third", 4: "fourth"}
_WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_NAMES = {"officer", "team", "council"}  # must not be empty
_MAY_BE_EMPTY_LISTS = {"closures", "council_address"}
_PATHS = {"questionnaire", "council_logo", "letter_templates", "letters_dir"}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9 ()-]{6,30}$")
_LANGUAGES = ("en", "cy", "en+cy")
_LOGO_SUFFIXES = (".png", ".jpg", ".jpeg", ".svg")
_MAX_TEXT = 200


def _refuse(path: Path, name: str, value: Any, reason: str) -> ConfigError:
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return ConfigError(f"{path}: {name} = {shown} is refused: {reason}")


def _check_text(path: Path, name: str, value: str, *, may_be_empty: bool) -> None:
    if not value.strip() and not may_be_empty:
        raise _refuse(path, name, value, "it must not be empty")
    if len(value) > _MAX_TEXT:
        raise _refuse(path, name, value, f"it must be at most {_MAX_TEXT} characters")
    if any(unicodedata.category(ch) in {"Cc", "Cf"} for ch in value):
        raise _refuse(path, name, value, "it holds control characters")


def _check_number(path: Path, name: str, value: float, expected: Any) -> None:
    low, high, what = _BOUNDS[name]
    if isinstance(expected, float):
        if not math.isfinite(value):
            raise _refuse(path, name, value, f"it must be a number from {low:g} to {high:g}")
    elif not isinstance(value, int):
        raise _refuse(path, name, value, "it must be a whole number")
    if not low <= value <= high:
        limit = f"at least {low:g}" if value < low else f"at most {high:g}"
        raise _refuse(path, name, value, f"it must be {limit} ({what})")


def _check_weekday(path: Path, value: str) -> None:
    word = value.strip().lower()
    if len(word) < 2 or not any(day.startswith(word) for day in _WEEKDAY_NAMES):
        raise _refuse(path, "vvc_weekday", value, "write a weekday such as TU or Tuesday")


_LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def _check_server_url(path: Path, value: str) -> None:
    if not value:
        return
    try:
        parts = urlsplit(value)
        host = parts.hostname
        parts.port  # noqa: B018 - reading it checks the port is a number
    except ValueError:
        host = None
    if parts.scheme not in {"https", "http"} or not host or any(ch.isspace() for ch in value):
        raise _refuse(
            path, "server_url", value, "write the service's address, such as https://host:8600"
        )
    if parts.scheme == "http" and host not in _LOOPBACK:
        raise _refuse(path, "server_url", value, "plain http:// is for loopback only; use https://")


def _validate(path: Path, values: dict[str, Any], defaults: Config) -> None:
    """Each setting against what it may be; ConfigError naming the first that is not."""
    for name, value in values.items():
        expected = getattr(defaults, name)
        if name in _BOUNDS:
            _check_number(path, name, value, expected)
        elif isinstance(value, str):
            _check_text(path, name, value, may_be_empty=name not in _NAMES)
        elif isinstance(value, tuple):
            if name not in _MAY_BE_EMPTY_LISTS and not value:
                raise _refuse(path, name, list(value), "the list must not be empty")
            for item in value:
                _check_text(path, name, item, may_be_empty=False)
    if "vvc_week_of_month" in values and values["vvc_week_of_month"] not in _VVC_WEEKS:
        raise _refuse(
            path,
            "vvc_week_of_month",
            values["vvc_week_of_month"],
            "it must be 1 to 4 (first to fourth week) or -1 (the last)",
        )
    if "vvc_weekday" in values:
        _check_weekday(path, values["vvc_weekday"])
    for name in ("council_email", "officer_email"):
        if values.get(name) and not _EMAIL.match(values[name]):
            raise _refuse(
                path, name, values[name], "write an email address such as asb@council.gov.uk"
            )
    for name in ("council_phone", "officer_phone"):
        if values.get(name) and not _PHONE.match(values[name]):
            raise _refuse(path, name, values[name], "write a phone number such as 0113 222 4444")
    if "language" in values and values["language"] not in _LANGUAGES:
        raise _refuse(
            path, "language", values["language"], 'it must be "en", "cy" or "en+cy" (bilingual)'
        )
    if "server_url" in values:
        _check_server_url(path, values["server_url"])


def _unknown_key(path: Path, key: str) -> ConfigError:
    close = difflib.get_close_matches(key.replace("-", "_"), sorted(_FIELDS), n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    return ConfigError(f"{path}: unknown setting {key!r}{hint}; nothing was changed")


def load_config(data_dir: Path) -> Config:
    path = config_path(data_dir)
    if not path.exists():
        return Config(data_dir=data_dir)
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    values: dict[str, Any] = {}
    for key, value in doc.items():
        name = key.replace("-", "_")
        if name not in _FIELDS:
            raise _unknown_key(path, key)
        values[name] = value
    defaults = Config(data_dir=data_dir)
    for name, value in list(values.items()):
        expected = getattr(defaults, name)
        if isinstance(expected, tuple):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{path}: {name} must be a list of strings")
            values[name] = tuple(value)
        elif name in _PATHS:
            if not isinstance(value, str) or not value.strip():
                what = "folder" if name in {"letter_templates", "letters_dir"} else "file"
                raise ConfigError(f"{path}: {name} must be a {what} path")
        elif not _same_kind(expected, value):
            raise ConfigError(f"{path}: {name} must be a {type(expected).__name__}, not {value!r}")
    _validate(path, {k: v for k, v in values.items() if k not in _PATHS}, defaults)
    if "questionnaire" in values:
        values["questionnaire"] = _load_questionnaire(path, values["questionnaire"])
    if "council_logo" in values:
        values["council_logo"] = _logo(path, values["council_logo"])
    for name in ("letter_templates", "letters_dir"):
        if name in values:
            values[name] = _folder(path, name, values[name])
    if "letter_templates" in values:
        _check_letter_templates(path, values["letter_templates"])
    if "region" in values:
        try:
            values["region"] = normalise_region(values["region"]).value
        except DomainError as exc:
            raise ConfigError(f"{path}: {exc}") from None
    config = Config(data_dir=data_dir, **values)
    try:
        closure_dates(config, range(2000, 2001))  # refuse a malformed closure entry at load
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    return config


def _load_questionnaire(path: Path, value: str) -> Path:
    """The questionnaire's path (relative to the config file), refused unless it loads."""
    from asb_tui.domain.risk import load_questionnaire

    location = (path.parent / value).expanduser()
    try:
        load_questionnaire(location)
    except DomainError as exc:
        raise ConfigError(f"{path}: questionnaire: {exc}") from None
    return location


def _logo(path: Path, value: str) -> Path:
    location = (path.parent / value).expanduser()
    if location.suffix.lower() not in _LOGO_SUFFIXES:
        raise _refuse(path, "council_logo", value, "the logo must be a PNG, JPEG or SVG file")
    if not location.is_file():
        raise _refuse(path, "council_logo", value, f"there is no file {location}")
    return location


def _folder(path: Path, name: str, value: str) -> Path:
    location = (path.parent / value).expanduser()
    if not location.is_dir():
        raise _refuse(path, name, value, f"there is no folder {location}")
    return location


def _check_letter_templates(path: Path, folder: Path) -> None:
    """A council's template must override a shipped one: a misspelt name would be ignored."""
    from importlib import resources

    shipped = {
        entry.name
        for entry in resources.files("asb_tui.export").joinpath("templates").iterdir()
        if entry.name.endswith(".typ")
    }
    for entry in sorted(folder.glob("*.typ")):
        if entry.name not in shipped:
            close = difflib.get_close_matches(entry.name, sorted(shipped), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise _refuse(
                path,
                "letter_templates",
                str(folder),
                f"{entry.name} is not the name of a shipped template{hint}",
            )


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
