"""The officer's app: first run or unlock, then the dashboard; auto-lock keeps half-typed forms.

Imports are lazy (screens, the store, SQLAlchemy) so that the first frame comes fast: the unlock
screen needs none of them until the passphrase is typed.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import threading
import time
from dataclasses import replace
from datetime import date
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import events, on
from textual.app import App
from textual.binding import Binding
from textual.dom import DOMNode
from textual.message import Message

from asb_tui.config import Config
from asb_tui.idle_collector import IdleCollector
from asb_tui.widgets.command_provider import ScreenActionsProvider

if TYPE_CHECKING:
    from asb_tui.domain.case_deadlines import DeadlineRules
    from asb_tui.screens.base import OfficerApp
    from asb_tui.store.cache.local_cache import DashboardSnapshot
    from asb_tui.store.commands.officer import Officer
    from asb_tui.store.core.store import Store

# Key presses, clicks and scrolling count as activity; a mouse merely passing over does not.
_ACTIVITY = (
    events.Key,
    events.MouseDown,
    events.MouseUp,
    events.MouseScrollDown,
    events.MouseScrollUp,
    events.Paste,
)
log = logging.getLogger(__name__)


def _freeze_what_lives_for_the_process() -> None:
    """Move every object made so far (the modules and classes of Textual, SQLAlchemy and the
    app, the open store) out of the cyclic collector's reach, once per process.

    They live as long as the process, yet each full collection walked them all: one ran during
    every start, ~80 ms of CPU to collect nothing, and more while the dashboard's board was
    built. Once per process, so that the garbage of an earlier app in the same process (the
    tests run many) is not kept forever."""
    global _FROZEN
    if not _FROZEN:
        _FROZEN = True
        gc.freeze()


_FROZEN = False
# The longest a typed key waits for the one before it (a node on its way removed meanwhile).
KEY_TIMEOUT = 0.5


class KeptCopyReading(Message, bubble=False):
    """The worker has begun to read the dashboard's kept copy: the UI thread is free to import
    the dashboard's screen meanwhile."""


class KeptCopyRead(Message, bubble=False):
    """The dashboard's kept copy is read (None: there is none, or it could not be read)."""

    def __init__(self, copy: DashboardSnapshot | None) -> None:
        super().__init__()
        self.copy = copy


class DraftsRead(Message, bubble=False):
    """After unlock: the drafts the lock kept, read back from `store` (by draft key)."""

    def __init__(self, store: Store, drafts: dict[str, dict[str, Any]]) -> None:
        super().__init__()
        self.store = store
        self.drafts = drafts


class AsbApp(App[int]):
    """`AsbApp(config, data_dir)`. `today` fixes the date (tests, snapshots); `store` starts
    with an already opened store (benchmarks)."""

    TITLE = "asb-tui"
    SUB_TITLE = "ASB case management"
    # Absolute, so that subclasses defined elsewhere (benchmarks, tests) find it too.
    CSS_PATH = Path(__file__).with_name("app.tcss")
    COMMANDS = App.COMMANDS | {ScreenActionsProvider}
    BINDINGS = [
        Binding("ctrl+l", "lock", "Lock", priority=True, id="app.lock"),
        Binding("f1", "help", "Help", id="app.help"),
        Binding("question_mark", "help", "Help", show=False, id="app.help-question"),
    ]

    def __init__(
        self,
        config: Config,
        data_dir: Path | None = None,
        *,
        today: date | None = None,
        store: Store | None = None,
    ) -> None:
        super().__init__()
        _freeze_what_lives_for_the_process()
        if "TEXTUAL_ANIMATIONS" not in os.environ:
            # No sliding or smooth scrolling unless the officer's terminal asks for it: each
            # switch of a case's tab drew ~17 frames of its underline's slide, some 9 ms of
            # the interpreter each on a busy laptop, while the next key waited behind them
            # (docs/performance.md). Motion is also what some people need turned off.
            self.animation_level = "none"
        self.config = config
        self.data_dir = Path(data_dir) if data_dir is not None else config.data_dir
        self.store: Store | None = store
        self._fixed_today = today
        self._last_activity = time.monotonic()
        self.locked = False
        self._rules: tuple[date, DeadlineRules] | None = None
        # Keys wait here (in order) while the app is between screens: ctrl+l typed behind keys a
        # field has not taken yet waits for them, and keys typed after it (the passphrase) wait
        # for the lock screen; after unlock, keys wait until the drafts are back in the fields.
        self._holding_keys = False
        self._held_keys: list[events.Key | events.Paste] = []
        # Keys are handed on one at a time (see _hand_on_key).
        self._key_in_flight = 0
        self._key_serial = 0
        self._key_screen: object = None
        self._key_backlog: list[events.Key | events.Paste] = []
        # Set once the lock's drafts are saved and its store closed (unlock reads them after).
        self._drafts_kept = threading.Event()
        self._drafts_kept.set()
        # Cyclic garbage is collected while the officer is idle, not inside a key's frame.
        self.collector = IdleCollector(lambda: self._last_activity)

    # -- shared facts for screens ---------------------------------------------------------------

    def today(self) -> date:
        """Today's date (fixed in tests)."""
        return self._fixed_today or date.today()

    def deadline_rules(self) -> DeadlineRules:
        """The council's deadline rules for today (built once a day)."""
        today = self.today()
        if self._rules is None or self._rules[0] != today:
            from asb_tui.store.queries.deadline_facts import deadline_rules

            self._rules = (today, deadline_rules(self.config, today))
        return self._rules[1]

    # -- start ---------------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.collector.start(self)
        if self.store is not None:
            self.show_dashboard()
        else:
            from asb_tui.store.core.store import StorePaths

            if StorePaths(self.data_dir).exists():
                from asb_tui.screens.unlock import UnlockScreen

                self.push_screen(UnlockScreen())
            else:
                from asb_tui.screens.first_run import FirstRunScreen

                self.push_screen(FirstRunScreen())
        minutes = max(float(self.config.auto_lock_minutes), 0.0)
        if minutes > 0:
            # Check often enough that a short test timeout still locks promptly.
            self.set_interval(min(5.0, minutes * 60 / 4), self._check_idle)

    def show_dashboard(self) -> None:
        """Replace whatever is showing (first run, unlock) with the dashboard.

        The copy of the dashboard's last computation, if the store keeps one, is read first (a
        worker, a few milliseconds) so that the screen's first frame already lists the cases;
        the screen marks it as refreshing and computes the real thing at once. The screen's
        module is imported meanwhile (the read waits on the store more than on Python).
        """
        from asb_tui.screens.dashboard_copy import load_kept_copy

        def load() -> None:
            self.post_message(KeptCopyReading())
            try:
                copy = load_kept_copy(self)
            except Exception:  # only a cache: the dashboard computes without it
                log.exception("the dashboard's kept copy could not be read")
                copy = None
            self.post_message(KeptCopyRead(copy))

        self.run_worker(
            load, thread=True, exclusive=True, group="dashboard-copy", exit_on_error=False
        )

    @on(KeptCopyReading)
    def _import_dashboard(self) -> None:
        import asb_tui.screens.dashboard  # noqa: F401 - imported while the worker reads

    @on(KeptCopyRead)
    def _kept_copy_read(self, message: KeptCopyRead) -> None:
        self._push_dashboard(message.copy)

    def _push_dashboard(self, kept_copy: DashboardSnapshot | None) -> None:
        from asb_tui.screens.dashboard import DashboardScreen

        screen = DashboardScreen(kept_copy)
        if len(self.screen_stack) > 1:
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    def store_opened(self, store: Store, officer: Officer | None = None) -> None:
        """Called by the first-run and unlock screens once the store is open; `officer` is who
        the store says uses this laptop (asked on first run), which replaces the config's."""
        if officer is not None:
            self.use_officer(officer)
            store.actor = officer.name
        self.store = store
        self._last_activity = time.monotonic()
        for notice in store.notices:
            self.notify(
                notice[:1].upper() + notice[1:], severity="warning", timeout=30, markup=False
            )
        if self.locked:
            self.locked = False
            self.pop_screen()
            self._restore_after_lock()
        else:
            self.show_dashboard()

    def use_officer(self, officer: Officer) -> None:
        """Cases are assigned to, and work recorded by, the officer the store names."""
        team = officer.team or self.config.team
        if (officer.name, team) != (self.config.officer, self.config.team):
            self.config = replace(self.config, officer=officer.name, team=team)
            self._rules = None

    # -- auto-lock -----------------------------------------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, _ACTIVITY):
            self._last_activity = time.monotonic()
        # A paste is typing too: it waits its turn behind the keys typed before it.
        if isinstance(event, events.Key | events.Paste) and not event.is_forwarded:
            if self._holding_keys:
                self._held_keys.append(event)  # never into a form that is locking or restoring
                return
            if self._key_in_flight:
                self._key_backlog.append(event)
                return
            await self._hand_on_key(event)
            return
        await super().on_event(event)

    async def _hand_on_key(self, event: events.Key | events.Paste) -> None:
        """Hand a typed key on, and the next one only once this one has been dealt with.

        Textual forwards each key to the focused widget at once, so keys typed fast queue up in
        that widget before the first of them is handled. When the first opens another screen
        ("n" on the dashboard, "c" on a case), the keys behind it were already the old screen's:
        they were lost or acted there. One key at a time, each goes to whatever has focus once
        the key before it is done. A key is done when it has bubbled up to the app (where the
        screens' bindings run): a callback follows it up the same path, node by node, behind it.
        """
        self._key_serial += 1
        token = self._key_in_flight = self._key_serial
        self._key_screen = self.screen
        target = self.focused or self.screen
        self.set_timer(KEY_TIMEOUT, partial(self._key_done, token))
        await super().on_event(event)
        self._follow_key(target, token)

    def _follow_key(self, node: DOMNode | None, token: int) -> None:
        if node is None or node is self:
            self.call_later(self._key_done, token)
            return
        parent = node.parent
        if not node.call_later(self._follow_key, parent, token):
            self._follow_key(parent, token)

    async def _key_done(self, token: int) -> None:
        if self._key_in_flight != token:
            return  # this key was already done (the timer, or the callback, came first)
        self._key_in_flight = 0
        if not self._key_backlog:
            return
        if self.screen is not self._key_screen:
            # The key opened (or closed) a screen: the next goes where that screen puts the
            # focus once it is mounted, not to whatever Textual focused first.
            self._key_in_flight = token
            self.call_after_refresh(self._next_key, token)
            self.set_timer(KEY_TIMEOUT, partial(self._next_key, token))  # never stuck
            return
        await self.on_event(self._key_backlog.pop(0))

    async def _next_key(self, token: int) -> None:
        if self._key_in_flight == token:
            self._key_in_flight = 0
            self._key_screen = self.screen
            if self._key_backlog:
                await self.on_event(self._key_backlog.pop(0))

    def _check_idle(self) -> None:
        if self.store is None or self.locked:
            return
        idle = time.monotonic() - self._last_activity
        if idle >= float(self.config.auto_lock_minutes) * 60:
            self.lock()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "lock":
            return self.store is not None and not self.locked
        return True

    def action_lock(self) -> None:
        """Lock at once, or, when the focused field still has keys typed before ctrl+l to take,
        right behind them: what was typed is all in the kept draft, none of it lost."""
        from asb_tui.widgets.key_routing import has_unread_keys

        target = self.focused
        if target is None or self._holding_keys or not has_unread_keys(target):
            self.lock(by_officer=True)
            return
        self._holding_keys = True
        target.call_later(self._lock_behind_keys)

    def _lock_behind_keys(self) -> None:
        self.lock(by_officer=True)
        # The keys held meanwhile go to the lock screen once it has focused its passphrase field.
        self.call_after_refresh(self._release_held_keys)

    async def _release_held_keys(self) -> None:
        held, self._held_keys = self._held_keys, []
        self._holding_keys = False
        for event in held:
            await super().on_event(event)

    def lock(self, *, by_officer: bool = False) -> None:
        """Take what open screens have typed, blank them, show the lock screen; a worker keeps
        the drafts (encrypted, in the store) and only THEN drops the key and the engines.

        Taking the drafts is a read of the widgets, on the UI thread, so no key typed before
        ctrl+l is left out; saving them touches the database, so a worker does it. Closing the
        store wipes its key buffer and disposes of the engines (their connection creator held
        only that buffer); unlocking opens a new Store with new engines. Nothing the app keeps
        refers to the key or the passphrase afterwards (a test walks the live objects).
        """
        store = self.store
        if store is None or self.locked:
            return
        from asb_tui.screens.base import EditingScreen
        from asb_tui.screens.unlock import UnlockScreen

        drafts: dict[str, dict[str, Any]] = {}
        for screen in self.screen_stack:
            if isinstance(screen, EditingScreen):
                drafts[screen.draft_key()] = screen.draft_state()
                screen.hide_for_lock()
        self.store = None
        self.locked = True
        self._drafts_kept.clear()
        self.push_screen(UnlockScreen(locked=True, by_officer=by_officer))
        self.run_worker(
            partial(self._keep_drafts_then_close, store, drafts),
            thread=True,
            group="lock",
            exit_on_error=False,
        )

    def _keep_drafts_then_close(self, store: Store, drafts: dict[str, dict[str, Any]]) -> None:
        from asb_tui.screens.lock_drafts import keep_lock_drafts

        try:
            keep_lock_drafts(store, drafts)
        finally:
            store.close()
            self._drafts_kept.set()

    def _restore_after_lock(self) -> None:
        """Put back what the screens had typed (read in a worker); keys typed meanwhile wait,
        so none lands in a field before its draft is back or is overwritten by it."""
        from asb_tui.screens.base import EditingScreen

        store = self.store
        if store is None:
            return
        self._holding_keys = True  # hold typed keys until the drafts are back
        keys = [s.draft_key() for s in self.screen_stack if isinstance(s, EditingScreen)]
        self.run_worker(
            partial(self._read_drafts, store, keys),
            thread=True,
            group="unlock-drafts",
            exit_on_error=False,
        )

    def _read_drafts(self, store: Store, keys: list[str]) -> None:
        from asb_tui.screens.lock_drafts import read_lock_drafts

        self._drafts_kept.wait(timeout=30)  # the lock's worker has saved them and let go
        try:
            drafts = read_lock_drafts(store, keys)
        except Exception:
            log.exception("the lock drafts could not be read back")
            drafts = {}
        self.post_message(DraftsRead(store, drafts))

    @on(DraftsRead)
    def _put_drafts_back(self, message: DraftsRead) -> None:
        from asb_tui.screens.base import AsbScreen, EditingScreen
        from asb_tui.screens.lock_drafts import forget_lock_drafts

        store, drafts = message.store, message.drafts

        for screen in self.screen_stack:
            if isinstance(screen, EditingScreen) and screen.draft_key() in drafts:
                screen.restore_draft(drafts[screen.draft_key()])
            if isinstance(screen, AsbScreen):
                screen.reload()
        if drafts and store.is_open:
            self.run_worker(
                partial(forget_lock_drafts, store, list(drafts)),
                thread=True,
                group="unlock-drafts",
                exit_on_error=False,
            )
        self.call_after_refresh(self._release_held_keys)

    # -- help ----------------------------------------------------------------------------------

    def action_help(self) -> None:
        from asb_tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def on_unmount(self) -> None:
        self.collector.stop()
        if self.store is not None:
            self.store.close()


def run_app(args: argparse.Namespace) -> int:
    """`asb-tui` with no subcommand: resolve the config and run the app (never dumpable: the
    unlocked app holds the data key)."""
    from asb_tui.cli_commands.common import config
    from asb_tui.process_hardening import forbid_core_dumps

    forbid_core_dumps()
    cfg = config(args)
    AsbApp(cfg, cfg.data_dir).run()
    return 0


if TYPE_CHECKING:

    def _fits(app: AsbApp) -> OfficerApp:
        """mypy checks here that the app is what the screens take it for."""
        return app
