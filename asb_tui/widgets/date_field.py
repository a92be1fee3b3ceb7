"""A date input: UK dates (23/11/2026) and shortcuts (today, yesterday, +3wd) parsed by the
domain's parser. An impossible date is marked inline and the typed text is kept."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from textual.widgets import Input

from asb_tui.domain.dates import format_uk, parse_uk_date
from asb_tui.domain.errors import DomainError


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
        self.error: str | None = None

    @property
    def today(self) -> date:
        return self._today or date.today()

    def parse(self) -> date | None:
        """The date typed, or None when empty and optional. Sets `error` (and the invalid style)."""
        text = self.value.strip()
        self.error = None
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
        self.set_class(False, "-invalid")
        return parsed

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
