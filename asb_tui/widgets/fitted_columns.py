"""Table columns that give way by priority as the terminal narrows.

Each column has the width it cannot do without (`least`) and the width it reads best at
(`ideal`); one column (`takes_rest`) has whatever is left, such as a summary that reads fine cut
short. Widths are handed out by `priority` (lowest first; ties in the order of the specs), so the
columns that matter reach their ideal first: on an 80-column laptop the due date, state, case,
risk and victim stay readable and the free text gives way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey

# DataTable pads each cell by one column on either side; its vertical scrollbar takes two.
CELL_PADDING = 2
SCROLLBAR = 2


@dataclass(frozen=True)
class ColumnSpec:
    key: str
    heading: str
    least: int
    ideal: int
    takes_rest: bool = False
    priority: int = 0


def column_widths(specs: Sequence[ColumnSpec], available: int) -> dict[str, int]:
    """Widths that fit `available` characters of cell text where the least widths allow."""
    widths = {spec.key: spec.least for spec in specs}
    spare = available - sum(widths.values())
    for spec in sorted(specs, key=lambda s: s.priority):  # up to each ideal, by priority
        if spare <= 0:
            break
        grow = min(spare, spec.ideal - spec.least)
        if grow > 0:
            widths[spec.key] += grow
            spare -= grow
    rest = [spec for spec in specs if spec.takes_rest]
    if spare > 0 and rest:
        widths[rest[0].key] += spare
    return widths


def add_fitted_columns(table: DataTable[Any], specs: Sequence[ColumnSpec]) -> None:
    for spec in specs:
        table.add_column(spec.heading, width=spec.ideal, key=spec.key)


def fit_columns(table: DataTable[Any], specs: Sequence[ColumnSpec], total_width: int) -> None:
    """Resize the table's columns for a table `total_width` characters wide."""
    available = total_width - SCROLLBAR - CELL_PADDING * len(specs)
    widths = column_widths(specs, available)
    changed = False
    for spec in specs:
        column = table.columns.get(ColumnKey(spec.key))
        if column is not None and (column.width != widths[spec.key] or column.auto_width):
            column.width = widths[spec.key]
            column.auto_width = False
            changed = True
    if changed:
        # DataTable has no public "resize a column": this is what its own updates do.
        table._clear_caches()
        table._require_update_dimensions = True
        table.refresh(layout=True)
