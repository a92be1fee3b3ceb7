"""Working days: weekends, the bank holidays of a case's region, and the office's closure days.

Bank holidays come from the `holidays` package with the subdivision that matches each GOV.UK
region (without one, Easter Monday and the summer bank holiday are missing). The package lists the
weekend date of a holiday that has a substitute day (Christmas Day on Saturday 25/12/2021 and
"Christmas Day (observed)" on Monday 27/12/2021); both dates are treated as holidays, which is
harmless for the weekend one and right for the observed one.

Performance: for each (region, year, closures) the working days of the year are kept as a sorted
tuple of day ordinals, so adding or counting working days is a binary search, not a day-by-day
walk. Pass `closures` as a frozenset (as `DeadlineRules` does) to skip the conversion on each call.
The bank holidays themselves are read from the table the package's answer was written into
(`bank_holiday_table`, asb_tui/data/bank_holidays.json) while the release it was written from is
the one installed: importing the package and building a region's calendar for each year cost
about 0.2 s of every process's first deadlines. The package is imported only for a year outside
the table or after an upgrade, never with this module.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache, lru_cache
from types import MappingProxyType, ModuleType
from typing import NamedTuple

from asb_tui.domain.bank_holiday_table import kept_table
from asb_tui.domain.errors import DomainError
from asb_tui.domain.types import Region

__all__ = [
    "HOLIDAY_SUPPLEMENTS",
    "ClosureRule",
    "MonthDay",
    "RegionLike",
    "add_working_days",
    "bank_holidays",
    "clear_caches",
    "expand_closure_rules",
    "is_working_day",
    "normalise_region",
    "package_bank_holidays",
    "package_supported_years",
    "supported_years",
    "working_days_between",
]

RegionLike = Region | str

_SUBDIVISION_OF_REGION: Mapping[Region, str] = MappingProxyType(
    {
        # GOV.UK publishes one list for England and Wales; the package's ENG and WLS agree.
        Region.ENGLAND_AND_WALES: "ENG",
        Region.SCOTLAND: "SCT",
        Region.NORTHERN_IRELAND: "NIR",
    }
)

# One-off bank holidays announced after the installed `holidays` release, added here until the
# package catches up (region -> {date: name}). Empty today: holidays 0.109 already has every day
# this project was checked against, including Scotland's 15/06/2026.
HOLIDAY_SUPPLEMENTS: Mapping[Region, Mapping[date, str]] = MappingProxyType(
    {region: MappingProxyType({}) for region in Region}
)

_EMPTY_CLOSURES: frozenset[date] = frozenset()
_SATURDAY = 5


def normalise_region(region: RegionLike) -> Region:
    """Return the Region for an enum member or its GOV.UK string, refusing anything else."""
    if isinstance(region, Region):
        return region
    try:
        return Region(region)
    except ValueError:
        valid = ", ".join(member.value for member in Region)
        raise DomainError(
            f"'{region}' is not a bank holiday region. Use one of: {valid}."
        ) from None


def _holidays() -> ModuleType:
    import holidays

    return holidays


@cache
def supported_years() -> range:
    """The years for which the installed `holidays` package knows UK bank holidays."""
    table = kept_table()
    if table is not None:
        return range(table.supported_first, table.supported_last + 1)
    return package_supported_years()


def package_supported_years() -> range:
    """The years the `holidays` package itself covers (what the table records)."""
    uk = _holidays().GB
    return range(uk.start_year, uk.end_year + 1)


def _check_year(year: int) -> None:
    years = supported_years()
    if year not in years:
        # Outside these years the package returns no holidays at all; a silently wrong deadline
        # is worse than a refusal.
        raise DomainError(
            f"Bank holidays are only known for {years.start} to {years.stop - 1}; "
            f"{year} is outside that range."
        )


def bank_holidays(region: RegionLike, year: int) -> Mapping[date, str]:
    """Bank holidays of `region` in `year` (date -> name), substitute days included."""
    return _bank_holidays(normalise_region(region), year)


def package_bank_holidays(region: Region, year: int) -> dict[date, str]:
    """What the `holidays` package itself gives for `region` in `year` (no supplements, no
    table): the source `bank_holiday_table` is written from and checked against."""
    found = _holidays().country_holidays("GB", subdiv=_SUBDIVISION_OF_REGION[region], years=year)
    return {day: name for day, name in found.items() if day.year == year}


@cache
def _bank_holidays(region: Region, year: int) -> Mapping[date, str]:
    _check_year(year)
    table = kept_table()
    kept = None if table is None else table.year(region.value, year)
    days = kept if kept is not None else package_bank_holidays(region, year)
    days.update(
        {day: name for day, name in HOLIDAY_SUPPLEMENTS[region].items() if day.year == year}
    )
    return MappingProxyType(days)


@cache
def _holiday_set(region: Region, year: int) -> frozenset[date]:
    return frozenset(_bank_holidays(region, year))


@lru_cache(maxsize=1024)
def _working_ordinals(region: Region, year: int, closures: frozenset[date]) -> tuple[int, ...]:
    """Ordinals of the working days of `year`, ascending."""
    first = date(year, 1, 1).toordinal()
    stop = date(year, 12, 31).toordinal() + 1
    days_off = {day.toordinal() for day in _holiday_set(region, year)}
    days_off.update(day.toordinal() for day in closures if day.year == year)
    # Ordinal 1 (01/01/0001) was a Monday, so the Monday on or before 01/01 is `first` less
    # (first - 1) % 7. Each weekday's ordinals are a range with step 7: five C-level ranges,
    # not a Python test of each of the 365 days (half the time of a cold table).
    monday = first - (first - 1) % 7
    days: set[int] = set()
    for weekday in range(_SATURDAY):
        start = monday + weekday
        days.update(range(start if start >= first else start + 7, stop, 7))
    days -= days_off
    return tuple(sorted(days))


def clear_caches() -> None:
    """Forget the cached holiday sets and working-day tables (benchmarks and tests use this)."""
    supported_years.cache_clear()
    kept_table.cache_clear()
    _bank_holidays.cache_clear()
    _holiday_set.cache_clear()
    _working_ordinals.cache_clear()


def _as_frozenset(closures: Iterable[date]) -> frozenset[date]:
    if isinstance(closures, frozenset):
        return closures
    if isinstance(closures, tuple) and not closures:
        return _EMPTY_CLOSURES
    return frozenset(closures)


def is_working_day(
    day: date,
    region: RegionLike = Region.ENGLAND_AND_WALES,
    closures: Iterable[date] = (),
) -> bool:
    """True when `day` is a weekday that is neither a bank holiday of `region` nor a closure day."""
    if day.weekday() >= _SATURDAY:
        return False
    if day in _as_frozenset(closures):
        return False
    return day not in _holiday_set(normalise_region(region), day.year)


def add_working_days(
    start: date,
    days: int,
    region: RegionLike = Region.ENGLAND_AND_WALES,
    closures: Iterable[date] = (),
) -> date:
    """The `days`-th working day after `start`.

    `days == 0` gives `start` when it is a working day, else the next working day. Negative `days`
    count backwards symmetrically: -1 is the last working day strictly before `start`, -2 the one
    before that. Accepted Friday 20/11/2026 + 3 gives Wednesday 25/11/2026.
    """
    place = normalise_region(region)
    closed = _as_frozenset(closures)
    year = start.year
    ordinals = _working_ordinals(place, year, closed)
    target = start.toordinal()
    if days > 0:
        index = bisect_right(ordinals, target) + days - 1
    elif days == 0:
        index = bisect_left(ordinals, target)
    else:
        index = bisect_left(ordinals, target) + days
    while index >= len(ordinals):
        index -= len(ordinals)
        year += 1
        _check_year(year)
        ordinals = _working_ordinals(place, year, closed)
    while index < 0:
        year -= 1
        _check_year(year)
        ordinals = _working_ordinals(place, year, closed)
        index += len(ordinals)
    return date.fromordinal(ordinals[index])


def working_days_between(
    start: date,
    end: date,
    region: RegionLike = Region.ENGLAND_AND_WALES,
    closures: Iterable[date] = (),
) -> int:
    """The number of working days `d` with `start < d <= end`; negative when `end < start`.

    So `working_days_between(s, add_working_days(s, n)) == n` for every n >= 1.
    """
    if end < start:
        return -working_days_between(end, start, region, closures)
    place = normalise_region(region)
    closed = _as_frozenset(closures)
    start_year = _working_ordinals(place, start.year, closed)
    if start.year == end.year:
        return bisect_right(start_year, end.toordinal()) - bisect_right(
            start_year, start.toordinal()
        )
    count = len(start_year) - bisect_right(start_year, start.toordinal())
    for year in range(start.year + 1, end.year):
        count += len(_working_ordinals(place, year, closed))
    end_year = _working_ordinals(place, end.year, closed)
    return count + bisect_right(end_year, end.toordinal())


class MonthDay(NamedTuple):
    """A day of the year without a year, written the UK way round."""

    day: int
    month: int

    def sort_key(self) -> tuple[int, int]:
        """Order within a year (month first, unlike the written form)."""
        return (self.month, self.day)

    def in_year(self, year: int) -> date:
        """This day in `year`; 29/02 falls back to 28/02 in a common year."""
        if (self.month, self.day) == (2, 29) and not _is_leap(year):
            return date(year, 2, 28)
        return date(year, self.month, self.day)


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


@dataclass(frozen=True)
class ClosureRule:
    """Office closed every year from `month_day_from` to `month_day_to`, both included.

    A range that ends earlier in the year than it starts runs over the new year (24/12 to 01/01).
    """

    month_day_from: MonthDay
    month_day_to: MonthDay

    def __post_init__(self) -> None:
        for month_day in (self.month_day_from, self.month_day_to):
            try:
                month_day.in_year(2000)  # a leap year, so 29/02 is allowed
            except ValueError:
                raise DomainError(
                    f"{month_day.day:02d}/{month_day.month:02d} is not a day of the year."
                ) from None

    @classmethod
    def parse(cls, text: str) -> ClosureRule:
        """Read a rule written as config states it: "24/12-01/01" (or a single "25/12")."""
        parts = [part.strip() for part in text.split("-")]
        if len(parts) not in (1, 2):
            raise DomainError(f"'{text}' is not a closure rule. Write it as 24/12-01/01.")
        month_days = [_parse_month_day(part, text) for part in parts]
        return cls(month_days[0], month_days[-1])

    def dates_in_years(self, first_year: int, last_year: int) -> frozenset[date]:
        """Every closure date that falls in the years `first_year`..`last_year` inclusive."""
        found: set[date] = set()
        # Start a year early so that a range running over the new year covers 01/01/first_year.
        runs_over_new_year = self.month_day_to.sort_key() < self.month_day_from.sort_key()
        for year in range(max(first_year - 1, 1), last_year + 1):
            begin = self.month_day_from.in_year(year)
            end_year = year + 1 if runs_over_new_year else year
            if end_year > 9999:
                break
            finish = self.month_day_to.in_year(end_year)
            day = begin
            while day <= finish:
                if first_year <= day.year <= last_year:
                    found.add(day)
                day += timedelta(days=1)
        return frozenset(found)


def _parse_month_day(part: str, whole: str) -> MonthDay:
    pieces = part.split("/")
    if len(pieces) != 2 or not all(piece.strip().isdigit() for piece in pieces):
        raise DomainError(f"'{whole}' is not a closure rule. Write it as 24/12-01/01.")
    return MonthDay(day=int(pieces[0]), month=int(pieces[1]))


def expand_closure_rules(
    rules: Iterable[ClosureRule], first_year: int, last_year: int
) -> frozenset[date]:
    """All closure dates of `rules` in `first_year`..`last_year`, ready to pass as `closures`."""
    found: set[date] = set()
    for rule in rules:
        found |= rule.dates_in_years(first_year, last_year)
    return frozenset(found)
