"""The service's anchor rule on chains built here: a chain that still passes through the
anchored head is accepted however it grows; one rewritten before it is flagged however many
events follow; links that do not form one chain are flagged."""

from __future__ import annotations

import hashlib

from sync.protocol import AuditHead, AuditLink
from sync.server.anchor import check

GENESIS = "0" * 64


def _chain(tag: str, count: int, start: tuple[int, str] = (0, GENESIS)) -> list[AuditLink]:
    links, (seq, prev) = [], start
    for n in range(seq + 1, seq + count + 1):
        digest = hashlib.sha256(f"{prev}{tag}{n}".encode()).hexdigest()
        links.append(AuditLink(seq=n, prev_hash=prev, hash=digest))
        prev = digest
    return links


def _head(links: list[AuditLink], sent_from: int = 0) -> AuditHead:
    return AuditHead(count=links[-1].seq, hash=links[-1].hash, links=links[sent_from:])


def test_an_extended_chain_moves_the_anchor() -> None:
    first = _chain("a", 10)
    more = _chain("a", 5, start=(10, first[-1].hash))
    checked = check(10, first[-1].hash, _head(first + more, sent_from=10))
    assert (checked.count, checked.hash, checked.flag) == (15, more[-1].hash, None)


def test_a_rewrite_is_flagged_however_many_events_pad_it() -> None:
    honest = _chain("a", 10)
    for padding in (1, 50, 4000):
        forged = _chain("b", 10 + padding)
        checked = check(10, honest[-1].hash, _head(forged, sent_from=10))
        assert checked.flag is not None and "do not follow" in checked.flag
        assert checked.count == 10 + padding  # re-anchored: the next push is not flagged again


def test_a_shorter_or_different_head_is_flagged() -> None:
    honest = _chain("a", 10)
    assert "went back" in (check(10, honest[-1].hash, _head(honest[:7])).flag or "")
    assert "different hash" in (check(10, honest[-1].hash, _head(_chain("b", 10))).flag or "")


def test_links_that_do_not_chain_are_flagged() -> None:
    links = _chain("a", 10)
    broken = [*links[:4], links[5], *links[6:]]
    assert "does not follow" in (check(None, None, _head(broken)).flag or "")


def test_links_from_elsewhere_leave_the_anchor_and_raise_nothing() -> None:
    links = _chain("a", 30)
    checked = check(10, links[9].hash, _head(links, sent_from=20))
    assert (checked.count, checked.hash, checked.flag) == (10, links[9].hash, None)


def test_links_that_stop_short_anchor_where_they_end() -> None:
    links = _chain("a", 30)
    head = AuditHead(count=30, hash=links[-1].hash, links=links[10:20])
    checked = check(10, links[9].hash, head)
    assert (checked.count, checked.hash, checked.flag) == (20, links[19].hash, None)
