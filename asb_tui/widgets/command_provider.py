"""The command palette lists the actions of the screen it was opened on (context-aware), so every
key in the footer is also a command, found by its description."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider


def _screen_actions(provider: Provider) -> list[tuple[str, str, Any, str]]:
    """(description, action, node, key) of every enabled screen- or app-level binding."""
    screen = provider.screen
    app = provider.app
    found: list[tuple[str, str, Any, str]] = []
    seen: set[str] = set()
    for key, active in screen.active_bindings.items():
        node, binding, enabled = active.node, active.binding, active.enabled
        # Widget bindings (cursor keys, editing keys) are not commands; palette and quit are
        # already provided by Textual's own commands.
        if node is not screen and node is not app:
            continue
        if not enabled or not binding.description or binding.action in {"command_palette"}:
            continue
        if binding.action in seen:
            continue
        seen.add(binding.action)
        found.append((binding.description, binding.action, node, key))
    return found


class ScreenActionsProvider(Provider):
    """Commands for the actions bound on the current screen."""

    async def discover(self) -> Hits:
        for description, action, node, key in _screen_actions(self):
            yield DiscoveryHit(
                description,
                partial(node.run_action, action),
                help=f"key: {key}",
            )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for description, action, node, key in _screen_actions(self):
            score = matcher.match(description)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(description),
                    partial(node.run_action, action),
                    help=f"key: {key}",
                )


class ScreenKeysProvider(Provider):
    """Command palette entries for the keys of the screen it was opened from (its own
    bindings only: the field-work screens list them)."""

    def _commands(self) -> list[tuple[str, str, Callable[[], object]]]:
        screen = self.screen
        found: list[tuple[str, str, Callable[[], object]]] = []
        for key, active in screen.active_bindings.items():
            binding = active.binding
            if active.node is not screen or not binding.description or not active.enabled:
                continue
            run = partial(self.app.call_later, screen.run_action, binding.action)
            found.append((binding.description, key, run))
        return found

    async def discover(self) -> Hits:
        for description, key, run in self._commands():
            yield DiscoveryHit(description, run, help=f"key: {key}")

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for description, key, run in self._commands():
            score = matcher.match(description)
            if score > 0:
                yield Hit(score, matcher.highlight(description), run, help=f"key: {key}")
