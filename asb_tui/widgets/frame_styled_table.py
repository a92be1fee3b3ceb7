"""A DataTable that works out its styles once per frame rather than once per line drawn.

Textual's DataTable asks for its `rich_style`, and for its header's component styles, on every
line it draws: each walks every ancestor of the table blending backgrounds (the case detail's
tables sit six containers deep), and each component lookup merges a new styles object. On the
case screen's tab switch that was ~20 % of drawing a newly filled table (cProfile,
docs/performance.md). Nothing a frame draws changes the table's styles, so within one
`render_lines` they are the same for every line: they are worked out once, at its start, and
forgotten at its end (the next frame works them out again, after any restyle).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from textual.widgets import DataTable
from textual.widgets._data_table import CellType

if TYPE_CHECKING:
    from rich.style import Style
    from textual.css.styles import RenderStyles
    from textual.geometry import Region
    from textual.strip import Strip


class _FrameComponentStyles:
    """A component's styles for one frame: its `rich_style` read once, the rest as is."""

    def __init__(self, styles: RenderStyles) -> None:
        self._styles = styles
        self.rich_style = styles.rich_style

    def __getattr__(self, name: str) -> Any:
        return getattr(self._styles, name)


class FrameStyledTable(DataTable[CellType]):
    _frame_style: Style | None = None
    _frame_components: dict[tuple[str, ...], RenderStyles] | None = None

    def render_lines(self, crop: Region) -> list[Strip]:
        self._frame_style = None  # so that the style read next is this frame's own
        self._frame_style = self.rich_style
        self._frame_components = {}
        try:
            return super().render_lines(crop)
        finally:
            self._frame_style = None
            self._frame_components = None

    @property
    def rich_style(self) -> Style:
        style = self._frame_style
        return style if style is not None else super().rich_style

    def get_component_styles(self, *names: str) -> RenderStyles:
        frame = self._frame_components
        if frame is None:
            return super().get_component_styles(*names)
        styles = frame.get(names)
        if styles is None:
            styles = frame[names] = cast(
                "RenderStyles", _FrameComponentStyles(super().get_component_styles(*names))
            )
        return styles
