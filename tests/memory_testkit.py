"""What live Python objects still hold a secret: a walk over every object the garbage collector
tracks (and the frames of running threads), looking at each one's referents for a str, bytes or
bytearray that contains the secret.

Strings and bytes are not tracked by the collector themselves, so they are found through what
holds them: an instance's dict, a closure cell, a list, a frame. The secrets the test holds are
passed in and skipped by identity; any other copy counts.
"""

from __future__ import annotations

import gc
import sys
from types import FrameType

Needles = dict[str, str | bytes]


def needles_for(passphrase: str, data_key: bytes) -> Needles:
    return {
        "passphrase": passphrase,
        "passphrase (UTF-8)": passphrase.encode("utf-8"),
        "data key": data_key,
        "data key (hex)": data_key.hex(),
        "data key (HEX)": data_key.hex().upper(),
    }


def holders_of(needles: Needles) -> list[str]:
    """One line per copy found: which secret, in what, held by what."""
    gc.collect()
    own = {id(value) for value in needles.values()}
    objects = [o for o in gc.get_objects() if o is not needles]
    for frame in sys._current_frames().values():  # what running threads hold in their locals
        walking: FrameType | None = frame
        while walking is not None:
            objects.append(walking)
            walking = walking.f_back
    # One pass in C over every referent; the (slow) search for holders only when something shows.
    texts = {
        id(value): value
        for value in gc.get_referents(*objects)
        if isinstance(value, _TEXT_TYPES) and id(value) not in own
    }
    leaked = [
        (name, value)
        for value in texts.values()
        for name, needle in needles.items()
        if _contains(value, needle)
    ]
    found: list[str] = []
    for name, value in leaked:
        found.append(f"{name} in a {type(value).__name__} held by {_holders(objects, value)}")
    del objects, texts
    return found


_TEXT_TYPES = (str, bytes, bytearray)


def _holders(objects: list[object], value: object) -> str:
    """The types of the objects that refer to `value` (plain loops: a closure over `value`
    would itself hold it)."""
    names: list[str] = []
    for holder in objects:
        for referent in gc.get_referents(holder):
            if referent is value:
                names.append(type(holder).__name__)
                break
    return ", ".join(names) or "?"


def _contains(value: object, needle: str | bytes) -> bool:
    if isinstance(needle, str):
        return isinstance(value, str) and needle in value
    return isinstance(value, bytes | bytearray) and needle in value
