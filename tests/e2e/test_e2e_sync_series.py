"""Case references made offline on two laptops never collide: at enrolment the central service
gives each device a case-reference series that it gives no other device."""

# ruff: noqa: F811  (the fixtures imported from sync_e2e_support are test arguments)

from __future__ import annotations

import re

import pytest
from sync_e2e_support import (  # noqa: F401  (fixtures)
    Laptop,
    LaptopFactory,
    central,
    laptops,
    sqlite_central_db,
    unique_team,
)

from asb_tui.store.core.models import Case

SERIES_REF = re.compile(r"^ASB-\d{4}-([0-9A-HJKMNP-TV-Z]{4})-00001$")


@pytest.fixture(scope="module")
def central_db(sqlite_central_db: str) -> str:
    return sqlite_central_db


def _ref(laptop: Laptop, case_id: str) -> str:
    with laptop.store.read() as session:
        case = session.get(Case, case_id)
        assert case is not None
        return str(case.ref)


def test_each_enrolled_laptop_numbers_cases_in_its_own_series(laptops: LaptopFactory) -> None:
    team = unique_team()
    first, second = laptops(team=team, name="First"), laptops(team=team, name="Second")
    refs = [_ref(laptop, laptop.new_case("Bins set alight")) for laptop in (first, second)]
    series = [SERIES_REF.match(ref) for ref in refs]
    assert all(series), refs  # the service's 4-character series, numbered from 1
    assert series[0].group(1) != series[1].group(1)  # type: ignore[union-attr]
    first.sync()
    second.sync()
    first.sync()
    # Both cases reached both laptops: no reference clash stopped a page from applying.
    for laptop in (first, second):
        assert laptop.count(Case) == 2
