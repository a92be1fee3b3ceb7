"""Case detail: tabs Summary, People, Incidents, Visits and contacts, Actions, Risk, Legal and
Timeline (everything dated, newest first). Every action on a case has a key: see the table below.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.reactive import Reactive
from textual.widget import Widget
from textual.widgets import DataTable, Static, TabbedContent, TabPane, Tabs

from asb_tui.domain.dates import format_uk
from asb_tui.domain.labels import label
from asb_tui.screens.base import AsbScreen, WorkDone, WorkFailed
from asb_tui.screens.fieldwork_keys import FIELDWORK_SCREENS
from asb_tui.screens.oversight_keys import OVERSIGHT_SCREENS
from asb_tui.store.core.errors import CASE_NOT_FOUND
from asb_tui.widgets.frame_styled_table import FrameStyledTable
from asb_tui.widgets.literal import literal_text
from asb_tui.widgets.screen_header import ScreenHeader
from asb_tui.widgets.steady_footer import SteadyFooter

if TYPE_CHECKING:
    from asb_tui.store.core.store import Store
    from asb_tui.store.queries.case_queries import ActionRow, CaseDetail, Entry

TABS = (
    ("summary", "Summary"),
    ("people", "People"),
    ("incidents", "Incidents"),
    ("contacts", "Visits and contacts"),
    ("actions", "Actions"),
    ("risk", "Risk"),
    ("legal", "Legal"),
    ("evidence", "Evidence"),
    ("timeline", "Timeline"),
)

# The field-work and data-protection screens that open on this case: binding id -> key,
# description, "module:Class" (each class takes the case id). Imported only when opened, so the
# case detail stays quick to show.
CASE_SCREENS: dict[str, tuple[str, str, str]] = {
    **{name: (key, text, target) for key, name, text, target in FIELDWORK_SCREENS},
    **{
        name.removeprefix("oversight."): (key, text, target)
        for key, name, text, target, scope in OVERSIGHT_SCREENS
        if scope == "case"
    },
}

# The keys the footer shows (an 80-column footer holds five or so): where every other key is
# comes first, then the case's next step and the field work done most. All keys work, and are in
# help (?, f1) and the command palette (ctrl+p).
FOOTER_KEYS = frozenset(
    {"case.all-keys", "case.accept", "case.close", "case.reopen", "case.diary", "case.home-visit"}
    | {"case.add-note", "case.agency-contact", "case.back"}
)

# Every key of the case detail screen, in one place.
CASE_DETAIL_BINDINGS: list[BindingType] = [
    Binding("question_mark", "all_keys", "All keys", id="case.all-keys"),
    Binding("a", "accept", "Accept", id="case.accept"),
    Binding("w", "add_person", "Add person", id="case.add-person"),
    Binding("t", "add_action", "Add action", id="case.add-action"),
    Binding("x", "complete_action", "Action done", id="case.complete-action"),
    Binding("r", "reassess_risk", "Reassess risk", id="case.reassess-risk"),
    Binding("n", "add_note", "Add note", id="case.add-note"),
    Binding("k", "link_case", "Link a case", id="case.link-case"),
    Binding("e", "attach_evidence", "Attach evidence", id="case.attach-evidence"),
    Binding("C", "close_case", "Close case", id="case.close"),
    Binding("O", "reopen_case", "Reopen case", id="case.reopen"),
    *[
        Binding(key, f"open_screen('{name}')", text, id=f"case.{name.replace('_', '-')}")
        for name, (key, text, _target) in CASE_SCREENS.items()
    ],
    Binding("ctrl+r", "reload", "Refresh", show=False, id="case.refresh"),
    Binding("escape", "back", "Back", id="case.back"),
    *[
        Binding(
            str(number),
            f"show_tab('{tab_id}')",
            f"{title} tab",
            show=False,
            id=f"case.tab-{tab_id}",
        )
        for number, (tab_id, title) in enumerate(TABS, start=1)
    ],
]
CASE_DETAIL_BINDINGS = [
    replace(b, show=b.id in FOOTER_KEYS) if isinstance(b, Binding) and b.show else b
    for b in CASE_DETAIL_BINDINGS
]

RISK_STYLE = {"high": "bold red", "medium": "bold yellow", "standard": "green"}
STATE_STYLE = {
    "overdue": "bold white on dark_red",
    "due-today": "bold black on dark_orange",
    "due-soon": "bold yellow",
    "not-due": "green",
    "met": "dim",
}


# The most of an entry's detail a tab's row shows: as many characters as the screen is wide (the
# date and what come first, so a little is left to scroll to), and Enter opens the whole record.
# A table's column is as wide as its widest cell, and every row drawn is drawn that wide: a
# diary's 340-character details made each tab switch draw 340-column rows of which the screen
# showed 90 (docs/performance.md).
DETAIL_CHARS = 200
MIN_DETAIL_CHARS = 60


def _cut(detail: str, limit: int = DETAIL_CHARS) -> str:
    """The first `limit` characters of `detail` on one line ("…" where cut)."""
    line = " ".join(detail.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def uk(day: date | None) -> str:
    return format_uk(day) if day else "—"


class CaseRead(WorkDone["tuple[str, CaseDetail | None]"]):
    """The case read (its id) as the screen shows it (None: it is no longer on this laptop)."""


class ReadAhead(WorkDone[None]):
    """A case was read ahead of its opening only to warm the reads up (nothing of it kept)."""


class CasesLinked(WorkDone[str]):
    """A link to another case is recorded (the result names it)."""


class ActionDone(WorkDone[None]):
    """An action is marked done."""


class CaseDetailScreen(AsbScreen):
    SUB_TITLE = "Case detail"
    BINDINGS = CASE_DETAIL_BINDINGS
    # Textual repaints the whole screen when the focus moves (Screen.focused repaints), a second
    # frame after each tab switch's; the widgets whose look depends on the focus are restyled
    # and repainted by Textual themselves (:focus), so nothing else needs it.
    focused: Reactive[Widget | None] = Reactive(None, repaint=False)
    DEFAULT_CSS = """
    CaseDetailScreen #case-header { height: auto; padding: 0 1; background: $boost; }
    CaseDetailScreen TabbedContent { height: 1fr; }
    CaseDetailScreen TabPane { padding: 0; }
    CaseDetailScreen DataTable { height: 1fr; }
    CaseDetailScreen #summary-body { padding: 0 1; }
    """

    @dataclass
    class Loaded(Message):
        case_id: str

    def __init__(self, case_id: str, *, kept: bool = False) -> None:
        """`case_id` "" (with `kept`): a screen composed before any case is asked for, which
        reads nothing until `show_case` (case_detail_kept.py)."""
        super().__init__()
        self.case_id = case_id
        # Kept mounted between cases (case_detail_kept.py): styled while hidden, see
        # on_screen_resume.
        self.kept = kept
        self._styled_with = -1
        self.detail: CaseDetail | None = None
        self._entries: dict[str, tuple[Entry, ...]] = {}
        # The tabs not yet filled from the last read (each is filled when first shown).
        self._unfilled: set[str] = set()
        # What the footer's keys were last worked out from (`_refresh_bindings_if_changed`).
        self._bindings_basis: tuple[object, ...] | None = None
        self._reads = 0  # how many reads of the case were shown
        # The tables mounted so far, by tab (`_tab_table`).
        self._tables: dict[str, DataTable[object]] = {}
        # Set once the case `show_case` asked for is read (filled in, or not found, or failed).
        self._read_done = asyncio.Event()
        # The case `show_case` asked for is not on this laptop (found so while hidden).
        self.missing = False
        # Filled while hidden: `Loaded` is posted once the screen is shown.
        self._loaded_when_shown = False

    def compose(self) -> ComposeResult:
        yield ScreenHeader()
        yield Static("Loading…", id="case-header")
        with TabbedContent(id="tabs"):
            for tab_id, title in TABS:
                with TabPane(title, id=tab_id):
                    if tab_id == "summary":
                        with VerticalScroll():
                            yield Static("", id="summary-body")
                    # Each other tab's table is mounted when the tab is first filled: a screen
                    # of fewer widgets is styled and laid out sooner when it opens.
        yield SteadyFooter()

    def _tab_table(self, tab_id: str) -> DataTable[object]:
        """The tab's table, mounted in its pane the first time it is asked for."""
        table = self._tables.get(tab_id)
        if table is None:
            table = self._tables[tab_id] = self._table(tab_id)
            self.query_one(TabbedContent).get_pane(tab_id).mount(table)
        return table

    @staticmethod
    def _table(tab_id: str) -> DataTable[object]:
        table: DataTable[object] = FrameStyledTable(id=f"{tab_id}-table", cursor_type="row")
        if tab_id == "people":
            table.add_columns("Name", "Role", "Address", "Phone", "Vulnerabilities")
        elif tab_id == "actions":
            table.add_columns("Due", "Done", "Action", "Owner")
        else:
            table.add_columns("Date", "What", "Detail")
        return table

    def on_mount(self) -> None:
        # The CSS it was styled with as it mounted (Textual's count of theme and CSS changes).
        self._styled_with = self.app._css_update_count
        if self.case_id:  # else composed ahead of its first case (case_detail_kept.py)
            self.reload()

    # -- loading -------------------------------------------------------------------------------

    def reload(self) -> None:
        from asb_tui.store.queries.screen_reads import read_case_detail

        case_id = self.case_id
        today = self.today()
        rules = self.asb.deadline_rules()
        self.run_work(
            lambda store: (case_id, read_case_detail(store, case_id, today=today, rules=rules)),
            CaseRead,
            group="case",
            latest_only=True,
            # Read while the screen is drawn, not after: the read is most of opening a case.
            at_once=True,
        )

    def read_ahead(self, case_id: str) -> None:
        """Read `case_id` once in a thread and drop what was read (`ReadAhead` carries none
        of it): the first case read after a start builds and compiles its statements, which
        SQLAlchemy then keeps (~100-300 ms of the first case opened). For a screen composed
        ahead of its first case; nothing of the case is shown or kept."""
        from asb_tui.store.queries.screen_reads import read_case_detail

        today = self.today()
        rules = self.asb.deadline_rules()

        def read(store: Store) -> None:
            read_case_detail(store, case_id, today=today, rules=rules)

        self.run_work(read, lambda _nothing: ReadAhead(None), group="case-read-ahead")

    @on(WorkFailed)
    def _case_not_read(self, failure: WorkFailed) -> None:
        # The error is shown as any other (AsbScreen); the footer shows the keys as they are.
        if failure.group == "case":
            self.query_one(SteadyFooter).release()
            self._read_done.set()
        elif failure.group == "case-read-ahead":
            failure.prevent_default()  # only a warm-up: the open reads the case again

    @on(CaseRead)
    def _case_read(self, message: CaseRead) -> None:
        case_id, detail = message.result
        # A read of the case this screen showed before it was reused (case_detail_kept.py)
        # may arrive late: it is never shown.
        if case_id == self.case_id:
            self._show(detail)
            self._read_done.set()

    def show_case(self, case_id: str) -> None:
        """Make this (mounted, hidden) screen the next case's: everything of the case it showed
        is blanked before it is shown again, as a new screen would be, and the read starts.

        Opening a case this way costs no composing, styling or mounting of widgets, and going
        back none of their removal (a screen of nine tabs: most of the time of both)."""
        self.case_id = case_id
        self.missing = False
        self._read_done.clear()
        self.blank()
        self.reload()

    async def wait_read(self, timeout: float) -> None:
        """Until the case `show_case` asked for is read and filled in, or `timeout` seconds.

        The kept screen is filled while still hidden when its read is quick, so that it is laid
        out and drawn once, with the case, rather than blank and then again filled (two full
        layouts of the screen were ~40 % of an open; docs/performance.md)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._read_done.wait(), timeout)

    def blank(self) -> None:
        """Show nothing of any case: the header says loading, the summary and every table are
        empty, the Summary tab is in view and nothing has the focus (as when first shown)."""
        self.detail = None
        self._loaded_when_shown = False
        self._entries = {}
        self._unfilled = set()
        self._reads += 1  # the keys are worked out again (none of the case's apply yet)
        # The footer keeps showing its keys until the case is read (see SteadyFooter.hold).
        self.query_one(SteadyFooter).hold()
        self.query_one("#case-header", Static).update("Loading…")
        self.query_one("#summary-body", Static).update("")
        for table in self._tables.values():
            table.clear()
        tabs = self.query_one(TabbedContent)
        if tabs.active != "summary":
            tabs.active = "summary"
        self.query_one("#summary", TabPane).query_one(VerticalScroll).scroll_home(animate=False)
        self.set_focus(None)
        self._refresh_bindings_if_changed()

    def action_reload(self) -> None:
        self.reload()

    def _show(self, detail: CaseDetail | None) -> None:
        shown = self.app.screen is self
        if detail is None:
            self.query_one(SteadyFooter).release()
            self.notify(CASE_NOT_FOUND, severity="error", markup=False)
            if shown:
                self.dismiss(None)
            else:
                self.missing = True  # the opener does not show it (case_detail_kept.py)
            return
        self.detail = detail
        self._reads += 1
        s = detail.summary
        header = Text()
        header.append(s.ref, style="bold")
        header.append(" · ")
        header.append(label(s.status))
        if s.risk_level:
            header.append(" · ")
            header.append(f"{label(s.risk_level)} risk", style=RISK_STYLE.get(s.risk_level, ""))
        header.append(" · ")
        header.append(label(s.category))
        header.append("\n")
        header.append_text(literal_text(s.summary.splitlines()[0] if s.summary else ""))
        self.query_one("#case-header", Static).update(header)
        self._entries = {
            "incidents": detail.incidents,
            "contacts": detail.visits_and_contacts,
            "risk": detail.risk,
            "legal": detail.legal,
            "evidence": detail.evidence,
            "timeline": detail.timeline,
        }
        # Only the tab in view is filled now; each other tab when it is first shown (a case
        # with years of diary fills its timeline only if the officer looks at it).
        self._unfilled = {tab_id for tab_id, _title in TABS}
        self._fill_tab(self.query_one(TabbedContent).active or "summary")
        self._refresh_bindings_if_changed()
        self.query_one(SteadyFooter).release()
        if shown:
            self.post_message(self.Loaded(self.case_id))
        else:
            self._loaded_when_shown = True

    def _fill_tab(self, tab_id: str) -> None:
        """Fill one tab from the case read last (once per read)."""
        detail = self.detail
        if detail is None or tab_id not in self._unfilled:
            return
        self._unfilled.discard(tab_id)
        if tab_id == "summary":
            self.query_one("#summary-body", Static).update(self._summary_text(detail))
            return
        table = self._tab_table(tab_id)
        # A reload keeps the officer's place in the table.
        cursor_row = table.cursor_row
        table.clear()
        if tab_id == "people":
            for p in detail.people:
                table.add_row(
                    literal_text(p.name),
                    Text(label(p.role)),
                    literal_text("; ".join(p.addresses) or p.address),
                    literal_text(p.phone),
                    literal_text(p.vulnerabilities),
                    key=p.person_id,
                )
        elif tab_id == "actions":
            for a in detail.actions:
                done_style = "dim" if a.done_on else ""
                table.add_row(
                    Text(uk(a.due_on), style=done_style),
                    Text(uk(a.done_on) if a.done_on else "", style=done_style),
                    literal_text(a.title, style=done_style),
                    literal_text(a.owner, style=done_style),
                    key=a.id,
                )
        else:
            limit = min(DETAIL_CHARS, max(MIN_DETAIL_CHARS, self.app.size.width))
            for index, entry in enumerate(self._entries.get(tab_id, ())):
                table.add_row(
                    Text(uk(entry.day)),
                    literal_text(entry.what),
                    literal_text(_cut(entry.detail, limit)),
                    key=str(index),
                )
        if 0 < cursor_row < table.row_count:
            table.move_cursor(row=cursor_row, animate=False)

    def _summary_text(self, detail: CaseDetail) -> Text:
        s = detail.summary
        text = Text()

        def line(name: str, value: object) -> None:
            text.append(f"{name:<16}", style="bold")
            text.append_text(literal_text(value if value not in (None, "") else "—"))
            text.append("\n")

        line("Reference", s.ref)
        line(
            "Status", label(s.status) + (f" (reopened {s.reopen_count}×)" if s.reopen_count else "")
        )
        line("Risk", label(s.risk_level, "not assessed"))
        line("Repeat victim", "yes" if s.repeat_victim or detail.repeat.repeat_victim else "no")
        # The flags and the linked cases come first: they change what the officer does.
        for flag in detail.repeat.lines:
            text.append_text(literal_text(flag, style="bold"))
            text.append("\n")
        if detail.linked:
            refs = list(dict.fromkeys(linked.ref for linked in detail.linked))
            line("Linked cases", ", ".join(refs) + " (why: below)")
        line("Category", label(s.category))
        line(
            "Referred",
            uk(s.referred_on) + (f" by {s.referral_source}" if s.referral_source else ""),
        )
        line("Accepted", uk(s.accepted_on))
        if s.closed_on:
            line("Closed", f"{uk(s.closed_on)} ({label(s.closure_reason)})")
        line("Officer", s.officer)
        line("Location", s.location)
        line("Summary", s.summary)
        victims = [p.name for p in detail.people if p.role == "victim"]
        line("Victim", ", ".join(victims))
        for place in detail.places:
            line("Place", place)
        if detail.known_elsewhere:
            text.append("\nKnown to other teams\n", style="bold underline")
            for known in detail.known_elsewhere:
                text.append_text(literal_text(known))
                text.append("\n")
        if detail.linked:
            text.append("\nLinked cases\n", style="bold underline")
            for linked in detail.linked:
                text.append(f"{linked.ref:<18} ")
                text.append(f"{label(linked.status, '—'):<10} ")
                text.append_text(literal_text(linked.why))
                text.append("\n")
        upcoming = [d for d in detail.deadlines if d.state.value != "met"]
        text.append("\nDeadlines\n", style="bold underline")
        if not upcoming:
            text.append("Nothing due.\n")
        for deadline in upcoming:
            when = uk(deadline.due_on)
            if deadline.due_at is not None:  # the law counts hours (a closure hearing)
                when += f" {deadline.due_at:%H:%M}"
            text.append(f"{when}  ", style=STATE_STYLE.get(deadline.state.value, ""))
            text.append(
                f"{label(deadline.state):<10} ", style=STATE_STYLE.get(deadline.state.value, "")
            )
            text.append_text(literal_text(deadline.title))
            text.append("\n")
        return text

    # -- which actions apply now ---------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        detail = self.detail
        if action in {"back", "reload", "show_tab", "open_screen", "all_keys"}:
            return True
        if detail is None:
            return None
        status = detail.summary.status
        is_open = status in {"accepted", "reopened"}
        if action == "accept":
            return status == "referred"
        if action == "reassess_risk":
            return is_open and any(p.role == "victim" for p in detail.people)
        if action == "close_case":
            return status != "closed"
        if action == "reopen_case":
            return status == "closed"
        if action == "complete_action":
            return self._selected_open_action() is not None or None
        return True

    def action_all_keys(self) -> None:
        self.asb.action_help()

    def _selected_open_action(self) -> ActionRow | None:
        if self.detail is None:
            return None
        tabs = self.query_one(TabbedContent)
        if tabs.active != "actions":
            return None
        table = self._tables.get("actions")
        if table is None or table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        for action in self.detail.actions:
            if action.id == key and action.done_on is None:
                return action
        return None

    def _bindings_basis_now(self) -> tuple[object, ...]:
        """What `check_action` answers from: the case read, and whether an open action is
        under the cursor."""
        return (self._reads, self._selected_open_action() is not None)

    def _refresh_bindings_if_changed(self) -> None:
        """Rebuild the footer only when a key's availability may have changed: rebuilding it
        costs more than drawing a tab, and the cursor moves on every row highlight."""
        basis = self._bindings_basis_now()
        if basis != self._bindings_basis:
            self._bindings_basis = basis
            self.refresh_bindings()

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self._fill_tab(event.pane.id or "")
        self._refresh_bindings_if_changed()

    def on_data_table_row_highlighted(self) -> None:
        self._refresh_bindings_if_changed()

    # -- actions -------------------------------------------------------------------------------

    def action_back(self) -> None:
        self.dismiss(None)

    def action_show_tab(self, tab_id: str) -> None:
        tabs = self.query_one(TabbedContent)
        self._fill_tab(tab_id)  # before it is shown, so its first frame has its rows
        tabs.active = tab_id
        pane = tabs.get_pane(tab_id)
        # The summary scrolls with up/down/page keys once it has the focus (it is longer than
        # an 80x24 screen); the other tabs are tables.
        focusable = pane.query("DataTable, VerticalScroll")
        if focusable:
            # Now rather than after the next message (Widget.focus): the focus's restyle is then
            # made before the frame that shows the tab, not after it (docs/performance.md).
            self.set_focus(focusable.first())
        self.call_after_refresh(self._active_tab_in_view)

    def _active_tab_in_view(self) -> None:
        """Scroll the tab bar to the active tab, at once. Textual's own scroll for each switch is
        deferred and animated: with several number keys typed at once (2 5 9 1) an earlier tab's
        scroll could land after the last one's, leaving the tab shown scrolled out of an 80-column
        bar (tests/app/test_app_case_tab_bar.py)."""
        bar = self.query_one(TabbedContent).query_one(Tabs)
        active = bar.active_tab
        if active is not None:
            bar.query_one("#tabs-scroll").scroll_to_center(
                active, animate=False, force=True, immediate=True
            )

    def _after_form(self, message: object = None) -> None:
        if isinstance(message, str) and message:
            self.notify(message, markup=False)
        self.reload()

    def _selected_entry(self) -> Entry | None:
        """The dated entry under the cursor on the active tab, if that tab lists entries."""
        tabs = self.query_one(TabbedContent)
        entries = self._entries.get(tabs.active or "")
        if not entries:
            return None
        table = self._tables.get(tabs.active or "")
        if table is None or table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return entries[int(key)] if isinstance(key, str) and key.isdigit() else None

    def _open_record(self, table: str, row_id: str) -> None:
        from asb_tui.screens.record_view import RecordScreen

        if table == "evidence_item":
            from asb_tui.screens.evidence_item import EvidenceItemScreen

            self.app.push_screen(EvidenceItemScreen(self.case_id, row_id), self._after_form)
            return

        self.app.push_screen(RecordScreen(self.case_id, table, row_id), self._after_form)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a dated entry opens its record in full."""
        entry = self._selected_entry()
        if entry is not None and entry.table and entry.source_id:
            event.stop()
            self._open_record(entry.table, entry.source_id)

    def _completed_visit_to_open(self) -> str | None:
        """`v` opens a completed home visit rather than a blank form: the one under the cursor,
        else this cycle's completed visit while no draft is waiting."""
        entry = self._selected_entry()
        if self.detail is None or self.detail.records is None:
            return None
        records = self.detail.records
        visits = records.rows("visit")
        if entry is not None and entry.table == "visit":
            chosen = records.get("visit", entry.source_id)
            if chosen is not None and chosen.status == "complete" and chosen.kind == "home":
                return str(chosen.id)
        if any(v.kind == "home" and v.status == "draft" for v in visits):
            return None
        since = self.detail.summary.accepted_on
        done = [
            v
            for v in visits
            if v.kind == "home"
            and v.status == "complete"
            and v.done_on
            and (since is None or v.done_on >= since)
        ]
        return max(done, key=lambda v: v.done_on).id if done else None

    def action_open_screen(self, name: str) -> None:
        """Open one of the field-work or data-protection screens on this case."""
        import importlib

        if name == "home_visit":
            visit_id = self._completed_visit_to_open()
            if visit_id is not None:
                self._open_record("visit", visit_id)
                return

        _key, _text, target = CASE_SCREENS[name]
        module_name, class_name = target.split(":")
        screen_class = getattr(importlib.import_module(module_name), class_name)
        self.app.push_screen(screen_class(self.case_id), self._after_form)

    def action_accept(self) -> None:
        from asb_tui.screens.accept_form import AcceptFormScreen

        self.app.push_screen(AcceptFormScreen(self.case_id), self._after_form)

    def action_add_person(self) -> None:
        from asb_tui.screens.person_form import PersonFormScreen

        self.app.push_screen(PersonFormScreen(self.case_id), self._after_form)

    def action_add_action(self) -> None:
        from asb_tui.screens.action_form import ActionFormScreen

        self.app.push_screen(ActionFormScreen(self.case_id), self._after_form)

    def action_complete_action(self) -> None:
        from asb_tui.screens.confirm import ConfirmScreen
        from asb_tui.store.commands.cases import complete_action

        action = self._selected_open_action()
        if action is None:
            self.notify("Choose an open action on the Actions tab (key 5) first.")
            return
        today = self.today()
        action_id = action.id

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_work(
                    lambda store: complete_action(store, action_id, on=today),
                    ActionDone,
                    group="save",
                )

        self.app.push_screen(
            ConfirmScreen(f"Mark this action done today ({uk(today)})?", action.title), answered
        )

    def action_reassess_risk(self) -> None:
        from asb_tui.screens.reassess_risk_form import ReassessRiskFormScreen

        detail = self.detail
        current = detail.summary.risk_level if detail else None
        victims = (
            [(p.name, p.person_id) for p in detail.people if p.role == "victim"] if detail else []
        )
        self.app.push_screen(
            ReassessRiskFormScreen(self.case_id, current, victims), self._after_form
        )

    def action_attach_evidence(self) -> None:
        from asb_tui.screens.attach_evidence import AttachEvidenceScreen

        self.app.push_screen(AttachEvidenceScreen(self.case_id), self._after_form)

    def action_add_note(self) -> None:
        from asb_tui.screens.note_form import NoteFormScreen

        self.app.push_screen(NoteFormScreen(self.case_id), self._after_form)

    def action_close_case(self) -> None:
        from asb_tui.screens.close_case_form import CloseCaseFormScreen

        status = self.detail.summary.status if self.detail else "accepted"
        self.app.push_screen(CloseCaseFormScreen(self.case_id, status), self._after_form)

    def action_reopen_case(self) -> None:
        from asb_tui.screens.reopen_form import ReopenFormScreen

        self.app.push_screen(ReopenFormScreen(self.case_id), self._after_form)

    @on(ActionDone)
    def _action_done(self, message: ActionDone) -> None:
        self._after_form("Action marked done.")

    def action_link_case(self) -> None:
        from asb_tui.store.commands.people import link_cases_by_ref
        from asb_tui.widgets.prompt import FormPrompt, PromptField

        case_id, today = self.case_id, self.today()
        fields = [
            PromptField("ref", "The other case's reference", required=True,
                        placeholder="e.g. ASB-2026-00042"),
            PromptField("reason", "Why they are linked", required=True),
        ]  # fmt: skip

        def record(values: dict[str, object] | None) -> None:
            if values is None:
                return
            ref, reason = str(values["ref"]), str(values["reason"])
            self.run_work(
                lambda store: link_cases_by_ref(store, case_id, ref, reason=reason, on=today),
                CasesLinked,
                group="save",
            )

        self.app.push_screen(FormPrompt("Link this case to another", fields), record)

    @on(CasesLinked)
    def _cases_linked(self, message: CasesLinked) -> None:
        self._after_form(f"Linked to {message.result}.")

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        if self.kept:
            # Textual styles every widget of a screen again when it is shown (~30 ms of an
            # open, the nine tabs' widgets). A kept screen's styles stay current while it is
            # hidden (each widget whose classes or focus change is restyled then), unless the
            # theme or the CSS changed meanwhile: Textual counts those changes, and restyles
            # only the screens on the stack. This handler runs before Screen's own, which
            # reads the flag.
            changes = self.app._css_update_count
            if changes == self._styled_with:
                event.refresh_styles = False
            self._styled_with = changes
        self.refresh_bindings()
        if self._loaded_when_shown:
            self._loaded_when_shown = False
            self.post_message(self.Loaded(self.case_id))
