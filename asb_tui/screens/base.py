"""The one base of the officer's screens: store work in workers, one error policy, one draft.

- `AsbScreen`: store work never runs on the event loop. `run_work(job, Done)` runs `job(store)`
  in a thread worker and posts `Done(result)`, a `WorkDone` message the screen handles with
  `@on(Done)`; a failure posts `WorkFailed`, which `show_failure` turns into one line (the
  policy is widgets/error_policy.py). Screens get plain read models from the store's query
  functions, never ORM rows or sessions.
- `EditingScreen`: a screen the officer types into. Tab, shift+tab and Escape act the moment
  they are typed; Escape asks before throwing typed work away; what is typed is kept as a draft
  while the app is locked (`draft_state`/`restore_draft`/`hide_for_lock`).
- `FormScreen`: a form with ctrl+s (`save()` -> `save_work(job, Saved)`) and a line for errors.
- Field-work screens (one case, a status line) build on `EditingScreen` in fieldwork_screen.py.

Screens know the app only through `OfficerApp` (never by importing asb_tui.app: the app
imports the screens).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Final, Generic, Protocol, TypeVar, cast

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, Select, Static
from textual.worker import get_current_worker

from asb_tui.config import Config
from asb_tui.store.core.errors import StoreLocked
from asb_tui.widgets.discard_prompt import close_or_ask
from asb_tui.widgets.early_keys import KeepsEarlyKeys
from asb_tui.widgets.error_policy import Expected, failure_text
from asb_tui.widgets.key_routing import dropdown_open, has_unread_keys, owns_keys
from asb_tui.widgets.literal import literal
from asb_tui.widgets.screen_header import ScreenHeader
from asb_tui.widgets.steady_footer import SteadyFooter

if TYPE_CHECKING:
    from asb_tui.domain.case_deadlines import DeadlineRules
    from asb_tui.store.commands.officer import Officer
    from asb_tui.store.core.store import Store

T = TypeVar("T")

# What an unselected Select holds. (`Select.BLANK` is something else in Textual 8: a widget flag.)
NO_SELECTION: Final = Select.NULL

LOCKED_TEXT = "The store is locked."


class OfficerApp(Protocol):
    """What screens use of the app (AsbApp; asb_tui/app.py checks that it fits)."""

    store: Store | None
    config: Config
    data_dir: Path
    locked: bool

    def today(self) -> date: ...

    def deadline_rules(self) -> DeadlineRules: ...

    def store_opened(self, store: Store, officer: Officer | None = None) -> None: ...

    def show_dashboard(self) -> None: ...

    def action_help(self) -> None: ...


class WorkDone(Message, Generic[T], bubble=False):
    """Base of the messages store work ends in; subclass it once per kind of result:

    class Loaded(WorkDone[CaseView]):
        "The case, read for the screen."
    """

    # What the handlers put in the fields is not typed work (False: it is, e.g. a restored draft).
    fills_fields: ClassVar[bool] = True

    def __init__(self, result: T) -> None:
        super().__init__()
        self.result = result
        self.group = ""
        # The screen's draft state when the work started (EditingScreen: typed-work tracking).
        self.started_with: dict[str, Any] | None = None


class WorkFailed(Message, bubble=False):
    """Store work failed: `text` is what the officer is shown (one line); `group` names the
    work; `locked` says the store was locked (the screen reloads after unlock)."""

    def __init__(self, text: str, *, group: str, locked: bool = False) -> None:
        super().__init__()
        self.text = text
        self.group = group
        self.locked = locked


class AsbScreen(Screen[Any]):
    """A screen of the officer's app (the store and the config come from the app).

    Its header reads the app's title and the screen's name: a screen with a header sets
    `SUB_TITLE` to its name (a form's is its `title_text`) and never sets `title`.
    """

    def __init__(
        self, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        # Per group, the number of the last job started (`run_work`'s `at_once`).
        self._at_once_generations: dict[str, int] = {}

    @property
    def asb(self) -> OfficerApp:
        return cast("OfficerApp", self.app)

    @property
    def config(self) -> Config:
        return self.asb.config

    def today(self) -> date:
        return self.asb.today()

    def reload(self) -> None:
        """Read again what the screen shows (the app calls it after unlock)."""

    # -- store work ----------------------------------------------------------------------------

    def run_work(
        self,
        job: Callable[[Store], T],
        done: Callable[[T], WorkDone[Any]],
        *,
        group: str = "work",
        latest_only: bool = False,
        expected: Expected = (),
        at_once: bool = False,
    ) -> None:
        """Run `job(store)` in a thread worker, then post `done(result)` to this screen, or a
        `WorkFailed` (errors in `expected` are the officer's, like StoreError and DomainError).

        `latest_only`: a newer call in the same group makes an older one's outcome stale, and
        it is dropped (loads; never a save, whose outcome the officer must see).

        `at_once`: the job is handed to a thread now rather than when the event loop next runs
        a worker's task, which is after the frame being drawn (a screen opening: ~50 ms on a
        loaded laptop). It is not a Textual worker (`app.workers` does not list it); with
        `latest_only`, the outcome of all but the last such job of the group is dropped."""
        store = self.asb.store
        if store is None or not store.is_open:
            self.post_message(WorkFailed(LOCKED_TEXT, group=group, locked=True))
            return
        self._start_work(
            lambda: job(store),
            done,
            group=group,
            latest_only=latest_only,
            expected=expected,
            at_once=at_once,
        )

    def run_without_store(
        self,
        job: Callable[[], T],
        done: Callable[[T], WorkDone[Any]],
        *,
        group: str = "work",
        expected: Expected = (),
    ) -> None:
        """As `run_work`, for the work that comes before a store is open (creating or
        opening it): `job()` takes no store."""
        self._start_work(job, done, group=group, latest_only=False, expected=expected)

    def _start_work(
        self,
        job: Callable[[], T],
        done: Callable[[T], WorkDone[Any]],
        *,
        group: str,
        latest_only: bool,
        expected: Expected,
        at_once: bool = False,
    ) -> None:
        started_with = self._work_snapshot()
        generations = self._at_once_generations
        generation = generations[group] = generations.get(group, 0) + 1

        def stale() -> bool:
            if not latest_only:
                return False
            if at_once:
                return generations.get(group) != generation
            return get_current_worker().is_cancelled

        def work() -> None:
            outcome: Message
            try:
                result = job()
            except StoreLocked:
                outcome = WorkFailed(LOCKED_TEXT, group=group, locked=True)
            except Exception as exc:
                text = failure_text(exc, expected, doing=f"{type(self).__name__} {group}")
                outcome = WorkFailed(text, group=group)
            else:
                message = done(result)
                message.group, message.started_with = group, started_with
                outcome = message
            if stale():
                return
            self.post_message(outcome)  # thread-safe; dropped if the screen has closed

        if at_once:
            asyncio.get_running_loop().run_in_executor(None, work)
            return
        self.run_worker(work, thread=True, group=group, exclusive=latest_only, exit_on_error=False)

    def _work_snapshot(self) -> dict[str, Any] | None:
        return None

    @on(WorkFailed)
    def _work_failed(self, failure: WorkFailed) -> None:
        # A subclass that handles a failure itself calls `failure.prevent_default()`.
        self.show_failure(failure)

    def show_failure(self, failure: WorkFailed) -> None:
        """Show a failure in one line (forms and field-work screens show it in place)."""
        if not failure.locked:
            self.notify(failure.text, severity="error", markup=False)


class _KeptDraftRead(WorkDone["dict[str, Any] | None"]):
    """The draft a lock left behind for this screen, or None."""

    fills_fields = False  # what it restores is typed work: Escape asks before discarding it


class _DraftForgotten(WorkDone[None]):
    """The kept draft is deleted."""


class EditingScreen(KeepsEarlyKeys, AsbScreen):
    """A screen the officer types into: keys act where they were meant, typed work is kept.

    Escape, Tab and shift+tab are priority bindings (subclasses bind them), so keys typed after
    them go where the officer meant; an open dropdown keeps Escape and Tab, a widget that owns
    its keys keeps Tab. What the screen showed when it opened, and what store work filled in,
    is not typed work; `mark_clean()` says what is in the fields is saved.
    """

    # A draft the lock left behind (the app ended while locked) is offered when the screen opens.
    offers_kept_draft: ClassVar[bool] = True

    def __init__(
        self, case_id: str | None = None, *, name: str | None = None, id: str | None = None
    ) -> None:
        super().__init__(name=name, id=id)
        self.case_id = case_id
        self._baseline: dict[str, Any] | None = None
        self._job_started_with: dict[str, Any] | None = None
        self._clean_requested = False
        self._draft_offered = False

    # -- keys ----------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.holding_keys:
            return False  # its key waits with the others (widgets/early_keys.py)
        if action in {"cancel", "close", "next_field", "previous_field"} and dropdown_open(self):
            return False
        return not (action in {"next_field", "previous_field"} and owns_keys(self.focused))

    def action_next_field(self) -> None:
        self.focus_next()

    def action_previous_field(self) -> None:
        self.focus_previous()

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

    # -- typed work ----------------------------------------------------------------------------

    def _on_mount(self, event: events.Mount) -> None:
        # Textual calls each class's own mount handler (KeepsEarlyKeys' too): no super() call.
        self._take_baseline()
        self._offer_kept_draft()

    def set_focus(self, widget: Widget | None, *args: Any, **kwargs: Any) -> None:
        # The first focus comes once the fields exist and before any key reaches one.
        if widget is not None:
            self._take_baseline()
        super().set_focus(widget, *args, **kwargs)

    def _take_baseline(self) -> None:
        if self._baseline is None:
            self._baseline = self.draft_state()

    def has_typed_work(self) -> bool:
        """Something typed here that is not saved (keys on their way to a field count)."""
        if has_unread_keys(self.focused) and not owns_keys(self.focused):
            return True
        if self._baseline is None:
            return False
        from asb_tui.widgets.form_state import typed_since

        return typed_since(self._baseline, self.draft_state())

    def mark_clean(self) -> None:
        """What is in the fields now is saved. In a `WorkDone` handler: what was in them when
        the work started is saved, and whatever the handler clears or sets; keys typed while
        the work ran still count as typed."""
        if self._job_started_with is not None:
            self._clean_requested = True
        else:
            self._baseline = self.draft_state()

    def close_asking(self, close: Callable[[], object]) -> None:
        """Close with `close()`, first asking when typed work would be thrown away."""
        close_or_ask(self, self.has_typed_work(), close)

    def _work_snapshot(self) -> dict[str, Any] | None:
        return self.draft_state()

    async def _on_message(self, message: Message) -> None:
        # Around the handlers of a WorkDone: what they fill in is not typing (Textual's own
        # dispatch, wrapped, so that the handlers stay plain `@on` methods).
        if (
            not isinstance(message, WorkDone)
            or message.started_with is None
            or not message.fills_fields
        ):
            await super()._on_message(message)
            return
        started_with = message.started_with
        before = self.draft_state()
        self._job_started_with, self._clean_requested = started_with, False
        try:
            await super()._on_message(message)
        finally:
            self._absorb_work(started_with, before, self._clean_requested)
            self._job_started_with, self._clean_requested = None, False

    def _absorb_work(
        self, started_with: dict[str, Any], before: dict[str, Any], saved: bool
    ) -> None:
        if self._baseline is None or not self.is_mounted:
            return
        for key, value in self.draft_state().items():
            set_by_handler = before.get(key) != value
            untouched_while_working = before.get(key) == started_with.get(key)
            if set_by_handler or (saved and untouched_while_working):
                self._baseline[key] = value

    # -- drafts (auto-lock keeps them; see screens/lock_drafts.py) ------------------------------

    def draft_key(self) -> str:
        return f"{type(self).__name__}:{self.case_id or '-'}"

    # form_state (and the TextArea, Input, Switch... it knows) is imported by the editing
    # screens only: the dashboard's start does not load it.
    def draft_state(self) -> dict[str, Any]:
        from asb_tui.widgets.form_state import collect_inputs

        return collect_inputs(self)

    def restore_draft(self, state: dict[str, Any]) -> None:
        from asb_tui.widgets.form_state import restore_inputs

        restore_inputs(self, state)

    def hide_for_lock(self) -> None:
        """Blank the fields while locked: the draft is in the encrypted store meanwhile."""
        from asb_tui.widgets.form_state import restore_inputs

        state = self.draft_state()
        restore_inputs(self, {k: "" if isinstance(v, str) else v for k, v in state.items()})

    def forget_lock_draft(self) -> None:
        """The typed work is saved (or discarded): a kept draft of it must not come back."""
        from asb_tui.screens.lock_drafts import forget_lock_drafts

        key = self.draft_key()
        self.run_work(
            lambda store: forget_lock_drafts(store, [key]), _DraftForgotten, group="draft"
        )

    def _offer_kept_draft(self) -> None:
        if self._draft_offered or not self.offers_kept_draft or self.asb.store is None:
            return
        self._draft_offered = True
        from asb_tui.screens.lock_drafts import read_lock_draft

        key = self.draft_key()
        self.run_work(lambda store: read_lock_draft(store, key), _KeptDraftRead, group="draft")

    @on(WorkFailed)
    def _draft_work_failed(self, failure: WorkFailed) -> None:
        if failure.group == "draft":
            failure.prevent_default()  # only a convenience: the screen works without it

    @on(_KeptDraftRead)
    def _kept_draft_read(self, message: _KeptDraftRead) -> None:
        if message.result:
            self.restore_draft(message.result)
            self.notify("Restored what you had typed before the app locked.")


class SavedThenClose(WorkDone[object]):
    """A form's save is done: the form closes, handing `result` to whoever opened it."""


class FormScreen(EditingScreen):
    """A form: ctrl+s saves, Escape cancels; errors show in a line above the fields.

    Subclasses compose their fields in `form_fields()` and implement `save()`, which validates
    on the UI thread and calls `save_work(job, Saved)`; the form handles `@on(Saved)`.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="form.save"),
        Binding("escape", "cancel", "Cancel", id="form.cancel", priority=True),
        Binding("tab", "next_field", "Next field", show=False, priority=True, id="form.next"),
        Binding(
            "shift+tab",
            "previous_field",
            "Previous field",
            show=False,
            priority=True,
            id="form.previous",
        ),
    ]
    DEFAULT_CSS = """
    FormScreen .form-body { padding: 0 1; }
    FormScreen .form-title { text-style: bold; padding: 0 1; }
    FormScreen .field-label { padding: 1 0 0 0; color: $text-muted; }
    FormScreen .form-error { color: $error; padding: 0 1; height: auto; }
    FormScreen .form-buttons { height: auto; padding: 1 0 0 0; }
    FormScreen Input, FormScreen Select { width: 1fr; }
    """
    title_text = "Form"

    def __init__(self, case_id: str | None = None) -> None:
        super().__init__(case_id)
        self.saving = False

    def compose(self) -> ComposeResult:
        self.sub_title = self.title_text  # a form's name is its title (set by then, if per form)
        yield ScreenHeader()
        # The header already names the form: the title line shows only when a form says more
        # (the acceptance form names the case and its questionnaire), leaving 80x24 its rows.
        title = Static(literal(self.title_text), classes="form-title", id="form-title")
        title.display = False
        yield title
        yield from self.fixed_fields()
        error = Static("", classes="form-error", id="form-error")
        error.display = False  # a line only while there is something to say
        yield error
        with VerticalScroll(classes="form-body"):
            yield from self.form_fields()
            with Horizontal(classes="form-buttons"):
                yield from self.form_buttons()
        yield SteadyFooter()

    def fixed_fields(self) -> ComposeResult:
        """Widgets above the scrolling part (always in view)."""
        return iter(())

    def form_fields(self) -> ComposeResult:
        return iter(())

    def form_buttons(self) -> ComposeResult:
        yield Button("Save (ctrl+s)", id="form-save", variant="primary")
        yield Button("Cancel (esc)", id="form-cancel")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "form-save":
            self.action_save()
        elif event.button.id == "form-cancel":
            self.action_cancel()

    def show_error(self, message: str) -> None:
        self.saving = False
        error = self.query_one("#form-error", Static)
        error.update(literal(message))
        error.display = bool(message)

    def show_failure(self, failure: WorkFailed) -> None:
        self.saving = False
        if not failure.locked:
            self.show_error(failure.text)

    def action_cancel(self) -> None:
        def close() -> None:
            self.forget_lock_draft()
            self.dismiss(None)

        self.close_asking(close)

    def action_save(self) -> None:
        if self.saving:
            return
        self.clear_error()
        self.save()

    def clear_error(self) -> None:
        error = self.query_one("#form-error", Static)
        error.update("")
        error.display = False

    def save(self) -> None:  # pragma: no cover - every form implements it
        raise NotImplementedError

    def save_work(self, job: Callable[[Store], T], done: Callable[[T], WorkDone[Any]]) -> None:
        """Run the form's write in a worker (group "save"); a refusal stays on the form with
        nothing lost, and success forgets the kept draft before the form's handler runs."""
        self.saving = True
        self.run_work(job, done, group="save")

    @on(SavedThenClose)
    def _close_saved(self, message: SavedThenClose) -> None:
        self.dismiss(message.result)

    async def _on_message(self, message: Message) -> None:
        if isinstance(message, WorkDone) and message.group == "save":
            self.saving = False
            self.forget_lock_draft()
        await super()._on_message(message)
