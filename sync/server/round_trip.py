"""A whole small sync in one request (`POST /v1/exchange`): the push, then the first pull page,
then whether the blind index's answers may have changed.

On a weak mobile link every round trip costs 150 ms or more, and a sync with nothing to do was
three of them (an empty push to learn the applied counter and anchor the audit head, a pull, the
blind index's "unchanged"). Here the three are one: each part is the same function the separate
endpoints call, in the same order, so the rules (access, validation, counters, the device's own
changes left out of the page) are the ones of `exchange.push`, `exchange.pull` and `blind`.

`elsewhere_unchanged` is the bit `POST /elsewhere` gives with `since`: whether any person,
address, case, share or removal reached the service after that position. It names no row; any
device with one visible person could already learn it there."""

from __future__ import annotations

from sync.protocol import ExchangeReply, ExchangeRequest
from sync.server import blind, exchange
from sync.server.accounts import DeviceContext
from sync.server.db import Database


def exchange_once(
    database: Database, context: DeviceContext, request: ExchangeRequest
) -> ExchangeReply:
    """The exchange as a checked model (for callers in-process; the endpoint sends
    `exchange_json`)."""
    return ExchangeReply.model_validate_json(exchange_json(database, context, request))


def exchange_json(database: Database, context: DeviceContext, request: ExchangeRequest) -> bytes:
    """The exchange's reply as `ExchangeReply.model_dump_json()` writes it, its page made by
    `page_json` (the stored fields spliced in)."""
    pushed = exchange.push(database, context, request.push)
    page = exchange.pull_encoded(database, context, request.after, request.limit, request.own)
    unchanged = request.elsewhere_since is not None and blind.unchanged_since(
        database, request.elsewhere_since
    )
    return b"".join(
        (
            b'{"push":',
            pushed.model_dump_json().encode(),
            b',"page":',
            page.json(),
            b',"elsewhere_unchanged":',
            b"true" if unchanged else b"false",
            b"}",
        )
    )
