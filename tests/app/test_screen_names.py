"""Every screen's header reads the same way: the app's title, then the screen's name (its
`SUB_TITLE`, or a form's title). Checked over every screen class the help screen finds, so a
screen added later is held to it too."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from textual.screen import Screen

import asb_tui.screens
from asb_tui.screens.base import FormScreen
from asb_tui.screens.help import documented_classes, title_of


def _screens_with_a_header() -> list[type[Screen[object]]]:
    found = []
    for cls in documented_classes():
        if cls is FormScreen:
            continue  # the base of the forms, never shown itself
        if issubclass(cls, Screen) and "ScreenHeader()" in inspect.getsource(cls.compose):
            found.append(cls)
    return found


def _name(cls: type[Screen[object]]) -> str | None:
    if issubclass(cls, FormScreen):
        return cls.title_text if cls.title_text != FormScreen.title_text else None
    return cls.SUB_TITLE


def test_every_screen_with_a_header_names_itself_and_keeps_the_app_s_title() -> None:
    screens = _screens_with_a_header()
    assert len(screens) >= 19  # the forms, the dashboard, the lists, sync, the VVC, help
    unnamed = [cls.__name__ for cls in screens if not _name(cls)]
    retitled = [cls.__name__ for cls in screens if cls.TITLE is not None]
    assert unnamed == [] and retitled == []
    # Help lists each screen under the name its header shows.
    assert all(title_of(cls) == _name(cls) for cls in screens if _name(cls))


def test_no_screen_replaces_the_app_s_title_at_run_time() -> None:
    package = Path(asb_tui.screens.__file__).parent
    setting_title = re.compile(r"\bself\.title\s*=")
    offenders = [
        p.name for p in sorted(package.glob("*.py")) if setting_title.search(p.read_text())
    ]
    assert offenders == []
