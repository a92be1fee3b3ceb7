"""One exhibit: what was recorded at intake, its continuity history (every view, open, export,
share), and the content where the terminal can show it: a text file inline, an image as a
thumbnail drawn in text cells (Pillow, half blocks). `o` decrypts it into a private temporary
folder (0700) and starts the system viewer (xdg-open, or open on macOS); the folder is removed
when this screen closes. Showing and opening are audited (docs/evidence.md)."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from asb_tui.screens.base import WorkDone
from asb_tui.screens.fieldwork_screen import FieldworkScreen
from asb_tui.widgets.literal import literal_text
from asb_tui.widgets.steady_footer import SteadyFooter

if TYPE_CHECKING:
    from asb_tui.store.queries.evidence import EvidenceDetail

#: What is decrypted into memory to show: a text file's first 64 KB, an image up to 20 MB.
TEXT_PREVIEW = 64 * 1024
IMAGE_PREVIEW = 20 * 1000 * 1000
THUMB_COLUMNS = 48


class ItemRead(WorkDone["tuple[EvidenceDetail | None, bytes | None]"]):
    """The exhibit, its history and the bytes to preview (None: nothing to show inline)."""


class Opened(WorkDone[Path]):
    """The exhibit is decrypted into the private folder: the path given to the viewer."""


class EvidenceItemScreen(FieldworkScreen):
    BINDINGS = [
        *FieldworkScreen.BINDINGS,
        Binding("o", "open_file", "Open in viewer", id="evidence.open"),
    ]
    DEFAULT_CSS = """
    EvidenceItemScreen #item-body { height: auto; padding: 0 1; }
    """

    def __init__(self, case_id: str, item_id: str) -> None:
        super().__init__(case_id)
        self.item_id = item_id
        self.detail: EvidenceDetail | None = None
        self._private: Path | None = None

    def compose(self) -> ComposeResult:
        yield Static("Exhibit", classes="title", id="item-title")
        with VerticalScroll():
            yield Static("Loading…", id="item-body")
        yield Static("", id="status")
        yield SteadyFooter()

    def on_mount(self) -> None:
        self._load()

    def _load(self) -> None:
        from asb_tui.store.commands.evidence import item_for_screen

        item_id = self.item_id
        self.run_work(
            lambda store: item_for_screen(
                store, item_id, text_limit=TEXT_PREVIEW, image_limit=IMAGE_PREVIEW
            ),
            ItemRead,
            group="item",
            latest_only=True,
        )

    @on(ItemRead)
    def _read(self, message: ItemRead) -> None:
        detail, preview = message.result
        if detail is None:
            self.set_status("That exhibit is no longer on this laptop.", error=True)
            return
        self.detail = detail
        item = detail.item
        self.query_one("#item-title", Static).update(
            literal_text(f"Exhibit {item.exhibit_ref}: {item.description or item.original_name}")
        )
        body = Text()
        for name, value in (
            ("Exhibit", item.exhibit_ref),
            ("What it shows", item.description),
            ("File", item.original_name),
            ("Type", f"{item.media_type} ({item.kind})"),
            ("Size", f"{item.size:,} bytes"),
            ("SHA-256", item.sha256),
            ("From", item.source),
            ("Obtained", f"{item.obtained_on:%d/%m/%Y} by {item.obtained_by}" if item.obtained_on
             else item.obtained_by),
            ("On this laptop", "yes (encrypted)" if item.held else "no: a record only for now"),
        ):  # fmt: skip
            body.append(f"{name:<16}", style="bold")
            body.append_text(literal_text(value))
            body.append("\n")
        body.append("\nHistory\n", style="bold")
        for line in detail.history:
            body.append(f"{line.at:%d/%m/%Y %H:%M}  {line.action.removeprefix('evidence.'):<8} ")
            body.append_text(literal_text(f"{line.actor} {line.detail}".rstrip()))
            body.append("\n")
        if preview is not None and item.kind == "text":
            body.append("\nContent\n", style="bold")
            body.append_text(literal_text(preview.decode("utf-8", errors="replace")))
        elif preview is not None and item.kind == "photo":
            body.append("\n")
            body.append_text(thumbnail(preview, THUMB_COLUMNS))
        self.query_one("#item-body", Static).update(body)

    def action_open_file(self) -> None:
        from asb_tui.store.commands.evidence import decrypt_to

        if self.detail is None or not self.detail.item.held:
            self.set_status("The file is not on this laptop.", error=True)
            return
        if self._private is None:
            self._private = Path(tempfile.mkdtemp(prefix="asb-evidence-"))  # mode 0700
        folder, item_id = self._private, self.item_id
        self.run_work(lambda store: decrypt_to(store, item_id, folder), Opened, group="open")

    @on(Opened)
    def _opened(self, message: Opened) -> None:
        viewer = "open" if sys.platform == "darwin" else "xdg-open"
        if shutil.which(viewer) is None:
            self.set_status(f"Decrypted to {message.result} (no {viewer} here to show it).")
            return
        subprocess.Popen(  # noqa: S603  (the system viewer on a path we made)
            [viewer, str(message.result)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.set_status("Opened in the system viewer; the copy goes when this screen closes.")
        self._load()

    def on_unmount(self) -> None:
        if self._private is not None:
            shutil.rmtree(self._private, ignore_errors=True)
            self._private = None


def thumbnail(data: bytes, columns: int) -> Text:
    """An image as text cells: each cell two pixels high (upper half block, fg over bg)."""
    try:
        from PIL import Image

        with Image.open(io.BytesIO(data)) as image:
            image.thumbnail((columns, columns))
            rgb = image.convert("RGB")
    except Exception:  # any image Pillow cannot read is shown without a thumbnail
        return Text("(no thumbnail: the image could not be read)", style="dim")
    width, height = rgb.size
    pixels = rgb.load()
    assert pixels is not None
    out = Text()
    for y in range(0, height - 1, 2):
        for x in range(width):
            top, bottom = pixels[x, y], pixels[x, y + 1]
            out.append("▀", style=f"rgb{tuple(top)} on rgb{tuple(bottom)}")  # type: ignore[arg-type]
        out.append("\n")
    return out
