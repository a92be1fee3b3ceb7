"""Half-typed forms kept in the encrypted store (`form_draft`).

Drafts are written with a plain session on the write engine, NOT through the unit of work: a
draft is not a user record. It must not travel to the central service (the unit of work would
append a sync change record for it), and it must not extend the audit chain every time the app
auto-locks or a field form is parked. It is still inside the SQLCipher file, so it is encrypted
like everything else, and the write engine's IMMEDIATE transaction keeps it consistent.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from asb_tui.store.core.models import FormDraft, utcnow
from asb_tui.store.core.store import Store


def save_draft(store: Store, key: str, payload: dict[str, Any]) -> None:
    """Keep (or replace) the draft stored under `key`."""
    with Session(store.write_engine) as session:
        row = session.get(FormDraft, key)
        if row is None:
            session.add(FormDraft(key=key, payload=payload))
        else:
            row.payload = payload
            row.saved_at = utcnow()
            session.add(row)
        session.commit()


def load_draft(store: Store, key: str) -> dict[str, Any] | None:
    """The draft stored under `key`, or None."""
    with store.read() as session:
        row = session.get(FormDraft, key)
        return None if row is None else dict(row.payload)


def delete_draft(store: Store, key: str) -> None:
    """Forget the draft under `key` (no error when there is none)."""
    with Session(store.write_engine) as session:
        row = session.get(FormDraft, key)
        if row is not None:
            session.delete(row)
            session.commit()


def draft_keys(store: Store, prefix: str = "") -> list[str]:
    """Keys of the stored drafts that start with `prefix`."""
    with store.read() as session:
        keys = session.exec(select(FormDraft.key).order_by(col(FormDraft.key))).all()
    return [key for key in keys if key.startswith(prefix)]
