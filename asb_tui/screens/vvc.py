"""Vulnerable Victims Conference: the meetings (on the configured rule), the agenda of the
highlighted meeting (referrals received by its cut-off and not yet heard), decisions per case,
adding a referral by hand, and the encrypted meeting pack."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from asb_tui.domain.dates import format_uk
from asb_tui.domain.labels import label
from asb_tui.export.pack_data import PackExport
from asb_tui.screens.base import AsbScreen, WorkDone
from asb_tui.store.commands.vvc import AgendaItem, MeetingSummary
from asb_tui.widgets.fitted_columns import ColumnSpec, add_fitted_columns, fit_columns
from asb_tui.widgets.literal import literal, literal_text
from asb_tui.widgets.screen_header import ScreenHeader
from asb_tui.widgets.steady_footer import SteadyFooter

if TYPE_CHECKING:
    from asb_tui.screens.vvc_pack_password import PackRequest
    from asb_tui.store.commands.vvc import AgendaItem

# The agenda at 80 columns: the case, when it was referred and the decision stay readable; the
# reason and the risk give way first.
AGENDA_COLUMNS = (
    ColumnSpec("case", "Case", 21, 21, priority=0),  # a reference whole (see dashboard)
    ColumnSpec("referred", "Referred", 10, 10, priority=0),
    ColumnSpec("reason", "Reason", 7, 30, priority=3),
    ColumnSpec("risk", "Risk", 7, 20, priority=2),
    ColumnSpec("decision", "Decision", 20, 40, takes_rest=True, priority=1),
)


def _risk(level: str | None, repeat_victim: bool) -> str:
    parts = [label(level)] if level else []
    if repeat_victim:
        parts.append("repeat victim")
    return ", ".join(parts)


class MeetingsRead(WorkDone[list[MeetingSummary]]):
    """The VVC's meetings around today."""


class AgendaRead(WorkDone[tuple[date, list[AgendaItem]]]):
    """A meeting's agenda."""


class PackWritten(WorkDone[PackExport]):
    """The encrypted pack of a meeting is written."""


class VvcScreen(AsbScreen):
    SUB_TITLE = "Vulnerable Victims Conference"
    BINDINGS = [
        Binding("d", "decide", "Record decision", id="vvc.decide"),
        Binding("e", "export_pack", "Export pack", id="vvc.export"),
        Binding("a", "add_referral", "Add referral", id="vvc.add-referral"),
        Binding("f5", "refresh", "Refresh", id="vvc.refresh"),
        Binding("escape", "back", "Back", id="vvc.back"),
    ]
    DEFAULT_CSS = """
    VvcScreen #meetings { height: 9; }
    VvcScreen #agenda { height: 1fr; }
    VvcScreen .vvc-heading { padding: 0 1; text-style: bold; height: 1; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.meetings: list[MeetingSummary] = []
        self.items: list[AgendaItem] = []

    def compose(self) -> ComposeResult:
        yield ScreenHeader()
        yield Static("Meetings", classes="vvc-heading")
        meetings: DataTable[object] = DataTable(id="meetings", cursor_type="row")
        meetings.add_columns("Meeting", "Cut-off", "Cases", "Decided")
        yield meetings
        yield Static("Agenda", classes="vvc-heading", id="agenda-heading")
        agenda: DataTable[object] = DataTable(id="agenda", cursor_type="row", zebra_stripes=True)
        add_fitted_columns(agenda, AGENDA_COLUMNS)
        yield agenda
        yield SteadyFooter()

    def on_resize(self, event: events.Resize) -> None:
        for agenda in self.query("#agenda").results(DataTable):  # none before compose
            fit_columns(agenda, AGENDA_COLUMNS, event.size.width)

    def on_mount(self) -> None:
        fit_columns(self.query_one("#agenda", DataTable), AGENDA_COLUMNS, self.app.size.width)
        self.query_one("#meetings", DataTable).focus()
        self.action_refresh()

    # -- loading --------------------------------------------------------------------------------

    def action_refresh(self) -> None:
        from asb_tui.store.commands.vvc import meetings

        config, today = self.asb.config, self.today()
        self.run_work(
            lambda store: meetings(store, config, today),
            MeetingsRead,
            group="meetings",
            latest_only=True,
        )

    @on(MeetingsRead)
    def _show_meetings(self, message: MeetingsRead) -> None:
        found = message.result
        today = self.today()
        table = self.query_one("#meetings", DataTable)
        keep = self.selected_meeting()
        self.meetings = list(found)
        table.clear()
        for meeting in self.meetings:
            label = format_uk(meeting.meets_on) + (" (past)" if meeting.meets_on < today else "")
            table.add_row(
                label, format_uk(meeting.cutoff), str(meeting.agenda_size), str(meeting.decided)
            )
        if not self.meetings:
            return
        upcoming = next(
            (i for i, m in enumerate(self.meetings) if m.meets_on >= today), len(self.meetings) - 1
        )
        if keep is not None:
            upcoming = next(
                (i for i, m in enumerate(self.meetings) if m.meets_on == keep), upcoming
            )
        table.move_cursor(row=upcoming)
        self._load_agenda()

    def selected_meeting(self) -> date | None:
        table = self.query_one("#meetings", DataTable)
        row = table.cursor_row
        if not self.meetings or row is None or row >= len(self.meetings):
            return None
        return self.meetings[row].meets_on

    @on(DataTable.RowHighlighted, "#meetings")
    def _meeting_moved(self, _event: DataTable.RowHighlighted) -> None:
        self._load_agenda()

    def _load_agenda(self) -> None:
        from asb_tui.store.commands.vvc import agenda

        meeting = self.selected_meeting()
        if meeting is None:
            return
        config = self.asb.config
        self.run_work(
            lambda store: (meeting, agenda(store, config, meeting)),
            AgendaRead,
            group="agenda",
            latest_only=True,
        )

    @on(AgendaRead)
    def _show_agenda(self, message: AgendaRead) -> None:
        meeting, items = message.result
        if meeting != self.selected_meeting():
            return  # the cursor moved on meanwhile
        self.items = list(items)
        table = self.query_one("#agenda", DataTable)
        table.clear()
        for item in self.items:
            decision = item.decision
            table.add_row(
                literal_text(item.ref),
                format_uk(item.referred_on),
                literal_text(item.reason, one_line=True),
                literal_text(_risk(item.risk_level, item.repeat_victim), one_line=True),
                literal_text(decision.decision if decision else "not yet decided", one_line=True),
                key=item.case_id,
            )
        self.query_one("#agenda-heading", Static).update(
            literal(f"Agenda of {format_uk(meeting)}: {len(self.items)} case(s)")
        )

    def _selected_item(self) -> AgendaItem | None:
        table = self.query_one("#agenda", DataTable)
        row = table.cursor_row
        if not self.items or row is None or row >= len(self.items):
            return None
        return self.items[row]

    # -- actions --------------------------------------------------------------------------------

    def action_decide(self) -> None:
        from asb_tui.screens.vvc_decision import VvcDecisionScreen

        meeting, item = self.selected_meeting(), self._selected_item()
        if meeting is None or item is None:
            self.notify("Choose a case on the agenda first.", severity="warning")
            return
        self.app.push_screen(
            VvcDecisionScreen(item.case_id, meeting, ref=item.ref), self._after_form
        )

    def action_add_referral(self) -> None:
        from asb_tui.screens.vvc_add_referral import VvcAddReferralScreen

        self.app.push_screen(VvcAddReferralScreen(), self._after_form)

    def _after_form(self, message: object) -> None:
        if message:
            self.notify(str(message), markup=False)
            self.action_refresh()

    def action_export_pack(self) -> None:
        from asb_tui.screens.vvc_pack_password import PackPasswordScreen

        meeting = self.selected_meeting()
        if meeting is None or not self.items:
            self.notify("The highlighted meeting has no cases on its agenda.", severity="warning")
            return
        default = self.asb.config.data_dir / f"vvc-pack-{meeting.isoformat()}.pdf"
        case_ids = [item.case_id for item in self.items]

        def chosen(request: PackRequest | None) -> None:
            if request is not None:
                self._export(meeting, case_ids, request)

        self.app.push_screen(PackPasswordScreen(str(default)), chosen)

    def _export(self, meeting: date, case_ids: list[str], request: PackRequest) -> None:
        from asb_tui.export.pack_data import export_vvc_pack

        config, today = self.asb.config, self.today()
        self.notify("Typesetting the pack…")
        self.run_work(
            lambda store: export_vvc_pack(
                store,
                config,
                case_ids,
                request.out,
                meeting_on=meeting,
                password=request.password,
                today=today,
            ),
            PackWritten,
            group="export",
        )

    @on(PackWritten)
    def _pack_written(self, message: PackWritten) -> None:
        result = message.result
        self.notify(
            f"Wrote the encrypted pack {result.path} ({len(result.refs)} case(s)).", markup=False
        )

    def action_back(self) -> None:
        self.dismiss(None)
