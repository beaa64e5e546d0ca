"""Nudges while interviewing: gentle follow-ups that keep entries tangible and blameless.

Two nudges, each asked at most once per entry and each one the participant may wave through:

- `tangible`: an entry of an action question (`actions = true`) that is too short, names no
  action, or is a generic phrase ("communicate better") gets one follow-up asking who would do
  what by when, with the entry as the default answer (Enter keeps it).
- `blame`: an entry of a question marked `blame_check = true` that pins blame on a named person
  (anyone named: a participant, an invited person, someone named in a people answer, or any
  capitalised name, next to a word such as "fault" or "lazy", in English, German, French or
  Spanish) gets a short reminder to describe what happened and what made it likely; the
  participant may keep their words or rewrite them.

The rules are plain functions (`vague`, `blamed`) so they can be tested without a terminal;
`Nudger` asks the follow-ups through the interview's prompts (imported only when asked).
`nudges = false` in postmortem.toml turns both off, `nudges = ["tangible"]` keeps only that one,
and `start --no-nudges` turns both off for one run.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from postmortem.questionsets import Question
    from postmortem.response import Response

KINDS = ("tangible", "blame")
MIN_WORDS = 4

# Phrases that sound like an improvement but name nothing anyone could do or check.
_GENERIC = re.compile(
    r"\b("
    r"communicat(?:e|ing)\s+(?:more|better|earlier|clearer|more\s+clearly|openly)"
    r"|(?:better|more|improved?|clearer|open|good)\s+communication"
    r"|improv(?:e|ing)\s+(?:the\s+|our\s+)?(?:communication|collaboration|coordination|planning|processes?|quality)"
    r"|(?:be|being)\s+(?:more\s+|a\s+bit\s+more\s+)?(?:careful|proactive|transparent|aligned|organi[sz]ed|responsive|efficient|focused|flexible|attentive)"
    r"|more\s+careful|pay\s+(?:more\s+)?attention"
    r"|(?:more|better)\s+(?:testing|tests|planning|alignment|collaboration|coordination|documentation|transparency|ownership|focus|teamwork)"
    r"|test(?:ing)?\s+more|plan(?:ning)?\s+(?:better|ahead|more)|work\s+(?:harder|smarter|together\s+better)"
    r"|try\s+harder|do\s+better|be\s+better|align\s+better|listen\s+(?:more|better)|sync\s+more|keep\s+it\s+up"
    r"|lessons\s+learned"
    r")\b"
)
# Something a reader can hold an entry to: a number or time, a day, a frequency, a name.
_ANCHOR_WORDS = frozenset(
    "daily weekly monthly fortnightly quarterly every each monday tuesday wednesday thursday friday saturday "
    "sunday mondays tuesdays wednesdays thursdays fridays january february march april may june july august "
    "september october november december morning afternoon noon tomorrow sprint".split()
)
_MODALS = frozenset("will should must shall 'll let's lets".split())
# Common verbs of action in improvements (base forms; a word is looked up by its stem).
_VERBS = frozenset(
    """
    add agree align allocate announce appoint approve arrange ask assign attend audit automate avoid book brief
    build buy call cancel cap change check clarify close coach collect combine commit communicate coordinate compare confirm
    consult create cut decide define delegate deliver demo deploy design discuss document draft drop email
    enable enforce engage ensure escalate establish estimate extend fix flag follow freeze gather get give hand
    help hire hold host include inform install introduce invite involve keep label launch lead limit list log
    make manage map measure meet mentor merge migrate monitor move name note notify offer onboard open organise
    organize own pair pilot plan post prepare present prioritise prioritize protect provide publish put raise
    record reduce refuse release remind remove rename replace report request require reserve reset restrict
    review rotate run schedule send set share ship show sign simplify skip split staff standardise standardize
    start stop streamline submit summarise summarize switch sync take talk teach test tell track train trial
    try turn update upgrade use validate verify visit vote walk warn write
    """.split()
)
# Words that pin a fault on someone, folded, in the languages grouping reads (English, German, French,
# Spanish); and phrases of several words. Listed in every form: a stemmer would also hear blame in
# "il faut" (French "faute") or "faulty".
_BLAME_WORDS = frozenset(
    """
    fault faults blame blamed blames blaming mistake mistakes incompetent incompetence lazy laziness careless
    carelessness sloppy sloppiness useless clueless negligent negligence irresponsible unprofessional idiot
    idiotic stupid hopeless screwup
    schuld schuldig faul inkompetent unfähig nachlässig schlampig geschlampt verbockt vermasselt
    faute fautes incompétent incompétente incompétents négligent négligente paresseux paresseuse nul nulle
    culpa culpable incompetente negligente descuidado descuidada vago vaga
    """.split()
)
_BLAME_PHRASES = tuple(
    tuple(phrase.split())
    for phrase in (
        "screwed up", "screw up", "screws up", "messed up", "mess up", "messes up", "dropped the ball",
        "couldn't be bothered", "la cagó", "la pifió", "a merdé",
    )
)
_NEGATIONS = frozenset(
    """
    not no never nobody noone none neither nor without
    nicht kein keine keinen keinem keiner nie niemals niemand
    ne pas jamais personne aucun aucune
    nunca jamás nadie ningún ninguna ninguno
    """.split()
)
# Between a name and a blaming word only small words stand: the grouping stop words of every
# language, and these (intensifiers, and the German "lies with").
_SMALL_WORDS = frozenset("totally completely entirely really very just always simply so too völlig total ganz sehr "
                         "wirklich einfach immer liegt lag très vraiment complètement totalement muy totalmente realmente".split())
# Capitalised, yet nobody: the start of a sentence ("Everyone was lazy").
_NOBODY = frozenset("everyone everybody someone somebody anyone anybody nobody noone all both none".split())
# A capitalised word after these is a thing, a place or a day ("the Monday release", "at Harbour Street").
_NOT_BEFORE_A_NAME = frozenset(
    "the a an this that these those at in from into der die das den dem des ein eine einen einem einer im "
    "le la les un une el los las una unos unas".split()
)
_ELISION = re.compile(r"\b(qu|[cdjlmnst])'", re.IGNORECASE)  # French: c'est, n'est, l'équipe
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")
_SENTENCE_END = re.compile(r"[.!?;:]+")
_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold().replace("’", "'")
    return " ".join(text.split())


def words(text: str) -> list[str]:
    """The words of text, lower case; hyphenated words count as one word."""
    return [w for w in _fold(text).split() if _TOKEN.search(w)]


def has_action(text: str) -> bool:
    """True when text names something someone would do: an action verb, or a will/should."""
    tokens = _TOKEN.findall(_fold(text))
    pieces = [p for t in tokens for p in re.split(r"['’]", t)[:1]]
    if any(t in _MODALS for t in tokens) or re.search(r"\b(?:needs?|has|have)\s+to\b", _fold(text)):
        return True
    return any(_acts(piece) for piece in pieces)


# The stemmer also joins nouns to their verbs ("approval", "approve"): such a noun is not an action.
_NOUN_ENDINGS = ("al", "als", "ment", "ments", "ion", "ions", "ance", "ances", "ence", "ences", "ity", "ness")


def _acts(word: str) -> bool:
    """word is one of _VERBS in some form: "planned", "scheduling", "sets"."""
    return word in _VERBS or (not word.endswith(_NOUN_ENDINGS) and _stem(word) in _verb_stems())


@lru_cache(maxsize=1 << 12)
def _stem(word: str) -> str:
    """word's English Snowball stem (PyStemmer, as grouping uses): "planned" and "planning" are "plan"."""
    return _english().stemWord(word)


@cache
def _english():  # type: ignore[no-untyped-def]
    import Stemmer

    return Stemmer.Stemmer("english")


@cache
def _verb_stems() -> frozenset[str]:
    return frozenset(_stem(verb) for verb in _VERBS)


def _anchored(text: str) -> bool:
    """A number, a time, a day or frequency, or a name after the first word."""
    if re.search(r"\d", text):
        return True
    if any(w.strip(".,;:!?()") in _ANCHOR_WORDS for w in words(text)):
        return True
    raw = text.split()
    for before, word in pairwise(raw):
        if word[:1].isupper() and word != "I" and not before.endswith((".", "!", "?", ":")):
            return True
    return False


def vague(text: str) -> str | None:
    """Why an improvement is not tangible yet, or None when it reads as something someone can do."""
    generic = _GENERIC.search(_fold(text))
    if generic and not _anchored(text):
        return f"\u201c{generic.group(1)}\u201d is hard to act on: nobody can tell when it is done"
    if len(words(text)) < MIN_WORDS:
        return "That is short for an improvement"
    if not has_action(text):
        return "That does not say what anyone would do"
    return None


class _Word(NamedTuple):
    text: str  # as written, without a possessive 's
    folded: str
    possessive: bool  # had one: a name ends there ("Dave's Ann")
    spaced: bool  # only white space since the word before: a name may go on ("Kyle Brown")


def _sentences(text: str) -> list[list[_Word]]:
    text = _ELISION.sub(r"\1e ", unicodedata.normalize("NFKC", text).replace("’", "'"))
    sentences = []
    for sentence in _SENTENCE_END.split(text):
        found, after = [], 0
        for match in _WORD.finditer(sentence):
            word = match.group()
            possessive = word.casefold().endswith("'s")  # Dave's, nobody's, it's
            word = word[:-2] if possessive else word
            found.append(_Word(word, word.casefold(), possessive, sentence[after : match.start()].isspace()))
            after = match.end()
        sentences.append(found)
    return sentences


def _known(names: Iterable[str]) -> list[tuple[str, tuple[str, ...]]]:
    """(name, its words folded) for each known name, and for its first name alone ("Kyle" for Kyle Brown)."""
    forms = []
    for name in names:
        parts = name.split()
        forms.append((" ".join(parts), tuple(p.casefold() for p in parts)))
        if 2 <= len(parts) <= 3 and all(p[:1].isupper() for p in parts) and len(parts[0]) >= 3:
            forms.append((" ".join(parts), (parts[0].casefold(),)))
    return [(name, words) for name, words in forms if words and len(" ".join(words)) >= 2]


def _people(words: list[_Word], known: list[tuple[str, tuple[str, ...]]]) -> Iterator[tuple[str, int, int]]:
    """(name, first, end) for each person named in a sentence: a known name in any case, or a run of
    capitalised words that does not follow an article or a preposition of place and is not a small word."""
    folded = tuple(w.folded for w in words)
    at = 0
    while at < len(words):
        match = next(((name, at + len(form)) for name, form in known if folded[at : at + len(form)] == form), None)
        if match is None:  # a known name with the German genitive s: "Daves Schuld"
            match = next(((name, at + len(form)) for name, form in known if _genitive(folded[at : at + len(form)], form)), None)
        if match is None and _capitalised(words[at]):
            end = at + 1
            while end < len(words) and words[end].spaced and not words[end - 1].possessive and _capitalised(words[end]):
                end += 1
            if at and folded[at - 1] in _NOT_BEFORE_A_NAME:  # "at Harbour Street": neither word is a person
                at = end
                continue
            said = [w.text for w in words[at:end]]
            if end < len(words) and folded[end] == "schuld" and said[-1][-2:] in _GENITIVE_ENDINGS:
                said[-1] = said[-1][:-1]  # "Daves Schuld" blames Dave ("Thomas", "Jens", "Annas" stay as written)
            match = " ".join(said), end
        if match is None:
            at += 1
            continue
        yield match[0], at, match[1]
        at = match[1]


_GENITIVE_ENDINGS = frozenset({"es", "is", "ys"})  # a name ending in e, i or y that took a German genitive s


def _genitive(seen: tuple[str, ...], form: tuple[str, ...]) -> bool:
    """seen is the name of form with a German genitive s on its last word ("daves" for "dave")."""
    return len(seen) == len(form) and seen[:-1] == form[:-1] and seen[-1] == form[-1] + "s"


def _capitalised(word: _Word) -> bool:
    return (
        word.text[:1].isupper() and not word.text.isupper() and "'" not in word.text
        and not any(word.folded in words for words in (_small_words(), _NOBODY, _NEGATIONS, _BLAME_WORDS))
    )


def _blame_spans(words: list[_Word]) -> Iterator[tuple[int, int]]:
    """(first, end) of each blaming word or phrase that no negation just before it takes back."""
    folded = tuple(w.folded for w in words)
    for at, word in enumerate(folded):
        length = 1 if word in _BLAME_WORDS else next((len(p) for p in _BLAME_PHRASES if folded[at : at + len(p)] == p), 0)
        if length and not any(w in _NEGATIONS or w.endswith("n't") for w in folded[max(0, at - 3) : at]):
            yield at, at + length


def blamed(text: str, names: Iterable[str]) -> str | None:
    """The person text pins blame on, or None: a name (known, or any capitalised name) with a blaming word
    next to it, or only small words between ("It was Dave's fault", "Marcus was lazy", "Blame Dave",
    "la faute de Julien"). "It was not Kyle's fault" is not blame: a negation just before the blaming
    word takes it back; "Hannah said the fault was ..." is not either: a word of substance stands between."""
    known = _known(names)
    for words in _sentences(text):
        blames = list(_blame_spans(words))
        if not blames:
            continue
        for name, first, end in _people(words, known):
            for blame_first, blame_end in blames:
                between = words[end:blame_first] if end <= blame_first else words[blame_end:first]
                if all(w.folded in _small_words() for w in between):
                    return name
    return None


@cache
def _small_words() -> frozenset[str]:
    """The stop words of every language grouping reads (templates/grouping/languages.toml), and _SMALL_WORDS."""
    from postmortem import store
    from postmortem.resources import templates_dir

    languages = store.read_toml(templates_dir() / "grouping" / "languages.toml")
    return _SMALL_WORDS.union(*(entry.get("stopwords", "").split() for entry in languages.values()))


def enabled(setting: bool | list[str], no_nudges: bool = False) -> frozenset[str]:
    """The nudges on for this run: the session's `nudges` setting, unless --no-nudges."""
    if no_nudges or setting is False:
        return frozenset()
    if setting is True:
        return frozenset(KINDS)
    return frozenset(setting)


def participant_names(folder: Path) -> list[str]:
    """Names in the response files of the folder; an unreadable file is skipped, not an error here."""
    from postmortem import response as response_mod
    from postmortem import store
    from postmortem.errors import PostmortemError

    names = []
    for path in response_mod.response_paths(folder):
        try:
            name = store.read_toml(path).get("name")
        except PostmortemError:
            continue
        if isinstance(name, str) and name.strip() and not response_mod.is_token(name.strip()):  # anonymous: a token
            names.append(name.strip())
    return names


def people_named(response: Response) -> list[str]:
    return [
        entry["name"]
        for value in response.answers.values()
        if isinstance(value, list)
        for entry in value
        if isinstance(entry, dict) and isinstance(entry.get("name"), str)
    ]


@dataclass
class Nudger:
    """Asks the follow-ups that are on; call it with each new or changed entry, get the text to keep."""

    kinds: frozenset[str]
    folder: Path  # its response files name the people a blame check looks for
    invited: tuple[str, ...] = ()

    @cached_property
    def names(self) -> list[str]:
        """Read at the first blame check, not before the first question: a folder may hold thousands of responses."""
        return [*participant_names(self.folder), *self.invited]

    def __bool__(self) -> bool:
        return bool(self.kinds)

    def __call__(self, question: Question, text: str, response: Response) -> str:
        found = check(self.kinds, question, text, lambda: [*self.names, *people_named(response)])
        if found is None:
            return text
        kind, detail = found
        return self._tangible(text, detail) if kind == "tangible" else self._blame(text, detail)

    @staticmethod
    def _tangible(text: str, reason: str) -> str:
        from postmortem import interview

        interview.say(f"  {tangible_message(_plain(reason))}", "fg:ansiyellow")
        interview.say(f"  {TANGIBLE_EXAMPLE}", "fg:ansigray")
        better = interview.ask_text("  Make it tangible", default=text, instruction="(Enter keeps it as it is)", lines=True)
        return better or text

    @staticmethod
    def _blame(text: str, name: str) -> str:
        from postmortem import interview

        interview.say(f"  {blame_message(_plain(name))}", "fg:ansiyellow")
        choice = interview.ask_select("  Keep your words?", [KEEP_WORDS, REWRITE])
        if choice == KEEP_WORDS:
            return text
        better = interview.ask_text("  What happened, and what made it likely?", default=text, lines=True)
        return better or text


def check(kinds: frozenset[str], question: Question, text: str, names: Callable[[], list[str]]) -> tuple[str, str] | None:
    """The nudge an entry calls for: ("tangible", why it is vague) or ("blame", the name blamed), or None.
    names() gives the people a blame check looks for; it is called only for a blame check."""
    if "tangible" in kinds and question.actions:
        reason = vague(text)
        if reason:
            return "tangible", reason
    if "blame" in kinds and question.blame_check:
        name = blamed(text, names())
        if name:
            return "blame", name
    return None


def tangible_message(reason: str) -> str:
    return f"{reason}. Who would do what, by when?"


TANGIBLE_EXAMPLE = 'For example: "The team lead holds a 10-minute check-in at 9:00 every day from 2026-12-01."'


def blame_message(name: str) -> str:
    return f"A reminder: this reads as blaming {name}. Describe what happened and what made it likely, not who is to blame."


KEEP_WORDS = "Keep my words"
REWRITE = "Rewrite it"


def _plain(text: str) -> str:
    from postmortem.escape import plain

    return plain(text)


def for_interview(folder: Path, invited: Iterable[str], setting: Any, no_nudges: bool = False) -> Nudger:
    """The nudger for one interview in folder: names from the responses there and the invitations."""
    kinds = enabled(setting, no_nudges)
    return Nudger(kinds, folder, tuple(invited))
