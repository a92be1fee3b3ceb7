"""A date input: UK dates (23/11/2026) and shortcuts (today, yesterday, +3wd) parsed by the
domain's parser. An impossible date is marked inline and the typed text is kept.

Two checks a field can ask for: `allow_future=False` refuses a date that has not come yet (a
notice cannot have been served tomorrow), and `warn_closed_days=True` warns, once per date, when
a date falls on a bank holiday, a weekend or an office closure day (a review nobody will hold).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from textual.widgets import Input

from asb_tui.domain.dates import format_uk, parse_uk_date
from asb_tui.domain.errors import DomainError
from asb_tui.domain.working_days import bank_holidays, is_working_day


def closed_day_warning(
    day: date, region: str = "england-and-wales", closures: Iterable[date] = ()
) -> str | None:
    """Why nobody will be at work on `day`, or None on a working day."""
    try:
        if is_working_day(day, region, closures):
            return None
        holiday = bank_holidays(region, day.year).get(day)
    except DomainError:
        return None  # a year the holiday tables do not cover: the date parser has said so
    if holiday:
        why = f"a bank holiday ({holiday})"
    elif day.weekday() >= 5:
        why = f"a {day.strftime('%A')}"
    else:
        why = "a day the office is closed"
    return f"{format_uk(day)} is {why}: choose a working day if it should be one."


class DateField(Input):
    """`value` stays the text as typed; `date_value` is the parsed date or None."""

    DEFAULT_CSS = """
    DateField.-invalid { border: tall $error; }
    """

    def __init__(
        self,
        value: date | str | None = None,
        *,
        today: date | None = None,
        region: str = "england-and-wales",
        closures: Iterable[date] = (),
        required: bool = False,
        allow_future: bool = True,
        warn_closed_days: bool = False,
        placeholder: str = "dd/mm/yyyy, today, +3wd",
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        text = format_uk(value) if isinstance(value, date) else (value or "")
        super().__init__(value=text, placeholder=placeholder, id=id, classes=classes)
        self._today = today
        self._region = region
        self._closures = frozenset(closures)
        self.required = required
        self.allow_future = allow_future
        self.warn_closed_days = warn_closed_days
        self.error: str | None = None
        self.warning: str | None = None
        self._warned_for: date | None = None

    @property
    def today(self) -> date:
        return self._today or date.today()

    def parse(self) -> date | None:
        """The date typed, or None when empty and optional. Sets `error` (and the invalid style)."""
        text = self.value.strip()
        self.error = None
        self.warning = None
        if not text:
            if self.required:
                self.error = "A date is needed here."
            self.set_class(self.error is not None, "-invalid")
            return None
        try:
            parsed = parse_uk_date(text, self.today, self._region, self._closures)
        except DomainError as exc:
            self.error = str(exc)
            self.set_class(True, "-invalid")
            return None
        if not self.allow_future and parsed > self.today:
            self.error = f"{format_uk(parsed)} has not come yet: record it on or after the day."
            self.set_class(True, "-invalid")
            return None
        self.set_class(False, "-invalid")
        if self.warn_closed_days:
            self._warn(parsed)
        return parsed

    def _warn(self, day: date) -> None:
        self.warning = closed_day_warning(day, self._region, self._closures)
        if self.warning and self._warned_for != day and self.is_mounted:
            self._warned_for = day  # once per date, however often the form reads the field
            self.notify(self.warning, title="Not a working day", severity="warning", markup=False)

    @property
    def date_value(self) -> date | None:
        return self.parse()

    def normalise(self) -> None:
        """Rewrite a valid shortcut ("+3wd") as the date it means, so the officer sees it."""
        parsed = self.parse()
        if parsed is not None:
            self.value = format_uk(parsed)

    def on_blur(self) -> None:
        if self.value.strip():
            self.normalise()
