"""The laptop side of sync: push the outbox, pull the stream, over HTTP.

The client talks to the laptop's store only through `LocalReplica`, which the store implements.
The contract is built so that no failure loses or doubles anything:

- Push: the server records the highest device counter it applied; a batch it already applied is
  skipped. Nothing is marked pushed until the server has committed it (the reply comes after
  commit). If a reply is lost, the next push learns the server's counter and carries on from it.
- Pull: a page is applied and the cursor advanced in ONE local transaction, so a crash either
  keeps the page and the cursor or neither; re-pulling a page is harmless (upserts by version).
- Every reply is validated (pydantic) before anything is applied: a malformed reply is an error,
  never half-applied.
"""

from __future__ import annotations

import gzip
import ipaddress
import json
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, JsonValue, ValidationError

from sync import snapshot_client
from sync.protocol import (
    API_PREFIX,
    DEFAULT_PULL_LIMIT,
    MAX_BATCH,
    MAX_ELSEWHERE_ASK,
    MAX_PULL_LIMIT,
    MAX_REPLY_BYTES,
    AuditHead,
    ChangeOut,
    ConflictOut,
    ElsewhereReply,
    ElsewhereRequest,
    EnrolReply,
    EnrolRequest,
    ErrorReply,
    ExchangeReply,
    ExchangeRequest,
    KnownElsewhere,
    OfficerOut,
    PullPage,
    PushReply,
    PushRequest,
    ResolveRequest,
    StatusReply,
)
from sync.replica_contract import (
    ApplySummary,
    LocalReplica,
    RemovedCase,
    SyncAuthError,
    SyncError,
    SyncNetworkError,
    SyncProgress,
    SyncProtocolError,
    SyncResult,
    SyncServerError,
    SyncSettings,
)

__all__ = [
    "ApplySummary",
    "LocalReplica",
    "RemovedCase",
    "SyncAuthError",
    "SyncClient",
    "SyncError",
    "SyncNetworkError",
    "SyncProgress",
    "SyncProtocolError",
    "SyncResult",
    "SyncServerError",
    "SyncSettings",
]

# --- the client ---------------------------------------------------------------------------------


class _AlreadyResolved(Exception):
    def __init__(self, detail: Any) -> None:
        super().__init__("already resolved")
        self.detail = detail


class _CounterGap(Exception):
    def __init__(self, expected: int) -> None:
        super().__init__(expected)
        self.expected = expected


M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


#: the changes a laptop that has pulled nothing asks for in its first exchange: a team with no
#: more is pulled in that one request, a larger one by the snapshot
FIRST_PULL_IN_EXCHANGE = 100
#: a request body at least this long is sent gzip-compressed (when the service takes it)
GZIP_REQUEST_MINIMUM = 1_024
#: gzip level of request bodies: most of level 9's gain at a fraction of its CPU
GZIP_REQUEST_LEVEL = 6


def _takes_gzip(response: httpx.Response) -> bool:
    """Whether the service said (`Accept-Encoding` on an answer, RFC 7694) that it takes gzip
    request bodies; a service that does not say so is sent plain bodies."""
    codings = response.headers.get("accept-encoding", "")
    return any(c.split(";")[0].strip().lower() == "gzip" for c in codings.split(","))


def _versions_cover(batch: Sequence[ChangeOut], reply: PushReply) -> bool:
    """Whether the reply gave the version of every row the batch inserted or updated (append-only
    rows carry none; a deleted row needs none): then the pull may leave out this device's own
    changes, whose versions the laptop now holds."""
    given = {(v.table, v.row_id) for v in reply.versions}
    refused = {r.device_counter for r in reply.refused}
    return all(
        (c.table, c.row_id) in given
        for c in batch
        if c.op != "delete" and not c.append_only and c.device_counter not in refused
    )


def _refuse_restored(applied_up_to: int, written: int) -> None:
    """The server holds more of this device's changes than the store ever wrote: the store was
    restored from a backup or copied. Its new changes reuse counters the server has applied and
    would be skipped, so nothing is sent or marked sent."""
    if applied_up_to > written:
        raise SyncError(
            f"the server already has {applied_up_to} changes from this laptop but "
            f"its store has written only {written}: it was restored from a backup or "
            "copied. Nothing was sent and nothing is lost; ask an administrator to "
            "enrol it again as a new device."
        )


#: empty pushes one sync may make to bring the service's audit anchor up to the head
_MAX_ANCHOR_ROUNDS = 20


def _now() -> datetime:
    return datetime.now(UTC)


def _is_loopback_url(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class ElsewhereAnswer:
    """The blind index's answer: `known` None when the service said nothing changed since the
    position the laptop gave; `as_of` the position to give next time (None: an older service)."""

    known: list[KnownElsewhere] | None
    as_of: int | None


class SyncClient:
    """Push and pull for one replica. Blocking: run it in a worker thread, never on the UI loop.

    `server_url` defaults to the one stored at enrolment. `transport` lets tests inject faults.
    A network failure is retried `retries` times within one sync (resuming from what the server
    says it has applied) before `SyncNetworkError` is raised.

    `compress` (default): answers are asked for in gzip, and request bodies over
    `GZIP_REQUEST_MINIMUM` bytes are sent gzip-compressed once the service has said it takes them.
    `bytes_sent` / `bytes_received` count the bodies as they crossed the wire (compressed).
    An answer is inflated as it arrives and refused once past `max_reply_bytes` (a bomb).

    `snapshot` (default): a laptop that has pulled nothing takes the current rows of its cases
    as a snapshot (sync/snapshot_client.py) rather than replaying the stream from its start,
    in the columnar coding when `snapshot_columns` (default; False asks for the plain rows, as a
    laptop from before the coding does).
    """

    def __init__(
        self,
        replica: LocalReplica,
        server_url: str | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 60.0,
        batch_size: int = MAX_BATCH,
        page_size: int = DEFAULT_PULL_LIMIT,
        retries: int = 3,
        retry_delay: float = 0.5,
        verify: bool | str = True,
        allow_insecure_http: bool = False,
        compress: bool = True,
        snapshot: bool = True,
        snapshot_page_rows: int | None = None,
        snapshot_columns: bool = True,
    ) -> None:
        self.replica = replica
        self._server_url = server_url.rstrip("/") if server_url else None
        self._transport = transport
        self._timeout = timeout
        self.batch_size = max(1, min(batch_size, MAX_BATCH))
        self.page_size = max(1, page_size)
        self.retries = retries
        self.retry_delay = retry_delay
        self._verify = verify
        self._allow_insecure_http = allow_insecure_http
        self._http: httpx.Client | None = None
        self.compress = compress
        #: the most one answer may inflate to (tests lower it)
        self.max_reply_bytes = MAX_REPLY_BYTES
        #: learnt from the service's answers: it takes gzip request bodies
        self._server_takes_gzip = False
        self.bytes_sent = 0
        self.bytes_received = 0
        #: the counts are added to from two threads while a snapshot's pages overlap
        self._count_lock = threading.Lock()
        #: this sync's pull asks for the device's own changes too: a push reply did not give the
        #: version of a row it changed (another device wrote it, a conflict, a lost reply)
        self._want_own = False
        #: the service answers `POST /exchange` (False after a 404 from an older service)
        self._exchange_ok = True
        #: a first pull is a snapshot (`snapshot`; False after a 404 from an older service)
        self._snapshot_ok = snapshot
        #: rows a snapshot page is asked for (None: `snapshot_client.page_rows` decides)
        self.snapshot_page_rows = snapshot_page_rows
        #: snapshot pages are asked for in the columnar coding (sync/snapshot_columns.py)
        self.snapshot_columns = snapshot_columns
        #: conflicts the pages of this sync opened (a push's own conflicts are counted apart)
        self._opened = 0
        #: the device token, read once per sync: the next page is fetched in a thread while the
        #: replica applies the last, and the replica is called from one thread at a time
        self._sync_token: str | None = None
        #: the audit anchor this sync acknowledged last (each push reply repeats it)
        self._acknowledged: AuditHead | None = None
        #: the service's counter for this device as the exchange that opened the sync said
        self._applied_known: int | None = None

    # -- plumbing ----------------------------------------------------------------------------

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    def __enter__(self) -> SyncClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def server_address(self) -> str:
        """The service this client talks to (given, or the one stored at enrolment)."""
        return self._url()

    def _url(self) -> str:
        url = self._server_url
        if url is None:
            settings = self.replica.sync_settings()
            if settings is None:
                raise SyncAuthError("this laptop is not enrolled for sync: enrol it first")
            url = settings.server_url.rstrip("/")
        scheme = urlsplit(url).scheme
        if scheme not in {"http", "https"}:
            raise SyncError(f"the server address must start with https:// (got {url!r})")
        if scheme == "http" and not _is_loopback_url(url) and not self._allow_insecure_http:
            raise SyncError("the sync server must be reached over https:// (plain HTTP is unsafe)")
        return url

    def _client(self) -> httpx.Client:
        if self._http is None:
            self._http = httpx.Client(
                base_url=self._url(),
                transport=self._transport,
                timeout=self._timeout,
                verify=self._verify,
            )
        return self._http

    def _token(self) -> str:
        if self._sync_token is not None:
            return self._sync_token
        settings = self.replica.sync_settings()
        if settings is None or not settings.device_token:
            raise SyncAuthError("this laptop is not enrolled for sync: enrol it first")
        return settings.device_token

    def _call(
        self,
        method: str,
        path: str,
        reply_model: type[M],
        *,
        body: BaseModel | None = None,
        params: dict[str, Any] | None = None,
        auth: bool = True,
    ) -> M:
        data = self._call_data(method, path, reply_model.__name__, body, params, auth)
        try:
            return reply_model.model_validate(data)
        except ValidationError as exc:
            raise SyncProtocolError(
                f"the server sent a malformed {reply_model.__name__}: "
                f"{exc.error_count()} problem(s), first: {exc.errors()[0]['msg']}"
            ) from exc

    def _call_data(
        self,
        method: str,
        path: str,
        what: str,
        body: BaseModel | None,
        params: dict[str, Any] | None,
        auth: bool = True,
        watch: Callable[[bytearray], bool] | None = None,
    ) -> Any:
        """One request's answer as parsed JSON (`what` names it in the error for one that is
        not JSON); `watch` sees the body as it arrives (see `_bounded_body`)."""
        headers = {"Authorization": f"Bearer {self._token()}"} if auth else {}
        headers["Content-Type"] = "application/json"
        if not self.compress:
            headers["Accept-Encoding"] = "identity"
        content = body.model_dump_json().encode() if body is not None else None
        response = self._send(method, path, content, params, headers, watch)
        if response.status_code == 415 and "content-encoding" in response.request.headers:
            # the service (behind a proxy that changed, say) no longer takes gzip: send it plain
            self._server_takes_gzip = False
            response = self._send(method, path, content, params, headers)
        if response.status_code >= 400:
            self._raise_for(response)
        try:
            # Python's JSON decoder keeps a lone surrogate as it is, so one such value in a pulled
            # page reaches the replica (which sets that change aside) instead of failing the page.
            return json.loads(response.content)
        except ValueError as exc:
            raise SyncProtocolError(f"the server sent a {what} that is not JSON") from exc

    def _send(
        self,
        method: str,
        path: str,
        content: bytes | None,
        params: dict[str, Any] | None,
        headers: dict[str, str],
        watch: Callable[[bytearray], bool] | None = None,
    ) -> httpx.Response:
        sent = content
        headers = dict(headers)
        if (
            content is not None
            and self.compress
            and self._server_takes_gzip
            and len(content) >= GZIP_REQUEST_MINIMUM
        ):
            sent = gzip.compress(content, compresslevel=GZIP_REQUEST_LEVEL, mtime=0)
            headers["Content-Encoding"] = "gzip"
        try:
            http = self._client()
            request = http.build_request(
                method, API_PREFIX + path, content=sent, params=params, headers=headers
            )
            response = http.send(request, stream=True)
            try:
                # what read() would keep
                response._content = self._bounded_body(response, watch)
            finally:
                response.close()
        except httpx.DecodingError as exc:
            raise SyncProtocolError(
                f"the server sent a body that does not decode ({exc}); nothing was applied"
            ) from exc
        except httpx.TransportError as exc:
            raise SyncNetworkError(
                f"could not reach the sync server ({type(exc).__name__}: {exc}); "
                "nothing was lost, try again later"
            ) from exc
        with self._count_lock:
            self.bytes_sent += len(sent or b"")
            self.bytes_received += response.num_bytes_downloaded
        if self.compress and _takes_gzip(response):
            self._server_takes_gzip = True
        return response

    def _bounded_body(
        self, response: httpx.Response, watch: Callable[[bytearray], bool] | None = None
    ) -> bytes:
        """The answer's body, inflated as it arrives and refused as soon as it passes
        `max_reply_bytes`, so a small answer that inflates without end is never held whole.
        A successful answer's body so far is shown to `watch` after each piece until it
        returns True (the snapshot asks for its next page before this one has all come)."""
        body = bytearray()
        watching = watch is not None and response.status_code < 400
        for piece in response.iter_bytes():
            body += piece
            if watching and watch is not None:
                watching = not watch(body)
            if len(body) > self.max_reply_bytes:
                raise SyncProtocolError(
                    f"the server's answer inflates past {self.max_reply_bytes:,} bytes "
                    "(a compression bomb?): refused, nothing was applied"
                )
        return bytes(body)

    @staticmethod
    def _raise_for(response: httpx.Response) -> None:
        status = response.status_code
        try:
            error: ErrorReply | None = ErrorReply.model_validate_json(response.content)
        except ValidationError:
            error = None
        message = error.message if error else f"HTTP {status}"
        if status == 401:
            raise SyncAuthError(message)
        if status == 409 and error is not None and error.error == "counter_gap":
            if error.expected_counter is None or error.expected_counter < 1:
                raise SyncProtocolError("the server reported a counter gap without a counter")
            raise _CounterGap(error.expected_counter)
        if status == 409 and error is not None and error.error == "already_resolved":
            raise _AlreadyResolved(error.detail)
        if status in {502, 503, 504}:
            raise SyncNetworkError(
                f"the sync server is unavailable (HTTP {status}); nothing was lost, try again later"
            )
        raise SyncServerError(f"the sync server refused the request: {message}", status=status)

    def _with_retries(self, action: Callable[[], T]) -> T:
        attempt = 0
        while True:
            try:
                return action()
            except SyncNetworkError:
                attempt += 1
                if attempt > self.retries:
                    raise
                self.close()  # drop a possibly broken connection
                time.sleep(self.retry_delay * attempt)

    # -- for the file transfer (sync/files.py) and the snapshot (sync/snapshot_client.py) ------

    def request_json(
        self, method: str, path: str, reply_model: type[M], *, params: dict[str, Any]
    ) -> M:
        """One JSON request with this device's token and no body (not retried: see
        `with_retries`)."""
        return self._call(method, path, reply_model, params=params)

    def request_data(
        self,
        method: str,
        path: str,
        what: str,
        *,
        params: dict[str, Any],
        watch: Callable[[bytearray], bool] | None = None,
    ) -> Any:
        """`request_json`'s answer as parsed JSON, for a caller that decodes it itself;
        `watch` sees the body as it arrives, until it returns True."""
        return self._call_data(method, path, what, None, params, watch=watch)

    def wants_own_rows(self) -> bool:
        """Whether this sync's pull (or snapshot) must bring the device's own rows too: a push
        reply did not give the version of a row it changed."""
        return self._want_own

    def with_retries(self, action: Callable[[], T]) -> T:
        """`action`, tried again after a network failure (`retries` times, the connection
        dropped in between)."""
        return self._with_retries(action)

    def call(self, method: str, path: str, reply_model: type[M], body: BaseModel) -> M:
        """One JSON request with this device's token, retried on a network failure."""
        return self._with_retries(partial(self._call, method, path, reply_model, body=body))

    def octets(self, method: str, path: str, content: bytes | None = None) -> httpx.Response:
        """One request whose body or answer is raw bytes (a sealed chunk), with this device's
        token: never compressed either way (sealed bytes do not compress), retried on a network
        failure; a refusal raises as `_call`'s do."""
        headers = {"Authorization": f"Bearer {self._token()}", "Accept-Encoding": "identity"}
        if content is not None:
            headers["Content-Type"] = "application/octet-stream"

        def attempt() -> httpx.Response:
            try:
                response = self._client().request(
                    method, API_PREFIX + path, content=content, headers=headers
                )
                response.read()
            except httpx.TransportError as exc:
                raise SyncNetworkError(
                    f"could not reach the sync server ({type(exc).__name__}: {exc}); "
                    "nothing was lost, try again later"
                ) from exc
            self.bytes_sent += len(content or b"")
            self.bytes_received += response.num_bytes_downloaded
            if response.status_code >= 400:
                self._raise_for(response)
            return response

        return self._with_retries(attempt)

    # -- enrolment, status, conflicts ----------------------------------------------------------

    def enrol(self, token: str, device_name: str) -> OfficerOut:
        """Trade an administrator's one-time token for a device token, stored in the replica."""
        if self._server_url is None:
            raise SyncError("give the server address to enrol")
        request = EnrolRequest(
            token=token.strip(), device_id=self.replica.device_id(), device_name=device_name
        )
        reply = self._call("POST", "/enrol", EnrolReply, body=request, auth=False)
        if reply.device_id != request.device_id:
            raise SyncProtocolError("the server enrolled another device id than this laptop's")
        officer = reply.officer
        self.replica.save_sync_settings(
            SyncSettings(
                server_url=self._server_url,
                device_token=reply.device_token,
                officer_id=officer.id,
                officer_name=officer.name,
                team=officer.team,
                agency=officer.agency,
                series=reply.series or "",
            )
        )
        return officer

    def status(self) -> StatusReply:
        return self._call("GET", "/status", StatusReply)

    def resolve_conflict(
        self,
        conflict_id: str,
        choice: Literal["mine", "theirs", "edit"],
        value: JsonValue = None,
    ) -> ConflictOut:
        """Resolve a conflict on the server; the result reaches every device (this one too) at
        its next pull. Resolving an already resolved conflict returns its resolution."""
        try:
            return self._call(
                "POST",
                f"/conflicts/{conflict_id}/resolve",
                ConflictOut,
                body=ResolveRequest(choice=choice, value=value),
            )
        except _AlreadyResolved as done:
            try:
                return ConflictOut.model_validate(done.detail)
            except ValidationError as exc:
                raise SyncProtocolError("the server sent a malformed resolved conflict") from exc

    def known_elsewhere(self, person_ids: Sequence[str]) -> list[KnownElsewhere]:
        """What the service's blind index tells of these person rows (of cases this laptop may
        see): other teams holding the same person or address, how many cases, whom to contact.
        Every reply is checked to answer only for the rows asked about."""
        answer = self.known_elsewhere_since(person_ids, None)
        return answer.known if answer.known is not None else []

    def known_elsewhere_since(
        self, person_ids: Sequence[str], since: int | None
    ) -> ElsewhereAnswer:
        """`known_elsewhere`, asked in pages at the end of a sync (`asb_tui.services.sync_run`).
        With `since` (the `as_of` of the last full answer for these same people) the service may
        answer that nothing changed: then `known` is None and the laptop keeps what it has."""
        wanted = list(dict.fromkeys(person_ids))
        known: list[KnownElsewhere] = []
        as_of: int | None = None
        for start in range(0, len(wanted), MAX_ELSEWHERE_ASK):
            page = wanted[start : start + MAX_ELSEWHERE_ASK]
            request = ElsewhereRequest(person_ids=page, since=since if start == 0 else None)
            reply = self._with_retries(
                partial(self._call, "POST", "/elsewhere", ElsewhereReply, body=request)
            )
            if reply.unchanged:
                if start != 0 or since is None or reply.known:
                    raise SyncProtocolError("the server said unchanged without being asked")
                return ElsewhereAnswer(None, since)
            asked = set(page)
            if any(k.person_id not in asked for k in reply.known):
                raise SyncProtocolError("the server answered about a person not asked about")
            known.extend(reply.known)
            if reply.as_of is not None:
                # The oldest page's position: a change after it is asked about again next time.
                as_of = reply.as_of if as_of is None else min(as_of, reply.as_of)
        return ElsewhereAnswer(known, as_of)

    # -- sync ----------------------------------------------------------------------------------

    def sync(
        self,
        progress: Callable[[SyncProgress], None] | None = None,
        *,
        elsewhere_since: int | None = None,
    ) -> SyncResult:
        """Push every pending change, then pull every page. The result is recorded in the
        replica, failed or not; a failure raises a `SyncError` after recording it.

        The first request is one exchange (`_first_trip`): the first batch, the first page and,
        given `elsewhere_since`, whether the blind index changed; a sync that fits in it ends
        there. What does not fit goes on with the separate pushes and pulls."""
        started = _now()
        result = SyncResult(ok=False, started_at=started, finished_at=started)
        notify = progress or (lambda _p: None)
        self._want_own = False
        self._acknowledged = None
        self._applied_known = None
        try:
            self._opened = 0
            self._sync_token = None
            self._sync_token = self._token()
            snapshot = snapshot_client.due(self) if self._snapshot_ok else None
            pushed_all, pulled_all, result = self._first_trip(
                result, notify, elsewhere_since, snapshot=snapshot
            )
            if not pushed_all:
                result = self._push_all(result, notify)
            if not pulled_all:
                first: PullPage | None = None
                if snapshot:
                    result, self._snapshot_ok, first = snapshot_client.pull_snapshot(
                        self, result, notify
                    )
                result = self._pull_all(result, notify, first)
            result = replace(result, ok=True, finished_at=_now())
            notify(SyncProgress("done", result.pushed + result.pulled, "sync complete"))
        except SyncError as exc:
            result = replace(result, ok=False, finished_at=_now(), error=str(exc))
            self._record(result)
            raise
        finally:
            self._sync_token = None
        self._record(result)
        return result

    def _first_trip(
        self,
        result: SyncResult,
        notify: Callable[[SyncProgress], None],
        elsewhere_since: int | None,
        *,
        snapshot: snapshot_client.Due | None = None,
    ) -> tuple[bool, bool, SyncResult]:
        """The exchange: push what the laptop believes the service lacks, receive the first page.
        Returns whether all was pushed and all was pulled. What is not goes on with the separate
        calls, which push from the service's counters, not the laptop's belief: when the service
        is older, the counters disagree, the reply was lost, the audit anchor needs more links or
        more remains to push; and pull again from the cursor when a row's version is missing (the
        pull must then bring the device's own changes) or more pages follow."""
        if not self._exchange_ok:
            return False, False, result
        head = self.replica.audit_head()
        start = self.replica.pushed_up_to()
        batch = self.replica.outbox(start, self.batch_size)
        if batch and batch[0].device_counter != start + 1:
            return False, False, result
        cursor = self.replica.pull_cursor()
        try:
            request = ExchangeRequest(
                push=PushRequest(device_id=self.replica.device_id(), batch=batch, audit_head=head),
                after=cursor,
                limit=self._first_page_limit(snapshot),
                elsewhere_since=elsewhere_since,
            )
        except ValueError as exc:  # the outbox produced an invalid batch
            raise SyncError(f"the local outbox holds an invalid change: {exc}") from exc
        # Every service with the exchange takes gzip bodies (and a 415 from a proxy in between
        # is answered by a plain resend), so the first request of a sync is compressed too.
        takes_gzip, self._server_takes_gzip = self._server_takes_gzip, True
        try:
            reply = self._call("POST", "/exchange", ExchangeReply, body=request)
        except _CounterGap:
            return False, False, result
        except SyncNetworkError:
            # The push may have committed: the separate calls ask the service where it stands.
            self._want_own = bool(batch)
            time.sleep(self.retry_delay)
            self.close()
            return False, False, result
        except SyncServerError as err:
            if err.status in {404, 405}:
                self._exchange_ok = False  # a service from before the exchange
                self._server_takes_gzip = takes_gzip
                return False, False, result
            raise
        pushed = reply.push
        if batch and pushed.applied_up_to < batch[-1].device_counter:
            raise SyncProtocolError(
                f"the server says it applied up to {pushed.applied_up_to}, "
                f"short of the batch's last change {batch[-1].device_counter}"
            )
        _refuse_restored(pushed.applied_up_to, self.replica.last_counter())
        self.replica.mark_pushed(pushed.applied_up_to, pushed.versions, pushed.refused)
        if pushed.audit_anchor is not None:
            self.replica.acknowledge_audit_anchor(pushed.audit_anchor)
            self._acknowledged = pushed.audit_anchor
        if pushed.conflicts or not _versions_cover(batch, pushed):
            self._want_own = True
        count = max(0, pushed.applied_up_to - start)
        result = replace(
            result,
            pushed=count,
            applied_up_to=pushed.applied_up_to,
            refused=tuple(pushed.refused),
            new_conflicts=len(pushed.conflicts),
            warnings=tuple(dict.fromkeys(pushed.warnings)),
            elsewhere_unchanged=reply.elsewhere_unchanged,
        )
        if count:
            notify(SyncProgress("push", count, f"sent {count} changes"))
        anchor = pushed.audit_anchor
        anchor_short = anchor is not None and anchor.count < head.count and bool(head.links)
        more_to_push = len(batch) >= self.batch_size
        pushed_all = not (anchor_short or more_to_push)
        if not anchor_short:
            # the service's counter for this device, just told: the pushes go on from it
            self._applied_known = pushed.applied_up_to
        if self._want_own or not pushed_all or snapshot == "resume":
            # The page was read before the rest was pushed, or without the device's own rows
            # (or a snapshot is under way, which the page would pre-empt).
            return pushed_all, False, result
        page = reply.page
        if snapshot == "fresh" and page.more:
            # A first pull larger than one page: the snapshot, not the replay, brings it.
            return True, False, result
        if page.after != cursor:
            raise SyncProtocolError("the server answered for another cursor than asked")
        result = self._take_page(result, page, notify)
        return True, not page.more, result

    def _first_page_limit(self, snapshot: snapshot_client.Due | None) -> int:
        """The changes the exchange's page is asked for. A snapshot under way takes none (1, the
        least there is); a laptop that has pulled nothing takes a small team's whole stream in
        it, and a larger team's page is not applied (the snapshot brings those rows), so it is
        kept small: 1,000 changes were ~150 kB the weak link carried for nothing."""
        if snapshot == "resume":
            return 1
        if snapshot == "fresh":
            return min(self.page_size, FIRST_PULL_IN_EXCHANGE)
        return min(self.page_size, MAX_PULL_LIMIT)

    def _record(self, result: SyncResult) -> None:
        try:
            self.replica.record_sync_result(result)
        except Exception:  # the sync's own outcome matters more than its log entry
            if result.ok:
                raise

    def _push(
        self, batch: list[ChangeOut], head: AuditHead, device_id: str | None = None
    ) -> PushReply:
        request = PushRequest(
            device_id=device_id or self.replica.device_id(), batch=batch, audit_head=head
        )
        reply = self._call("POST", "/push", PushReply, body=request)
        if batch and reply.applied_up_to < batch[-1].device_counter:
            raise SyncProtocolError(
                f"the server says it applied up to {reply.applied_up_to}, "
                f"short of the batch's last change {batch[-1].device_counter}"
            )
        return reply

    def _push_all(self, result: SyncResult, notify: Callable[[SyncProgress], None]) -> SyncResult:
        """Push the outbox from the service's counter on, a batch a request. Each batch is sent
        from a worker thread while this one marks the last batch pushed and reads the next one
        from the outbox (the replica is called from this thread only): the service's work on a
        batch and the laptop's on its neighbours overlap instead of adding up."""
        head = self.replica.audit_head()
        warnings = list(result.warnings)
        refused = list(result.refused)
        new_conflicts = result.new_conflicts
        pushed = 0
        acknowledged = self._acknowledged  # by the exchange that opened this sync

        def take_anchor(reply: PushReply) -> None:
            nonlocal head, acknowledged
            # Every reply carries the anchor; one already acknowledged in this sync is not
            # written again (a local transaction per batch for nothing). A head that grew
            # meanwhile (the officer writing) is sent with the next anchor that moves, or
            # the next sync, which checks the chain from the anchor either way.
            if reply.audit_anchor is not None and reply.audit_anchor != acknowledged:
                self.replica.acknowledge_audit_anchor(reply.audit_anchor)
                head = self.replica.audit_head()
                acknowledged = reply.audit_anchor
            for warning in reply.warnings:
                if warning not in warnings:
                    warnings.append(warning)

        def learn_applied() -> int:
            reply = self._with_retries(lambda: self._push([], head))
            take_anchor(reply)
            # The service checks the chain from its anchor: when the links sent did not reach
            # the head (too many, or sent from another anchor), send the next ones.
            for _ in range(_MAX_ANCHOR_ROUNDS):
                sent = head
                anchor = reply.audit_anchor
                if anchor is None or anchor.count >= sent.count or not sent.links:
                    break
                reply = self._with_retries(partial(self._push, [], sent))
                take_anchor(reply)
                if reply.audit_anchor == anchor:
                    break
            _refuse_restored(reply.applied_up_to, self.replica.last_counter())
            self.replica.mark_pushed(reply.applied_up_to, [], [])
            return reply.applied_up_to

        # After an exchange that pushed a full batch the service's counter is known; otherwise
        # (no exchange, a gap, a lost reply, an anchor short of the head) it is asked for.
        known, self._applied_known = self._applied_known, None
        applied = learn_applied() if known is None else known
        device_id = self.replica.device_id()
        gaps = 0
        #: the outbox after a counter, read while the batch before it was with the service
        ahead: tuple[int, list[ChangeOut]] | None = None
        #: a reply whose batch is not yet marked pushed (marked while the next batch is sent)
        unmarked: PushReply | None = None

        def mark(reply: PushReply) -> None:
            self.replica.mark_pushed(reply.applied_up_to, reply.versions, reply.refused)

        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sync-push") as sender:
            try:
                while True:
                    if ahead is not None and ahead[0] == applied:
                        batch = ahead[1]
                    else:
                        batch = self.replica.outbox(applied, self.batch_size)
                    ahead = None
                    if not batch:
                        break
                    if batch[0].device_counter != applied + 1:
                        raise SyncProtocolError(
                            f"the server has this laptop's changes up to {applied}, but the "
                            f"laptop's outbox continues at {batch[0].device_counter}; contact an "
                            "administrator"
                        )
                    last = batch[-1].device_counter
                    sending = sender.submit(self._push, batch, head, device_id)
                    if unmarked is not None:
                        marking, unmarked = unmarked, None
                        mark(marking)
                    if len(batch) >= self.batch_size:
                        ahead = (last, self.replica.outbox(last, self.batch_size))
                    try:
                        reply = sending.result()
                    except _CounterGap as gap:
                        self._want_own = True
                        gaps += 1
                        if gaps > 3:
                            raise SyncProtocolError(
                                "the server keeps asking for a different counter"
                            ) from None
                        applied = gap.expected - 1
                        self.replica.mark_pushed(applied, [], [])
                        continue
                    except SyncNetworkError:
                        # The batch may or may not have been committed: ask the server, then
                        # go on (and pull this device's own changes back: their versions were
                        # not received).
                        self._want_own = True
                        time.sleep(self.retry_delay)
                        self.close()
                        applied = learn_applied()
                        continue
                    except ValueError as exc:  # the outbox produced an invalid batch
                        raise SyncError(f"the local outbox holds an invalid change: {exc}") from exc
                    if reply.conflicts or not _versions_cover(batch, reply):
                        self._want_own = True
                    unmarked = reply
                    pushed += max(0, reply.applied_up_to - applied)
                    applied = reply.applied_up_to
                    refused.extend(reply.refused)
                    new_conflicts += len(reply.conflicts)
                    if reply.audit_anchor is not None and reply.audit_anchor != acknowledged:
                        unmarked = None
                        mark(reply)  # the batch is marked before the anchor that covers it
                    take_anchor(reply)
                    notify(SyncProgress("push", pushed, f"sent {pushed} changes"))
            finally:
                # A batch the service took is marked however the loop ends (its versions
                # would be lost otherwise), once: a failed mark is not tried again.
                if unmarked is not None:
                    marking, unmarked = unmarked, None
                    mark(marking)
        return replace(
            result,
            pushed=result.pushed + pushed,
            applied_up_to=applied,
            refused=tuple(refused),
            new_conflicts=new_conflicts,
            warnings=tuple(warnings),
        )

    def pull_page(self, after: int) -> PullPage:
        """The stream's page after `after` (the snapshot asks for the first one after its head
        while its last page is applied)."""
        return self._pull_page(after)

    def _pull_page(self, after: int) -> PullPage:
        params: dict[str, Any] = {"after": after, "limit": self.page_size}
        if self._want_own:
            params["own"] = "true"
        return self._call("GET", "/pull", PullPage, params=params)

    def _pull_all(
        self,
        result: SyncResult,
        notify: Callable[[SyncProgress], None],
        first: PullPage | None = None,
    ) -> SyncResult:
        """Every page after the cursor (the first one given when already fetched). The next
        page is asked for as soon as a page arrives, and comes while this one is applied: on a
        slow link the round trip and the local transaction overlap instead of adding up."""
        cursor = self.replica.pull_cursor()
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sync-pull") as fetcher:
            if first is not None:
                coming: Future[PullPage] = Future()
                coming.set_result(first)
            else:
                coming = fetcher.submit(self._with_retries, partial(self._pull_page, cursor))
            try:
                while True:
                    page = coming.result()
                    if page.after != cursor:
                        raise SyncProtocolError("the server answered for another cursor than asked")
                    if page.more and page.next_cursor > page.after:
                        ask = partial(self._pull_page, page.next_cursor)
                        coming = fetcher.submit(self._with_retries, ask)
                    result = self._take_page(result, page, notify)
                    cursor = page.next_cursor
                    if not page.more:
                        return result
            finally:
                fetcher.shutdown(wait=True, cancel_futures=True)

    def _take_page(
        self, result: SyncResult, page: PullPage, notify: Callable[[SyncProgress], None]
    ) -> SyncResult:
        """Apply one page (one local transaction, the cursor moved with it) and count it."""
        if page.more and page.next_cursor <= page.after:
            raise SyncProtocolError("the server's page does not advance the cursor")
        summary = self.replica.apply_pulled(page)
        self._opened += summary.conflicts_opened
        pulled = result.pulled + len(page.changes)
        notify(SyncProgress("pull", pulled, f"received {pulled} changes"))
        return replace(
            result,
            pulled=pulled,
            cursor=page.next_cursor,
            new_conflicts=max(result.new_conflicts, self._opened),
            resolved_conflicts=result.resolved_conflicts + summary.conflicts_resolved,
            set_aside_pulled=result.set_aside_pulled + summary.set_aside,
            removed=result.removed + summary.removed,
        )
