"""Near-duplicate grouping of short texts, in time linear in the number of texts.

Two texts are near-duplicates when their sets of significant words are equal (so case,
punctuation, word order, plurals and filler words do not matter), or, for texts of four or
more significant words, differ by one word added, dropped or changed. Each text is reduced to
a few keys (its word set, and that set minus each one word when it has four or more); texts
sharing a key are joined with union-find. No pair of texts is ever compared directly.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from itertools import combinations

STOPWORDS = frozenset(
    "a an and are as at be been by each every for from had has have i in is it its of on or our per "
    "so that the their them then there these they this those to too very was we were which will with "
    "would you your".split()
)
_WORD = re.compile(r"\w+")
_MAX_WORDS_FOR_FUZZY = 30


def _stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if len(word) > 2 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@lru_cache(maxsize=1 << 16)
def _meaning(word: str) -> str:
    """word's stem, or "" for a filler word (as written, or once stemmed)."""
    stem = _stem(word)
    return "" if word in STOPWORDS or stem in STOPWORDS else stem


def words(text: str) -> list[str]:
    """The significant words of text, normalised: case-folded, singular, filler dropped, sorted."""
    return list(_words(text))


def _words(text: str) -> tuple[str, ...]:
    if text.isascii():  # NFKC leaves ASCII as it is, and casefold is lower
        folded = text.lower().replace("'", "")
    else:
        folded = unicodedata.normalize("NFKC", text).casefold().replace("'", "").replace("\u2019", "")
    found = _WORD.findall(folded)
    significant = set(map(_meaning, found))
    significant.discard("")
    return tuple(sorted(significant or {_stem(w) for w in found} or ["".join(folded.split())]))


def key(text: str) -> str:
    """Equal for texts that differ only in case, punctuation, word order, plurals and filler."""
    return " ".join(_words(text))


def _keys(text: str) -> list[tuple[str, ...]]:
    """text's word set, and when it has four or more words, that set minus each one word."""
    significant = _words(text)
    if 4 <= len(significant) <= _MAX_WORDS_FOR_FUZZY:
        return [significant, *combinations(significant, len(significant) - 1)]  # each with one word left out
    return [significant]


def group(texts: Sequence[str]) -> list[list[int]]:
    """Indices of texts grouped as near-duplicates; groups and members in order of first appearance."""
    parent = list(range(len(texts)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[tuple[str, ...], int] = {}
    for index, text in enumerate(texts):
        for k in _keys(text):
            other = owner.setdefault(k, index)
            if other != index:
                a, b = find(other), find(index)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    groups: dict[int, list[int]] = {}
    for index in range(len(texts)):
        groups.setdefault(find(index), []).append(index)
    return list(groups.values())
