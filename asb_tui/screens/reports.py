"""The Reports screen: the management report over this laptop's cases (docs/reports.md), with
bars and sparklines, for the twelve months up to today or this month alone.

The figures are `asb-tui report`'s (domain/report_figures.py through
store/queries/report_rows.py); the screen only draws them. Every label that comes from the data
(a category, an area, an officer) is shown literally.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Sparkline, Static

from asb_tui.domain.dates import format_uk
from asb_tui.domain.labels import label
from asb_tui.domain.report_figures import SECTION_TITLES, ReportPeriod, default_period
from asb_tui.screens.base import AsbScreen, WorkDone
from asb_tui.widgets.literal import literal, literal_text
from asb_tui.widgets.screen_header import ScreenHeader
from asb_tui.widgets.steady_footer import SteadyFooter

LABEL_WIDTH = 24
BAR_WIDTH = 36


class ReportRead(WorkDone[dict[str, Any]]):
    """The report's figures."""


def bar_rows(counts: dict[str, int], *, width: int = BAR_WIDTH, vocabulary: bool = False) -> Text:
    """One row per key: the label (cut to fit), a bar against the largest count, the count.
    `vocabulary`: the keys are stored codes (a category, a closure reason), shown by their
    labels; otherwise (an area, an officer) exactly as typed."""
    text = Text(no_wrap=True, overflow="ellipsis")
    if not counts:
        text.append("  none", style="dim")
        return text
    top = max(max(counts.values()), 1)
    for index, (key, count) in enumerate(counts.items()):
        if index:
            text.append("\n")
        if vocabulary and not key.startswith("("):
            key = label(key)
        shown = literal_text(key, one_line=True).plain
        if len(shown) > LABEL_WIDTH:
            shown = shown[: LABEL_WIDTH - 1] + "…"
        text.append(f"  {shown:<{LABEL_WIDTH}} ")
        length = round(width * count / top)
        text.append("█" * length or ("▏" if count else ""), style="bold")
        text.append(f" {count}")
    return text


def _figures(section: dict[str, Any]) -> Text:
    text = Text()
    shown = [
        (name, value)
        for name, value in section.items()
        if (value is None or isinstance(value, int | float)) and not isinstance(value, bool)
    ]
    for index, (name, value) in enumerate(shown):
        if index:
            text.append("\n")
        shown_value = "—" if value is None else str(value)
        if isinstance(value, float) and name.startswith("share"):
            shown_value = f"{value:.0%}"
        text.append(f"  {name.replace('_', ' ')}: ")
        text.append(shown_value, style="bold")
    return text


class ReportsScreen(AsbScreen):
    SUB_TITLE = "Reports"
    BINDINGS = [
        Binding("m", "this_month", "This month", id="reports.month"),
        Binding("y", "twelve_months", "12 months", id="reports.year"),
        Binding("f5", "refresh", "Refresh", id="reports.refresh"),
        Binding("escape", "back", "Back", id="reports.back"),
    ]
    DEFAULT_CSS = """
    ReportsScreen #report-info { padding: 0 1; height: auto; color: $text-muted; }
    ReportsScreen #report-body { height: 1fr; padding: 0 1; }
    ReportsScreen .report-heading { text-style: bold; margin-top: 1; }
    ReportsScreen .report-chart-label { color: $text-muted; }
    ReportsScreen Sparkline { height: 3; margin: 0 2; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.period: ReportPeriod | None = None
        self.report: dict[str, Any] | None = None

    def compose(self) -> ComposeResult:
        yield ScreenHeader()
        yield Static("Counting…", id="report-info")
        yield VerticalScroll(id="report-body")
        yield SteadyFooter()

    def on_mount(self) -> None:
        self.period = default_period(self.today())
        self.query_one("#report-body").focus()
        self.action_refresh()

    def action_this_month(self) -> None:
        today = self.today()
        self.period = ReportPeriod(date(today.year, today.month, 1), today)
        self.action_refresh()

    def action_twelve_months(self) -> None:
        self.period = default_period(self.today())
        self.action_refresh()

    def action_refresh(self) -> None:
        from asb_tui.store.queries.report_rows import management_report

        period = self.period or default_period(self.today())
        self.run_work(
            lambda store: management_report(store, period),
            ReportRead,
            group="report",
            latest_only=True,
        )

    @on(ReportRead)
    async def _report_read(self, message: ReportRead) -> None:
        self.report = message.result
        await self._show(message.result)

    async def _show(self, report: dict[str, Any]) -> None:
        period = report["period"]
        start, end = date.fromisoformat(period["from"]), date.fromisoformat(period["to"])
        self.query_one("#report-info", Static).update(
            literal(
                f"{format_uk(start)} to {format_uk(end)}: {report['cases_in_period']} of "
                f"{report['cases_held']} cases. m: this month, y: 12 months."
            )
        )
        body = self.query_one("#report-body", VerticalScroll)
        await body.remove_children()
        caseload = report["caseload"]
        months = caseload["by_month"]
        widgets: list[Static | Sparkline] = [
            self._heading("caseload"),
            Static(_figures(caseload)),
            Static("  By category", classes="report-chart-label"),
            Static(bar_rows(caseload["by_category"], vocabulary=True), id="bars-category"),
            Static("  By risk level", classes="report-chart-label"),
            Static(bar_rows(caseload["by_risk_level"], vocabulary=True)),
            Static("  By area or ward", classes="report-chart-label"),
            Static(bar_rows(caseload["by_area"])),
            Static("  By officer", classes="report-chart-label"),
            Static(bar_rows(caseload["by_officer"]), id="bars-officer"),
        ]  # fmt: skip
        if len(months) > 1:  # a sparkline of one month says nothing
            widgets[2:2] = [
                Static(
                    f"  New cases by month ({months[0]['month']} to {months[-1]['month']})",
                    classes="report-chart-label",
                ),
                Sparkline([m["new"] for m in months], id="spark-new"),
                Static("  Open at each month's end", classes="report-chart-label"),
                Sparkline([m["open_at_end"] for m in months], id="spark-open"),
            ]
        visit = report["first_home_visit"]
        widgets += [
            self._heading("first_home_visit"),
            Static(_figures(visit), id="figures-visit"),
            Static("  Working days to the first home visit", classes="report-chart-label"),
            Static(bar_rows(visit["distribution"])),
            self._heading("victim_updates"),
            Static(_figures(report["victim_updates"])),
            self._heading("outcomes"),
            Static(_figures(report["outcomes"])),
            Static("  Closure reasons", classes="report-chart-label"),
            Static(bar_rows(report["outcomes"]["by_closure_reason"], vocabulary=True)),
            self._heading("victims"),
            Static(_figures(report["victims"])),
            self._heading("legal_powers"),
            Static(bar_rows(report["legal_powers"]["by_kind"], vocabulary=True)),
            self._heading("case_review"),
            Static(_figures(report["case_review"]), id="figures-case-review"),
        ]
        await body.mount_all(widgets)

    def _heading(self, section: str) -> Static:
        return Static(SECTION_TITLES[section], classes="report-heading")

    def action_back(self) -> None:
        self.dismiss(None)
