"""The partnership's report: two teams' laptops (demo stores, real CLI) sync to a real service on
PostgreSQL; `asb-sync-server report` over both teams equals the sum of the two laptops' own
`asb-tui report`, figure for figure, and over one team equals that team's laptop's report."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sync_e2e_support import (
    ServerProcess,
    add_officer,
    assert_no_traceback,
    fresh_database,
    run_cli,
    running_server,
    server_run_cli,
    unique_team,
)

TODAY = date.today()
PERIOD = ("--from", f"{TODAY - timedelta(days=300):%d/%m/%Y}", "--to", f"{TODAY:%d/%m/%Y}")


@pytest.fixture(scope="module")
def central(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with (
        fresh_database("postgres", tmp_path_factory.mktemp("central")) as url,
        running_server(url, tmp_path_factory.mktemp("server-log")) as process,
    ):
        yield process


def _cli(data_dir: Path, *args: str) -> str:
    done = run_cli(*args, data_dir=data_dir)
    assert_no_traceback(done)
    assert done.returncode == 0, f"asb-tui {' '.join(args)}: {done.stderr}{done.stdout}"
    return done.stdout


def _laptop(central: ServerProcess, directory: Path, team: str, seed: int) -> dict[str, Any]:
    """A demo store enrolled to `team` and synced; its own report."""
    _cli(directory, "demo", "--cases", "8", "--seed", str(seed))
    token = add_officer(central.db_url, f"Officer {seed}", team=team)
    _cli(directory, "enrol", "--server", central.url, "--token", token)
    synced = _cli(directory, "sync")
    assert "not sent" not in synced, synced
    report: dict[str, Any] = json.loads(_cli(directory, "report", *PERIOD, "--json"))
    return report


def _service(central: ServerProcess, *teams: str) -> dict[str, Any]:
    team_args = [arg for team in teams for arg in ("--team", team)]
    done = server_run_cli("report", "--db", central.db_url, *PERIOD, *team_args, "--json")
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def _counts(value: Any, path: str = "") -> dict[str, int]:
    """Every whole-number figure by its path, the months by month (the misses, listed by case
    reference, are compared apart: two laptops may number their cases alike)."""
    found: dict[str, int] = {}
    if isinstance(value, bool):
        return found
    if isinstance(value, int):
        found[path] = value
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in ("teams", "period", "misses"):
                found.update(_counts(item, f"{path}/{key}"))
    elif isinstance(value, list):
        for item in value:
            found.update(_counts(item, f"{path}/{item['month']}"))
    return found


def _add(*reports: dict[str, Any]) -> dict[str, int]:
    total: dict[str, int] = {}
    for report in reports:
        for path, count in _counts(report).items():
            total[path] = total.get(path, 0) + count
    return total


def test_the_service_report_over_two_teams_is_the_sum_of_their_laptops(
    central: ServerProcess, tmp_path: Path
) -> None:
    north, south = unique_team(), unique_team()
    on_north = _laptop(central, tmp_path / "north", north, seed=11)
    on_south = _laptop(central, tmp_path / "south", south, seed=12)
    assert on_north["cases_held"] >= 8 and on_south["cases_held"] >= 8

    both = _service(central, north, south)
    assert both["teams"] == sorted([north, south])
    assert both["cases_held"] == on_north["cases_held"] + on_south["cases_held"]
    counts = _counts(both)
    expected = _add(on_north, on_south)
    # The figures that are not counts (median, shares) are left out of the sum: the months
    # line up, every count is the sum of the two.
    assert {p: c for p, c in counts.items() if c} == {p: c for p, c in expected.items() if c}
    misses = sorted(both["first_home_visit"]["misses"], key=json.dumps)
    laptops = on_north["first_home_visit"]["misses"] + on_south["first_home_visit"]["misses"]
    assert misses == sorted(laptops, key=json.dumps)
    assert counts["/caseload/new"] > 0 and counts["/first_home_visit/accepted"] > 0

    only_north = _service(central, north)
    assert {k: v for k, v in only_north.items() if k != "teams"} == {
        k: v for k, v in on_north.items() if k != "teams"
    }


def test_a_bad_period_on_the_service_is_one_line(central: ServerProcess) -> None:
    done = server_run_cli(
        "report", "--db", central.db_url, "--from", "02/03/2026", "--to", "01/03/2026",
        check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        "asb-sync-server: the report's period ends (01/03/2026) before it starts (02/03/2026)"
    ]
