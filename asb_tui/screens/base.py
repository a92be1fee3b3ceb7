"""What the app's screens share: database work in workers, and the form screen pattern.

Database work never runs on the event loop: `run_db` runs a function in a thread worker
(exclusive per group, so a newer request replaces an older one) and hands its result back on the
UI thread. Errors a user can cause (a rule refused, a locked store) come back as one line.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

from textual import events
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Select, Static

from asb_tui.widgets.discard_prompt import close_or_ask
from asb_tui.widgets.early_keys import KeepsEarlyKeys
from asb_tui.widgets.field_screen import dropdown_open, has_unread_keys
from asb_tui.widgets.form_state import typed_since
from asb_tui.widgets.literal import literal
from asb_tui.widgets.screen_header import ScreenHeader

if TYPE_CHECKING:
    from asb_tui.app import AsbApp
    from asb_tui.store.core.store import Store

T = TypeVar("T")

# What an unselected Select holds (Textual renamed BLANK to NULL in 8.0).
NO_SELECTION: Any = getattr(Select, "NULL", None) or getattr(Select, "BLANK", None)


def user_message(exc: BaseException) -> str | None:
    """The one-line message for an error the user can cause, or None for a real bug."""
    from asb_tui.domain.errors import DomainError
    from asb_tui.store.core.errors import StoreError

    if isinstance(exc, DomainError | StoreError):
        return str(exc)
    return None


class AsbScreen(Screen[Any]):
    """A screen of the officer's app (the store and config come from the app)."""

    @property
    def asb(self) -> AsbApp:
        return self.app  # type: ignore[return-value]

    @property
    def store(self) -> Store:
        from asb_tui.store.core.errors import StoreLocked

        store = self.asb.store
        if store is None or not store.is_open:
            raise StoreLocked("The store is locked.")
        return store

    def today(self) -> date:
        return self.asb.today()

    def run_db(
        self,
        job: Callable[[], T],
        done: Callable[[T], None],
        *,
        group: str = "db",
        failed: Callable[[str], None] | None = None,
    ) -> None:
        """Run `job` in a thread worker; call `done(result)` or `failed(message)` on the UI
        thread. A newer call in the same group cancels the older one."""

        def report(message: str) -> None:
            if failed is not None:
                failed(message)
            else:
                self.notify(message, severity="error", markup=False)

        def runner() -> None:
            from asb_tui.store.core.errors import StoreLocked

            try:
                result = job()
            except StoreLocked:
                return  # the app locked meanwhile; the screen reloads after unlock
            except Exception as exc:
                message = user_message(exc)
                if message is None:
                    self.log.error(f"{type(exc).__name__}: {exc}")
                    message = f"Something went wrong ({type(exc).__name__}); nothing was lost."
                self.app.call_from_thread(report, message)
                return
            self.app.call_from_thread(done, result)

        self.run_worker(runner, thread=True, exclusive=True, group=group, exit_on_error=False)


class FormScreen(KeepsEarlyKeys, AsbScreen):
    """A form: ctrl+s saves, escape cancels; what is typed survives auto-lock (`Draftable`).

    Subclasses compose their fields inside `form_fields()` and implement `save()`, which
    validates on the UI thread and calls `run_db` with the write.

    Escape, Tab and shift+tab act the moment they are typed (priority bindings; an open dropdown
    keeps Escape and Tab), so keys typed after them go where the officer meant. Escape with
    something typed asks before discarding it; what the form showed when it opened, and what a
    load filled in, does not count as typed.
    """

    BINDINGS = [
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
        super().__init__()
        self.case_id = case_id
        self.saving = False
        self._baseline: dict[str, Any] | None = None
        self._draft_offered = False

    def compose(self):
        yield ScreenHeader()
        yield Static(literal(self.title_text), classes="form-title", id="form-title")
        yield from self.fixed_fields()
        yield Static("", classes="form-error", id="form-error")
        with VerticalScroll(classes="form-body"):
            yield from self.form_fields()
            with Horizontal(classes="form-buttons"):
                yield from self.form_buttons()
        yield Footer()

    def fixed_fields(self):
        """Widgets above the scrolling part (always in view)."""
        return iter(())

    def form_fields(self):
        return iter(())

    def form_buttons(self):
        from textual.widgets import Button

        yield Button("Save (ctrl+s)", id="form-save", variant="primary")
        yield Button("Cancel (esc)", id="form-cancel")

    def on_button_pressed(self, event) -> None:
        if event.button.id == "form-save":
            self.action_save()
        elif event.button.id == "form-cancel":
            self.action_cancel()

    def show_error(self, message: str) -> None:
        self.saving = False
        self.query_one("#form-error", Static).update(literal(message))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.holding_keys:
            return False  # its key waits with the others (widgets/early_keys.py)
        # An open dropdown keeps Escape and Tab for itself.
        return not (action in {"cancel", "next_field", "previous_field"} and dropdown_open(self))

    def action_next_field(self) -> None:
        self.focus_next()

    def action_previous_field(self) -> None:
        self.focus_previous()

    def has_typed_work(self) -> bool:
        """Something typed since the form opened (keys still on their way to a field count)."""
        if has_unread_keys(self.focused):
            return True
        return self._baseline is not None and typed_since(self._baseline, self.draft_state())

    def action_cancel(self) -> None:
        def close() -> None:
            self._forget_lock_draft()
            self.dismiss(None)

        close_or_ask(self, self.has_typed_work(), close)

    def _on_mount(self, event: events.Mount) -> None:
        self._take_baseline()

    def set_focus(self, widget: Any, *args: Any, **kwargs: Any) -> None:
        if widget is not None:
            self._take_baseline()  # the fields exist, and no key has reached one yet
        super().set_focus(widget, *args, **kwargs)

    def _take_baseline(self) -> None:
        if self._baseline is None:
            self._baseline = self.draft_state()

    def run_db(
        self,
        job: Callable[[], T],
        done: Callable[[T], None],
        *,
        group: str = "db",
        failed: Callable[[str], None] | None = None,
    ) -> None:
        """As AsbScreen.run_db; fields that `done` fills in (a load) are not typing."""

        def finished(result: T) -> None:
            before = self.draft_state()
            done(result)
            if self._baseline is not None:
                for key, value in self.draft_state().items():
                    if before.get(key) != value:
                        self._baseline[key] = value

        super().run_db(job, finished, group=group, failed=failed)

    def action_save(self) -> None:
        if self.saving:
            return
        self.query_one("#form-error", Static).update("")
        self.save()

    def save(self) -> None:  # pragma: no cover - every form implements it
        raise NotImplementedError

    def write(self, job: Callable[[], T], done: Callable[[T], object]) -> None:
        """Run the form's write in a worker; errors stay on the form with nothing lost."""
        self.saving = True

        def finished(result: T) -> None:
            self.saving = False
            self._forget_lock_draft()
            done(result)

        self.run_db(job, finished, group="save", failed=self.show_error)

    # -- Draftable -----------------------------------------------------------------------------

    def draft_key(self) -> str:
        return f"{type(self).__name__}:{self.case_id or '-'}"

    def draft_state(self) -> dict[str, Any]:
        from asb_tui.widgets.form_state import collect_inputs

        return collect_inputs(self)

    def restore_draft(self, state: dict[str, Any]) -> None:
        from asb_tui.widgets.form_state import restore_inputs

        restore_inputs(self, state)

    def hide_for_lock(self) -> None:
        """Blank the fields while locked; the draft is in the store and comes back on unlock."""
        from asb_tui.widgets.form_state import restore_inputs

        blank = {
            key: "" if isinstance(value, str) else value
            for key, value in self.draft_state().items()
        }
        restore_inputs(self, blank)

    def _forget_lock_draft(self) -> None:
        from asb_tui.app import LOCK_DRAFT_PREFIX
        from asb_tui.store.cache.local_cache import delete_draft

        key = LOCK_DRAFT_PREFIX + self.draft_key()
        store = self.asb.store
        if store is not None and store.is_open:
            self.run_db(lambda: delete_draft(store, key), lambda _: None, group="draft")

    def on_mount(self) -> None:
        # A draft left by a lock that ended in a crash (or a quit while locked) is offered back.
        # (Subclasses call this and Textual calls it too: the draft is offered once.)
        if self._draft_offered:
            return
        self._draft_offered = True
        from asb_tui.app import LOCK_DRAFT_PREFIX
        from asb_tui.store.cache.local_cache import load_draft

        store = self.asb.store
        if store is None:
            return
        key = LOCK_DRAFT_PREFIX + self.draft_key()

        def restored(state: dict[str, Any] | None) -> None:
            if state:
                self.restore_draft(state)  # typed work: Escape asks before discarding it
                self.notify("Restored what you had typed before the app locked.")

        AsbScreen.run_db(self, lambda: load_draft(store, key), restored, group="draft")
