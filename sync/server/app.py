"""The HTTP API of the central service (FastAPI), version /v1.

Every error is JSON (`ErrorReply`): 4xx for what a client did wrong, with a sentence to act on;
500 only for a bug in the service, which is logged. The service keeps no state of its own between
requests (everything is in the database), so several instances can serve one PostgreSQL.
"""

from __future__ import annotations

import logging
import zlib
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Path, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sync.protocol import (
    API_PREFIX,
    BLOB_ID_PATTERN,
    DEFAULT_PULL_LIMIT,
    MAX_BODY_BYTES,
    MAX_PULL_LIMIT,
    MAX_SEALED_CHUNK,
    MAX_SNAPSHOT_ROWS,
    PROTOCOL_VERSION,
    SNAPSHOT_COLUMNS,
    UUID_PATTERN,
    BlobStatusReply,
    BlobStatusRequest,
    ChunkPutReply,
    ConflictOut,
    ElsewhereReply,
    ElsewhereRequest,
    EnrolReply,
    EnrolRequest,
    ErrorReply,
    ExchangeReply,
    ExchangeRequest,
    PullPage,
    PushReply,
    PushRequest,
    ResolveRequest,
    SnapshotColumnsPage,
    SnapshotPage,
    StatusReply,
)
from sync.server import accounts, blind, evidence_files, exchange, round_trip, snapshot
from sync.server.accounts import DeviceContext
from sync.server.db import Database
from sync.server.errors import ServiceError
from sync.server.hygiene import QuietFailures, describe_failure

log = logging.getLogger("asb_sync_server")

_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorReply} for code in (400, 401, 403, 404, 409, 413, 415, 422, 503)
}


def _error(status: int, error: str, message: str, **extra: Any) -> JSONResponse:
    body = ErrorReply(error=error, message=message, **extra)
    return JSONResponse(status_code=status, content=body.model_dump(mode="json"))


def _describe(errors: list[dict[str, Any]]) -> str:
    parts = []
    for item in errors[:5]:
        location = ".".join(str(p) for p in item.get("loc", ()) if p != "body")
        parts.append(f"{location or 'body'}: {item.get('msg', 'invalid')}")
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    return "the request is not valid: " + "; ".join(parts) + more


#: content codings the service takes in a request body (RFC 7694: it says so in `Accept-Encoding`
#: on every answer, and a client compresses only once it has seen that)
REQUEST_CODINGS = ("gzip",)
#: pull pages and exchange replies are written by the service (`page_json`), not by FastAPI
_JSON = "application/json"
#: answers smaller than this are sent as they are (gzip gains nothing on a few hundred bytes)
GZIP_MINIMUM_SIZE = 1_000


class _BodyRefused(Exception):
    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message


def _too_large(what: str) -> _BodyRefused:
    return _BodyRefused(
        413, "too_large", f"the request body is larger than {MAX_BODY_BYTES} bytes{what}"
    )


class _Gunzip:
    """Streaming gzip decoder that never yields more than `MAX_BODY_BYTES` in all: a small body
    that inflates past the limit (a compression bomb) is refused as soon as it passes it, without
    inflating the rest. Concatenated gzip members (RFC 1952) are decoded one after another."""

    def __init__(self) -> None:
        self._decoder = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        self.size = 0

    def feed(self, data: bytes) -> bytes:
        out: list[bytes] = []
        while data:
            room = MAX_BODY_BYTES - self.size
            try:
                piece = self._decoder.decompress(data, room + 1)
            except zlib.error as exc:
                raise _corrupt() from exc
            self.size += len(piece)
            if self.size > MAX_BODY_BYTES:
                raise _too_large(" once decompressed")
            out.append(piece)
            if self._decoder.unconsumed_tail:
                data = self._decoder.unconsumed_tail
            elif self._decoder.eof and self._decoder.unused_data:
                data = self._decoder.unused_data
                self._decoder = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
            else:
                data = b""
        return b"".join(out)

    def finish(self) -> None:
        if not self._decoder.eof:
            raise _corrupt()


def _corrupt() -> _BodyRefused:
    return _BodyRefused(
        400, "bad_encoding", "the request body is not valid gzip (Content-Encoding: gzip)"
    )


class BodyLimit:
    """Refuse a request body over `MAX_BODY_BYTES` with a JSON 413, before any parsing.

    The body is read here (at most the limit, whether or not Content-Length is sent) and replayed
    to the app, so an oversize upload never reaches the JSON decoder. A body sent with
    `Content-Encoding: gzip` is inflated here as it arrives, the limit applying to the inflated
    size (a compression bomb is a 413, a corrupt body a 400); the app sees the plain body. Any other
    coding is a 415 that names the one accepted.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            body, headers = await self._read(scope, receive)
        except _BodyRefused as refused:
            await _error(refused.status, refused.error, refused.message)(scope, receive, send)
            return
        except _Disconnected:
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app({**scope, "headers": headers}, replay, send)

    @staticmethod
    async def _read(scope: Scope, receive: Receive) -> tuple[bytes, list[tuple[bytes, bytes]]]:
        headers: list[tuple[bytes, bytes]] = list(scope.get("headers") or [])
        declared = dict(headers).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
            raise _too_large("")
        codings = [
            c.strip().lower()
            for name, value in headers
            if name == b"content-encoding"
            for c in value.decode("latin-1").split(",")
            if c.strip()
        ]
        codings = [c for c in codings if c != "identity"]
        if len(codings) > 1 or (codings and codings[0] not in {"gzip", "x-gzip"}):
            raise _BodyRefused(
                415,
                "unsupported_encoding",
                f"the request body's Content-Encoding {', '.join(codings)!r} is not accepted: "
                f"send it plain or as {' or '.join(REQUEST_CODINGS)}",
            )
        gunzip = _Gunzip() if codings else None
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _Disconnected
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise _too_large("")
            chunks.append(gunzip.feed(chunk) if gunzip is not None else chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if gunzip is not None:
            if size:
                gunzip.finish()
            # the app sees a plain body: drop the coding and give its real length
            headers = [
                (name, value)
                for name, value in headers
                if name not in {b"content-encoding", b"content-length"}
            ]
            headers.append((b"content-length", str(len(body)).encode()))
        return body, headers


class _Disconnected(Exception):
    pass


class AcceptEncoding:
    """Say on every answer which codings a request body may use (`Accept-Encoding`, RFC 7694)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Accept-Encoding"] = ", ".join(REQUEST_CODINGS)
            await send(message)

        await self.app(scope, receive, send_with_header)


def create_app(database: Database) -> FastAPI:
    app = FastAPI(
        title="asb-sync-server",
        version=PROTOCOL_VERSION,
        description="Central sync service of asb-tui: push, pull, conflicts, enrolment.",
    )
    app.state.database = database
    app.add_middleware(BodyLimit)
    # answers in gzip to a client that asks (Accept-Encoding), level 6: most of 9's gain at a
    # fraction of its CPU; large answers are compressed in a worker thread, off the event loop
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MINIMUM_SIZE, compresslevel=6)
    app.add_middleware(AcceptEncoding)
    app.add_middleware(QuietFailures)  # added last: the outermost of the app's own

    @app.exception_handler(ServiceError)
    async def _service_error(_request: Request, exc: ServiceError) -> JSONResponse:
        return _error(
            exc.status,
            exc.error,
            exc.message,
            detail=exc.detail,
            expected_counter=exc.expected_counter,
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {k: v for k, v in item.items() if k in {"loc", "msg", "type"}} for item in exc.errors()
        ]
        return _error(422, "invalid", _describe(errors), detail=jsonable_encoder(errors))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _error(exc.status_code, f"http_{exc.status_code}", str(exc.detail))

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> JSONResponse:
        # Normally `QuietFailures` answers first; never log the message (it may hold data).
        log.error(
            "unhandled error on %s %s: %s", request.method, request.url.path,
            describe_failure(exc),
        )  # fmt: skip
        return _error(500, "internal", "internal error in the sync service (it has been logged)")

    def get_database() -> Database:
        db: Database = app.state.database
        return db

    def device(
        authorization: Annotated[str | None, Header()] = None,
        db: Database = Depends(get_database),
    ) -> DeviceContext:
        return accounts.authenticate(db, authorization)

    @app.get(f"{API_PREFIX}/status", response_model=StatusReply, responses=_ERRORS)
    def status(
        authorization: Annotated[str | None, Header()] = None,
        db: Database = Depends(get_database),
    ) -> StatusReply:
        """Liveness, the stream head and, with a device token, that device's state."""
        reply = StatusReply(head=exchange.head(db))
        if authorization:
            context = accounts.authenticate(db, authorization)
            with db.read() as connection:
                reply = reply.model_copy(
                    update={"device": accounts.device_status(connection, context)}
                )
        return reply

    @app.post(f"{API_PREFIX}/enrol", response_model=EnrolReply, responses=_ERRORS)
    def enrol(request: EnrolRequest, db: Database = Depends(get_database)) -> EnrolReply:
        """Trade a one-time enrolment token for this device's token."""
        return accounts.enrol(db, request)

    @app.post(f"{API_PREFIX}/push", response_model=PushReply, responses=_ERRORS)
    def push(
        request: PushRequest,
        context: DeviceContext = Depends(device),
        db: Database = Depends(get_database),
    ) -> PushReply:
        """Apply a batch of the device's changes in one transaction; the reply follows commit."""
        return exchange.push(db, context, request)

    @app.post(f"{API_PREFIX}/exchange", response_model=ExchangeReply, responses=_ERRORS)
    def exchange_once(
        request: ExchangeRequest,
        context: DeviceContext = Depends(device),
        db: Database = Depends(get_database),
    ) -> Response:
        """A small sync in one round trip: `push`, then the first `pull` page after it, and
        whether the blind index changed since `elsewhere_since` (sync/server/round_trip.py)."""
        return Response(round_trip.exchange_json(db, context, request), media_type=_JSON)

    @app.get(f"{API_PREFIX}/pull", response_model=PullPage, responses=_ERRORS)
    def pull(
        after: Annotated[int, Query(ge=0, le=2**62)] = 0,
        limit: Annotated[int, Query(ge=1, le=MAX_PULL_LIMIT)] = DEFAULT_PULL_LIMIT,
        own: Annotated[bool, Query()] = False,
        context: DeviceContext = Depends(device),
        db: Database = Depends(get_database),
    ) -> Response:
        """The changes after `after` of the cases this officer may see, in stream order; the
        device's own pushed changes only with `own` (it learnt their versions from the push
        reply; it asks for them when a reply did not give a row's version)."""
        return Response(
            exchange.pull_encoded(db, context, after, limit, own).json(), media_type=_JSON
        )

    @app.get(
        f"{API_PREFIX}/snapshot",
        response_model=SnapshotPage | SnapshotColumnsPage,
        responses=_ERRORS,
    )
    def snapshot_page(
        head: Annotated[int | None, Query(ge=0, le=2**62)] = None,
        after_case: Annotated[str | None, Query(pattern=UUID_PATTERN)] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_SNAPSHOT_ROWS)] = DEFAULT_PULL_LIMIT,
        count: Annotated[bool, Query()] = False,
        coding: Annotated[int, Query(alias="format", ge=1)] = 1,
        own: Annotated[bool, Query()] = False,
        context: DeviceContext = Depends(device),
        db: Database = Depends(get_database),
    ) -> Response:
        """A new laptop's first pull: the current rows of whole cases this officer may see,
        after the case `after_case`, as of the stream position `head` (none: now), with the
        rows left when `count`; the laptop then pulls the stream after `head`
        (sync/server/snapshot.py). `format` 2 (or above: the newest this service has) is the
        columnar coding (sync/snapshot_columns.py); 1, or none, the plain rows. As the pull, it
        leaves out the rows the device wrote whole unless `own` (it learnt their versions from
        its push replies)."""
        columnar = coding >= SNAPSHOT_COLUMNS
        body = snapshot.page(
            db, context, head, after_case, limit, count=count, columnar=columnar, own=own
        )
        return StreamingResponse(body, media_type="application/json")

    @app.post(f"{API_PREFIX}/elsewhere", response_model=ElsewhereReply, responses=_ERRORS)
    def elsewhere(
        request: ElsewhereRequest,
        context: DeviceContext = Depends(device),
        db: Database = Depends(get_database),
    ) -> ElsewhereReply:
        """For person rows of cases this device may see: the other teams that hold the same
        person (name and date of birth) or address in cases it may not see, how many such
        cases, and the officer to contact. Nothing else of those cases (see `blind`)."""
        return blind.known_elsewhere(db, context.officer, request.person_ids, request.since)

    @app.post(
        f"{API_PREFIX}/conflicts/{{conflict_id}}/resolve",
        response_model=ConflictOut,
        responses=_ERRORS,
    )
    def resolve(
        conflict_id: Annotated[str, Path(pattern=UUID_PATTERN)],
        request: ResolveRequest,
        context: DeviceContext = Depends(device),
        db: Database = Depends(get_database),
    ) -> ConflictOut:
        """Keep mine, keep theirs, or write an edited value; every device then pulls it."""
        return exchange.resolve(db, context, conflict_id, request)

    _files(app, get_database, device)
    return app


#: chunk numbers in a path: a file of `MAX_FILE_SIZE` has fewer chunks than this
_MAX_CHUNK_NUMBER = 1 << 16
BlobIdPath = Annotated[str, Path(pattern=BLOB_ID_PATTERN)]
ChunkPath = Annotated[int, Path(ge=0, lt=_MAX_CHUNK_NUMBER)]
OCTETS = "application/octet-stream"


def _files(app: FastAPI, get_database: Any, device: Any) -> None:
    """The evidence file endpoints (`evidence_files`): status of blobs, put and get a chunk.
    Chunks travel as raw sealed bytes (`application/octet-stream`), never as JSON."""

    @app.post(f"{API_PREFIX}/files/status", response_model=BlobStatusReply, responses=_ERRORS)
    def file_status(
        request: BlobStatusRequest,
        context: DeviceContext = Depends(device),
        db: Database = Depends(get_database),
    ) -> BlobStatusReply:
        """Which chunks of these files the service holds; the ones this device may not have
        are listed as refused, with the reason."""
        return evidence_files.status(db, context.officer, request.blob_ids)

    @app.put(
        f"{API_PREFIX}/files/{{blob_id}}/chunks/{{n}}",
        response_model=ChunkPutReply,
        responses=_ERRORS,
    )
    async def put_chunk(
        blob_id: BlobIdPath,
        n: ChunkPath,
        request: Request,
        content_type: Annotated[str | None, Header()] = None,
        context: DeviceContext = Depends(device),
        db: Database = Depends(get_database),
    ) -> ChunkPutReply:
        """Keep one sealed chunk (at most `MAX_SEALED_CHUNK` bytes) of a file an evidence item
        of the device's team names; one already held is acknowledged, not rewritten."""
        if (content_type or "").split(";")[0].strip().lower() != OCTETS:
            raise ServiceError(415, "unsupported_media_type", f"send a chunk as {OCTETS}")
        body = await request.body()
        if len(body) > MAX_SEALED_CHUNK:
            raise ServiceError(
                413, "too_large", f"a sealed chunk is at most {MAX_SEALED_CHUNK} bytes"
            )
        reply: ChunkPutReply = await run_in_threadpool(
            evidence_files.put_chunk, db, context.officer, blob_id, n, body
        )
        return reply

    @app.get(
        f"{API_PREFIX}/files/{{blob_id}}/chunks/{{n}}",
        response_class=Response,
        responses={**_ERRORS, 200: {"content": {OCTETS: {}}}},
    )
    def get_chunk(
        blob_id: BlobIdPath,
        n: ChunkPath,
        context: DeviceContext = Depends(device),
        db: Database = Depends(get_database),
    ) -> Response:
        """One sealed chunk, as it was uploaded (for the team, or an agency whose share of the
        case includes its files)."""
        sealed = evidence_files.get_chunk(db, context.officer, blob_id, n)
        return Response(content=sealed, media_type=OCTETS)
