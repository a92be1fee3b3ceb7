"""A checkbox whose ticked and unticked states differ in shape, not only in colour: "✔" when
ticked, an empty box when not (a monochrome or colour-blind view told them apart by nothing)."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Checkbox

TICKED = "✔"
UNTICKED = " "


class TickBox(Checkbox):
    @property
    def _button(self) -> Content:
        inner = TICKED if self.value else UNTICKED
        box = super()._button
        # The box is left + inner + right; only the inner character changes.
        return Content.assemble(box[:1], (inner, self.get_visual_style("toggle--button")), box[2:])
