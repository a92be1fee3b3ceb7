"""The drafts auto-lock keeps: what each open screen had typed, saved before the key is dropped.

They live in the store's draft cache under `lock:<screen's draft key>`, so a form whose draft
is left behind (the app was killed while locked) offers it back when it next opens. Every
function here touches the store: call them in a worker, never on the event loop.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from asb_tui.store.cache.local_cache import delete_draft, load_draft, save_draft
from asb_tui.store.core.store import Store

log = logging.getLogger(__name__)

LOCK_DRAFT_PREFIX = "lock:"


def lock_key(draft_key: str) -> str:
    return LOCK_DRAFT_PREFIX + draft_key


def keep_lock_drafts(store: Store, drafts: Mapping[str, dict[str, Any]]) -> None:
    """Save each screen's draft; one that cannot be saved is logged and the others still are."""
    for draft_key, state in drafts.items():
        try:
            save_draft(store, lock_key(draft_key), state)
        except Exception:
            log.exception("the lock draft of %s could not be kept", draft_key)


def read_lock_drafts(store: Store, draft_keys: list[str]) -> dict[str, dict[str, Any]]:
    """The kept drafts of these screens (those that have one)."""
    found: dict[str, dict[str, Any]] = {}
    for draft_key in draft_keys:
        state = load_draft(store, lock_key(draft_key))
        if state is not None:
            found[draft_key] = state
    return found


def read_lock_draft(store: Store, draft_key: str) -> dict[str, Any] | None:
    return load_draft(store, lock_key(draft_key))


def forget_lock_drafts(store: Store, draft_keys: list[str]) -> None:
    for draft_key in draft_keys:
        delete_draft(store, lock_key(draft_key))
