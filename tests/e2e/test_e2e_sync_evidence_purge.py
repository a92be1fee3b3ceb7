"""A case purged from a partner's laptop takes its evidence files with it: the exhibit's row
syncs, its sealed chunks are copied chunk by chunk through the blob store's transfer interface
(as the file transfer does); when the share is withdrawn the next sync unlinks them."""

# ruff: noqa: F811  (the fixtures imported from sync_e2e_support are test arguments)

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path

from sync_e2e_support import (  # noqa: F401  (fixtures)
    LaptopFactory,
    central,
    central_db,
    laptops,
    unique_team,
)
from sync_server_testkit import ServerProcess

from asb_tui.store.commands.evidence import attach_evidence
from asb_tui.store.commands.sharing import share_case, withdraw_share
from asb_tui.store.core.models import EvidenceItem
from asb_tui.store.queries.evidence import blob_ref

S115 = "s115-crime-and-disorder-act-1998"


def test_a_withdrawn_share_unlinks_the_partners_evidence_files(
    laptops: LaptopFactory, central: ServerProcess, tmp_path: Path
) -> None:
    police = f"Police {uuid.uuid4().hex[:6]}"
    owner = laptops(team=unique_team(), agency="Council", name="Owner")
    officer = laptops(team=unique_team(), agency=police, name="Constable")
    case_id = owner.new_case("Threats by text", victim_name="Victim E")
    photo = tmp_path / "screenshot.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(3 * 1024 * 1024))
    attached = attach_evidence(owner.store, case_id, photo, officer="Owen Jones")
    share = share_case(owner.store, case_id, agency=police, what="Whole case", legal_basis=S115,
                       shared_on=date(2026, 1, 6), today=date(2026, 1, 6),
                       includes_files=True)  # fmt: skip
    assert owner.sync().result.ok and officer.sync().result.ok
    with officer.store.read() as session:
        row = session.get(EvidenceItem, attached.item.id)
        assert row is not None and row.sha256 == attached.item.sha256
        ref = blob_ref(row)
    assert ref is not None
    for n in officer.store.blobs.missing_chunks(ref):
        officer.store.blobs.write_sealed(ref, n, owner.store.blobs.read_sealed(ref, n))
    officer.store.blobs.finish(ref)
    assert b"".join(officer.store.blobs.iter_plain(ref)) == photo.read_bytes()

    withdraw_share(owner.store, share.id, reason="the operation has ended")
    assert owner.sync().result.ok and officer.sync().result.ok
    assert officer.case(case_id) is None
    assert not officer.store.blobs.folder(ref).exists()
    assert list(officer.store.paths.data_dir.glob("evidence/*/*")) == []
    assert owner.store.blobs.has_complete(ref)  # the owner keeps the case and its file
