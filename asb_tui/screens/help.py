"""Help: every key on every screen, generated from the screens' BINDINGS so it never goes stale.

Screens are found by walking the `asb_tui.screens` package, so screens added by other engineers
appear here without anyone editing this file.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static

from asb_tui.widgets.screen_header import ScreenHeader
from asb_tui.widgets.steady_footer import SteadyFooter

# Names of what shows no header; a screen with one is named by its header (SUB_TITLE, or a
# form's title), and any other class by its docstring's first line.
FRIENDLY = {
    "UnlockScreen": "Unlock",
    "FirstRunScreen": "First run",
    "ConfirmScreen": "Yes/no questions",
    "QuestionWidget": "Risk questionnaire (on a question)",
}


def own_bindings(cls: type) -> list[Binding]:
    """The bindings a class declares or inherits from the app's classes (not Textual's own)."""
    merged: dict[str, Binding] = {}
    for klass in reversed(cls.__mro__):
        if not klass.__module__.startswith("asb_tui"):
            continue
        for item in klass.__dict__.get("BINDINGS", []):
            binding = item if isinstance(item, Binding) else Binding(*item)
            for key in binding.key.split(","):
                merged[key.strip()] = binding
    return list(merged.values())


def documented_classes() -> list[type]:
    """Every screen (and widget with keys) of the app, in module order."""
    import asb_tui.screens as package

    found: list[type] = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        try:
            module = importlib.import_module(f"{package.__name__}.{info.name}")
        except Exception:  # noqa: S112 - a screen being written must not break help
            continue
        for obj in vars(module).values():
            if (
                inspect.isclass(obj)
                and obj.__module__ == module.__name__
                and issubclass(obj, Screen | Widget)
                and own_bindings(obj)
            ):
                found.append(obj)
    return found


def title_of(cls: type) -> str:
    if cls.__name__ in FRIENDLY:
        return FRIENDLY[cls.__name__]
    named = getattr(cls, "SUB_TITLE", None)
    if isinstance(named, str) and named:
        return named
    title = getattr(cls, "title_text", None)
    if isinstance(title, str) and title != "Form":
        return title
    doc = (cls.__doc__ or cls.__name__).strip().splitlines()[0]
    return doc.rstrip(".")


class HelpScreen(Screen[None]):
    """Every key on every screen."""

    SUB_TITLE = "Help"

    BINDINGS = [
        Binding("escape", "close", "Close help", id="help.close"),
        Binding("f1", "close", "Close help", show=False, id="help.close-f1"),
    ]
    DEFAULT_CSS = """
    HelpScreen #help-body { padding: 0 1; }
    """

    def __init__(self, current: Screen[Any] | None = None) -> None:
        super().__init__()
        self.current = type(current) if current is not None else None

    def compose(self) -> ComposeResult:
        yield ScreenHeader()
        with VerticalScroll():
            yield Static(self._help_text(), id="help-body")
        yield SteadyFooter()

    def _section(self, text: Text, title: str, bindings: list[Binding]) -> None:
        text.append(f"\n{title}\n", style="bold underline")
        for binding in bindings:
            keys = ", ".join(
                self.app.get_key_display(Binding(key.strip(), binding.action))
                for key in binding.key.split(",")
            )
            text.append(f"  {keys:<14}", style="bold")
            text.append(f"{binding.description or binding.action}\n")

    def _help_text(self) -> Text:
        text = Text()
        text.append("Keys. Every action is also in the command palette (ctrl+p).\n")
        classes = documented_classes()
        if self.current in classes:
            classes.remove(self.current)
            classes.insert(0, self.current)
        self._section(
            text,
            "Everywhere",
            [
                *own_bindings(type(self.app)),
                Binding("ctrl+p", "command_palette", "Command palette"),
                Binding("ctrl+q", "quit", "Quit"),
            ],
        )
        for cls in classes:
            if cls is HelpScreen:
                continue
            label = title_of(cls) + ("  (this screen)" if cls is self.current else "")
            self._section(text, label, own_bindings(cls))
        return text

    def action_close(self) -> None:
        self.dismiss(None)
