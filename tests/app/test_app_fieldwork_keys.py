"""The wiring table of the field-work screens names real classes, with unique keys, and every
screen offers its keys in the command palette."""

from __future__ import annotations

import importlib
import inspect

from case_testkit import Host

from asb_tui.screens.fieldwork_keys import FIELDWORK_SCREENS
from asb_tui.screens.fieldwork_screen import FieldworkScreen
from asb_tui.screens.safeguarding import SafeguardingScreen
from asb_tui.store.core.store import Store
from asb_tui.widgets.command_provider import ScreenKeysProvider


def test_every_entry_is_a_fieldwork_screen_taking_case_id() -> None:
    keys = [key for key, *_ in FIELDWORK_SCREENS]
    assert sorted(keys) == sorted(set(keys)) == sorted("dvhcupgfTl")
    for _key, binding_id, description, target in FIELDWORK_SCREENS:
        module_name, class_name = target.split(":")
        screen_class = getattr(importlib.import_module(module_name), class_name)
        assert issubclass(screen_class, FieldworkScreen)
        assert next(iter(inspect.signature(screen_class).parameters)) == "case_id"
        assert binding_id and description


async def test_palette_lists_the_screen_keys(store: Store, case_id: str, host: Host) -> None:
    screen = SafeguardingScreen(case_id)
    async with host(screen).run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        provider = ScreenKeysProvider(screen)
        found = {description for description, _key, _run in provider._commands()}
        assert {"Save referral", "Mark done", "Back"} <= found
