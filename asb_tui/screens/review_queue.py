"""The manager's review queue: every open high-risk case due for review, then this period's random
sample of the other open cases (drawn once per period from a stored seed)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from asb_tui.domain.dates import format_uk
from asb_tui.domain.labels import label
from asb_tui.screens.base import AsbScreen, WorkDone
from asb_tui.widgets.literal import literal, literal_text
from asb_tui.widgets.screen_header import ScreenHeader
from asb_tui.widgets.steady_footer import SteadyFooter

if TYPE_CHECKING:
    from asb_tui.store.commands.reviews import ReviewQueue, ReviewQueueItem


class QueueRead(WorkDone["ReviewQueue"]):
    """The cases due for a manager's review."""


class ReviewQueueScreen(AsbScreen):
    SUB_TITLE = "Manager review queue"
    BINDINGS = [
        Binding("r", "record_review", "Record review", id="review_queue.record"),
        Binding("f5", "refresh", "Refresh", id="review_queue.refresh"),
        Binding("escape", "back", "Back", id="review_queue.back"),
    ]
    DEFAULT_CSS = """
    ReviewQueueScreen #queue-info { padding: 0 1; height: auto; color: $text-muted; }
    ReviewQueueScreen DataTable { height: 1fr; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.items: list[ReviewQueueItem] = []

    def compose(self) -> ComposeResult:
        yield ScreenHeader()
        yield Static("Loading the review queue…", id="queue-info")
        table: DataTable[object] = DataTable(id="queue", cursor_type="row", zebra_stripes=True)
        table.add_columns("Case", "Why", "Risk", "Due", "Last review", "Officer", "Done")
        yield table
        yield SteadyFooter()

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self.action_refresh()

    def action_refresh(self) -> None:
        from asb_tui.store.commands.reviews import review_queue

        config, today = self.asb.config, self.today()
        self.run_work(
            lambda store: review_queue(store, config, today),
            QueueRead,
            group="queue",
            latest_only=True,
        )

    @on(QueueRead)
    def _queue_read(self, message: QueueRead) -> None:
        self._show(message.result)

    def _show(self, queue: ReviewQueue) -> None:
        self.items = list(queue.items)
        table = self.query_one(DataTable)
        table.clear()
        for item in self.items:
            table.add_row(
                literal_text(item.ref),
                label(item.reason),
                label(item.risk_level, "not assessed"),
                format_uk(item.due_on) if item.due_on else "",
                format_uk(item.last_review_on) if item.last_review_on else "never",
                literal_text(item.officer),
                "reviewed" if item.reviewed_this_period else "",
                key=item.case_id,
            )
        high = sum(1 for item in self.items if item.reason == "high-risk")
        sample = queue.sample
        if sample is None:
            sampled = "no sample drawn"
        else:
            sampled = (
                f"sample of {len(sample.case_ids)} from {len(sample.population)} other open "
                f"case(s), drawn {format_uk(sample.drawn_on)} (seed {sample.seed})"
            )
        self.query_one("#queue-info", Static).update(
            literal(f"{high} high-risk case(s) due for review; {sampled}. r: record a review.")
        )

    def _selected(self) -> ReviewQueueItem | None:
        table = self.query_one(DataTable)
        if not self.items or table.cursor_row is None or table.cursor_row >= len(self.items):
            return None
        return self.items[table.cursor_row]

    def action_record_review(self) -> None:
        from asb_tui.screens.record_review import RecordReviewScreen

        item = self._selected()
        if item is None:
            self.notify("No case selected.", severity="warning")
            return
        reason = item.reason if item.reason in ("high-risk", "risk-lowered", "sample") else "ad-hoc"

        def reviewed(message: object) -> None:
            if message:
                self.notify(str(message), markup=False)
                self.action_refresh()

        self.app.push_screen(
            RecordReviewScreen(item.case_id, ref=item.ref, reason=reason), reviewed
        )

    def action_back(self) -> None:
        self.dismiss(None)
