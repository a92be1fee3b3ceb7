"""Human case references: `ASB-2026-K7Q-00042`.

The parts: the year the case was referred, a short *series* tag, and a per-year, per-series
counter read and bumped inside the caller's write transaction.

Why a series tag and not a bare `ASB-2026-00042`: several laptops create cases while offline, and
two bare counters would both hand out `ASB-2026-00001`. The `ref` column is unique, so the second
copy to arrive would not even apply when cases sync between laptops. A central allocator cannot
help an offline laptop, and renumbering after sync would break the reference the officer has
already written on letters and given to the victim and the police. So each store numbers its own
series and the tag keeps series apart:

- by default the tag is three Crockford base32 characters (no I, L, O or U, so it reads aloud
  without confusion) of the SHA-256 of the store's device id: stable for the life of the store and
  free of anything that identifies the officer;
- three characters give 32,768 series, so two devices may collide by chance (about 1 in 100
  among 25 devices, 1 in 7 among 100). The tag is therefore only a default: enrolment with the
  central service records the 4-character tag that the service allocates uniquely per device
  (`set_series_tag`), and from then on the device numbers in that series. In any case
  `next_case_ref` checks the unique `ref` index and skips a number that is already taken (an
  imported or pulled case), so a reference is never handed out twice within a store.
- demo data uses a series of its own per store: `DEM` followed by the store's default tag
  (`ASB-2026-DEMK7Q-00001`, `demo_series`). Six characters, where a real series has three or four,
  so a demo case can never be mistaken for a real one; the store's own tag, so two demo stores
  enrolled with one service (a council trying the system on several laptops) number their cases
  apart and each pulls the other's without a clash on the unique `ref`. The same seed gives the
  same numbers in any store, in that store's series. (Stores made before this used a bare `DEM`
  series, which every store shared; their cases keep their references.)
"""

from __future__ import annotations

import hashlib
import re

from sqlmodel import Session, select

from asb_tui.store.core import settings
from asb_tui.store.core.models import Case
from asb_tui.store.core.unit_of_work import UnitOfWork

PREFIX = "ASB"
SERIES_TAG = "case_ref_series"
DEMO_PREFIX = "DEM"
# The series every demo store shared before each had its own: still counted as demo data.
LEGACY_DEMO_SERIES = DEMO_PREFIX
# Crockford's base32: digits and letters without I, L, O, U.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_TAG_PATTERN = re.compile(r"^[0-9A-HJKMNP-TV-Z]{2,6}$")
REF_PATTERN = re.compile(r"^ASB-(\d{4})-([0-9A-HJKMNP-TV-Z]{2,6})-(\d{5,})$")


def device_series_tag(device_id: str) -> str:
    """The default series tag of a device: 3 base32 characters of SHA-256(device id)."""
    digest = int.from_bytes(hashlib.sha256(device_id.encode("utf-8")).digest()[:4], "big")
    return "".join(_ALPHABET[(digest >> shift) & 31] for shift in (27, 22, 17))


def demo_series(device_id: str) -> str:
    """A store's demo series: `DEM` and the tag derived from the store's device id."""
    if not device_id:
        raise ValueError("the store has no device id")
    return DEMO_PREFIX + device_series_tag(device_id)


def _session(uow_or_session: UnitOfWork | Session) -> Session:
    return uow_or_session.reads if isinstance(uow_or_session, UnitOfWork) else uow_or_session


def series_tag(uow_or_session: UnitOfWork | Session) -> str:
    """This store's series: the tag set at enrolment, else the one derived from the device id."""
    session = _session(uow_or_session)
    chosen = settings.get(session, SERIES_TAG)
    if chosen:
        return chosen
    device_id = settings.get(session, settings.DEVICE_ID)
    if not device_id:
        raise ValueError("the store has no device id")
    return device_series_tag(device_id)


def set_series_tag(uow: UnitOfWork, tag: str) -> None:
    """Use `tag` (2 to 6 base32 characters, e.g. allocated by the central service) from now on.

    Call inside a write transaction. Numbers restart at 1 in the new series, which is safe
    because the tag is part of every reference.
    """
    cleaned = tag.strip().upper()
    if not _TAG_PATTERN.match(cleaned):
        raise ValueError(f"{tag!r} is not a series tag: use 2 to 6 of the characters {_ALPHABET}")
    uow.put_setting(SERIES_TAG, cleaned)


def counter_key(year: int, tag: str) -> str:
    return f"{settings.CASE_REF_COUNTER}:{year}:{tag}"


def format_case_ref(year: int, tag: str, number: int) -> str:
    return f"{PREFIX}-{year:04d}-{tag}-{number:05d}"


def next_case_ref(uow: UnitOfWork, year: int, *, series: str | None = None) -> str:
    """The next free reference for a case referred in `year`, e.g. `ASB-2026-K7Q-00042`.

    Call it inside the write transaction that adds the case (`with store.write() as uow:`), so
    the counter is read and bumped under the write lock: two officers' windows on one laptop can
    never get the same number, and a rolled-back case gives its number back. `series` overrides
    the store's tag (the demo data uses `demo_series`).
    """
    if not 1900 <= year <= 9999:
        raise ValueError(f"{year} is not a plausible referral year")
    session = uow.reads
    tag = series if series is not None else series_tag(session)
    if not _TAG_PATTERN.match(tag):
        raise ValueError(f"{tag!r} is not a series tag")
    key = counter_key(year, tag)
    number = int(settings.get(session, key, "0") or "0")
    while True:
        number += 1
        ref = format_case_ref(year, tag, number)
        taken = session.exec(select(Case.id).where(Case.ref == ref)).first()
        if taken is None:
            break
    uow.put_setting(key, str(number))
    return ref
