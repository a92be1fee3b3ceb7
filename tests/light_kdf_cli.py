"""The real `asb-tui` CLI (`python -m asb_tui.cli`), with the suite's light Argon2id cost for the
stores it creates (laptop_testkit.LIGHT_ARGON2); a store it opens keeps its own parameters."""

from __future__ import annotations

import runpy

from asb_tui.store.core import keyslots

keyslots.DEFAULT_ARGON2.update(
    {"memory_kib": keyslots.ARGON2_BOUNDS["memory_kib"][0], "iterations": 1, "lanes": 4}
)
runpy.run_module("asb_tui.cli", run_name="__main__", alter_sys=True)
