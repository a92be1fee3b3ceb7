"""The snapshot's columnar coding (`format=2`): what a page carries, per row, shrunk to what the
laptop cannot derive, for a new laptop on a slow link.

A plain snapshot row is `[row id, case id, seq, version, {field: value}]`: every row repeats its
field names, its case's id, and its id as 36 characters of hex; gzip finds the repeats but pays a
match for every word of a text, which costs it ~145 bytes a row of the weak-link bench's data
(docs/performance.md). Coded by columns, a group of cases (the few the service reads at once)
is:

- `cases`: the group's case ids once; per table section `case_runs`, pairs (index into `cases`,
  how many rows in a row), since a table's rows come case by case;
- `ids`: the row ids as their 16 bytes each, base64 (22 characters of 64 symbols a row, which
  gzip's Huffman stage takes back to ~16 bytes), or as text when one is not in canonical form;
- `seqs` as differences from the row before (a case's rows were written one after another),
  `versions` as they are;
- `columns`: per field name its values in row order, with `absent` naming the rows whose fields
  lack that key (so a missing field and a null stay apart);
- every string value of a column is written as a string of word codes: the text is cut at each
  single space (`str.split(" ")`, which `" ".join` undoes exactly for any string), each word is
  one character standing for its place in the group's `vocab` (most frequent first, so the
  commonest words are one byte of UTF-8), when that compresses smaller than the strings as they
  are (`_Vocabulary.pays`; otherwise `vocab` is null and the strings are plain). An LZ coder
  pays a match of a few bytes for every repeated word; a word code costs its Huffman code, about
  the word's entropy (~57 B a row for the bench's 70-word texts against ~105 for gzip of the text).

The laptop decodes a page back into the plain `SnapshotPage` shape, so every row is then checked
exactly as a plain row is (`SnapshotPage`, the replica's checks); the coding adds its own bounds
(a string decoded longer than any field may be, or a page decoded past the reply limit, is
refused), since a few bytes of word codes may stand for much text.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import zlib
from collections import Counter
from collections.abc import Sequence
from itertools import accumulate
from typing import Any

#: words are what a text holds between single spaces: `text.split(" ")` and `" ".join` are each
#: other's inverse for any string (a double space is an empty word; a newline stays in its word)
_SPACE = " "
#: characters a word code never uses: JSON escapes the controls, the quote and the backslash
#: (each escape would cost several bytes); surrogates are not characters
_FIRST_CODE = 0x20
_SKIPPED = (0x22, 0x5C)
_SURROGATES = (0xD800, 0xE000)
MAX_VOCAB = 0x10FFFF - 0x800 - _FIRST_CODE - len(_SKIPPED)
#: a section's ids in canonical form (lower-case hex, dashes where uuid.UUID puts them), joined
#: the characters of a group's texts `_Vocabulary.pays` compresses both ways to judge
_JUDGED_CHARS = 128 * 1024
_CANONICAL_IDS = re.compile(r"(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})*")


class CodingError(ValueError):
    """A columnar page that does not decode (hostile or broken): nothing of it is applied."""


def _code(index: int) -> str:
    point = index + _FIRST_CODE
    for skipped in _SKIPPED:
        if point >= skipped:
            point += 1
    if point >= _SURROGATES[0]:
        point += _SURROGATES[1] - _SURROGATES[0]
    return chr(point)


class _Vocabulary:
    """The words of a group's strings, most frequent first, and each string's word codes.

    The strings are split, counted and coded in one pass over all their words joined (a few
    C-level calls, not several per string: the service codes ~90,000 strings a page), then cut
    back into one code string per text by its word count (its spaces plus one)."""

    def __init__(self, texts: Sequence[str]) -> None:
        words = _SPACE.join(texts).split(_SPACE) if texts else []
        # most frequent first; ties in the order first seen (Counter keeps insertion order)
        self.words = [word for word, _ in Counter(words).most_common()]
        self._all_words = words
        self._codes = {word: _code(i) for i, word in enumerate(self.words)}
        self._texts = texts
        self._coded: dict[str, str] | None = None

    def coded(self) -> dict[str, str]:
        """Each text's word codes, by the text."""
        if self._coded is None:
            texts = self._texts
            codes = "".join(map(self._codes.__getitem__, self._all_words))
            self._all_words = []
            ends = list(accumulate(text.count(_SPACE) + 1 for text in texts))
            self._coded = dict(
                zip(texts, map(codes.__getitem__, map(slice, [0, *ends], ends)), strict=True)
            )
        return self._coded

    def pays(self) -> bool:
        """Whether the word codes and the vocabulary compress smaller than the texts as they
        are (zlib at its fastest as the judge). Texts of few rows, most of whose words come
        once, can cost more coded: the vocabulary holds each word, and a phrase an LZ coder
        finds whole is a run of codes (~17 % more for one licence text of 100 paragraphs;
        ~20 % less for 10,000 paragraphs of manual pages, ~45 % less for the bench's).

        A group's texts past `_JUDGED_CHARS` are judged by their first ones, with the words
        those hold (a group of like texts: judging the whole cost the service a fifth of its
        time a page)."""
        texts = self._texts
        if not texts or len(self.words) > MAX_VOCAB:
            return False
        coded = self.coded()
        sample: list[str] = []
        chars = 0
        for text in texts:
            if chars >= _JUDGED_CHARS:
                break
            sample.append(text)
            chars += len(text)
        if len(sample) == len(texts):
            words = self.words
        else:
            seen = set(_SPACE.join(sample).split(_SPACE))
            words = [word for word in self.words if word in seen]
        codes = list(map(coded.__getitem__, sample))
        as_coded = zlib.compress(json.dumps([words, codes], ensure_ascii=False).encode(), 1)
        as_is = zlib.compress(json.dumps(sample, ensure_ascii=False).encode(), 1)
        return len(as_coded) < len(as_is)


def _ids(row_ids: Sequence[str]) -> str | list[str]:
    joined = "".join(row_ids)
    if len(joined) != 36 * len(row_ids) or not _CANONICAL_IDS.fullmatch(joined):
        return list(row_ids)  # not canonical: as text, so the id comes back exactly
    return base64.b64encode(bytes.fromhex(joined.replace("-", ""))).decode()


def _runs(case_ids: Sequence[str], index: dict[str, int]) -> list[list[int]]:
    runs: list[list[int]] = []
    for case_id in case_ids:
        if runs and runs[-1][0] == index[case_id]:
            runs[-1][1] += 1
        else:
            runs.append([index[case_id], 1])
    return runs


def encode_group(
    sections: Sequence[tuple[str, Sequence[Sequence[Any]]]], *, word_codes: bool | None = None
) -> dict[str, Any]:
    """A group of sections, each (table, plain snapshot rows `[id, case, seq, version,
    fields]`), in the columnar coding; its strings as word codes when that pays (`word_codes`
    None) or as told."""
    cases: dict[str, int] = {}
    for _table, rows in sections:
        for row in rows:
            cases.setdefault(row[1], len(cases))
    names_by_section = [sorted({k for row in rows for k in row[4]}) for _t, rows in sections]
    texts = [
        value
        for (_table, rows), names in zip(sections, names_by_section, strict=True)
        for row in rows
        for name in names
        if isinstance(value := row[4].get(name), str)
    ]
    vocab = _Vocabulary(texts)
    coding = vocab.pays() if word_codes is None else word_codes
    coded = vocab.coded() if coding else {}
    encoded = []
    for (table, rows), names in zip(sections, names_by_section, strict=True):
        seqs = [int(row[2]) for row in rows]
        fields = [row[4] for row in rows]
        columns: dict[str, list[Any]] = {}
        absent: dict[str, list[int]] = {}
        for name in names:
            try:
                values = [f[name] for f in fields]
            except KeyError:  # some rows lack it: None in their places, named in `absent`
                absent[name] = [i for i, f in enumerate(fields) if name not in f]
                values = [f.get(name) for f in fields]
            if coding:
                values = [coded[v] if type(v) is str else v for v in values]
            columns[name] = values
        section: dict[str, Any] = {
            "table": table,
            "case_runs": _runs([row[1] for row in rows], cases),
            "ids": _ids([row[0] for row in rows]),
            "seqs": [s - (seqs[i - 1] if i else 0) for i, s in enumerate(seqs)],
            "versions": [int(row[3]) for row in rows],
            "columns": columns,
        }
        if absent:
            section["absent"] = absent
        encoded.append(section)
    # no vocabulary: the group's strings are as they are
    return {"cases": list(cases), "vocab": vocab.words if coding else None, "sections": encoded}


# --- the laptop's side -------------------------------------------------------------------------


class _Budget:
    """The characters a page's strings may decode to: each string at most what a field may
    hold, all of them at most the reply limit."""

    def __init__(self, max_string_chars: int, max_total_chars: int) -> None:
        self.max_string = max_string_chars
        self.left = max_total_chars

    def decode(self, coded: str, words: dict[str, str], lengths: dict[str, int]) -> str:
        try:
            size = sum(map(lengths.__getitem__, coded)) + max(0, len(coded) - 1)
        except KeyError:
            raise CodingError("a word code is past the group's vocabulary") from None
        if size > self.max_string:
            raise CodingError(f"a text decodes to {size:,} characters, more than any field holds")
        self.left -= size
        if self.left < 0:
            raise CodingError("the page's texts decode past the reply limit (a bomb?)")
        return _SPACE.join(map(words.__getitem__, coded))


def _decode_ids(ids: Any, count: int) -> list[str]:
    if isinstance(ids, list):
        if len(ids) != count or not all(isinstance(i, str) for i in ids):
            raise CodingError("a section's ids do not match its rows")
        return ids
    if not isinstance(ids, str):
        raise CodingError("a section's ids are neither text nor base64")
    try:
        raw = base64.b64decode(ids, validate=True)
    except (binascii.Error, ValueError):
        raise CodingError("a section's ids are not base64") from None
    if len(raw) != 16 * count:
        raise CodingError("a section's ids do not match its rows")
    h = raw.hex()
    return [
        f"{h[i : i + 8]}-{h[i + 8 : i + 12]}-{h[i + 12 : i + 16]}-{h[i + 16 : i + 20]}-"
        f"{h[i + 20 : i + 32]}"
        for i in range(0, len(h), 32)
    ]


def _decode_cases(runs: Any, cases: list[str], count: int) -> list[str]:
    out: list[str] = []
    if not isinstance(runs, list):
        raise CodingError("a section's case runs are not a list")
    for run in runs:
        if not (
            isinstance(run, list)
            and len(run) == 2
            and all(type(n) is int for n in run)
            and 0 <= run[0] < len(cases)
            and 1 <= run[1] <= count - len(out)
        ):
            raise CodingError("a section's case runs do not match its rows or cases")
        out.extend([cases[run[0]]] * run[1])
    if len(out) != count:
        raise CodingError("a section's case runs do not match its rows")
    return out


def _int_list(values: Any, count: int, what: str) -> list[int]:
    if not (
        isinstance(values, list)
        and len(values) == count
        and all(type(v) is int and abs(v) < 2**63 for v in values)
    ):
        raise CodingError(f"a section's {what} do not match its rows")
    return values


def _decode_section(section: Any, group: dict[str, Any], budget: _Budget) -> dict[str, Any]:
    if not isinstance(section, dict) or not isinstance(section.get("table"), str):
        raise CodingError("a section is not an object with its table")
    versions = section.get("versions")
    count = len(versions) if isinstance(versions, list) else -1
    versions = _int_list(versions, count, "versions")
    deltas = _int_list(section.get("seqs"), count, "seqs")
    ids = _decode_ids(section.get("ids"), count)
    cases = _decode_cases(section.get("case_runs"), group["cases"], count)
    columns, absent = section.get("columns", {}), section.get("absent", {})
    if not isinstance(columns, dict) or not isinstance(absent, dict):
        raise CodingError("a section's columns are not an object")
    if not set(absent) <= set(columns):
        raise CodingError("a section names absent values of a column it lacks")
    fields: list[dict[str, Any]] = [{} for _ in range(count)]
    words, lengths = group["words"], group["lengths"]
    for name, values in columns.items():
        if not isinstance(values, list) or len(values) != count:
            raise CodingError(f"a section's column {name[:40]!r} does not match its rows")
        gaps = absent.get(name, [])
        if not isinstance(gaps, list) or not all(type(i) is int for i in gaps):
            raise CodingError("a section's absent values are not row numbers")
        skip = set(gaps)
        for i, value in enumerate(values):
            if i in skip:
                continue
            if isinstance(value, str) and words is not None:
                value = budget.decode(value, words, lengths)
            fields[i][name] = value
    seq = 0
    rows = []
    for i in range(count):
        seq += deltas[i]
        rows.append([ids[i], cases[i], seq, versions[i], fields[i]])
    return {"table": section["table"], "rows": rows}


def decode_page(data: Any, *, max_string_chars: int, max_total_chars: int) -> dict[str, Any]:
    """A columnar page (`format` 2) as the plain `SnapshotPage` it codes, to be validated as one.
    Raises `CodingError` (one line) for anything that does not decode."""
    if not isinstance(data, dict) or not isinstance(data.get("groups"), list):
        raise CodingError("a columnar snapshot page without its groups")
    budget = _Budget(max_string_chars, max_total_chars)
    sections: list[dict[str, Any]] = []
    for group in data["groups"]:
        if not isinstance(group, dict):
            raise CodingError("a snapshot group is not an object")
        cases, vocab = group.get("cases"), group.get("vocab")
        if not isinstance(cases, list) or not all(isinstance(c, str) for c in cases):
            raise CodingError("a snapshot group's cases are not a list of ids")
        known: dict[str, Any] = {"cases": cases, "words": None, "lengths": None}
        if vocab is not None:  # None: the group's strings are as they are
            if not isinstance(vocab, list) or not all(isinstance(w, str) for w in vocab):
                raise CodingError("a snapshot group's vocabulary is not a list of words")
            if len(vocab) > MAX_VOCAB:
                raise CodingError("a snapshot group's vocabulary is larger than its codes")
            codes = [_code(i) for i in range(len(vocab))]
            known["words"] = dict(zip(codes, vocab, strict=True))
            known["lengths"] = {code: len(word) for code, word in zip(codes, vocab, strict=True)}
        if not isinstance(group.get("sections"), list):
            raise CodingError("a snapshot group without its sections")
        sections.extend(_decode_section(s, known, budget) for s in group["sections"])
    plain = {k: v for k, v in data.items() if k not in ("groups", "format")}
    plain["sections"] = sections
    return plain
