"""The dashboard's kept copy, read at the start before the dashboard screen exists.

A module of its own, small on purpose: the app starts this read in a worker first, and imports
the dashboard screen (and the screens, widgets and read models under it) on the UI thread while
the store is read, instead of one after the other (asb_tui/app.py, `show_dashboard`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from asb_tui.config import Config
    from asb_tui.screens.base import OfficerApp
    from asb_tui.store.cache.local_cache import DashboardSnapshot


def rules_key(config: Config) -> str:
    """What the kept copy's "this week" band depends on, besides the day."""
    return repr((config.region, tuple(config.closures)))


def load_kept_copy(app: OfficerApp) -> DashboardSnapshot | None:
    """Read (in a worker) the copy of the officer's last dashboard that the store keeps, or
    None. The app reads it before it shows the screen, so the first frame has the cases."""
    from asb_tui.store.queries.screen_reads import kept_dashboard

    store = app.store
    if store is None:
        return None
    today = app.today()
    copy = kept_dashboard(store, app.config.officer, today=today, rules_key=rules_key(app.config))
    if copy is not None and copy.week_until is None:
        # Another day, or other rules: this week's band is worked out again first.
        from dataclasses import replace

        from asb_tui.store.queries.case_queries import week_band_ends

        copy = replace(copy, week_until=week_band_ends(today, app.deadline_rules()))
    return copy
