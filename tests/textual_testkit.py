"""Helpers for Pilot tests of single screens (imported by name; tests/ is on sys.path)."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot
from textual.worker import WorkerCancelled


async def settle(pilot: Pilot[Any], rounds: int = 1) -> None:
    """Let pending messages and database workers finish. An exclusive worker that a newer one
    replaced ends cancelled, which is expected: the newer one is waited for in its place."""
    for _ in range(rounds):
        await pilot.pause()
        try:
            await pilot.app.workers.wait_for_complete()
        except WorkerCancelled:
            await pilot.app.workers.wait_for_complete()
        await pilot.pause()
