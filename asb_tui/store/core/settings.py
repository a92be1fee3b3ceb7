"""Small named facts kept inside the encrypted store (device id, counters, sync cursor, token)."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session

from asb_tui.store.core.models import Setting

DEVICE_ID = "device_id"
DEVICE_COUNTER = "device_counter"
CASE_REF_COUNTER = "case_ref_counter"
SCHEMA_CREATED = "created_at"
#: the server address, device token and officer's team of an enrolled laptop (JSON)
SYNC_SETTINGS = "sync.settings"


def get(session: Session, key: str, default: str | None = None) -> str | None:
    row = session.get(Setting, key)
    return default if row is None else row.value


def get_json(session: Session, key: str, default: Any) -> Any:
    """A fact kept as JSON, or `default` when it is missing or cannot be read."""
    raw = get(session, key)
    if raw is None:
        return default
    try:
        return json.loads(raw)
    except ValueError:
        return default


def put(session: Session, key: str, value: str) -> None:
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value
        session.add(row)


def enrolled_team(session: Session) -> str:
    """The team the sync service has this laptop's officer in ("" when not enrolled)."""
    data = get_json(session, SYNC_SETTINGS, {})
    team = data.get("team") if isinstance(data, dict) else None
    return team if isinstance(team, str) else ""
