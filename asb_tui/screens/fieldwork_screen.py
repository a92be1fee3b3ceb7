"""The base of the field-work screens (diary, visits, house-to-house, contacts, legal).

Each is about one case (`case_id`), shows one status line (what was saved, or a one-line reason
why not: `show_failure` puts every failure there) and is an `EditingScreen`: Tab, shift+tab and
Escape act the moment they are typed, and step aside for an open dropdown and for a widget that
owns its keys (the diary grid) or needs Escape (the door form). Escape with typing in it asks
before throwing it away; a screen calls `mark_clean()` once what was typed is saved.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import Static

from asb_tui.config import ConfigError, closure_dates
from asb_tui.screens.base import EditingScreen, WorkFailed
from asb_tui.widgets.command_provider import ScreenKeysProvider
from asb_tui.widgets.key_routing import keeps_escape
from asb_tui.widgets.literal import literal


class FieldworkScreen(EditingScreen):
    """A screen about one case; subclasses compose a `Static(id="status")` somewhere."""

    COMMANDS = {ScreenKeysProvider}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Back", id="fieldwork.back", priority=True),
        Binding("tab", "next_field", "Next field", show=False, priority=True, id="fieldwork.next"),
        Binding(
            "shift+tab",
            "previous_field",
            "Previous field",
            show=False,
            priority=True,
            id="fieldwork.previous",
        ),
    ]
    DEFAULT_CSS = """
    FieldworkScreen .title { height: 1; background: $primary; color: $text; padding: 0 1;
        text-style: bold; }
    FieldworkScreen #status { height: auto; min-height: 1; padding: 0 1; color: $success; }
    FieldworkScreen #status.-error { color: $error; text-style: bold; }
    FieldworkScreen .label { height: 1; margin: 1 0 0 0; color: $text-muted; }
    FieldworkScreen .hint { color: $text-muted; }
    """
    # Their fields come from a load (or the store's own visit draft), which a draft offered on
    # opening would race; a lock draft is restored on unlock as for every screen.
    offers_kept_draft = False

    case_id: str

    def __init__(self, case_id: str, *, name: str | None = None, id: str | None = None) -> None:
        super().__init__(case_id, name=name, id=id)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "close" and keeps_escape(self.focused):
            return False
        return super().check_action(action, parameters)

    def action_close(self) -> None:
        self.close_asking(lambda: self.dismiss(None))

    # -- facts about the day -------------------------------------------------------------------

    @property
    def closures(self) -> frozenset[date]:
        """Office closure days around today, for working-day dates."""
        year = self.today().year
        try:
            return closure_dates(self.config, range(year - 1, year + 3))
        except ConfigError:
            return frozenset()

    @property
    def holiday_region(self) -> str:
        return self.config.region

    # -- the status line -----------------------------------------------------------------------

    def set_status(self, message: str, *, error: bool = False) -> None:
        status = self.query_one("#status", Static)
        status.update(literal(message))
        status.set_class(error, "-error")

    def show_failure(self, failure: WorkFailed) -> None:
        if not failure.locked:
            self.set_status(failure.text, error=True)
