"""How search orders the rows of one window and cuts a row's snippet, from the row's text as
FTS5's `highlight()` returns it: the whole indexed text, every matched word between
MATCH_START and MATCH_END (store/queries/search.py says why the ranking is done here).

The score is BM25's (k1 1.2, b 0.75, as FTS5's `bm25()`): each typed word's count in the row,
damped, and divided down for a row longer than the window's average. What differs from
`bm25()`, and why it does not change the order much:

- every typed word weighs the same. bm25 weighs a word by its rarity over the whole index
  (IDF), which it counts afresh on every query by walking every row the word matches; within
  one window every row holds every typed word, so the weights only decide between a row that
  repeats one word and a row that repeats another, and for a one-word search not at all;
- a row's length is its number of characters, not of words (words run a similar length, and
  the length is then known without splitting the text), against the window's average rather
  than the index's.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence

# Markers around the matched words in a snippet; control characters never occur in typed text
# (the screens show them literally), so the screen can split on them safely.
MATCH_START = "\x02"
MATCH_END = "\x03"
SNIPPET_WORDS = 10
ELLIPSIS = "…"
_K1 = 1.2
_B = 0.75
# A word as FTS5's unicode61 tokenizer sees it: letters and digits (an underscore separates).
_TOKEN = re.compile(r"[^\W_]+")
# How far back from the first match the word before it is looked for (characters).
_LOOK_BACK = 40


def fold(word: str) -> str:
    """A word as the index keeps it: lower case, accents removed (`remove_diacritics 2`)."""
    lowered = word.lower()
    if lowered.isascii():
        return lowered
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def word_counts(highlighted: str, terms: Sequence[str], *, exact: bool = True) -> list[int]:
    """How many marked words of the row start with each (folded) typed term. `exact`: the
    index was asked for the typed words themselves, so every marked word is one of them;
    otherwise (a word asked for by its first characters) a marked word may be none of them."""
    if exact and len(terms) == 1:  # every marked word matched the one term
        return [highlighted.count(MATCH_START)]
    if highlighted.isascii():  # folding is lower case: count each term after a mark, in C
        lowered = highlighted.lower()
        return [lowered.count(MATCH_START + term) for term in terms]
    counts = [0] * len(terms)
    for piece in highlighted.split(MATCH_START)[1:]:
        word = fold(piece.partition(MATCH_END)[0])
        for index, term in enumerate(terms):
            if word.startswith(term):  # a word may match two terms (`car`, `cart`): both count
                counts[index] += 1
    return counts


def unmark_others(highlighted: str, terms: Sequence[str]) -> str:
    """The row's text with the marks kept only around words that start with a typed term (a
    search by the words' first characters marks more)."""
    pieces = highlighted.split(MATCH_START)
    kept = [pieces[0]]
    for piece in pieces[1:]:
        word, _end, rest = piece.partition(MATCH_END)
        folded = fold(word)
        if any(folded.startswith(term) for term in terms):
            kept.append(f"{MATCH_START}{word}{MATCH_END}{rest}")
        else:
            kept.append(f"{word}{rest}")
    return "".join(kept)


def best_first(counts: Sequence[Sequence[int]], lengths: Sequence[int]) -> list[int]:
    """Indexes of one window's rows (newest first), best first, from each row's word counts
    (`word_counts`) and length in characters; between rows that score the same, the newer
    first."""
    if not counts:
        return []
    average = max(sum(lengths) / len(lengths), 1.0)
    scores = []
    for row_counts, length in zip(counts, lengths, strict=True):
        damping = _K1 * (1 - _B + _B * length / average)
        scores.append(sum(n * (_K1 + 1) / (n + damping) for n in row_counts if n))
    return sorted(range(len(counts)), key=lambda index: -scores[index])


@functools.cache
def _words_pattern(words: int) -> re.Pattern[str]:
    """Up to `words` words and what separates them (marks, spaces, punctuation), in one match."""
    return re.compile(rf"[\W_]*?[^\W_]+(?:[\W_]+[^\W_]+){{0,{words - 1}}}")


def snippet(highlighted: str, words: int = SNIPPET_WORDS) -> str:
    """Up to `words` words of the row from the word before its first match, marked as
    highlight() marked them, with an ellipsis where the text was cut (what FTS5's `snippet()`
    gives, without running it per row). Only the words shown are looked at: a row's text may
    be long."""
    first_mark = highlighted.find(MATCH_START)
    if first_mark < 0:
        first_mark = 0
    look_from = max(0, first_mark - _LOOK_BACK)
    before = list(_TOKEN.finditer(highlighted, look_from, first_mark))
    # A word that runs past where the look back began is not shown cut.
    whole = before and (before[-1].start() > look_from or look_from == 0)
    begin = before[-1].start() if whole else first_mark
    shown = _words_pattern(words).match(highlighted, begin)
    end = shown.end() if shown else begin
    if end < len(highlighted) and highlighted[end] == MATCH_END:
        end += 1
    cut_before = _TOKEN.search(highlighted, 0, begin) is not None
    cut_after = _TOKEN.search(highlighted, end) is not None
    return (
        (ELLIPSIS if cut_before else "") + highlighted[begin:end] + (ELLIPSIS if cut_after else "")
    )
