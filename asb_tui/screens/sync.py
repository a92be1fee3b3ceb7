"""The sync screen: sync now (with progress), the last result, and the conflicts to resolve.

The sync runs in a thread worker (it talks to the network and writes the store), so the screen
keeps answering keys while it runs; progress comes back as `SyncStep` messages. After the records
the evidence files move in a second worker (`services/file_sync.py`), their progress (bytes done
of the total) shown as `FileStep` messages under the records'. A conflict is
resolved by choosing keep mine, keep theirs, or edit; the choice is saved at once (so it survives
a dropped connection) and sent with the next sync, which the screen starts straight away.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, ProgressBar, Static

from asb_tui.screens.base import AsbScreen, WorkDone, WorkFailed
from asb_tui.widgets.literal import literal, literal_text
from asb_tui.widgets.screen_header import ScreenHeader
from asb_tui.widgets.steady_footer import SteadyFooter

if TYPE_CHECKING:
    from asb_tui.services.file_sync import FileSyncOutcome
    from asb_tui.services.sync_run import SyncOutcome
    from asb_tui.store.core.store import Store
    from asb_tui.store.replica.sync_state import (
        Choice,
        ConflictView,
        SetAsideView,
        SyncOverview,
    )
    from sync.client import SyncProgress
    from sync.files import FileProgress

CHOICE_LABELS = {"mine": "keep mine", "theirs": "keep theirs", "edit": "edited"}


def _when(moment: datetime | None) -> str:
    if moment is None:
        return "never"
    local = moment.astimezone()
    return f"{local:%d/%m/%Y %H:%M}"


SyncState = tuple["SyncOverview", "list[ConflictView]", "list[SetAsideView]"]


class SyncRead(WorkDone[SyncState]):
    """Where sync stands: the overview, the open conflicts, the changes set aside."""


class Synced(WorkDone["SyncOutcome"]):
    """A sync finished."""


class Resolved(WorkDone["ConflictView"]):
    """The officer's choice for a conflict is saved (it goes with the next sync)."""


class FilesSynced(WorkDone["FileSyncOutcome"]):
    """The evidence files' transfer after a sync finished."""


class DownloadsSet(WorkDone[str]):
    """Whether each sync fetches the evidence files ("auto") or only when asked ("on-demand")."""


class FileStep(Message, bubble=False):
    """How far the evidence files' transfer has got."""

    def __init__(self, step: FileProgress) -> None:
        super().__init__()
        self.step = step


class SyncStep(Message, bubble=False):
    """How far the running sync has got (`waiting`: changes there were to send)."""

    def __init__(self, step: SyncProgress, waiting: int) -> None:
        super().__init__()
        self.step, self.waiting = step, waiting


class SyncScreen(AsbScreen):
    """Sync with the central service and resolve conflicts."""

    SUB_TITLE = "Sync"

    BINDINGS = [
        Binding("s", "sync_now", "Sync now", id="sync.now"),
        Binding("m", "keep_mine", "Keep mine", id="sync.keep_mine"),
        Binding("t", "keep_theirs", "Keep theirs", id="sync.keep_theirs"),
        Binding("e", "edit_value", "Edit value", id="sync.edit"),
        Binding("r", "reload", "Reload", id="sync.reload"),
        Binding(
            "f",
            "toggle_file_downloads",
            "Fetch files: each sync / on demand",
            show=False,
            id="sync.file_downloads",
        ),
        Binding("escape", "back", "Back", id="sync.back"),
    ]
    DEFAULT_CSS = """
    SyncScreen #sync-body { padding: 0 1; }
    SyncScreen #sync-summary { height: auto; }
    SyncScreen #sync-progress { margin: 1 0 0 0; }
    SyncScreen #sync-status { height: auto; color: $text-muted; }
    SyncScreen #sync-files { height: auto; color: $text-muted; display: none; }
    SyncScreen #sync-error { height: auto; color: $error; }
    SyncScreen .sync-heading { text-style: bold; margin: 1 0 0 0; }
    SyncScreen #sync-conflicts { height: 1fr; min-height: 5; }
    SyncScreen #sync-detail { height: auto; max-height: 6; }
    SyncScreen #sync-refused { height: auto; max-height: 10; color: $warning; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.syncing = False
        self.conflicts: list[ConflictView] = []

    def compose(self) -> ComposeResult:
        yield ScreenHeader()
        with Vertical(id="sync-body"):
            yield Static("", id="sync-summary")
            yield ProgressBar(total=None, show_eta=False, id="sync-progress")
            yield Static("Press s to sync now.", id="sync-status")
            yield Static("", id="sync-files")
            yield Static("", id="sync-error")
            yield Static("Conflicts", classes="sync-heading")
            yield DataTable(id="sync-conflicts", cursor_type="row", zebra_stripes=True)
            yield Static("", id="sync-detail")
            yield Static("", id="sync-refused")
        yield SteadyFooter()

    def on_mount(self) -> None:
        table = self.query_one("#sync-conflicts", DataTable)
        table.add_columns("Case", "State", "What", "Mine", "Theirs")
        self.query_one("#sync-progress", ProgressBar).update(total=100, progress=0)
        table.focus()
        self.reload()

    # -- loading ------------------------------------------------------------------------------

    def action_reload(self) -> None:
        self.reload()

    def reload(self) -> None:
        from asb_tui.store.replica.sync_state import (
            open_conflicts,
            set_aside_changes,
            sync_overview,
        )

        def load(store: Store) -> SyncState:
            return sync_overview(store), open_conflicts(store), set_aside_changes(store)

        self.run_work(load, SyncRead, group="sync-load", latest_only=True)

    @on(SyncRead)
    def _show(self, message: SyncRead) -> None:
        overview, conflicts, refused = message.result
        self.conflicts = conflicts
        self._show_overview(overview)
        table = self.query_one("#sync-conflicts", DataTable)
        keep = table.cursor_row
        table.clear()
        for c in conflicts:
            table.add_row(
                literal_text(c.case_ref or c.case_id[:8]),
                Text(_state(c)),
                Text(c.what),
                literal_text(_short(c.mine_text)),
                literal_text(_short(c.theirs_text)),
                key=c.id,
            )
        if conflicts:
            table.move_cursor(row=min(keep, len(conflicts) - 1))
        self._show_detail()
        refused_widget = self.query_one("#sync-refused", Static)
        if refused:
            lines = [f"{len(refused)} changes did not go through (set aside, nothing lost):"]
            for r in refused[:3]:
                way = "not sent" if r.direction == "sent" else "not applied"
                lines.append(f"  {way}: {r.what}: {r.reason}")
                lines.append(f"    {r.advice}")
            refused_widget.update(literal("\n".join(lines)))
        else:
            refused_widget.update("")

    def _show_overview(self, o: SyncOverview) -> None:
        if not o.enrolled:
            head = (
                "This laptop is not enrolled for sync: "
                "run `asb-tui enrol --server URL --token TOKEN`."
            )
        else:
            head = f"Server {o.server_url} · officer {o.officer_name} (team {o.team})"
        if o.last_sync_ok is None:
            last = "never synced"
        elif o.last_sync_ok:
            last = (
                f"last sync {_when(o.last_sync_at)}: ok, sent {o.last_pushed}, "
                f"received {o.last_pulled}"
            )
        else:
            last = f"last sync {_when(o.last_sync_at)} failed: {o.last_error or 'unknown error'}"
        lines = [
            head,
            f"{o.changes_waiting} changes waiting to be sent · "
            f"{o.open_conflicts} conflicts · {last}",
        ]
        self.query_one("#sync-summary", Static).update(literal("\n".join(lines)))

    # -- syncing ------------------------------------------------------------------------------

    def action_sync_now(self) -> None:
        if self.syncing:
            self.notify("A sync is already running.")
            return
        from sync.client import SyncError

        self.syncing = True
        self.query_one("#sync-error", Static).update("")
        self.query_one("#sync-status", Static).update("Syncing…")
        self.query_one("#sync-progress", ProgressBar).update(total=None, progress=0)
        self.run_work(self._sync, Synced, group="sync", expected=(SyncError,))

    def _sync(self, store: Store) -> SyncOutcome:
        """In the worker: the whole sync, its progress posted as it goes."""
        from asb_tui.services.sync_run import run_sync
        from asb_tui.store.replica.sync_state import changes_waiting

        waiting = changes_waiting(store)

        def progress(step: SyncProgress) -> None:
            self.post_message(SyncStep(step, waiting))  # thread-safe

        return run_sync(store, progress=progress)

    @on(SyncStep)
    def _progress(self, message: SyncStep) -> None:
        p, waiting = message.step, message.waiting
        bar = self.query_one("#sync-progress", ProgressBar)
        status = self.query_one("#sync-status", Static)
        if p.phase == "push":
            bar.update(total=max(waiting, p.done, 1), progress=p.done)
            status.update(f"Sending: {p.done} of {max(waiting, p.done)} changes sent")
        elif p.phase == "pull" and p.total is not None:  # a first pull by snapshot
            bar.update(total=max(p.total, p.done, 1), progress=p.done)
            status.update(literal(f"Receiving the team's cases: {p.message}"))
        elif p.phase == "pull":
            bar.update(total=None)
            status.update(f"Receiving: {p.done} changes received")

    @on(Synced)
    def _finished(self, done: Synced) -> None:
        outcome = done.result
        self.syncing = False
        result = outcome.result
        self.query_one("#sync-progress", ProgressBar).update(total=100, progress=100)
        message = (
            f"Sync done: sent {result.pushed}, received {result.pulled}, "
            f"{outcome.open_conflicts} conflicts waiting"
        )
        if outcome.warnings:
            message += "\n" + "\n".join(f"Warning: {w}" for w in outcome.warnings)
        if result.removed:
            message += "\n" + "\n".join(
                f"Removed from this laptop: case {r.ref or r.case_id}: {r.reason}"
                for r in result.removed
            )
        self.query_one("#sync-status", Static).update(literal(message))
        self.notify("Sync done.")
        self.reload()
        self._start_files()

    # -- the evidence files, after the records -----------------------------------------------

    def _start_files(self) -> None:
        from sync.client import SyncError

        self.syncing = True
        files = self.query_one("#sync-files", Static)
        files.display = True
        files.update("Evidence files: checking…")
        self.run_work(self._sync_files, FilesSynced, group="sync-files", expected=(SyncError,))

    def _sync_files(self, store: Store) -> FileSyncOutcome:
        """In the worker: the files' transfer, its progress posted as it goes."""
        from asb_tui.services.file_sync import run_file_sync

        def progress(step: FileProgress) -> None:
            self.post_message(FileStep(step))  # thread-safe

        return run_file_sync(store, progress=progress)

    @on(FileStep)
    def _file_progress(self, message: FileStep) -> None:
        step = message.step
        bar = self.query_one("#sync-progress", ProgressBar)
        bar.update(total=max(step.bytes_total, 1), progress=step.bytes_done)
        self.query_one("#sync-files", Static).update(literal(f"Evidence {step.message}"))

    def action_toggle_file_downloads(self) -> None:
        from asb_tui.store.replica.files import downloads_mode, set_downloads_mode

        def toggle(store: Store) -> str:
            mode = "on-demand" if downloads_mode(store) == "auto" else "auto"
            set_downloads_mode(store, mode)
            return mode

        self.run_work(toggle, DownloadsSet, group="sync-downloads")

    @on(DownloadsSet)
    def _downloads_set(self, done: DownloadsSet) -> None:
        text = (
            "Evidence files: each sync fetches them."
            if done.result == "auto"
            else "Evidence files: fetched on demand only (a slow link): a sync sends files but "
            "fetches none; fetch one with `asb-tui evidence fetch REF EXHIBIT`. Press f to undo."
        )
        files = self.query_one("#sync-files", Static)
        files.display = True
        files.update(literal(text))

    @on(FilesSynced)
    def _files_done(self, done: FilesSynced) -> None:
        self.syncing = False
        self.query_one("#sync-progress", ProgressBar).update(total=100, progress=100)
        self.query_one("#sync-files", Static).update(literal(f"Evidence {done.result.summary()}"))

    @on(WorkFailed)
    def _work_failed_here(self, failure: WorkFailed) -> None:
        if failure.group == "sync":
            failure.prevent_default()
            self._failed(failure.text)
        elif failure.group == "sync-files":
            failure.prevent_default()
            self.syncing = False
            self.query_one("#sync-files", Static).update(
                literal(
                    f"Evidence files: {failure.text} (the records are synced; what was sent or "
                    "received of the files is kept, and the next sync carries on)"
                )
            )
        elif failure.group == "sync-resolve":
            failure.prevent_default()
            self.notify(failure.text, severity="error", markup=False)
            self.reload()

    def _failed(self, message: str) -> None:
        self.syncing = False
        self.query_one("#sync-progress", ProgressBar).update(total=100, progress=0)
        self.query_one("#sync-status", Static).update(
            "Sync failed. Nothing was lost: your changes stay on this laptop."
        )
        self.query_one("#sync-error", Static).update(literal(message))
        self.notify(message, severity="error", markup=False)
        self.reload()

    def on_data_table_row_highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        """The highlighted conflict in full (the table shows the start of each value)."""
        detail = self.query_one("#sync-detail", Static)
        table = self.query_one("#sync-conflicts", DataTable)
        if not self.conflicts or table.row_count == 0:
            detail.update("")
            return
        c = self.conflicts[min(max(table.cursor_row, 0), len(self.conflicts) - 1)]
        detail.update(
            literal(f"{c.what}, {_state(c)}\nMine:   {c.mine_text}\nTheirs: {c.theirs_text}")
        )

    # -- resolving ----------------------------------------------------------------------------

    def _selected(self) -> ConflictView | None:
        table = self.query_one("#sync-conflicts", DataTable)
        if not self.conflicts or table.row_count == 0:
            self.notify("There is no conflict to resolve.")
            return None
        row = min(max(table.cursor_row, 0), len(self.conflicts) - 1)
        return self.conflicts[row]

    def action_keep_mine(self) -> None:
        conflict = self._selected()
        if conflict is not None:
            self._resolve(conflict.id, "mine", None)

    def action_keep_theirs(self) -> None:
        conflict = self._selected()
        if conflict is not None:
            self._resolve(conflict.id, "theirs", None)

    def action_edit_value(self) -> None:
        from asb_tui.widgets.prompt import FormPrompt, PromptField

        conflict = self._selected()
        if conflict is None:
            return
        if not conflict.editable:
            self.notify("A deleted record is resolved with keep mine or keep theirs.")
            return
        start = "" if conflict.mine_text == "(blank)" else conflict.mine_text

        def typed(values: dict[str, Any] | None) -> None:
            if not values:
                return
            self._edit(conflict, str(values.get("value") or ""))

        self.app.push_screen(
            FormPrompt(
                f"{conflict.what} of {conflict.case_ref or 'the case'}",
                [PromptField("value", "The value to keep", start)],
            ),
            typed,
        )

    def _edit(self, conflict: ConflictView, text: str) -> None:
        from asb_tui.store.replica.sync_state import value_from_text

        try:
            value = value_from_text(conflict.table, conflict.field, text)
        except ValueError as err:
            self.notify(str(err), severity="error", markup=False)
            return
        self._resolve(conflict.id, "edit", value)

    def _resolve(self, conflict_id: str, choice: Choice, value: object) -> None:
        from asb_tui.store.replica.sync_state import ResolutionError, resolve_conflict_locally

        self.run_work(
            lambda store: resolve_conflict_locally(store, conflict_id, choice, value),
            Resolved,
            group="sync-resolve",
            expected=(ResolutionError,),
        )

    @on(Resolved)
    def _resolved(self, message: Resolved) -> None:
        self.notify("Your choice is saved; sending it now.")
        self.reload()
        if not self.syncing:
            self.action_sync_now()

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()


def _state(conflict: ConflictView) -> str:
    if conflict.status != "resolving":
        return "open"
    if conflict.queued_choice:
        return f"{CHOICE_LABELS.get(conflict.queued_choice, 'resolved')}, to send"
    return "sent"


def _short(text: str, width: int = 16) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"
