"""The kept bank-holiday table is read only in the format its reader knows: a table written in
another (an older writer's) with the installed release's version is left for the package."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from importlib import resources
from pathlib import Path

import pytest

from asb_tui.domain import bank_holiday_table, working_days
from asb_tui.domain.types import Region
from asb_tui.domain.working_days import add_working_days, bank_holidays


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    working_days.clear_caches()
    yield
    working_days.clear_caches()


def _kept() -> dict[str, object]:
    text = resources.files("asb_tui").joinpath(bank_holiday_table.TABLE).read_text("utf-8")
    loaded: dict[str, object] = json.loads(text)
    return loaded


def _use(monkeypatch: pytest.MonkeyPatch, path: Path, table: dict[str, object]) -> None:
    path.write_text(json.dumps(table), encoding="utf-8")
    # An absolute path joined to the package's folder is that path (pathlib's rule).
    monkeypatch.setattr(bank_holiday_table, "TABLE", str(path))


def test_a_table_in_the_first_format_is_left_for_the_package(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    table = _kept()
    regions = table["regions"]
    assert isinstance(regions, dict)
    table["regions"] = {
        region: {
            year: [line.split(" ", 1) for line in lines.split("\n") if line]
            for year, lines in years.items()
        }
        for region, years in regions.items()
    }
    del table["format"]
    _use(monkeypatch, tmp_path / "first-format.json", table)
    assert bank_holiday_table.kept_table() is None
    # Still right, from the package: Scotland's St Andrew's Day substitute in 2026.
    assert date(2026, 11, 30) in bank_holidays(Region.SCOTLAND, 2026)


def test_a_day_taken_out_of_the_kept_table_is_a_working_day(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The table is what deadlines read: one written without 30/11/2026 moves them."""
    assert add_working_days(date(2026, 11, 27), 1, Region.SCOTLAND) == date(2026, 12, 1)
    table = _kept()
    regions = table["regions"]
    assert isinstance(regions, dict)
    lines = regions["scotland"]["2026"].split("\n")
    regions["scotland"]["2026"] = "\n".join(line for line in lines if "2026-11-30" not in line)
    _use(monkeypatch, tmp_path / "changed.json", table)
    working_days.clear_caches()
    assert bank_holiday_table.kept_table() is not None
    assert date(2026, 11, 30) not in bank_holidays(Region.SCOTLAND, 2026)
    assert add_working_days(date(2026, 11, 27), 1, Region.SCOTLAND) == date(2026, 11, 30)
