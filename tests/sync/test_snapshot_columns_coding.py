"""The columnar coding itself (sync/snapshot_columns.py), without a service: what it encodes it
decodes exactly (texts of every shape, every word code up past the surrogates, ids in and out of
canonical form, a missing field apart from a null), and it stays small where the bytes are."""

from __future__ import annotations

import gzip
import json
import random
import uuid
from typing import Any

import pytest

from sync.snapshot_columns import CodingError, decode_page, encode_group


def _rows(texts: list[Any], case_ids: list[str] | None = None) -> list[list[Any]]:
    case_ids = case_ids or [str(uuid.uuid4())]
    return [
        [str(uuid.uuid4()), case_ids[i * len(case_ids) // len(texts)], 10 + 3 * i, 1 + i % 2,
         {"description": text, "n": i}]
        for i, text in enumerate(texts)
    ]  # fmt: skip


def _round_trip(
    sections: list[tuple[str, list[list[Any]]]], word_codes: bool | None = True
) -> list[dict[str, Any]]:
    # through JSON as on the wire (ensure_ascii off, as the service writes it)
    group = encode_group(sections, word_codes=word_codes)
    if word_codes is not None:
        assert (group["vocab"] is not None) == word_codes
    wire = json.dumps({"groups": [group]}, ensure_ascii=False)
    data = json.loads(wire.encode().decode())
    decoded = decode_page(data, max_string_chars=10**6, max_total_chars=10**8)
    return list(decoded["sections"])


@pytest.mark.parametrize("word_codes", [True, False])
def test_texts_of_every_shape_come_back_exactly(word_codes: bool) -> None:
    texts = [
        "",
        " ",
        "  two leading",
        "trailing  ",
        "tab\there\nnew line\r\nand\u00a0no-break",
        'quote " backslash \\ slash /',
        "\x00\x01 controls \x7f\x9f",
        "日本語のテキスト 😀 emoji",
        "word word word word",
        None,
        ["a list", 1],
        {"an": "object"},
    ]
    rows = _rows(texts)
    (section,) = _round_trip([("incident", rows)], word_codes)
    assert section["table"] == "incident"
    assert section["rows"] == rows


def test_every_word_code_from_one_byte_to_past_the_surrogates_decodes() -> None:
    # 70,000 distinct words: codes in 1, 2, 3 and 4 bytes of UTF-8, across the characters the
    # coding skips (the quote, the backslash, the surrogates)
    words = [f"w{i}" for i in range(70_000)]
    texts = [" ".join(words[i : i + 700]) for i in range(0, len(words), 700)]
    rows = _rows(texts)
    (section,) = _round_trip([("incident", rows)])
    assert section["rows"] == rows


def test_ids_not_in_canonical_form_come_back_as_they_were() -> None:
    rows = _rows(["a", "b"])
    rows[1][0] = rows[1][0].upper()
    coded = encode_group([("person", rows)])
    assert isinstance(coded["sections"][0]["ids"], list)
    (section,) = _round_trip([("person", rows)])
    assert section["rows"] == rows


def test_a_missing_field_stays_apart_from_a_null() -> None:
    rows = _rows(["a", "b", "c"])
    del rows[0][4]["description"]
    rows[1][4]["description"] = None
    (section,) = _round_trip([("incident", rows)])
    assert section["rows"] == rows
    assert "description" not in section["rows"][0][4]


def test_several_tables_and_cases_keep_their_order_and_cases() -> None:
    cases = sorted(str(uuid.uuid4()) for _ in range(3))
    people = _rows(["Pat", "Sam", "Alex"], cases)
    incidents = _rows([f"incident {i} noise" for i in range(7)], cases)
    sections = _round_trip([("person", people), ("incident", incidents)])
    assert [s["table"] for s in sections] == ["person", "incident"]
    assert [s["rows"] for s in sections] == [people, incidents]


def test_random_word_texts_code_to_near_their_entropy() -> None:
    """Texts of 70 words drawn from 77 (the weak-link bench's): gzip of the coded rows is well
    under gzip of the plain rows, near the texts' entropy (70 x log2 77 bits = 55 bytes)."""
    rng = random.Random(1)
    vocabulary = [f"word{i}" for i in range(77)]
    texts = [" ".join(rng.choice(vocabulary) for _ in range(70)) for _ in range(2_000)]
    rows = _rows(texts)
    plain = gzip.compress(json.dumps(rows).encode())
    group = encode_group([("incident", rows)])
    assert group["vocab"] is not None  # the coding pays here
    coded = gzip.compress(json.dumps(group).encode())
    per_row = len(coded) / len(rows)
    assert per_row < 0.7 * len(plain) / len(rows)
    assert per_row < 80  # 55 of text, 16 of id, the rest


def test_texts_whose_words_mostly_come_once_stay_as_they_are() -> None:
    """A few texts of words each seen once: a vocabulary would cost more than it saves."""
    texts = [" ".join(f"{uuid.uuid4().hex[:6]}" for _ in range(12)) for _ in range(20)]
    group = encode_group([("note", _rows(texts))])
    assert group["vocab"] is None
    assert [v for v in group["sections"][0]["columns"]["description"]] == texts
    (section,) = _round_trip([("note", _rows(texts))], None)
    assert [row[4]["description"] for row in section["rows"]] == texts


@pytest.mark.parametrize(
    "page",
    [
        {},
        {"groups": "no"},
        {"groups": [{"cases": [], "vocab": [1], "sections": []}]},
        {"groups": [{"cases": [3], "vocab": [], "sections": []}]},
        {"groups": [{"cases": [], "vocab": [], "sections": [{"table": "t", "versions": "x"}]}]},
    ],
)
def test_a_page_of_the_wrong_shape_is_a_coding_error(page: dict[str, Any]) -> None:
    with pytest.raises(CodingError):
        decode_page(page, max_string_chars=100, max_total_chars=1_000)
