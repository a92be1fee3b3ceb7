"""Letters from a case: choose the letter and its recipient, read its text as it will print,
then write the PDF to a folder (default: config `letters_dir`, else the Documents folder, never
the data directory) or print it with `lp`. Each letter made is logged on the case and completes
its task (docs/letters.md). Diary sheets for the victim are made here too."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Checkbox, DataTable, Input, Label, Select, Static, TextArea

from asb_tui.domain.dates import format_uk
from asb_tui.domain.labels import label
from asb_tui.domain.letters import DIARY_SHEETS, LETTERS, SEND_METHODS, letter_kind
from asb_tui.export.pdf_render import PdfRenderError
from asb_tui.screens.base import WorkDone
from asb_tui.screens.fieldwork_screen import FieldworkScreen
from asb_tui.widgets.literal import literal, literal_text
from asb_tui.widgets.steady_footer import SteadyFooter

if TYPE_CHECKING:
    from asb_tui.export.letters import Recipient
    from asb_tui.store.commands.communications import CommunicationRow
    from asb_tui.store.core.store import Store

CHOICES = [(kind.title, kind.name) for kind in LETTERS] + [
    (f"{DIARY_SHEETS.title} (for the victim to fill in)", DIARY_SHEETS.name)
]


@dataclass(frozen=True)
class LettersView:
    ref: str
    recipients: tuple[Recipient, ...]
    sent: tuple[CommunicationRow, ...]


class LettersRead(WorkDone[LettersView]):
    """The case's people and the letters it has sent."""


class PreviewMade(WorkDone[str]):
    """The text of the letter as it will print."""


class LetterMade(WorkDone[str]):
    """A letter was written or printed and logged: what to say."""


class LettersScreen(FieldworkScreen):
    BINDINGS = [
        *FieldworkScreen.BINDINGS,
        Binding("ctrl+s", "write", "Write PDF", id="letters.write", priority=True),
        Binding("ctrl+o", "print", "Print", id="letters.print", priority=True),
        Binding("ctrl+r", "preview", "Preview again", id="letters.preview", priority=True),
    ]
    DEFAULT_CSS = """
    LettersScreen #letter-form { width: 44; max-width: 45%; height: 1fr; }
    LettersScreen #letter-form Input, LettersScreen #letter-form Select { width: 100%; }
    LettersScreen #letter-text { height: 4; }
    LettersScreen #preview-box { width: 1fr; height: 1fr; border: round $primary-darken-2;
        padding: 0 1; }
    LettersScreen #sent { height: 5; }
    """

    def __init__(self, case_id: str) -> None:
        super().__init__(case_id)
        self._ref = ""
        self._recipients: tuple[Recipient, ...] = ()

    def compose(self) -> ComposeResult:
        yield Static("Letters", classes="title")
        with Horizontal():
            with VerticalScroll(id="letter-form"):
                yield Label("Letter")
                yield Select(
                    CHOICES, id="letter-template", value=LETTERS[0].name, allow_blank=False
                )
                yield Label("To")
                yield Select([], id="letter-to", prompt="(the case's people)")
                yield Label("Folder to write it in")
                yield Input(id="letter-folder")
                yield Label("File name")
                yield Input(id="letter-file")
                yield Label("Sent by")
                yield Select(
                    [(label(m), m) for m in SEND_METHODS],
                    id="letter-method",
                    value="post",
                    allow_blank=False,
                )
                yield Checkbox("Large print", id="letter-large")
                yield Label("Diary sheet rows")
                yield Input("10", id="letter-rows")
                yield Label("A paragraph of your own (optional)")
                yield TextArea(id="letter-text")
            with Vertical(id="preview-box"):
                yield Label("As it will print")
                with VerticalScroll():
                    yield Static("", id="letter-preview")
        yield Label("Letters sent")
        table: DataTable[object] = DataTable(id="sent", cursor_type="row")
        yield table
        yield Static("", id="status")
        yield SteadyFooter()

    def on_mount(self) -> None:
        from asb_tui.export.letters import default_letters_dir

        self.query_one("#sent", DataTable).add_columns("Date", "Letter", "To", "By", "SHA-256")
        self.query_one("#letter-folder", Input).value = str(default_letters_dir(self.config))
        self.query_one("#letter-template", Select).focus()
        self._load()

    # -- reading -------------------------------------------------------------------------------

    def _load(self) -> None:
        case_id = self.case_id

        def read(store: Store) -> LettersView:
            from asb_tui.export.letters import letter_recipients
            from asb_tui.store.commands.communications import communications
            from asb_tui.store.queries.screen_reads import read_case_summary

            summary = read_case_summary(store, case_id)
            return LettersView(
                summary.ref if summary is not None else "",
                tuple(letter_recipients(store, case_id)),
                tuple(communications(store, case_id)),
            )

        self.run_work(read, LettersRead, group="letters", latest_only=True)

    @on(LettersRead)
    def _letters_read(self, message: LettersRead) -> None:
        view = message.result
        first = not self._ref
        self._ref = view.ref
        self._recipients = view.recipients
        if first:
            self._choose_recipient()
            self._name_file()
            # What the screen filled in itself is not the officer's work: Escape on a screen
            # only looked at leaves without asking (keys typed meanwhile still count).
            self.mark_clean()
        table = self.query_one("#sent", DataTable)
        table.clear()
        for row in view.sent:
            table.add_row(
                literal_text(format_uk(row.sent_on)),
                literal_text(row.title or row.template),
                literal_text(row.recipient),
                literal_text(row.method),
                literal_text(row.pdf_sha256[:12]),
                key=row.id,
            )

    def _template(self) -> str:
        return str(self.query_one("#letter-template", Select).value)

    def _choose_recipient(self) -> None:
        kind = letter_kind(self._template())
        people = self._recipients
        choice = self.query_one("#letter-to", Select)
        choice.set_options(
            [(literal_text(f"{p.name} ({label(p.role).lower()})"), p.person_id) for p in people]
        )
        wanted = [p for p in people if p.role == kind.recipient] or list(people)
        if wanted:
            choice.value = wanted[0].person_id

    def _name_file(self) -> None:
        from asb_tui.export.letters import letter_file_name

        name = letter_file_name(self._ref or "case", self._template(), self.today())
        self.query_one("#letter-file", Input).value = name
        self.action_preview()

    @on(Select.Changed, "#letter-template")
    def _template_changed(self) -> None:
        if self._ref:
            self._choose_recipient()
            self._name_file()

    @on(Select.Changed, "#letter-to")
    @on(Checkbox.Changed, "#letter-large")
    def _recipient_changed(self) -> None:
        if self._ref:
            self.action_preview()

    # -- what is asked -------------------------------------------------------------------------

    def _person(self) -> str | None:
        value = self.query_one("#letter-to", Select).value
        return value if isinstance(value, str) else None

    def _rows(self) -> int | None:
        text = self.query_one("#letter-rows", Input).value.strip()
        if not text.isdigit():
            self.set_status("Diary sheet rows: type a number from 1 to 200.", error=True)
            return None
        return int(text)

    def _is_sheets(self) -> bool:
        return self._template() == DIARY_SHEETS.name

    def action_preview(self) -> None:
        template, person, today, config = (
            self._template(),
            self._person(),
            self.today(),
            self.config,
        )
        large = self.query_one("#letter-large", Checkbox).value
        text = self.query_one("#letter-text", TextArea).text
        ref = self._ref
        if not ref:
            return
        sheets = self._is_sheets()
        rows = self._rows() if sheets else 10
        if rows is None:
            return
        if not sheets and person is None:
            self.query_one("#letter-preview", Static).update(literal("Choose who it is to."))
            return
        self.query_one("#letter-preview", Static).update(literal("Typesetting…"))

        def preview(store: Store) -> str:
            from asb_tui.export import letters

            if sheets:
                pdf = letters.diary_sheets_pdf(store, config, ref, rows=rows, large_print=large)[0]
            else:
                assert person is not None
                pdf = letters.letter_pdf(
                    store, config, ref, template, person, today=today, text=text, large_print=large
                )[0]
            return letters.preview_text(pdf)

        self.run_work(
            preview, PreviewMade, group="preview", latest_only=True, expected=(PdfRenderError,)
        )

    @on(PreviewMade)
    def _preview_made(self, message: PreviewMade) -> None:
        self.query_one("#letter-preview", Static).update(literal(message.result))

    # -- making --------------------------------------------------------------------------------

    def _out(self) -> Path | None:
        folder = self.query_one("#letter-folder", Input).value.strip()
        name = self.query_one("#letter-file", Input).value.strip()
        if not folder or not name:
            self.set_status("Give the folder and the file name to write it to.", error=True)
            return None
        return Path(folder).expanduser() / name

    def action_write(self) -> None:
        out = self._out()
        if out is None:
            return
        if out.resolve().is_relative_to(Path(self.asb.data_dir).resolve()):
            self.set_status(
                "Letters are not written into the data folder (it holds the encrypted store); "
                "choose another folder.",
                error=True,
            )
            return
        self._make(out)

    def action_print(self) -> None:
        self._make(None)

    def _make(self, out: Path | None) -> None:
        template, person, today, config = (
            self._template(),
            self._person(),
            self.today(),
            self.config,
        )
        large = self.query_one("#letter-large", Checkbox).value
        text = self.query_one("#letter-text", TextArea).text
        method = str(self.query_one("#letter-method", Select).value)
        ref, sheets = self._ref, self._is_sheets()
        rows = self._rows() if sheets else 10
        if rows is None or not ref:
            return
        if not sheets and person is None:
            self.set_status("Choose who the letter is to.", error=True)
            return

        def make(store: Store) -> str:
            from asb_tui.export import letters

            if sheets and out is None:
                pdf = letters.diary_sheets_pdf(store, config, ref, rows=rows, large_print=large)[0]
                return letters.print_pdf(pdf, f"{ref} diary sheets")
            if sheets:
                assert out is not None
                made = letters.make_diary_sheets(
                    store, config, ref, out, today=today, rows=rows, large_print=large
                )
                return f"Wrote {made.path} ({rows} rows); logged on the case."
            assert person is not None
            if out is None:
                logged, said = letters.print_letter(
                    store, config, ref, template, person, today=today, method=method,
                    text=text, large_print=large,
                )  # fmt: skip
                done = f" Task done: {logged.completed_task}." if logged.completed_task else ""
                return f"Printed: {said}; logged on the case.{done}"
            made_letter = letters.make_letter(
                store, config, ref, template, person, out, today=today, method=method,
                text=text, large_print=large,
            )  # fmt: skip
            task = made_letter.logged.completed_task
            done = f" Task done: {task}." if task else ""
            return f"Wrote {made_letter.path}; logged on the case.{done}"

        self.set_status("Making the letter…")
        self.run_work(make, LetterMade, group="make", expected=(PdfRenderError,))

    @on(LetterMade)
    def _letter_made(self, message: LetterMade) -> None:
        self.set_status(message.result)
        self.mark_clean()
        self._load()
