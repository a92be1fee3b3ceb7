"""The laptop's side of the first pull by snapshot (`GET /v1/snapshot`, sync/server/snapshot.py).

A laptop that has pulled nothing, and whose first pull does not fit in the one page of the
sync's first exchange, asks for the current rows of its cases in pages of whole cases instead of
replaying the stream; each page is applied in one local transaction with the cursor
(the snapshot's head and the last case), so a broken link costs at most the page in flight and
the next sync resumes after the last case applied. After the last page the ordinary pull goes on
from the snapshot's head. A service without the route (404) gets the ordinary replay.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

from pydantic import ValidationError

from sync.protocol import (
    MAX_SNAPSHOT_ROWS,
    MAX_STRING_CHARS,
    SNAPSHOT_COLUMNS,
    SNAPSHOT_PAGE_FACTOR,
    UUID_PATTERN,
    PullPage,
    SnapshotPage,
)
from sync.replica_contract import (
    SnapshotCursor,
    SyncError,
    SyncProgress,
    SyncProtocolError,
    SyncResult,
    SyncServerError,
)
from sync.snapshot_columns import CodingError, decode_page

if TYPE_CHECKING:
    from sync.client import SyncClient


_UUID = re.compile(UUID_PATTERN)
#: a page's answer gives its fields first; its rows begin at one of these
_ROWS_START = (b',"groups":[', b',"sections":[')
#: the most bytes the fields in front of a page's rows take (more: read at the answer's end)
_HEAD_BYTES = 4096
#: the next page is asked for once this page's answer has about this long left to come at the
#: rate it has come so far: the next answer's first bytes (a round trip and the service's
#: first read) then arrive as this one ends, and the link does not idle between pages
_LEAD_SECONDS = 1.0

#: "fresh": the laptop has pulled nothing (a first pull that does not fit in the exchange's
#: one page is a snapshot); "resume": a snapshot was interrupted and goes on
Due = Literal["fresh", "resume"]


def due(client: SyncClient) -> Due | None:
    """Whether this sync's pull may be a snapshot, and which kind (None: the ordinary pull)."""
    replica = client.replica
    if replica.snapshot_cursor() is not None:
        return "resume"
    return "fresh" if replica.pull_cursor() == 0 else None


def page_rows(client: SyncClient) -> int:
    """The rows a snapshot page is asked for: the pull's page size times the factor, unless the
    client was given its own."""
    rows = client.snapshot_page_rows or client.page_size * SNAPSHOT_PAGE_FACTOR
    return max(1, min(MAX_SNAPSHOT_ROWS, rows))


class _Progress:
    """Rows and bytes so far, and the time left at the rate so far (for the sync screen and the
    CLI, which show `SyncProgress.message`)."""

    def __init__(self, client: SyncClient, notify: Callable[[SyncProgress], None]) -> None:
        self.client = client
        self.notify = notify
        self.started = time.monotonic()
        self.bytes_at_start = client.bytes_received
        self.rows = 0
        self.total: int | None = None

    def page(self, page: SnapshotPage, pulled: int) -> None:
        if self.total is None:
            self.total = page.rows_left or 0
        self.rows += page.row_count()
        received = self.client.bytes_received - self.bytes_at_start
        # The count is of the rows the pages will carry (the device's own left out), as of the
        # first page: rows written or deleted since move it a little, so the last page ends
        # the count where it is (100 %), and one past it raises it.
        if not page.more or self.rows > self.total:
            self.total = self.rows
        left = self.total - self.rows
        elapsed = time.monotonic() - self.started
        seconds_left = elapsed / self.rows * left if self.rows else None
        eta = f", about {seconds_left:.0f} s left" if seconds_left is not None and left else ""
        self.notify(
            SyncProgress(
                "pull",
                pulled,
                f"first pull (snapshot): {self.rows:,} of {self.total:,} rows, "
                f"{received / 1e6:.1f} MB{eta}",
                total=pulled + left,
                bytes_done=received,
                seconds_left=seconds_left if left else 0.0,
            )
        )


class _Early:
    """Watches a page's answer as it arrives (`SyncClient.request_data`'s `watch`) and gives
    the cursor of the page after it (`_following` of the fields in front of its rows) once the
    answer has about `_LEAD_SECONDS` left to come, judged by the size of the last whole page
    (`expected`; None: at the answer's end, as for the first page). The cursor is only where
    to ask next: the answer is still decoded and checked whole, and must end naming the same
    next page (`pull_snapshot`)."""

    def __init__(self, expected: int | None) -> None:
        self.expected = expected
        self.cursor: Future[SnapshotCursor | None] = Future()
        self.seen = 0  # the answer's bytes so far (inflated)
        self._started: tuple[float, int] | None = None
        self._lock = threading.Lock()

    def __call__(self, body: bytearray) -> bool:
        self.seen = len(body)
        if self.cursor.done() or self.expected is None:
            return False
        now = time.monotonic()
        if self._started is None:
            self._started = (now, len(body))
            return False
        since, at = self._started
        rate = (len(body) - at) / (now - since) if now > since else 0.0
        if rate <= 0 or (self.expected - len(body)) / rate > _LEAD_SECONDS:
            return False
        self.give(_head_cursor(body))
        return False

    def give(self, cursor: SnapshotCursor | None) -> None:
        """The cursor to ask with next (None: none early); the first given stands."""
        with self._lock:
            if not self.cursor.done():
                self.cursor.set_result(cursor)


def _head_cursor(body: bytearray) -> SnapshotCursor | None:
    """The next page's cursor read from the fields in front of the answer's rows, or None."""
    head = bytes(body[:_HEAD_BYTES])
    ends = [i for i in (head.find(marker) for marker in _ROWS_START) if i > 0]
    if not ends:
        return None
    try:
        fields = json.loads(head[: min(ends)] + b"}")
    except ValueError:
        return None
    return _following(fields)


def _ask(
    client: SyncClient,
    cursor: SnapshotCursor | None,
    *,
    count: bool,
    early: _Early | None = None,
) -> Any:
    """One page's answer as parsed JSON (decoded and validated by `_checked`, on the laptop's
    thread, while the next page comes); `early` watches it as it arrives."""
    params: dict[str, Any] = {"limit": page_rows(client)}
    if count:
        params["count"] = "true"
    if cursor is not None:
        params["head"] = cursor.head
        if cursor.after_case is not None:
            params["after_case"] = cursor.after_case
    if client.snapshot_columns:
        params["format"] = SNAPSHOT_COLUMNS
    if client.wants_own_rows():
        params["own"] = "true"
    return client.request_data("GET", "/snapshot", "SnapshotPage", params=params, watch=early)


def _following(data: Any) -> SnapshotCursor | None:
    """The cursor of the page after this answer, read from its first fields before the page is
    decoded and checked, so the next page is asked for at once (the link would otherwise idle
    for the page's decoding and validation). A malformed answer gives none and is refused
    whole by `_checked`."""
    if not isinstance(data, dict) or data.get("more") is not True:
        return None
    head, next_case = data.get("head"), data.get("next_case")
    if type(head) is not int or not isinstance(next_case, str):
        return None
    if head < 0 or not _UUID.fullmatch(next_case):
        return None
    return SnapshotCursor(head, next_case)


def _checked(client: SyncClient, data: Any, cursor: SnapshotCursor | None) -> SnapshotPage:
    page = _page(client, data)
    if cursor is not None and (page.head != cursor.head or page.after_case != cursor.after_case):
        raise SyncProtocolError("the server answered for another snapshot cursor than asked")
    if page.more and page.next_case is None:
        raise SyncProtocolError("the server's snapshot page does not advance")
    return page


def _page(client: SyncClient, data: Any) -> SnapshotPage:
    """The answer as a `SnapshotPage`: a columnar one (`format` 2) decoded first, a plain one
    (a service from before the coding) as it is; either validated as a plain page is."""
    if isinstance(data, dict) and data.get("format") == SNAPSHOT_COLUMNS:
        try:
            data = decode_page(
                data,
                max_string_chars=MAX_STRING_CHARS,
                max_total_chars=client.max_reply_bytes,
            )
        except CodingError as exc:
            raise SyncProtocolError(
                f"the server sent a snapshot page that does not decode: {exc}"
            ) from None
    elif isinstance(data, dict) and "format" in data:
        raise SyncProtocolError(f"the server sent a snapshot page in format {data['format']!r}")
    try:
        return SnapshotPage.model_validate(data)
    except ValidationError as exc:
        raise SyncProtocolError(
            f"the server sent a malformed SnapshotPage: "
            f"{exc.error_count()} problem(s), first: {exc.errors()[0]['msg']}"
        ) from exc


def _stream_page(stream: Future[PullPage] | None) -> PullPage | None:
    """The stream's first page asked for early, or None when it failed (asked again then,
    retried as any pull)."""
    if stream is None:
        return None
    try:
        return stream.result()
    except SyncError:
        return None


def pull_snapshot(
    client: SyncClient, result: SyncResult, notify: Callable[[SyncProgress], None]
) -> tuple[SyncResult, bool, PullPage | None]:
    """Every page of the snapshot (from the kept cursor when one was interrupted), the next
    asked for while the last is applied, or before the last has all come (`_Early`). Returns
    the result, whether a snapshot was taken (False: the service has none, the caller
    replays the stream), and the stream's first page after the snapshot's head, asked for
    while the last page was applied (None: the caller asks for it; its cursor is checked
    there as any page's)."""
    replica = client.replica
    cursor = replica.snapshot_cursor()
    progress = _Progress(client, notify)
    # two answers may be in flight at once (the next asked for as this one ends)
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="sync-snapshot") as fetcher:

        def ask(at: SnapshotCursor | None, count: bool, expected: int | None) -> tuple[Any, _Early]:
            early = _Early(expected)
            coming = fetcher.submit(
                client.with_retries, partial(_ask, client, at, count=count, early=early)
            )
            coming.add_done_callback(lambda _done: early.give(None))
            return coming, early

        coming, early = ask(cursor, True, None)
        following_ask: tuple[Any, _Early] | None = None
        try:
            while True:
                asked_early = early.cursor.result()  # once this answer nears its end
                if asked_early is not None:
                    following_ask = ask(asked_early, False, early.expected)
                try:
                    data = coming.result()
                except SyncServerError as err:
                    if err.status == 404 and cursor is None:
                        return result, False, None  # a service from before the snapshot
                    raise
                following = _following(data)
                if asked_early is not None and following != asked_early:
                    raise SyncProtocolError(
                        "the server's snapshot page named another next page at its end "
                        "than in front of its rows"
                    )
                if following is not None and following_ask is None:
                    following_ask = ask(following, False, early.seen)
                stream = None
                if following is None and isinstance(data, dict) and type(data.get("head")) is int:
                    # the last page: the stream after its head comes while it is applied
                    stream = fetcher.submit(partial(client.pull_page, data["head"]))
                page = _checked(client, data, cursor)
                summary = replica.apply_snapshot(page)
                pulled = result.pulled + page.row_count()
                progress.page(page, pulled)
                result = replace(
                    result,
                    pulled=pulled,
                    cursor=page.head if not page.more else result.cursor,
                    new_conflicts=result.new_conflicts + summary.conflicts_opened,
                    set_aside_pulled=result.set_aside_pulled + summary.set_aside,
                )
                if not page.more:
                    return result, True, _stream_page(stream)
                if following is None or following_ask is None:
                    # a page `_checked` passed always names its next case
                    raise SyncProtocolError("the server's snapshot page does not advance")
                cursor = following
                (coming, early), following_ask = following_ask, None
        finally:
            fetcher.shutdown(wait=True, cancel_futures=True)
