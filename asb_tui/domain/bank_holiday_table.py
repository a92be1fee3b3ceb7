"""The bank holidays the `holidays` package gives, written out once into `asb_tui/data/
bank_holidays.json` for the years deadlines reach, so that a start does not build them.

Why: the first deadline of a process imported the package (~0.05-0.1 s) and built each region's
calendar year by year (~3 ms a year; the dashboard's first computation asks for a dozen), about
0.2 s of the app's start, paid again by every process. The table is the package's own answer,
not a second source of truth:

- it names the release of `holidays` it was written from, and it is used only while that
  release is the one installed (the version is read from the installed distribution's
  `holidays-<version>.dist-info` folder name, without importing the package); after an upgrade
  the package itself is asked again, as before, until the table is written anew;
- `tests/domain/test_bank_holiday_table.py` checks it day for day against the installed package;
- `python -m asb_tui.domain.bank_holiday_table` writes it again (after a `holidays` upgrade).

Years outside the table are asked of the package, as before.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from importlib.util import find_spec
from pathlib import Path

TABLE = "data/bank_holidays.json"
# Deadlines reach back to a case accepted years ago and forward to retention (six years on);
# the property tests reach from 1988 to 2093, and the package itself stops at 2100.
FIRST_YEAR = 1980
LAST_YEAR = 2100
_PACKAGE = "holidays"
# Format 2 writes a region's year as one string, a line "YYYY-MM-DD name" a day: read whole at
# a process's first deadlines, the 3,300 two-item lists of format 1 were ~1 ms of JSON.
FORMAT = 2
_DAY = len("YYYY-MM-DD")


@dataclass(frozen=True)
class BankHolidayTable:
    """The package's bank holidays per region value and year, and the years it supports."""

    holidays_version: str
    first_year: int
    last_year: int
    supported_first: int
    supported_last: int
    # region value -> year (as written) -> "YYYY-MM-DD name" lines; dates made when asked for
    written: Mapping[str, Mapping[str, str]]

    def year(self, region: str, year: int) -> dict[date, str] | None:
        """The region's bank holidays in `year`, or None when the table does not cover it."""
        if not self.first_year <= year <= self.last_year:
            return None
        from_iso = date.fromisoformat
        lines = self.written[region].get(str(year), "")
        return {from_iso(line[:_DAY]): line[_DAY + 1 :] for line in lines.split("\n") if line}


def installed_holidays_version() -> str | None:
    """The installed `holidays` release, from its distribution folder's name (importing the
    package, or `importlib.metadata`, costs a tenth of a second); None when not found plainly."""
    spec = find_spec(_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    site = Path(next(iter(spec.submodule_search_locations))).parent
    # The names themselves, not `Path.glob`: the same match at half the cost (a cold start's).
    prefix = f"{_PACKAGE}-"
    found = [
        name for name in os.listdir(site) if name.startswith(prefix) and name.endswith(".dist-info")
    ]
    if len(found) != 1:
        return None  # none (an unusual install) or several: leave it to the package
    return found[0].removeprefix(prefix).removesuffix(".dist-info")


@cache
def kept_table() -> BankHolidayTable | None:
    """The table, when it was written from the installed release of `holidays`; else None."""
    try:
        raw = json.loads(resources.files("asb_tui").joinpath(TABLE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    installed = installed_holidays_version()
    if installed is None or raw.get("holidays_version") != installed:
        return None
    if raw.get("format") != FORMAT:
        return None  # written by an older writer: the package is asked until it is written anew
    return BankHolidayTable(
        holidays_version=raw["holidays_version"],
        first_year=int(raw["first_year"]),
        last_year=int(raw["last_year"]),
        supported_first=int(raw["supported_years"][0]),
        supported_last=int(raw["supported_years"][1]),
        written=raw["regions"],
    )


def table_from_package(
    first_year: int = FIRST_YEAR, last_year: int = LAST_YEAR
) -> dict[str, object]:
    """What the table holds, asked of the installed package (the writer's and the test's)."""
    from asb_tui.domain.types import Region
    from asb_tui.domain.working_days import package_bank_holidays, package_supported_years

    years = package_supported_years()
    regions: dict[str, dict[str, str]] = {}
    for region in Region:
        regions[region.value] = {
            str(year): "\n".join(
                f"{day.isoformat()} {_one_line(name)}"
                for day, name in sorted(package_bank_holidays(region, year).items())
            )
            for year in range(first_year, last_year + 1)
        }
    return {
        "format": FORMAT,
        "holidays_version": installed_holidays_version(),
        "first_year": first_year,
        "last_year": last_year,
        "supported_years": [years.start, years.stop - 1],
        "regions": regions,
    }


def _one_line(name: str) -> str:
    if "\n" in name:  # a line a day: a name that broke one would be read as a day of its own
        raise ValueError(f"a bank holiday's name runs over lines: {name!r}")
    return name


def _write() -> None:
    target = Path(__file__).resolve().parent.parent / TABLE
    text = json.dumps(table_from_package(), ensure_ascii=False, separators=(",", ":"))
    target.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {target}", file=sys.stderr)


if __name__ == "__main__":
    _write()
