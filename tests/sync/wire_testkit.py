"""Counting what crosses the wire: each request's path, encodings and body sizes as sent."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx


@dataclass
class Exchange:
    """One request and its answer as they crossed the wire (bodies as sent, compressed or not)."""

    method: str
    path: str
    request_encoding: str | None
    sent: int
    status: int = 0
    response_encoding: str | None = None
    received: int = 0


class _CountedStream(httpx.SyncByteStream):
    def __init__(self, inner: httpx.SyncByteStream, exchange: Exchange) -> None:
        self.inner = inner
        self.exchange = exchange

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.inner:
            self.exchange.received += len(chunk)
            yield chunk

    def close(self) -> None:
        self.inner.close()


@dataclass
class CountingTransport(httpx.BaseTransport):
    """The real HTTP transport, recording each body's bytes as they go on and off the wire."""

    inner: httpx.HTTPTransport = field(default_factory=httpx.HTTPTransport)
    exchanges: list[Exchange] = field(default_factory=list)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        exchange = Exchange(
            request.method, request.url.path, request.headers.get("content-encoding"), len(body)
        )
        self.exchanges.append(exchange)
        response = self.inner.handle_request(request)
        exchange.status = response.status_code
        exchange.response_encoding = response.headers.get("content-encoding")
        assert isinstance(response.stream, httpx.SyncByteStream)
        response.stream = _CountedStream(response.stream, exchange)
        return response

    def close(self) -> None:
        self.inner.close()

    def sent(self) -> int:
        return sum(e.sent for e in self.exchanges)

    def received(self) -> int:
        return sum(e.received for e in self.exchanges)
