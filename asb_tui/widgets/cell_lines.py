"""How the key-owning widgets draw a cell's text: every character visible and literal, wrapped to
the cell's width (the diary grid) or cut to it (the run sheet).

A control character (an escape code in a pasted text) would act on the terminal, so it is shown
as its code, as widgets/literal.py does; a line break inside a cell shows as ↵ and starts a line.
"""

from __future__ import annotations

from collections.abc import Container, Sequence

from rich.cells import cell_len

LINE_BREAK = "↵"


def shown(character: str) -> str:
    """What is drawn for one character of user text."""
    if character == "\n":
        return LINE_BREAK
    return character if character.isprintable() else f"\\x{ord(character):02x}"


def shown_text(text: str) -> str:
    return "".join(shown(character) for character in text)


def wrap_spans(
    glyphs: Sequence[str], width: int, breaks: Container[int] = ()
) -> list[tuple[int, int]]:
    """Lines of `glyphs` (what is drawn for each character) within `width` cells, as (start, end)
    index spans. A word moves to the next line whole when it fits on one; a line ends after each
    index in `breaks` (the text's line breaks)."""
    width = max(1, width)
    lines: list[tuple[int, int]] = []
    start, used, last_space = 0, 0, -1
    index = 0
    while index < len(glyphs):
        size = cell_len(glyphs[index])
        if used + size > width and index > start:
            if start <= last_space < index:
                lines.append((start, last_space + 1))
                start = last_space + 1
            else:
                lines.append((start, index))
                start = index
            used = sum(cell_len(glyph) for glyph in glyphs[start:index])
            last_space = -1
            continue
        used += size
        if glyphs[index] == " ":
            last_space = index
        if index in breaks:
            lines.append((start, index + 1))
            start, used, last_space = index + 1, 0, -1
        index += 1
    if start < len(glyphs) or not lines:
        lines.append((start, len(glyphs)))
    return lines


def fit(text: str, cells: int) -> str:
    """`text` drawn literally in exactly `cells` cells (cut with … when longer)."""
    drawn = shown_text(text)
    if cell_len(drawn) <= cells:
        return drawn + " " * (cells - cell_len(drawn))
    cut = ""
    for character in drawn:
        if cell_len(cut + character) > cells - 1:
            break
        cut += character
    return cut + "…" + " " * max(0, cells - 1 - cell_len(cut))
