"""Typed text shown literally: control characters as visible symbols, anything else untouched
(the common case takes one check, not a character at a time)."""

from __future__ import annotations

from asb_tui.widgets.literal import literal, literal_text


def test_control_characters_are_shown_as_symbols() -> None:
    assert literal_text("Ann\x1b[2J Lee\x07", one_line=True).plain == "Ann\\x1b[2J Lee\\x07"
    assert literal_text("line one\nline two\ttab").plain == "line one\nline two\ttab"
    assert literal_text("a\x00b\nc").plain == "a\\x00b\nc"
    assert str(literal("x\x9by")) == "x\\x9by"


def test_printable_text_is_unchanged() -> None:
    for text in ("[bold]Ann[/] Lee", "Siân O'Brien – 23/11/2026", "", "   "):
        assert literal_text(text).plain == text
    assert literal_text("  two   words \n ", one_line=True).plain == "two words"
    assert literal_text(None).plain == ""
