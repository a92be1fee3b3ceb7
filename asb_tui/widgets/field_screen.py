"""The base of the field-work screens (diary, visits, house-to-house, contacts, legal).

Each screen is about one case (`case_id`), reads the open store and the config from the app, takes
the date from `app.today` when the app has one (tests fix it), runs store calls in worker threads
and shows one status line: what was saved, or a one-line reason why not.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from functools import partial
from typing import Any

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import Screen
from textual.widgets import Static

from asb_tui.config import ConfigError, closure_dates
from asb_tui.domain.errors import DomainError
from asb_tui.store.errors import StoreError
from asb_tui.widgets.form_state import collect_inputs, restore_inputs
from asb_tui.widgets.literal import literal

log = logging.getLogger(__name__)


class ScreenKeysProvider(Provider):
    """Command palette entries for the keys of the screen it was opened from."""

    def _commands(self) -> list[tuple[str, str, Callable[[], Any]]]:
        screen = self.screen
        found: list[tuple[str, str, Callable[[], Any]]] = []
        for key, active in screen.active_bindings.items():
            binding = active.binding
            if active.node is not screen or not binding.description or not active.enabled:
                continue
            run = partial(self.app.call_later, screen.run_action, binding.action)
            found.append((binding.description, key, run))
        return found

    async def discover(self) -> Hits:
        for description, key, run in self._commands():
            yield DiscoveryHit(description, run, help=f"key: {key}")

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for description, key, run in self._commands():
            score = matcher.match(description)
            if score > 0:
                yield Hit(score, matcher.highlight(description), run, help=f"key: {key}")


class FieldworkScreen(Screen[None]):
    """A screen about one case; subclasses compose a `Static(id="status")` somewhere."""

    COMMANDS = {ScreenKeysProvider}
    BINDINGS = [Binding("escape", "close", "Back", id="fieldwork.back")]
    DEFAULT_CSS = """
    FieldworkScreen .title { height: 1; background: $primary; color: $text; padding: 0 1;
        text-style: bold; }
    FieldworkScreen #status { height: auto; min-height: 1; padding: 0 1; color: $success; }
    FieldworkScreen #status.-error { color: $error; text-style: bold; }
    FieldworkScreen .label { height: 1; margin: 1 0 0 0; color: $text-muted; }
    FieldworkScreen .hint { color: $text-muted; }
    """

    def __init__(self, case_id: str, *, name: str | None = None, id: str | None = None) -> None:
        super().__init__(name=name, id=id)
        self.case_id = case_id

    # -- what every field-work screen needs from the app -------------------------------------

    @property
    def store(self) -> Any:
        return self.app.store  # type: ignore[attr-defined]

    @property
    def config(self) -> Any:
        return self.app.config  # type: ignore[attr-defined]

    @property
    def today(self) -> date:
        # AsbApp offers `today()` (a method); small host apps in tests may set an attribute.
        value = getattr(self.app, "today", None)
        if callable(value):
            value = value()
        return value if isinstance(value, date) else date.today()

    @property
    def closures(self) -> frozenset[date]:
        """Office closure days around today, for working-day dates."""
        try:
            return closure_dates(self.config, range(self.today.year - 1, self.today.year + 3))
        except ConfigError:
            return frozenset()

    @property
    def holiday_region(self) -> str:
        return str(getattr(self.config, "region", "england-and-wales"))

    # -- status line and store calls ---------------------------------------------------------

    def set_status(self, message: str, *, error: bool = False) -> None:
        status = self.query_one("#status", Static)
        status.update(literal(message))
        status.set_class(error, "-error")

    def run_store(
        self,
        job: Callable[[Any], Any],
        done: Callable[[Any], None] | None = None,
        *,
        refused: Callable[[str], None] | None = None,
    ) -> None:
        """Run `job(store)` in a worker thread; `done(result)` back on the event loop.

        A refusal a user can cause (StoreError, DomainError) is shown as one line (or handed to
        `refused`); anything else is logged and shown as one line too, never a traceback."""
        store = self.store

        def work() -> None:
            try:
                result = job(store)
            except (StoreError, DomainError) as exc:
                self.app.call_from_thread(refused or self._show_error, str(exc))
                return
            except Exception as exc:
                log.exception("field-work store call failed")
                self.app.call_from_thread(self._show_error, f"Could not save: {exc}")
                return
            if done is not None:
                self.app.call_from_thread(done, result)

        self.run_worker(work, thread=True, exit_on_error=False, group="store")

    def status_then(self, message: str, then: Callable[[], None]) -> Callable[[Any], None]:
        """A `done` callback for `run_store`: show `message`, then call `then` (a reload)."""

        def done(_result: Any) -> None:
            self.set_status(message)
            then()

        return done

    def _show_error(self, message: str) -> None:
        self.set_status(message, error=True)

    # -- auto-lock: what is half-typed is kept encrypted in the store, then restored ----------

    def draft_key(self) -> str:
        return f"{type(self).__name__}:{self.case_id}"

    def draft_state(self) -> dict[str, Any]:
        return collect_inputs(self)

    def restore_draft(self, state: dict[str, Any]) -> None:
        restore_inputs(self, state)

    def hide_for_lock(self) -> None:
        """Blank the fields while locked: the draft is in the encrypted store meanwhile."""
        state = self.draft_state()
        restore_inputs(self, {k: "" if isinstance(v, str) else v for k, v in state.items()})

    def action_close(self) -> None:
        self.dismiss(None)
