"""Case list: filters (status, risk, category, officer) and full-text search as you type.

Typing restarts a short timer (debounce); the search then runs in an exclusive worker, so a newer
query cancels an older one and the screen never waits for the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.timer import Timer
from textual.widgets import DataTable, Input, Select, Static

from asb_tui.domain.dates import format_uk
from asb_tui.domain.labels import label, label_choices
from asb_tui.domain.types import CaseStatus, Category, RiskLevel
from asb_tui.screens.base import NO_SELECTION, AsbScreen, WorkDone
from asb_tui.store.queries.case_queries import CaseFilter, CaseListRow, FilterOptions
from asb_tui.widgets.fitted_columns import ColumnSpec, add_fitted_columns, fit_columns
from asb_tui.widgets.literal import literal_text
from asb_tui.widgets.screen_header import ScreenHeader
from asb_tui.widgets.steady_footer import SteadyFooter

if TYPE_CHECKING:
    from asb_tui.store.queries.case_queries import CaseFilter, CaseListRow

DEBOUNCE_SECONDS = 0.25
STATUS_CHOICES = [("Open", "open"), *label_choices(CaseStatus)]
RISK_CHOICES = label_choices(RiskLevel)
CATEGORY_CHOICES = label_choices(Category)


def _risk_style(level: str | None) -> str:
    return "bold red" if level == RiskLevel.HIGH else ""


def snippet_text(snippet: str) -> Text:
    """A search snippet with the matched words highlighted; the rest shown literally."""
    from asb_tui.store.queries.search import MATCH_END, MATCH_START

    text = Text()
    rest = snippet
    while MATCH_START in rest:
        before, _, after = rest.partition(MATCH_START)
        word, _, rest = after.partition(MATCH_END)
        text.append_text(literal_text(before))
        text.append_text(literal_text(word, style="bold reverse"))
    text.append_text(literal_text(rest))
    return text


COLUMN_SPECS = (
    ColumnSpec("case", "Case", 21, 21),  # a reference whole (see dashboard)
    ColumnSpec("status", "Status", 8, 10, priority=1),
    ColumnSpec("risk", "Risk", 6, 8, priority=1),
    ColumnSpec("linked", "⇄", 2, 2),
    ColumnSpec("referred", "Referred", 10, 10, priority=2),
    ColumnSpec("officer", "Officer", 6, 16, priority=3),
    ColumnSpec("summary", "Summary / match", 10, 40, takes_rest=True, priority=4),
)


@dataclass(frozen=True)
class Found:
    typed: str
    rows: list[CaseListRow]
    open_first: bool  # open the case at the top (Enter in the search box)


class OptionsRead(WorkDone[FilterOptions]):
    """The officers and categories the filters offer."""


class CasesFound(WorkDone[Found]):
    """The cases matching what was typed and the filters."""


class CaseListScreen(AsbScreen):
    SUB_TITLE = "Case list and search"
    BINDINGS = [
        Binding("escape", "back", "Back", id="case-list.back"),
        Binding("slash", "focus_search", "Search", id="case-list.search"),
        Binding("ctrl+t", "focus_filters", "Filters", id="case-list.filters"),
        Binding("ctrl+x", "clear", "Clear filters", id="case-list.clear"),
        Binding("ctrl+o", "open_case", "Open case", id="case-list.open"),
        Binding("ctrl+n", "new_referral", "New referral", id="case-list.new-referral"),
    ]
    DEFAULT_CSS = """
    CaseListScreen #filters { height: auto; }
    CaseListScreen #filters Select { width: 1fr; }
    CaseListScreen #search { margin: 0 0; }
    CaseListScreen #result-count { height: 1; padding: 0 1; color: $text-muted; }
    CaseListScreen DataTable { height: 1fr; }
    """

    @dataclass
    class ResultsShown(Message):
        typed: str
        count: int

    def __init__(self, *, focus_search: bool = False) -> None:
        super().__init__()
        self.focus_search = focus_search
        self._debounce: Timer | None = None

    def compose(self) -> ComposeResult:
        yield ScreenHeader()
        yield Input(
            placeholder="Search names, summaries, incidents, notes… (/, enter opens)", id="search"
        )
        with Horizontal(id="filters"):
            yield Select(STATUS_CHOICES, prompt="Status", id="filter-status", value="open")
            yield Select(RISK_CHOICES, prompt="Risk", id="filter-risk")
            yield Select(CATEGORY_CHOICES, prompt="Category", id="filter-category")
            yield Select([], prompt="Officer", id="filter-officer")
        yield Static("", id="result-count")
        table: DataTable[object] = DataTable(id="results", cursor_type="row", zebra_stripes=True)
        # Fixed widths that follow the terminal (on_resize), the free text giving way first: a
        # reference is never cut, and the widths do not depend on when the rows arrived.
        add_fitted_columns(table, COLUMN_SPECS)
        yield table
        yield SteadyFooter()

    def on_resize(self, event: events.Resize) -> None:
        for table in self.query(DataTable):  # none yet when a resize comes before compose
            fit_columns(table, COLUMN_SPECS, event.size.width)

    def on_mount(self) -> None:
        fit_columns(self.query_one(DataTable), COLUMN_SPECS, self.app.size.width)
        if self.focus_search:
            self.query_one("#search", Input).focus()
        else:
            self.query_one(DataTable).focus()
        self._load_officers()
        self.reload()

    def _load_officers(self) -> None:
        from asb_tui.store.queries.screen_reads import read_filter_options

        self.run_work(read_filter_options, OptionsRead, group="options")

    @on(OptionsRead)
    def _options_read(self, message: OptionsRead) -> None:
        officers = message.result.officers
        self.query_one("#filter-officer", Select).set_options((o, o) for o in officers)

    def _filter(self) -> CaseFilter:
        from asb_tui.store.queries.case_queries import CaseFilter

        def value(selector: str) -> str | None:
            chosen = self.query_one(selector, Select).value
            return None if chosen is NO_SELECTION else str(chosen)

        return CaseFilter(
            status=value("#filter-status"),
            risk_level=value("#filter-risk"),
            category=value("#filter-category"),
            officer=value("#filter-officer"),
        )

    def reload(self, *, open_first: bool = False) -> None:
        """Run the search and filters again; `open_first` then opens the case at the top."""
        from asb_tui.store.queries.screen_reads import read_case_list

        typed = self.query_one("#search", Input).value
        case_filter = self._filter()
        self.run_work(
            lambda store: Found(typed, read_case_list(store, case_filter, typed=typed), open_first),
            CasesFound,
            group="search",
            latest_only=True,
        )

    @on(CasesFound)
    def _cases_found(self, message: CasesFound) -> None:
        found = message.result
        self._show(found.typed, found.rows)
        if found.open_first:
            if found.rows:
                self._open(found.rows[0].case_id)
            else:
                self.query_one("#search", Input).focus()

    def _show(self, typed: str, rows: list[CaseListRow]) -> None:
        table = self.query_one(DataTable)
        table.clear()
        for row in rows:
            table.add_row(
                Text(row.ref),
                Text(label(row.status)),
                Text(label(row.risk_level, empty="—"), style=_risk_style(row.risk_level)),
                Text(str(row.linked) if row.linked else ""),
                Text(format_uk(row.referred_on)),
                literal_text(row.officer),
                snippet_text(row.snippet) if row.snippet else literal_text(row.summary),
                key=row.case_id,
            )
        what = f" matching “{typed.strip()}”" if typed.strip() else ""
        count = self.query_one("#result-count", Static)
        count.update(literal_text(f"{len(rows)} cases{what}"))
        self.post_message(self.ResultsShown(typed, len(rows)))

    @on(Input.Changed, "#search")
    def _typed(self) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(DEBOUNCE_SECONDS, self.reload)

    @on(Input.Submitted, "#search")
    def _search_now(self) -> None:
        """Enter searches now and opens the best match (the README's "enter open")."""
        if self._debounce is not None:
            self._debounce.stop()
        self.query_one(DataTable).focus()
        self.reload(open_first=True)

    @on(Select.Changed)
    def _filtered(self) -> None:
        self.reload()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value:
            self._open(event.row_key.value)

    def _open(self, case_id: str) -> None:
        from asb_tui.screens.case_detail import CaseDetailScreen

        self.app.push_screen(CaseDetailScreen(case_id), lambda _: self.reload())

    def action_open_case(self) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
            if key.value:
                self._open(key.value)

    def action_back(self) -> None:
        self.dismiss(None)

    def action_focus_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_focus_filters(self) -> None:
        self.query_one("#filter-status", Select).focus()

    def action_clear(self) -> None:
        self.query_one("#search", Input).value = ""
        for selector in ("#filter-risk", "#filter-category", "#filter-officer"):
            self.query_one(selector, Select).clear()
        self.query_one("#filter-status", Select).value = "open"
        self.reload()

    def action_new_referral(self) -> None:
        from asb_tui.screens.referral_form import ReferralFormScreen

        def created(case_id: str | None) -> None:
            self.reload()
            if case_id:
                self._open(case_id)

        self.app.push_screen(ReferralFormScreen(), created)
