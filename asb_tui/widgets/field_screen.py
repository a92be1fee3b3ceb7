"""The base of the field-work screens (diary, visits, house-to-house, contacts, legal).

Each screen is about one case (`case_id`), reads the open store and the config from the app, takes
the date from `app.today` when the app has one (tests fix it), runs store calls in worker threads
and shows one status line: what was saved, or a one-line reason why not.

Keys that move between fields or leave the screen (Tab, shift+tab, Escape) are priority bindings:
they act the moment they are typed, so keys typed after them go where the officer meant, however
fast (a binding that waits for the key to bubble up lets later keys land in the old field). They
step aside for an open dropdown and for a widget that owns its keys (the diary grid). Escape on a
screen with typing in it asks before throwing it away; a screen calls `mark_clean()` once what was
typed is saved.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from functools import partial
from typing import Any

from textual import events
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widgets import Select, Static

from asb_tui.config import ConfigError, closure_dates
from asb_tui.domain.errors import DomainError
from asb_tui.store.core.errors import StoreError
from asb_tui.widgets.discard_prompt import close_or_ask
from asb_tui.widgets.early_keys import KeepsEarlyKeys
from asb_tui.widgets.form_state import collect_inputs, restore_inputs, typed_since
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


def dropdown_open(root: DOMNode) -> bool:
    """A Select's list is open: Escape and Tab belong to it."""
    return any(select.expanded for select in root.query(Select))


def has_unread_keys(widget: object) -> bool:
    """The widget has messages (keys typed ahead) it has not handled yet: its value is not yet
    what was typed, so Escape must not judge it empty. Textual keeps the queue private, hence the
    careful look; when it cannot be read, the keys are taken to be there."""
    queue = getattr(widget, "_message_queue", None)
    if widget is None:
        return False
    if queue is None:
        return True
    try:
        # Only keys and pastes are typing: a focus or resize message still queued right after
        # the form opened is not, and must not make an untouched form ask before closing.
        pending = list(queue.values)  # textual._queue.Queue keeps its messages in a deque
    except Exception:
        return True
    return any(isinstance(message, events.Key | events.Paste) for message in pending)


def owns_keys(widget: object) -> bool:
    """A widget that handles Tab itself (a rapid-entry grid) sets `owns_keys`."""
    return bool(getattr(widget, "owns_keys", False))


def keeps_escape(widget: object) -> bool:
    """A widget that needs Escape for itself at the moment sets `keeps_escape`."""
    return bool(getattr(widget, "keeps_escape", False))


class FieldworkScreen(KeepsEarlyKeys, Screen[None]):
    """A screen about one case; subclasses compose a `Static(id="status")` somewhere."""

    COMMANDS = {ScreenKeysProvider}
    BINDINGS = [
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

    def __init__(self, case_id: str, *, name: str | None = None, id: str | None = None) -> None:
        super().__init__(name=name, id=id)
        self.case_id = case_id
        self._baseline: dict[str, Any] | None = None
        self._job_started_with: dict[str, Any] | None = None
        self._clean_requested = False

    # -- keys that move focus or leave -----------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.holding_keys:
            return False  # its key waits with the others (widgets/early_keys.py)
        if action in {"close", "next_field", "previous_field"} and dropdown_open(self):
            return False
        if action in {"next_field", "previous_field"} and owns_keys(self.focused):
            return False
        return not (action == "close" and keeps_escape(self.focused))

    def after_typed_keys(self, callback: Callable[[], None]) -> None:
        """Run `callback` once the focused field has taken the keys typed before now.

        A priority binding (ctrl+s) acts the moment its key is typed, when the field may not yet
        have handled the keys typed just ahead of it; queued behind them, `callback` reads the
        field with all of them, and none typed later."""
        target = self.focused
        if target is not None and has_unread_keys(target) and not owns_keys(target):
            target.call_later(callback)
        else:
            callback()

    def action_next_field(self) -> None:
        self.focus_next()

    def action_previous_field(self) -> None:
        self.focus_previous()

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
        started_with = self.draft_state()

        def finish(result: Any) -> None:
            if done is None:
                return
            before = self.draft_state()
            self._job_started_with, self._clean_requested = started_with, False
            try:
                done(result)
            finally:
                self._absorb_job(started_with, before, self._clean_requested)
                self._job_started_with, self._clean_requested = None, False

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
            self.app.call_from_thread(finish, result)

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

    # -- typed work: Escape asks before throwing it away ------------------------------------------

    def _on_mount(self, event: events.Mount) -> None:
        self._take_baseline()

    def set_focus(self, widget: Any, *args: Any, **kwargs: Any) -> None:
        # The first focus comes once the fields exist and before any key reaches one.
        if widget is not None:
            self._take_baseline()
        super().set_focus(widget, *args, **kwargs)

    def _take_baseline(self) -> None:
        if self._baseline is None:
            self._baseline = self.draft_state()

    def has_typed_work(self) -> bool:
        """Something typed here that is not saved (what the screen showed when it opened, or
        what a store call filled in or saved, does not count)."""
        if has_unread_keys(self.focused) and not owns_keys(self.focused):
            return True
        if self._baseline is None:
            return False
        return typed_since(self._baseline, self.draft_state())

    def mark_clean(self) -> None:
        """What is in the fields now is saved. Inside a `run_store` callback: what was in them
        when the save started is saved, and whatever the callback clears or sets; keys typed
        while the save ran still count as typed."""
        if self._job_started_with is not None:
            self._clean_requested = True
        else:
            self._baseline = self.draft_state()

    def _absorb_job(
        self, started_with: dict[str, Any], before: dict[str, Any], saved: bool
    ) -> None:
        if self._baseline is None:
            return
        after = self.draft_state()
        for key, value in after.items():
            set_by_callback = before.get(key) != value
            untouched_while_saving = before.get(key) == started_with.get(key)
            if set_by_callback or (saved and untouched_while_saving):
                self._baseline[key] = value

    def action_close(self) -> None:
        close_or_ask(self, self.has_typed_work(), lambda: self.dismiss(None))
