"""How the suite is shared between pytest-xdist's workers (`pytest -n 2 --dist loadgroup`):
a hook re-exported by tests/conftest.py.

A module whose tests share a module-scoped fixture (a sync service on PostgreSQL, a demo store, a
walked store) is one xdist group, so the fixture is built once on one worker. Left ungrouped,
xdist hands out the first quarter of the tests one by one, alternating, and later ones in
batches, so such a module's tests landed on both workers and each built the fixture: a second
server start, database and migration per module (docs/performance.md, "The test suite").

The grouped modules are moved ahead of the others (each keeps its tests' order): they are the
long units, and the single tests that follow fill in around them, so both workers finish
within a short test of each other instead of one waiting on a module started last.
"""

from __future__ import annotations

import pytest

SHARED_SCOPES = frozenset({"module", "class", "package"})


def _shares_a_fixture(item: pytest.Item) -> bool:
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return False
    return any(
        definition.scope in SHARED_SCOPES
        for definitions in info.name2fixturedefs.values()
        for definition in definitions
    )


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    grouped: set[str] = set()
    for item in items:
        if _shares_a_fixture(item):
            grouped.add(item.nodeid.split("::", 1)[0])
    if not grouped:
        return
    for item in items:
        module = item.nodeid.split("::", 1)[0]
        if module in grouped:
            item.add_marker(pytest.mark.xdist_group(module))
    # sorted() is stable: within each half the collection order stays.
    items[:] = sorted(items, key=lambda item: item.nodeid.split("::", 1)[0] not in grouped)
