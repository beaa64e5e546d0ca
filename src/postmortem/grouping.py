"""Grouping of answers that make the same point, in time close to linear in the number of answers.

How it reads a text (docs/grouping.md says it for facilitators):
- Words are case-folded, stemmed with the Snowball stemmer of the text's language (the language
  whose stop words it uses most), and stop words are dropped. Scripts written without spaces
  (Chinese, Japanese, Korean) are read as overlapping pairs of characters.
- Words and phrases of one meaning count as one word, from the synonym table
  (templates/grouping/synonyms.toml, plus the user's own synonyms.toml in their config folder).
- A negation covers the word after it, and perhaps the one after that ("no clear owner").

How it compares two texts: IDF-weighted cosine of their words (a word few answers use counts
more), where two words that differ by a typo count as the same word. Rules keep apart texts that
share words but not their meaning, and are never grouped:
- one negates a word the other says ("No deploys on Fridays" / "Allow deploys on Fridays"), or
  each negates another thing ("No alerts ..." / "No budget ...");
- each names a party (team, department, role) the other does not name ("Sales called the
  customer back" / "Customer service called the customer back");
- one says one of two opposites and the other the other ("fast" / "slow").
And two texts are not alike when a short one swaps one word for another ("More planning every
Monday" / "More estimates every Monday"), or when all they share is one plain word.

How it groups: average linkage. A text joins a group only when it is alike, on average, to the
whole group, so groups never chain through one member. How alike depends on the number of
answers (see threshold): paraphrases in a team-sized post-mortem, near-identical wordings among
thousands. Only texts one word apart, or sharing a rare word, are ever compared: no pass is over
all pairs.
"""

from __future__ import annotations

import heapq
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import chain, combinations, pairwise
from operator import itemgetter
from pathlib import Path
from typing import NamedTuple

from postmortem import resources, store

# Grouping (the values are measured on labelled corpora: docs/grouping.md)
LOOSE, STRICT = 0.2, 0.95  # the average similarity a text needs to its group: in a small post-mortem, in a large one
SMALL, LARGE = 500, 2000  # answers to one question: up to SMALL the bar is LOOSE, from LARGE it is STRICT
IDF_SCALE = 100  # how many answers make a word common: a word used by this many counts as little as any
PARTY = 0.7  # a party's weight beside other words: who is named says less than what happened
NEGATION_SCOPE = 2  # a negation covers this many significant words after it ("no clear owner")
ONE_MORE = 5  # texts sharing this many words, one of which says one word more, are near-identical
SWAP = 2  # a word swapped for another keeps texts with at most this many other words in common apart
DETAILS = 4  # words each of two texts says and the other does not, from which they make two points
RARE = 10  # a word used by at most this many answers is evidence that two texts make one point
CROWD = 50  # texts one word apart from this many others are compared only with those one word shorter or longer
_MAX_WORDS_FOR_KEYS = 30  # longer texts are looked up by all their words only, not with one left out
_MAX_PHRASE = 4  # words in the longest synonym or party
_TYPO, _TYPO_LENGTH = 80, 5  # rapidfuzz ratio from which two words this long are the same word misspelt
# Review (`postmortem groups`)
SUGGESTIONS = 3  # nearest wordings shown for each wording
SUGGEST_WORDS = 0.3  # the weight of shared words beside shared letters (which catch typos and other forms)
SUGGEST_ALL = 300  # up to this many wordings every pair is compared; beyond, each with its NEAREST
NEAREST = 40  # the texts sharing the most of a text's less common words and letters: those compared with it
_COMMON = 64  # a word or group of three letters that more texts have is not counted to find the nearest
CLOSE = 0.75  # a pair this alike, relative to the bar, that did not join is a close call
_SUGGEST_FLOOR = 0.05  # a wording less alike than this is not suggested at all
_WORD = re.compile(r"\w+(?:['’]\w+)*")
_TEXT = re.compile(r"(\w+(?:['’]\w+)*)|[,;:.!?()\[\]/\n]+|\s[-–—]\s")  # a word, or "" for the end of a clause
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]+")
ENGLISH = "english"


class Meaning(NamedTuple):
    """What grouping reads of one text: its significant words (stems, or a synonym's or party's
    id), which of them are negated (the word right after a negation) or perhaps negated (the one
    after that: "no clear owner"), and which parties it names."""

    words: frozenset[str]
    negated: frozenset[str]
    maybe_negated: frozenset[str]
    parties: frozenset[str]
    spelled: tuple[tuple[str, str], ...] = ()  # (stem, word as written) of stemmed words, to find typos
    repeated: tuple[tuple[str, int], ...] = ()  # the words said more than once, and how often
    parts: tuple[frozenset[str], ...] = ()  # with a contrast ("X was fine, but Y"): the words of each part

    def bag(self) -> dict[str, int]:
        """Each word and how often it is said."""
        return {**dict.fromkeys(self.words, 1), **dict(self.repeated)}


@dataclass(frozen=True)
class _Language:
    name: str
    stopwords: frozenset[str]
    determiners: frozenset[str]
    contrasts: frozenset[str]
    negations: frozenset[str]


@dataclass(frozen=True)
class _Tables:
    languages: tuple[_Language, ...]
    phrases: dict[tuple[str, ...], str]  # stemmed words of a synonym or party -> its id
    unspaced: tuple[tuple[str, str], ...]  # entries in a script without spaces, found as part of a word
    parties: frozenset[str]  # the ids that are parties
    opposites: tuple[tuple[str, str], ...]  # ids of meanings that contradict each other
    opposed: frozenset[str]  # the ids of opposites, of either side
    negations: frozenset[str]  # of every language: a text often mixes them ("Keinen release am Freitag")
    contrasts: frozenset[str]  # of every language, likewise
    starts: dict[str, tuple[int, ...]]  # a phrase's first word: the lengths of the phrases it starts, longest first
    openings: frozenset[tuple[str, str]]  # the first two words of the phrases of two words or more
    function_words: frozenset[str]  # the stop words, negations and contrasts of every language
    negating_prefixes: frozenset[str]  # of every language: "un" of "unclear"


def _read_toml(path: Path) -> dict:
    """A table of words (store.read_toml: a bad one is an error naming file and line); none when missing."""
    if not path.exists() and not path.is_symlink():
        return {}
    return store.read_toml(path)


@cache
def _tables() -> _Tables:
    folder = resources.templates_dir() / "grouping"
    languages_read = _read_toml(folder / "languages.toml")
    languages = tuple(
        _Language(name, *(frozenset(entry.get(field, "").split()) for field in ("stopwords", "determiners", "contrasts", "negations")))
        for name, entry in languages_read.items()
    )
    phrases: dict[tuple[str, ...], str] = {}
    unspaced: dict[str, str] = {}
    party_ids: set[str] = set()
    opposites: list[tuple[str, str]] = []

    def add(terms: object, mark: str) -> str | None:
        """Index one meaning's words and phrases; its id: mark (@ a party, = a synonym, ~ one of
        two opposites) and its first term."""
        terms = [t for t in terms if isinstance(t, str) and t.strip()] if isinstance(terms, list) else []
        if not terms:
            return None
        first = _WORD.findall(terms[0].casefold())
        ident = phrases.get(tuple(_stem(ENGLISH, w) for w in first)) or mark + terms[0].casefold()
        party = mark == "@"
        for term in terms:
            if _CJK.search(term):
                unspaced.setdefault(term, ident)
                continue
            words = _WORD.findall(term.casefold().replace("’", "'"))
            if 0 < len(words) <= _MAX_PHRASE:  # parties as written (a stem joins product and production)
                phrases.setdefault(tuple(_plain(w) for w in words) if party else tuple(_stem(ENGLISH, w) for w in words), ident)
        if party:
            party_ids.add(ident)
        return ident

    for source in (_read_toml(folder / "synonyms.toml"), _read_toml(resources.user_dir() / "synonyms.toml")):
        for terms in source.get("parties") or []:
            add(terms, "@")
        for terms in source.get("synonyms") or []:
            add(terms, "=")
        for pair in source.get("opposites") or []:
            if isinstance(pair, list) and len(pair) == 2:
                one, other = add(pair[0], "~"), add(pair[1], "~")
                if one and other:
                    opposites.append((one, other))
    negations = frozenset().union(*(language.negations for language in languages))
    contrasts = frozenset().union(*(language.contrasts for language in languages))
    lengths: dict[str, set[int]] = defaultdict(set)
    for words in phrases:
        lengths[words[0]].add(len(words))
    starts = {word: tuple(sorted(found, reverse=True)) for word, found in lengths.items()}
    openings = frozenset(words[:2] for words in phrases if len(words) > 1)
    function_words = negations | contrasts | frozenset().union(*(language.stopwords for language in languages))
    return _Tables(
        languages, phrases, tuple(unspaced.items()), frozenset(party_ids), tuple(opposites), frozenset(chain.from_iterable(opposites)),
        negations, contrasts, starts, openings, function_words,
        frozenset().union(*(entry.get("negating_prefixes", "").split() for entry in languages_read.values())),
    )


def _plain(word: str) -> str:
    """word without a plural s: how parties are matched."""
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


@cache
def _stemmer(language: str):  # type: ignore[no-untyped-def]
    import Stemmer

    return Stemmer.Stemmer(language)


@lru_cache(maxsize=1 << 16)
def _stem(language: str, word: str) -> str:
    return _stemmer(language).stemWord(word.replace("'", ""))


class _Token(NamedTuple):
    """One word as grouping reads it, whatever text it is in (cached: words repeat)."""

    folded: str  # case-folded, without apostrophes
    stem: str  # its English stem, how synonyms and phrases are looked up
    plain: str  # without a plural s, how parties are looked up
    stop: int  # bit n: a stop word of the n-th language
    stops: int  # the same, one count per language in bits 32n..32n+31: summed over a text, counts per language
    determiner: int  # bit n: a determiner of the n-th language
    negation: bool
    contrast: bool  # "but": what follows is weighed on its own
    single: str | None  # the synonym or party it is on its own
    lengths: tuple[int, ...]  # of the synonyms, parties and phrases of two words or more it may start, longest first
    cjk: bool  # in a script without spaces
    upper: bool  # written in capitals (IT, QA), two letters or more
    plain_word: bool  # none of the above: a word that only says itself


def forget() -> None:
    """Read the tables and every text anew (after the user's synonym table changed)."""
    _tables.cache_clear()
    _TOKENS.clear()
    meaning.cache_clear()


class _TokenTable(dict[str, _Token]):
    """Every word read so far, each read on its first look-up (a dict: the fastest look-up,
    cleared when large)."""

    def __missing__(self, written: str) -> _Token:
        if len(self) > 1 << 17:
            self.clear()
        token = self[written] = _read_token(written)
        return token


_TOKENS = _TokenTable()


def _read_token(written: str) -> _Token:
    if not written:
        return _BREAK
    tables = _tables()
    folded = written.casefold().replace("'", "")
    folded = _function_word(folded, tables) or folded  # "becuase", "nobdoy": a typo of a stop word or negation
    stem, plain = _stem(ENGLISH, folded), _plain(folded)
    stop = sum(1 << n for n, language in enumerate(tables.languages) if folded in language.stopwords)
    negation, contrast, cjk = folded in tables.negations, folded in tables.contrasts, bool(_CJK.search(folded))
    lengths = tuple(sorted({*tables.starts.get(stem, ()), *tables.starts.get(plain, ())} - {1}, reverse=True))
    single = tables.phrases.get((plain,))
    if single is None or single not in tables.parties:
        single = tables.phrases.get((stem,))
    return _Token(
        folded,
        stem,
        plain,
        stop,
        sum(1 << 32 * n for n, language in enumerate(tables.languages) if folded in language.stopwords),
        sum(1 << n for n, language in enumerate(tables.languages) if folded in language.determiners),
        negation,
        contrast,
        single,
        lengths,
        cjk,
        written.isupper() and len(written) > 1,
        not (stop or negation or contrast or single or lengths or cjk),
    )


_STOPS = itemgetter(_Token._fields.index("stops"))


def _function_word(folded: str, tables: _Tables) -> str | None:
    """The stop word, negation or contrast that folded is a typo of (two neighbouring letters
    swapped), for words longer than _TYPO_LENGTH letters that are none of them themselves (a
    shorter one may be a word of its own: "three" is not "there")."""
    if len(folded) <= _TYPO_LENGTH or folded in tables.function_words or not folded.isalpha():
        return None
    for k in range(len(folded) - 1):
        swapped = folded[:k] + folded[k + 1] + folded[k] + folded[k + 2 :]
        if swapped in tables.function_words:
            return swapped
    return None


def _language(tokens: list[_Token], count: int) -> int:
    """The number of the language whose stop words the text uses most (the first on a tie)."""
    counts = sum(map(_STOPS, tokens))
    if counts < 1 << 32:
        return 0  # stop words of the first language alone, or none
    per_language = [counts >> 32 * n & 0xFFFFFFFF for n in range(count)]
    return per_language.index(max(per_language))


@lru_cache(maxsize=1 << 15)
def meaning(text: str) -> Meaning:
    """What grouping reads of text (cached: merge, groups and history read the same texts)."""
    tables = _tables()
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).replace("’", "'")
    tokens = list(map(_TOKENS.__getitem__, _TEXT.findall(text)))  # a clause's end is _BREAK
    number = _language(tokens, len(tables.languages)) if len(tables.languages) > 1 else 0
    language, bit = tables.languages[number], 1 << number
    english = language.name == ENGLISH
    said: list[str] = []  # every significant word, in order
    unspaced: list[str] = []  # the words of scripts without spaces (in no part, never a typo)
    cuts: list[int] = []  # where in said a contrast starts another part
    negated: set[str] = set()
    maybe_negated: set[str] = set()
    parties: set[str] = set()
    spelled: dict[str, str] = {}
    pending = 0  # how many of the next significant words a negation still covers
    i = 0
    while i < len(tokens):
        token = tokens[i]
        length = 1
        if token.plain_word:
            found = token.stem if english else _stem(language.name, token.folded)
        else:
            found, length = _phrase(tables, tokens, i) if token.lengths else (None, 1)
            if found is None and token.single is not None and (token.upper or not token.stop & bit):
                found = token.single  # a one-word entry that is also a stop word counts only in capitals (IT, not it)
            if found is None:
                if token is _BREAK:
                    pending = 0
                elif token.contrast:
                    cuts.append(len(said))
                    pending = 0
                elif token.negation:
                    pending = NEGATION_SCOPE
                elif token.stop & bit:
                    if pending < NEGATION_SCOPE and not token.determiner & bit:
                        pending = 0  # "no owner at the start": the negation ends with its phrase
                elif token.cjk:
                    unspaced += _read_unspaced(token.folded, language.name, tables, parties)
                else:
                    found = token.stem if english else _stem(language.name, token.folded)
                if found is None:
                    i += 1
                    continue
            if found in tables.parties:
                parties.add(found)
        if length == 1:
            spelled.setdefault(found, token.folded)
        said.append(found)
        if pending:
            (negated if pending == NEGATION_SCOPE else maybe_negated).add(found)
            pending -= 1
        i += length
    every = said + unspaced if unspaced else said
    words = frozenset(every)
    repeated = tuple(sorted((w, n) for w, n in Counter(every).items() if n > 1)) if len(words) < len(every) else ()
    split: tuple[frozenset[str], ...] = ()
    if cuts:
        bounds = [0, *cuts, len(said)]
        split = tuple(frozenset(said[a:b]) for a, b in pairwise(bounds) if b > a)
    return Meaning(
        words, frozenset(negated), frozenset(maybe_negated), frozenset(parties), tuple(spelled.items()), repeated,
        split if len(split) > 1 else (),
    )


def _read_unspaced(folded: str, language: str, tables: _Tables, parties: set[str]) -> list[str]:
    """The words of a run of a script without spaces: its pairs of characters, the synonyms and
    parties it holds (added to parties), and any spaced word stuck to it."""
    said: list[str] = []
    for run in _CJK.findall(folded):
        named = {ident for term, ident in tables.unspaced if term in run}
        said += [*named, *(run[j : j + 2] for j in range(max(1, len(run) - 1)))]
        parties.update(named & tables.parties)
    return said + [_stem(language, piece) for piece in _CJK.sub(" ", folded).split()]


_BREAK = _Token("", "", "", 0, 0, 0, False, False, None, (), False, False, False)  # a clause's end, and the text's


def _phrase(tables: _Tables, clause: list[_Token], i: int) -> tuple[str | None, int]:
    """The synonym or party of two words or more that starts at word i, longest first, and how
    many words it spans."""
    token, after = clause[i], clause[i + 1] if i + 1 < len(clause) else _BREAK
    if (token.stem, after.stem) not in tables.openings and (token.plain, after.plain) not in tables.openings:
        return None, 1
    for length in token.lengths:
        span = clause[i : i + length]
        if len(span) < length:
            continue
        ident = tables.phrases.get(tuple(t.plain for t in span))
        if ident is None or ident not in tables.parties:
            ident = tables.phrases.get(tuple(t.stem for t in span))
        if ident is not None:
            return ident, length
    return None, 1


def _same(read: Meaning, text: str) -> tuple:
    """Equal for texts that read the same (what key says, without making a string)."""
    return (read.words, read.negated, read.repeated) if read.words else (" ".join(text.casefold().split()),)


def key(text: str) -> str:
    """Equal for texts that read the same: same significant words, same negations."""
    read = meaning(text)
    if not read.words:
        return " ".join(unicodedata.normalize("NFKC", text).casefold().split())
    said = " ".join(sorted(read.words)) + "".join(f" {w}*{n}" for w, n in read.repeated)
    return said + "".join(f" !{w}" for w in sorted(read.negated))


def threshold(answers: int) -> float:
    """The average similarity a text needs to the group it joins, among this many answers.

    A team-sized post-mortem groups paraphrases: there, two answers that share an unusual word and
    little else most often make one point. Among thousands of answers, shared words happen by
    chance, so only near-identical wordings group (typos, word order, a word added or dropped).
    In between, the bar rises with the logarithm of the number of answers."""
    rise = math.log(max(answers, SMALL) / SMALL) / math.log(LARGE / SMALL)
    return STRICT if rise >= 1 else LOOSE + (STRICT - LOOSE) * rise


class _Compare:
    """Similarity of texts read in one grouping: the weight of a word is its IDF among them."""

    def __init__(self, meanings: Sequence[Meaning], counts: Sequence[int] | None = None) -> None:
        counts = counts or [1] * len(meanings)
        self.frequency: Counter[str] = Counter(chain.from_iterable(read.words for read in meanings))
        for read, count in zip(meanings, counts, strict=True):
            if count > 1:  # a text given by several people counts for each
                self.frequency.update(dict.fromkeys(read.words, count - 1))
        total = sum(counts) + 1
        self.threshold = threshold(total - 1)
        self.strict = self.threshold >= STRICT  # near-identical wordings only: see _near
        self.weight = {w: (PARTY if w[0] == "@" else 1.0) * _idf(f) for w, f in self.frequency.items()}
        self.meanings = meanings
        self.phrases = {w for w in self.frequency if w[0] in "=@"} if self.strict else set()
        self._norms: dict[int, float] = {}  # made for the texts compared: most never are

    def norm(self, i: int) -> float:
        norm = self._norms.get(i)
        if norm is None:
            norm = self._norms[i] = math.sqrt(sum(self.weight[w] ** 2 for w in self.meanings[i].words))
        return norm

    def similarity(self, i: int, j: int) -> float | None:
        """Cosine of the two texts' weighted words, or None when a rule says they never group."""
        a, b = self.meanings[i], self.meanings[j]
        if (a.parties - b.parties) and (b.parties - a.parties):
            return None
        only_a, only_b = a.words - b.words, b.words - a.words
        if only_a and only_b:
            if _negated_by_prefix(a, b, only_a, only_b):
                return None
            typos = _typos(a, b, only_a, only_b)
        elif (only_a or only_b) and (a.repeated or b.repeated):  # a typo in a word said twice: "before ... befroe"
            typos = _typos(a, b, _surplus(a, b), _surplus(b, a))
        else:
            typos = []
        if typos:
            b = _respelled(b, dict((y, x) for x, y in typos))
        shared = a.words & b.words
        if _contradict(a, b, shared):
            return None
        if not shared:
            return 0.0
        if self.strict:
            return self._near(a, b)
        if not self.norm(i) or not self.norm(j):
            return 0.0
        if typos:
            only_a, only_b = a.words - shared, b.words - shared
        overlap = sum(self.weight[w] ** 2 for w in shared)
        if len(only_a) == len(only_b) == 1 and len(shared) <= SWAP + len(typos):
            return 0.0  # one word swapped for another in a short text: another point in the same frame
        if min(len(only_a), len(only_b)) >= DETAILS:
            return 0.0  # each says several things the other does not: two points about one topic
        if all(w[0] == "~" or w.isdigit() for w in shared):
            return 0.0  # "great", "late", "2": how it went or how many, not what
        if len(shared) == 1 and min(len(a.words), len(b.words)) > 2 and next(iter(shared))[0] not in "=@":
            return 0.0  # one word in common is a topic, not a point, unless it is a synonym or a party
        return overlap / (self.norm(i) * self.norm(j))

    def cosine(self, i: int, j: int) -> float:
        """The plain cosine of the two texts' weighted words: how alike they look, whatever the
        rules say (for suggestions, where shared letters count typos)."""
        shared = self.meanings[i].words & self.meanings[j].words
        if not shared:
            return 0.0
        return sum(self.weight[w] ** 2 for w in shared) / (self.norm(i) * self.norm(j))

    def _near(self, a: Meaning, b: Meaning) -> float:
        """Cosine of how often each text says each word (near-identical wordings only): 0 for
        texts one word apart by a word swapped for another, and at least the bar for texts one
        word apart by a word added or dropped (a word: a phrase of the synonym table says more),
        when they share ONE_MORE words or more."""
        if a.repeated or b.repeated:
            bag_a, bag_b = a.bag(), b.bag()
            extra_a = sum(max(n - bag_b.get(w, 0), 0) for w, n in bag_a.items())
            extra_b = sum(max(n - bag_a.get(w, 0), 0) for w, n in bag_b.items())
            dot = sum(n * bag_b.get(w, 0) for w, n in bag_a.items())
            squares = sum(n * n for n in bag_a.values()) * sum(n * n for n in bag_b.values())
        else:  # each word said once (most texts): the same sums, over the sets of words
            dot = len(a.words & b.words)
            extra_a, extra_b, squares = len(a.words) - dot, len(b.words) - dot, len(a.words) * len(b.words)
        if extra_a == extra_b == 1:
            return 0.0
        cosine = dot / math.sqrt(squares)
        if extra_a + extra_b == 1 and len(a.words & b.words) >= ONE_MORE and not (a.words ^ b.words) & self.phrases:
            return max(cosine, STRICT)  # "The kickoff slowed everyone down (before) the release"
        return cosine

    def candidates(self) -> set[tuple[int, int]]:
        """The pairs of texts worth comparing: those one word apart (the same words but one added,
        dropped or changed: found through keys that leave one word out), and, below the strict
        bar, those that share a rare word (used by at most RARE answers). No pass is over all pairs.
        A key is the sum of its words' hashes: a sum that happens to be equal only adds a pair."""
        first: dict[int | str, int] = {}  # each key: the first text that has it
        more: dict[int | str, list[int]] = defaultdict(list)  # and the others, for the keys of several texts
        wholes = []  # each text's key of all its words
        for i, read in enumerate(self.meanings):
            hashes = [hash(w) for w in read.words]
            whole = sum(hashes)
            wholes.append(whole)
            keys: list[int | str] = [whole, *(whole - one for one in hashes)] if 3 <= len(hashes) <= _MAX_WORDS_FOR_KEYS else [whole]
            if not self.strict:
                keys += [word for word in read.words if self.frequency[word] <= RARE]
            for key in keys:
                if first.setdefault(key, i) != i:
                    more[key].append(i)
        pairs: set[tuple[int, int]] = set()
        for key, nodes in more.items():
            nodes = sorted({first[key], *nodes})
            if len(nodes) <= CROWD:
                pairs.update(combinations(nodes, 2))
                continue
            # Many texts one word apart: a form filled in ("Ticket 1 was late", "Ticket 2 ..."). A word
            # swapped makes another point, so only the texts saying one word more or less than the
            # others are compared, and the comparing stays linear.
            for shorter in (i for i in nodes if wholes[i] == key):
                pairs.update((min(shorter, j), max(shorter, j)) for j in nodes if j != shorter)
        return pairs


def _idf(frequency: int) -> float:
    """A word's weight: the fewer answers use it, the more it says. It depends on the word's own
    frequency alone, so an answer about something else changes no other answer's group."""
    return max(1.0 + math.log(IDF_SCALE / (frequency + 1)), 0.1)


def _contradict(a: Meaning, b: Meaning, shared: frozenset[str]) -> bool:
    """One says no to a word the other says, each says no to a different thing, or one says one
    of two opposites and the other the other."""
    tables = _tables()
    if not (a.negated or a.maybe_negated or b.negated or b.maybe_negated or a.words & tables.opposed):
        return False  # most pairs: neither negates, and one says no opposite at all
    if any(w not in b.negated | b.maybe_negated for w in a.negated & shared):
        return True
    if any(w not in a.negated | a.maybe_negated for w in b.negated & shared):
        return True
    if (a.negated | a.maybe_negated) - shared and (b.negated | b.maybe_negated) - shared:
        return True
    part_a, part_b = _part(a, b.words), _part(b, a.words)
    if not (part_a & tables.opposed and part_b & tables.opposed):
        return False  # two opposites need one on each side
    for one, other in tables.opposites:
        says_a, says_b = (one in part_a, other in part_a), (one in part_b, other in part_b)
        if says_a != says_b and sum(says_a) == sum(says_b) == 1:
            return True
    return False


def _part(read: Meaning, other: frozenset[str]) -> frozenset[str]:
    """The words of the part of read that speaks of what other speaks of: all of them, or, in
    "X was fine, but Y took days", the part sharing most words with other."""
    return max(read.parts, key=lambda part: len(part & other)) if read.parts else read.words


def _respelled(read: Meaning, typos: dict[str, str]) -> Meaning:
    """read with its misspelt words replaced by the words they stand for."""
    if not typos:
        return read
    def fix(words: frozenset[str]) -> frozenset[str]:
        return frozenset(typos.get(w, w) for w in words)

    said: Counter[str] = Counter()
    for word, times in read.bag().items():
        said[typos.get(word, word)] += times  # a typo of a word also said rightly: that word, once more
    return Meaning(
        fix(read.words),
        fix(read.negated),
        fix(read.maybe_negated),
        read.parties,
        read.spelled,
        tuple(sorted((w, n) for w, n in said.items() if n > 1)),
        tuple(fix(part) for part in read.parts),
    )


def _negated_by_prefix(a: Meaning, b: Meaning, only_a: frozenset[str], only_b: frozenset[str]) -> bool:
    """One says a word the other does not, and the other says it with a negating prefix: "The goals
    were clear" / "The goals were unclear" (languages.toml)."""
    prefixes = _tables().negating_prefixes
    said_b = [written for word, written in b.spelled if word in only_b]
    return any(_prefix(written, other) in prefixes for word, written in a.spelled if word in only_a for other in said_b)


def _prefix(one: str, other: str) -> str:
    """The letters one word has before the other ("un" of "unclear" / "clear", either way round); ""
    when neither ends with the other. Such a pair is never a slip of the keyboard."""
    one, other = one.casefold(), other.casefold()
    longer, shorter = (one, other) if len(one) > len(other) else (other, one)
    return longer[: len(longer) - len(shorter)] if longer.endswith(shorter) else ""


def _surplus(read: Meaning, other: Meaning) -> frozenset[str]:
    """The words read says more often than other does."""
    theirs = other.bag()
    return frozenset(w for w, n in read.bag().items() if n > theirs.get(w, 0))


def _typos(a: Meaning, b: Meaning, only_a: frozenset[str], only_b: frozenset[str]) -> list[tuple[str, str]]:
    """Pairs of words, one from each side, that are the same word misspelt (compared as written:
    a typo can change a word's stem beyond recognition)."""
    if not only_a or not only_b:
        return []
    from rapidfuzz import fuzz

    written_b = dict(b.spelled)
    pairs = []
    left = {w: written_b[w] for w in only_b if len(written_b.get(w, "")) >= _TYPO_LENGTH and written_b[w].isalpha()}
    for x, written in a.spelled:
        if x not in only_a or len(written) < _TYPO_LENGTH or not written.isalpha():
            continue
        for y, other in left.items():
            if fuzz.ratio(written, other) >= _TYPO and not _prefix(written, other):
                pairs.append((x, y))
                del left[y]
                break
    return pairs


def group(texts: Sequence[str]) -> list[list[int]]:
    """Indices of texts grouped by the point they make; groups and members in order of first appearance."""
    reads = [meaning(text) for text in texts]  # kept: more texts than meaning's cache holds would be read twice
    distinct: dict[tuple, int] = {}  # texts that read the same are one node
    node_of = [distinct.setdefault(_same(read, text), len(distinct)) for read, text in zip(reads, texts, strict=True)]
    first: dict[int, int] = {}
    for index, node in enumerate(node_of):
        first.setdefault(node, index)
    counts = [0] * len(distinct)
    for node in node_of:
        counts[node] += 1
    compare = _Compare([reads[first[node]] for node in range(len(distinct))], counts)
    del reads
    links: list[dict[int, float]] = [{} for _ in counts]  # summed similarity between clusters
    for i, j in compare.candidates():
        alike = compare.similarity(i, j)
        if alike is None:
            links[i][j] = links[j][i] = -math.inf
        elif alike > 0:
            links[i][j] = links[j][i] = alike * counts[i] * counts[j]
    root = _average_linkage(links, counts, compare.threshold)
    groups: dict[int, list[int]] = {}
    for index, node in enumerate(node_of):
        groups.setdefault(root[node], []).append(index)
    return list(groups.values())


def _average_linkage(links: list[dict[int, float]], sizes: list[int], bar: float) -> list[int]:
    """Each node's cluster (a node index): clusters joined while their average similarity is at
    least bar, most alike first; a link of -inf (never group) keeps two clusters apart."""
    sizes = list(sizes)
    bar -= 1e-9  # an average of similarities of exactly the bar, weighted by people (0.95 * 3 / 3), rounds below it
    heap = [(-total / (sizes[i] * sizes[j]), i, j) for i, near in enumerate(links) for j, total in near.items() if i < j]
    heap = [entry for entry in heap if -entry[0] >= bar]
    heapq.heapify(heap)
    parent = list(range(len(links)))
    while heap:
        negative, i, j = heapq.heappop(heap)
        if parent[i] != i or parent[j] != j or links[i].get(j, 0.0) / (sizes[i] * sizes[j]) != -negative:
            continue  # stale: one side joined another cluster since
        if len(links[i]) < len(links[j]):
            i, j = j, i
        del links[i][j], links[j][i]
        for k, total in links[j].items():
            del links[k][j]
            links[i][k] = links[k][i] = links[i].get(k, 0.0) + total
        links[j] = {}
        parent[j] = i
        sizes[i] += sizes[j]
        for k, total in links[i].items():
            if total / (sizes[i] * sizes[k]) >= bar:
                heapq.heappush(heap, (-total / (sizes[i] * sizes[k]), min(i, k), max(i, k)))

    def find(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    return [find(i) for i in range(len(links))]


def _group_of(count: int, groups: Sequence[Sequence[int]]) -> list[int]:
    """Each text's group number; a text in no group is a group of its own."""
    group_of = list(range(len(groups), len(groups) + count))
    for number, members in enumerate(groups):
        for i in members:
            group_of[i] = number
    return group_of


def close_calls(texts: Sequence[str], groups: Sequence[Sequence[int]]) -> int:
    """How many texts have a text of another group almost alike enough to have joined it (at
    least CLOSE of the bar): what the facilitator should look at first (`postmortem groups`).
    Compares only the pairs grouping compares, so it is as fast."""
    meanings = [meaning(t) for t in texts]
    compare = _Compare(meanings)
    group_of = _group_of(len(texts), groups)
    close: set[int] = set()
    for i, j in compare.candidates():
        if group_of[i] != group_of[j] and (compare.similarity(i, j) or 0.0) >= CLOSE * compare.threshold:
            close.update((i, j))
    return len(close)


def suggestions(
    texts: Sequence[str],
    groups: Sequence[Sequence[int]],
    most: int = SUGGESTIONS,
    senses: Callable[[int, Sequence[int]], Sequence[float]] | None = None,
) -> list[list[tuple[int, float]]]:
    """For each text, the nearest text of each of the `most` other groups most alike to it, most
    alike first, with how alike (0 to 1): shared words and shared letters, whatever the rules say,
    and, given senses (how alike text i is in meaning to each of the texts listed:
    semantic.similarities), the mean of the two. Compares every pair up to SUGGEST_ALL texts;
    beyond, each text with its NEAREST (_nearest)."""
    meanings = [meaning(t) for t in texts]
    compare = _Compare(meanings)
    grams = [_grams(t) for t in texts]
    group_of = _group_of(len(texts), groups)
    nearest = _nearest(meanings, grams) if len(texts) > SUGGEST_ALL else None
    out: list[list[tuple[int, float]]] = []
    for i in range(len(texts)):
        scored = []
        others = nearest[i] if nearest is not None else range(len(texts))
        sense = senses(i, others) if senses else None
        for k, j in enumerate(others):
            if group_of[j] == group_of[i]:
                continue
            alike = SUGGEST_WORDS * compare.cosine(i, j) + (1 - SUGGEST_WORDS) * _dice(grams[i], grams[j])
            if sense is not None:
                alike = (alike + sense[k]) / 2
            if alike >= _SUGGEST_FLOOR:
                scored.append((-alike, j))
        scored.sort()
        shown: dict[int, tuple[int, float]] = {}  # the nearest wording of each other group
        for negative, j in scored:
            if len(shown) == most:
                break
            shown.setdefault(group_of[j], (j, round(-negative, 2)))
        out.append(list(shown.values()))
    return out


def _nearest(meanings: Sequence[Meaning], grams: Sequence[frozenset[str]]) -> list[list[int]]:
    """For each text, the NEAREST texts that share the most of its words and groups of three
    letters with it. A word or group of letters that more than _COMMON texts have is left out: it
    says little of which are nearest, and counting it would make the search quadratic."""
    having: dict[str, list[int]] = defaultdict(list)
    features = [read.words | letters for read, letters in zip(meanings, grams, strict=True)]
    for i, said in enumerate(features):
        for feature in said:
            having[feature].append(i)
    out = []
    for i, said in enumerate(features):
        shared: Counter[int] = Counter()
        for feature in said:
            others = having[feature]
            if len(others) <= _COMMON:
                shared.update(others)
        shared.pop(i, None)
        out.append([j for j, _ in shared.most_common(NEAREST)])
    return out


def _grams(text: str) -> frozenset[str]:
    folded = " " + " ".join(_WORD.findall(unicodedata.normalize("NFKC", text).casefold())) + " "
    return frozenset(folded[k : k + 3] for k in range(len(folded) - 2))


def _dice(a: frozenset[str], b: frozenset[str]) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0
