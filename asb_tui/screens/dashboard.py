"""Dashboard: the officer's open cases by next deadline (RAG colours), the counts that matter
(overdue work, high risk, awaiting manager review, at the ASB Case Review threshold) and the sync
state. Sync itself is another screen: `S`/f5 are kept free for it."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Footer, Header, Static

from asb_tui.domain.dates import format_uk
from asb_tui.screens.base import AsbScreen
from asb_tui.screens.oversight_keys import OVERSIGHT_SCREENS
from asb_tui.widgets.literal import literal_text

RAG = {
    "overdue": ("OVERDUE", "bold white on dark_red"),
    "today": ("TODAY", "bold black on dark_orange"),
    "week": ("this week", "bold yellow"),
    "later": ("", "green"),
}


# The soonest cases are what the officer acts on; the case list (l) shows every case.
ROW_LIMIT = 300
COLUMNS = (("Due", 10), ("State", 9), ("Case", 18), ("Risk", 8), ("Victim", 18), ("Next", 44))


# Office-wide screens opened from the dashboard: name -> "module:Class" (no arguments).
APP_SCREENS: dict[str, str] = {
    "sync": "asb_tui.screens.sync:SyncScreen",
    **{
        name.removeprefix("oversight."): target
        for _key, name, _text, target, scope in OVERSIGHT_SCREENS
        if scope == "app"
    },
}


class DashboardScreen(AsbScreen):
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
        Binding("ctrl+q", "app.quit", "Quit", id="dashboard.quit"),
    ]
    DEFAULT_CSS = """
    DashboardScreen #counts { height: auto; padding: 0 1; background: $boost; }
    DashboardScreen #scope { height: 1; padding: 0 1; color: $text-muted; }
    DashboardScreen #sync-state { height: 1; padding: 0 1; color: $text-muted; }
    DashboardScreen DataTable { height: 1fr; }
    """

    @dataclass
    class Populated(Message):
        """The table shows the cases (the benchmark's "interactive" moment)."""

        rows: int

    def __init__(self) -> None:
        super().__init__()
        self.mine_only = True

    def compose(self):
        yield Header(show_clock=False)
        yield Static("Loading…", id="counts")
        yield Static("", id="scope")
        table: DataTable = DataTable(id="cases", cursor_type="row", zebra_stripes=True)
        # Fixed widths: the officer's eye finds the same column in the same place every day,
        # and what matters most (due, state, case, risk, victim) fits in 80 columns.
        for label, width in COLUMNS:
            table.add_column(label, width=width)
        yield table
        yield Static("", id="sync-state")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self.reload()

    def reload(self) -> None:
        from asb_tui.store.case_queries import dashboard

        store = self.store
        officer = self.asb.config.officer if self.mine_only else None
        today = self.today()
        rules = self.asb.deadline_rules()

        def load():
            with store.read() as session:
                return dashboard(
                    session, officer=officer, today=today, rules=rules, limit=ROW_LIMIT
                )

        self.run_db(load, self._show, group="dashboard")

    def action_reload(self) -> None:
        self.reload()

    def _show_counts(self, counts) -> None:
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
        self.query_one("#counts", Static).update(text)

    def _count_case_reviews(self, board) -> None:
        from dataclasses import replace

        from asb_tui.domain.reviews import CaseReviewRule
        from asb_tui.store.case_queries import case_review_count

        store = self.store
        today = self.today()
        config = self.asb.config
        rule = CaseReviewRule(
            threshold=config.case_review_threshold, months=config.case_review_window_months
        )

        def count():
            with store.read() as session:
                return case_review_count(session, board.case_ids, today, rule)

        self.run_db(
            count,
            lambda n: self._show_counts(replace(board.counts, case_review_threshold=n)),
            group="case-review",
        )

    def _show(self, board) -> None:
        from asb_tui.store.case_queries import rag_state

        self._show_counts(board.counts)
        scope = f"Showing {board.scope}, soonest first"
        if board.more > 0:
            scope += f" (the first {len(board.rows)}; all in the case list: l)"
        self.query_one("#scope", Static).update(Text(scope))
        last = board.sync.last_sync_at
        when = "never" if last is None else format_uk(last.date()) + last.strftime(" %H:%M")
        self.query_one("#sync-state", Static).update(
            Text(f"Sync: {board.sync.unsent_changes} changes waiting · last sync {when}")
        )
        table = self.query_one(DataTable)
        table.clear()
        today = self.today()
        rules = self.asb.deadline_rules()
        for row in board.rows:
            if row.next_due is None:
                due, state = Text("—"), Text("")
            else:
                label, style = RAG[rag_state(row.next_due, today, rules)]
                due = Text(format_uk(row.next_due), style=style)
                state = Text(label, style=style)
            risk = row.risk_level or "—"
            table.add_row(
                due,
                state,
                Text(row.ref),
                Text(risk, style="bold red" if risk == "high" else ""),
                literal_text(row.victim),
                literal_text(row.next_what),
                key=row.case_id,
            )
        self.post_message(self.Populated(len(board.rows)))
        self._count_case_reviews(board)

    def selected_case_id(self) -> str | None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value:
            self._open(event.row_key.value)

    def action_open_case(self) -> None:
        case_id = self.selected_case_id()
        if case_id:
            self._open(case_id)

    def _open(self, case_id: str) -> None:
        from asb_tui.screens.case_detail import CaseDetailScreen

        self.app.push_screen(CaseDetailScreen(case_id), lambda _: self.reload())

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

        def created(case_id: str | None) -> None:
            self.reload()
            if case_id:
                self._open(case_id)

        self.app.push_screen(ReferralFormScreen(), created)

    def action_toggle_scope(self) -> None:
        self.mine_only = not self.mine_only
        self.reload()
