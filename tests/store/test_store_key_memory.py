"""A closed store keeps no copy of its key: after close (and after a passphrase change or a rekey)
no live object holds the data key, the passphrase or the recovery key in any form; while the
store is open, the same walk finds the key in the store's one key buffer and nowhere else."""

from __future__ import annotations

import secrets
from datetime import date
from pathlib import Path

import pytest
from memory_testkit import holders_of, needles_for

from asb_tui.store.core import keyslots
from asb_tui.store.core.errors import StoreLocked
from asb_tui.store.core.models import Case
from asb_tui.store.core.store import StorePaths, change_passphrase, create_store, open_store, rekey


def _data_key(data_dir: Path, passphrase: str) -> bytes:
    key_file = keyslots.read_key_file(StorePaths(data_dir).key_file)
    return keyslots.open_slot(key_file.slot(keyslots.PASSPHRASE), passphrase)


def _unique(label: str) -> str:
    # Built at run time, so the only str holding it is the test's own (skipped by identity).
    return f"{label} {secrets.token_hex(8)} words"


def test_a_closed_store_keeps_no_copy_of_its_key(data_dir: Path) -> None:
    passphrase = _unique("memory test")
    store, recovery = create_store(data_dir, passphrase, actor="Officer")
    with store.write() as uow:
        uow.add(
            Case(ref="ASB-1", category="personal", status="accepted", referred_on=date.today()),
            action="case.refer",
        )
    with store.read() as session:
        assert session.get(Case, "no such id") is None
    needles = {**needles_for(passphrase, _data_key(data_dir, passphrase)), "recovery": recovery}
    assert holders_of(needles) == ["data key in a bytearray held by DataKey"]

    store.close()
    assert holders_of(needles) == []
    assert not store.is_open
    with pytest.raises(StoreLocked), store.read():
        pass

    reopened = open_store(data_dir, passphrase, actor="Officer")
    with reopened, reopened.read() as session:
        assert session.get(Case, "no such id") is None
    assert holders_of(needles) == []


def test_passphrase_change_and_rekey_keep_no_copy_of_any_key(data_dir: Path) -> None:
    old = _unique("old passphrase")
    new = _unique("new passphrase")
    created, recovery = create_store(data_dir, old, actor="Officer")
    created.close()
    old_key = _data_key(data_dir, old)
    change_passphrase(data_dir, old, new)
    result = rekey(data_dir, new, actor="Officer")
    new_key = _data_key(data_dir, new)
    assert new_key != old_key
    needles = {
        **needles_for(old, old_key),
        **{f"new {name}": value for name, value in needles_for(new, new_key).items()},
        "recovery": recovery,
        "new recovery": result.recovery_key,
    }
    assert holders_of(needles) == []
