"""Attach a file to the case as an exhibit: its path (completed from the folder as it is typed),
what it shows, where it came from, and the exhibit reference (the officer's next one unless
typed). The file is hashed as it is read and kept encrypted (docs/evidence.md)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.widgets import Input, Label, Select

from asb_tui.domain.evidence import EvidenceSource
from asb_tui.screens.base import NO_SELECTION, FormScreen, SavedThenClose
from asb_tui.widgets.path_suggester import PathSuggester

if TYPE_CHECKING:
    from asb_tui.store.core.store import Store


class AttachEvidenceScreen(FormScreen):
    title_text = "Attach evidence"

    def form_fields(self) -> ComposeResult:
        yield Label("File (type a path; → accepts the completion)", classes="field-label")
        yield Input(placeholder="~/Downloads/photo.jpg", id="path", suggester=PathSuggester())
        yield Label("What it shows", classes="field-label")
        yield Input(id="description")
        yield Label("Where it came from", classes="field-label")
        yield Select(
            [(s.value.capitalize(), s.value) for s in EvidenceSource],
            id="source",
            value=EvidenceSource.OFFICER.value,
            allow_blank=False,
        )
        yield Label("Exhibit reference (blank: your next one, e.g. GD/3)", classes="field-label")
        yield Input(id="exhibit")

    def on_mount(self) -> None:
        self.query_one("#path", Input).focus()

    def save(self) -> None:
        from asb_tui.store.commands.evidence import attach_evidence

        typed = self.query_one("#path", Input).value.strip()
        if not typed:
            self.show_error("Type the path of the file to attach.")
            return
        path = Path(typed).expanduser()
        description = self.query_one("#description", Input).value
        chosen = self.query_one("#source", Select).value
        source = EvidenceSource.OFFICER.value if chosen is NO_SELECTION else str(chosen)
        exhibit = self.query_one("#exhibit", Input).value.strip().upper() or None
        case_id, today = self.case_id or "", self.today()
        max_bytes = int(getattr(self.asb.config, "evidence_max_mb", 500)) * 1_000_000

        def attach(store: Store) -> str:
            made = attach_evidence(
                store, case_id, path, description=description, source=source,
                exhibit_ref=exhibit, max_bytes=max_bytes, today=today,
            )  # fmt: skip
            again = " (already held: one encrypted copy)" if made.reused else ""
            return f"Attached {made.item.exhibit_ref}, SHA-256 {made.item.sha256[:16]}…{again}"

        self.save_work(attach, SavedThenClose)
