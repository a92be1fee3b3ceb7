"""Dashboard: the officer's open cases by next deadline (RAG colours), the counts that matter
(overdue work, high risk, awaiting manager review, at the ASB Case Review threshold) and the sync
state. Sync itself is another screen: `S`/f5 are kept free for it. The laptop's subject access
requests whose reply is due are counted and listed among the cases by due date
(docs/subject-access.md); enter on one says where it is handled.

First frame fast: ranking needs every open case's deadlines (a moment on 5,000 cases), so on
start the screen first shows the copy of its last computation kept in the store, marked
"Refreshing…", and replaces it with the fresh computation as soon as that is done. Keys work on
the copy (the cases are real; reference, victim and risk are read afresh, closed cases left out).
Nothing of the deadline rules or the bank-holiday tables is imported for that first frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, NamedTuple

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Static

from asb_tui.domain.labels import label as vocab_label
from asb_tui.screens.base import AsbScreen, WorkDone, WorkFailed
from asb_tui.screens.case_detail_kept import KeptCaseDetail
from asb_tui.screens.dashboard_copy import rules_key
from asb_tui.screens.oversight_keys import OVERSIGHT_SCREENS
from asb_tui.store.queries.dashboard_rows import (
    Dashboard,
    DashboardCounts,
    DashboardRow,
    SubjectAccessDue,
    SyncState,
    rag_band,
)
from asb_tui.widgets.fitted_columns import ColumnSpec, add_fitted_columns, fit_columns
from asb_tui.widgets.literal import literal_text
from asb_tui.widgets.screen_header import ScreenHeader
from asb_tui.widgets.steady_footer import SteadyFooter

if TYPE_CHECKING:
    from asb_tui.store.cache.local_cache import DashboardSnapshot
    from asb_tui.store.core.store import Store
    from asb_tui.store.queries.case_queries import BoardState

RAG = {
    "overdue": ("OVERDUE", "bold white on dark_red"),
    "today": ("TODAY", "bold black on dark_orange"),
    "week": ("this week", "bold yellow"),
    "later": ("", "green"),
}


# The soonest cases are what the officer acts on; the case list (l) shows every case.
ROW_LIMIT = 300
# Columns in the order they give way as the terminal narrows: what is due, the case, its risk
# and the victim stay readable at 80 columns; what is next (free text) has what is left.
COLUMN_SPECS = (
    ColumnSpec("due", "Due", 10, 10),
    ColumnSpec("state", "State", 9, 9),
    # A reference is up to 21 characters: a demo store's `ASB-2026-DEMK7Q-00042` (an enrolled
    # laptop's `ASB-2026-K7Q2-00042` is 19); cut short, it would lose its number.
    ColumnSpec("case", "Case", 21, 21),
    ColumnSpec("risk", "Risk", 8, 8),
    ColumnSpec("victim", "Victim", 10, 22),
    ColumnSpec("next", "Next", 10, 30, takes_rest=True),
)
COLUMNS = tuple((spec.heading, spec.ideal) for spec in COLUMN_SPECS)


# Subject access requests share the due list with the cases; their rows' keys start with this.
SAR_KEY = "sar:"
SAR_NEXT = "Reply to the subject access request"


# Office-wide screens opened from the dashboard: name -> "module:Class" (no arguments).
APP_SCREENS: dict[str, str] = {
    "sync": "asb_tui.screens.sync:SyncScreen",
    **{
        name.removeprefix("oversight."): target
        for _key, name, _text, target, scope in OVERSIGHT_SCREENS
        if scope == "app"
    },
}


def _uk(day: date) -> str:
    from asb_tui.domain.dates import format_uk

    return format_uk(day)


def _waiting(sync: SyncState) -> str:
    return f"{sync.unsent_changes:,}+" if sync.more_unsent else str(sync.unsent_changes)


def _due(request: SubjectAccessDue) -> date:
    assert request.due_on is not None  # only requests whose clock runs are listed
    return request.due_on


class _RowLook(NamedTuple):
    """What one row of the due list shows (compared with the row shown, to redraw only what
    changed)."""

    due: date | None
    band: str | None  # a RAG key
    ref: str
    risk_level: str | None
    victim: str
    next_what: str

    def cells(self) -> tuple[Text, ...]:
        if self.due is None or self.band is None:
            due, state = Text("—"), Text("")
        else:
            label, style = RAG[self.band]
            due, state = Text(_uk(self.due), style=style), Text(label, style=style)
        risk = vocab_label(self.risk_level, empty="—")
        return (
            due,
            state,
            Text(self.ref),
            Text(risk, style="bold red" if self.risk_level == "high" else ""),
            literal_text(self.victim, one_line=True),
            literal_text(self.next_what, one_line=True),
        )


def _request_look(request: SubjectAccessDue, today: date, week_until: date) -> tuple[str, _RowLook]:
    look = _RowLook(
        _due(request),
        rag_band(_due(request), today, week_until),
        request.ref,
        None,  # no risk level: a dash, as a case not assessed
        request.requester,
        SAR_NEXT,
    )
    return SAR_KEY + request.request_id, look


class BoardRead(WorkDone[tuple[Dashboard, bool, "BoardState"]]):
    """The dashboard computed, whether it is the officer's own cases only, and the state it
    was made of (the next computation starts from it)."""


class ReviewsCounted(WorkDone[tuple[Dashboard, bool, int]]):
    """The cases at the ASB Case Review threshold, counted for the board shown."""


class CopyKept(WorkDone[None]):
    """The board is kept in the store, to be shown first on the next start."""


class DashboardScreen(AsbScreen):
    SUB_TITLE = "Dashboard"
    BINDINGS = [
        Binding("enter", "open_case", "Open case", id="dashboard.open"),
        Binding("l", "case_list", "Cases", id="dashboard.cases"),
        Binding("slash", "search", "Search", id="dashboard.search"),
        Binding("n", "new_referral", "New referral", id="dashboard.new-referral"),
        Binding("a", "toggle_scope", "Mine/all", id="dashboard.scope"),
        Binding("r", "reload", "Refresh", id="dashboard.refresh"),
        Binding("S", "open_screen('sync')", "Sync", id="dashboard.sync"),
        Binding("R", "open_screen('review-queue')", "Review queue", id="dashboard.review-queue"),
        Binding("V", "open_screen('vvc')", "VVC", id="dashboard.vvc"),
        Binding("P", "open_screen('reports')", "Reports", id="dashboard.reports"),
        Binding("ctrl+q", "app.quit", "Quit", id="dashboard.quit"),
    ]
    DEFAULT_CSS = """
    DashboardScreen #counts { height: auto; padding: 0 1; background: $boost; }
    DashboardScreen #scope { height: 1; padding: 0 1; color: $text-muted; }
    DashboardScreen #scope.-refreshing { color: $warning; text-style: bold; }
    DashboardScreen #sync-state { height: 1; padding: 0 1; color: $text-muted; }
    DashboardScreen DataTable { height: 1fr; }
    DashboardScreen DataTable.-refreshing { text-opacity: 70%; }
    """

    @dataclass
    class Populated(Message):
        """The table shows cases (the benchmark's "interactive" moment). `fresh` is False for
        the kept copy shown, marked as refreshing, until the computation replaces it."""

        rows: int
        fresh: bool = True

    def __init__(self, kept_copy: DashboardSnapshot | None = None) -> None:
        """`kept_copy`: the copy of the last computation to show first
        (`dashboard_copy.load_kept_copy`)."""
        super().__init__()
        self._kept_copy = kept_copy
        self.mine_only = True
        # True while the table shows the kept copy (until the fresh computation arrives).
        self.showing_copy = False
        self._fresh_shown = False
        # The open subject access requests with a due date, from the last fresh computation.
        self._sar: tuple[SubjectAccessDue, ...] = ()
        # The last Case Review count: (mine only, how many), reused while no case is written.
        self._review_count: tuple[bool, int] | None = None
        # What each row of the table shows now (`_fill` redraws only what differs).
        self._shown_rows: list[tuple[str, _RowLook]] = []
        # The last computation's per-case state: a return from a case recomputes only the
        # cases written since (store/queries/screen_reads.read_dashboard).
        self.board_state: BoardState | None = None
        # The case detail screen the cases open in, kept between them (case_detail_kept.py).
        self._case_screen = KeptCaseDetail()

    def compose(self) -> ComposeResult:
        yield ScreenHeader()
        yield Static("Loading…", id="counts")
        yield Static("", id="scope")
        table: DataTable[object] = DataTable(id="cases", cursor_type="row", zebra_stripes=True)
        # The officer's eye finds the same column in the same place every day; widths follow
        # the terminal's (on_resize), the free text giving way first.
        add_fitted_columns(table, COLUMN_SPECS)
        yield table
        yield Static("", id="sync-state")
        yield SteadyFooter()

    def on_resize(self, event: events.Resize) -> None:
        for table in self.query(DataTable):  # none yet when a resize comes before compose
            fit_columns(table, COLUMN_SPECS, event.size.width)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.focus()
        fit_columns(table, COLUMN_SPECS, self.app.size.width)
        if self._kept_copy is not None:
            # Filled before the first frame is drawn; the computation starts once it is shown.
            self._show_copy(self._kept_copy)
            self._kept_copy = None
        else:
            self.reload()

    def _rules_key(self) -> str:
        return rules_key(self.asb.config)

    def _show_copy(self, copy: DashboardSnapshot | None) -> None:
        if self._fresh_shown or copy is None or not copy.rows:
            if not self._fresh_shown:
                self.reload()
            return
        self.showing_copy = True
        self._show_counts(copy.counts)
        when = copy.saved_at.astimezone()
        scope = self.query_one("#scope", Static)
        scope.update(
            Text(
                f"Refreshing… until then, the list as it was at {when:%H:%M} on "
                f"{_uk(when.date())} ({copy.scope})"
            )
        )
        scope.add_class("-refreshing")
        self.query_one("#sync-state", Static).update(Text("Sync: …"))
        self._fill(copy.rows, copy.week_until)
        self.query_one(DataTable).add_class("-refreshing")
        self.post_message(self.Populated(len(copy.rows), fresh=False))
        # Compute once the copy is on screen, so the first frame does not wait for the worker.
        self.call_after_refresh(self.reload)

    def reload(self, *, whole: bool = False) -> None:
        """Compute the board again: only the cases written since the last computation, unless
        `whole` (the officer's own Refresh)."""
        app = self.asb
        mine_only = self.mine_only
        officer = app.config.officer if mine_only else None
        today = self.today()
        previous = None if whole else self.board_state

        def load(store: Store) -> tuple[Dashboard, bool, BoardState]:
            from asb_tui.store.queries.screen_reads import read_dashboard

            rules = app.deadline_rules()
            board, state = read_dashboard(
                store,
                officer=officer,
                today=today,
                rules=rules,
                limit=ROW_LIMIT,
                previous=previous,
                use_kept=not whole,
            )
            return board, mine_only, state

        self.run_work(load, BoardRead, group="dashboard", latest_only=True)

    @on(BoardRead)
    def _board_read(self, message: BoardRead) -> None:
        board, mine_only, state = message.result
        previous, self.board_state = self.board_state, state
        # No case written since the last board of the same scope: its Case Review count holds.
        unchanged = (
            previous is not None
            and state.recomputed == 0
            and (previous.officer, previous.today) == (state.officer, state.today)
        )
        self._show(board, mine_only, recount=not unchanged)
        if not state.kept and state.recomputed == len(state.entries):
            # Once the board is drawn: writing it holds the interpreter a moment at 50,000.
            self.call_after_refresh(self._keep_state, state)

    def _keep_state(self, state: BoardState) -> None:
        """Keep a whole computation in the store: the next start brings it up to date with
        the cases written since instead of computing every case again."""
        from asb_tui.store.cache.board_cache import save_board_state

        self.run_work(
            lambda store: save_board_state(store, state), CopyKept, group="dashboard-keep"
        )

    def action_reload(self) -> None:
        self.reload(whole=True)

    def _show_counts(self, counts: DashboardCounts) -> None:
        text = Text()
        text.append(f"{counts.open_cases} open", style="bold")
        text.append("  ")
        text.append(
            f"{counts.overdue_items} overdue", style="bold red" if counts.overdue_items else ""
        )
        text.append("  ")
        text.append(f"{counts.high_risk} high risk", style="bold" if counts.high_risk else "")
        text.append(f"  {counts.awaiting_review} awaiting review  ")
        reviews = "…" if counts.case_review_threshold is None else counts.case_review_threshold
        text.append(f"{reviews} at Case Review threshold")
        if counts.repeat_victims:
            victims = "victim" if counts.repeat_victims == 1 else "victims"
            text.append(f"  {counts.repeat_victims} repeat {victims}", style="bold")
        if self._sar:
            text.append(f"  {len(self._sar)} SAR due", style="bold")
            overdue = sum(1 for request in self._sar if request.overdue)
            if overdue:
                text.append(f" ({overdue} overdue)", style="bold red")
        self.query_one("#counts", Static).update(text)

    def _count_case_reviews(self, board: Dashboard, mine_only: bool) -> None:
        today = self.today()
        config = self.asb.config

        def count(store: Store) -> tuple[Dashboard, bool, int]:
            from asb_tui.domain.reviews import CaseReviewRule
            from asb_tui.store.queries.screen_reads import read_case_review_count

            rule = CaseReviewRule(
                threshold=config.case_review_threshold,
                months=config.case_review_window_months,
            )
            return board, mine_only, read_case_review_count(store, board.case_ids, today, rule)

        self.run_work(count, ReviewsCounted, group="case-review", latest_only=True)

    @on(ReviewsCounted)
    def _reviews_counted(self, message: ReviewsCounted) -> None:
        board, mine_only, number = message.result
        self._review_count = (mine_only, number)
        self._show_counts(replace(board.counts, case_review_threshold=number))
        if mine_only:
            self._keep_copy(board, number)

    def _keep_copy(self, board: Dashboard, case_reviews: int) -> None:
        """Keep this computation in the store, to be shown first on the next start."""
        from asb_tui.store.cache.local_cache import save_snapshot

        officer = self.asb.config.officer
        today = self.today()
        rules_key = self._rules_key()

        def keep(store: Store) -> None:
            save_snapshot(
                store,
                officer,
                board,
                made_on=today,
                rules_key=rules_key,
                case_review_threshold=case_reviews,
            )

        self.run_work(keep, CopyKept, group="dashboard-keep")

    @on(WorkFailed)
    def _copy_not_kept(self, failure: WorkFailed) -> None:
        # A copy that could not be kept only makes the next start slower: never an error shown.
        if failure.group == "dashboard-keep":
            failure.prevent_default()

    def _show(self, board: Dashboard, mine_only: bool = True, *, recount: bool = True) -> None:
        """Show a fresh computation; `recount` False: the Case Review count shown last still
        holds (no case was written since), so it is neither counted nor kept again."""
        if not self._fresh_shown:
            # Once the first fresh board is drawn: the screen the cases open in is composed
            # meanwhile, not when the first case is opened (case_detail_kept.py).
            self.call_after_refresh(self._prepare_case_screen)
        self._fresh_shown = True
        # Only requests whose clock runs are due; one waiting for proof of identity, a fee or a
        # clarification is in `asb-tui sar list`.
        self._sar = tuple(r for r in board.subject_access if r.due_on is not None)
        known = self._review_count if not recount else None
        if known is not None and known[0] == mine_only:
            self._show_counts(replace(board.counts, case_review_threshold=known[1]))
        else:
            self._show_counts(board.counts)
            known = None
        scope = f"Showing {board.scope}, soonest first"
        if board.more > 0:
            scope += f" (the first {len(board.rows)}; all in the case list: l)"
        scope_line = self.query_one("#scope", Static)
        scope_line.update(Text(scope))
        scope_line.remove_class("-refreshing")
        last = board.sync.last_sync_at
        when = "never" if last is None else _uk(last.date()) + last.strftime(" %H:%M")
        self.query_one("#sync-state", Static).update(
            Text(f"Sync: {_waiting(board.sync)} changes waiting · last sync {when}")
        )
        # Replacing the kept copy must not move the officer's cursor off the case they chose.
        keep_selected = self.selected_case_id() if self.showing_copy else None
        self._fill(board.rows, board.week_until, self._sar)
        table = self.query_one(DataTable)
        table.remove_class("-refreshing")
        if self.showing_copy:
            self.showing_copy = False
            if keep_selected is not None and keep_selected in table.rows:
                table.move_cursor(row=table.get_row_index(keep_selected), animate=False)
        self.post_message(self.Populated(len(board.rows)))
        if known is None:
            self._count_case_reviews(board, mine_only)

    def _fill(
        self,
        rows: Sequence[DashboardRow],
        week_until: date | None,
        requests: Sequence[SubjectAccessDue] = (),
    ) -> None:
        """Show `rows` (and the due `requests` among them, by due date). Only what differs
        from the rows shown is redrawn: a return from a case usually changes one row or none,
        and refilling 300 rows is most of the return's time at 50,000 cases."""
        today = self.today()
        if week_until is None:
            from asb_tui.store.queries.case_queries import week_band_ends

            week_until = week_band_ends(today, self.asb.deadline_rules())
        planned: list[tuple[str, _RowLook]] = []
        waiting = list(requests)  # soonest due first, as the cases
        for row in rows:
            while waiting and (row.next_due is None or _due(waiting[0]) <= row.next_due):
                planned.append(_request_look(waiting.pop(0), today, week_until))
            band = None if row.next_due is None else rag_band(row.next_due, today, week_until)
            planned.append(
                (
                    row.case_id,
                    _RowLook(
                        row.next_due, band, row.ref, row.risk_level, row.victim, row.next_what
                    ),
                )
            )
        planned.extend(_request_look(request, today, week_until) for request in waiting)
        shown, self._shown_rows = self._shown_rows, planned
        if planned == shown:
            return
        table = self.query_one(DataTable)
        if [key for key, _ in planned] == [key for key, _ in shown]:
            for (key, look), (_key, was) in zip(planned, shown, strict=True):
                if look != was:
                    for spec, cell, old in zip(
                        COLUMN_SPECS, look.cells(), was.cells(), strict=True
                    ):
                        if cell != old or cell.style != old.style:
                            table.update_cell(key, spec.key, cell)
            return
        selected = self.selected_case_id()
        table.clear()
        for key, look in planned:
            table.add_row(*look.cells(), key=key)
        # A row that moved must not take the officer's cursor off the case they chose.
        if selected is not None and selected in table.rows:
            table.move_cursor(row=table.get_row_index(selected), animate=False)

    def selected_case_id(self) -> str | None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    async def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value:
            await self._open(event.row_key.value)

    async def action_open_case(self) -> None:
        case_id = self.selected_case_id()
        if case_id:
            await self._open(case_id)

    async def _open(self, case_id: str) -> None:
        if case_id.startswith(SAR_KEY):
            self._explain_request(case_id.removeprefix(SAR_KEY))
            return
        # Awaited: the keys typed behind this one wait until the case is shown.
        await self._case_screen.open(self.app, case_id, lambda _: self.reload())

    def _prepare_case_screen(self) -> None:
        if self.is_attached:
            # The case under the cursor is read ahead (and dropped): the first read's
            # statements are built then, not when the first case is opened.
            selected = self.selected_case_id()
            if selected is not None and selected.startswith(SAR_KEY):
                selected = None
            self._case_screen.prepare(self.app, read_ahead=selected)

    async def on_unmount(self) -> None:
        await self._case_screen.release(self.app)

    def _explain_request(self, request_id: str) -> None:
        """A subject access request is not a case: say when it is due and where it is handled."""
        request = next((r for r in self._sar if r.request_id == request_id), None)
        if request is None:
            return
        when = "was due" if request.overdue else "is due"
        self.notify(
            f"{request.ref}: the reply {when} on {_uk(_due(request))}. Requests are handled "
            "with `asb-tui sar` (identity, extend, complete) and answered with "
            f"`asb-tui export sar --request {request.ref}`.",
            title="Subject access request",
            markup=False,
        )

    def action_open_screen(self, name: str) -> None:
        """Open an office-wide screen (sync, manager review queue, VVC meetings)."""
        import importlib

        module_name, class_name = APP_SCREENS[name].split(":")
        screen_class = getattr(importlib.import_module(module_name), class_name)
        self.app.push_screen(screen_class(), lambda _: self.reload())

    def action_case_list(self) -> None:
        from asb_tui.screens.case_list import CaseListScreen

        self.app.push_screen(CaseListScreen(), lambda _: self.reload())

    def action_search(self) -> None:
        from asb_tui.screens.case_list import CaseListScreen

        self.app.push_screen(CaseListScreen(focus_search=True), lambda _: self.reload())

    def action_new_referral(self) -> None:
        from asb_tui.screens.referral_form import ReferralFormScreen

        async def created(case_id: str | None) -> None:
            self.reload()
            if case_id:
                await self._open(case_id)

        self.app.push_screen(ReferralFormScreen(), created)

    def action_toggle_scope(self) -> None:
        self.mine_only = not self.mine_only
        self.reload()
