"""Nudges while interviewing: gentle follow-ups that keep entries tangible and blameless.

Two nudges, each asked at most once per entry and each one the participant may wave through:

- `tangible`: an entry of an action question (`actions = true`) that is too short, names no
  action, or is a generic phrase ("communicate better") gets one follow-up asking who would do
  what by when, with the entry as the default answer (Enter keeps it).
- `blame`: an entry of a question marked `blame_check = true` that pins blame on a named person
  (a participant, an invited person, or someone the person named in a people answer, together
  with a word such as "fault" or "lazy") gets a short reminder to describe what happened and
  what made it likely; the participant may keep their words or rewrite them.

The rules are plain functions (`vague`, `blamed`) so they can be tested without a terminal;
`Nudger` asks the follow-ups through the interview's prompts (imported only when asked).
`nudges = false` in postmortem.toml turns both off, `nudges = ["tangible"]` keeps only that one,
and `start --no-nudges` turns both off for one run.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from postmortem.questionsets import Question
    from postmortem.session import Response

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
# Common verbs of action in improvements (base forms; inflections are stripped before looking up).
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
_BLAME = re.compile(
    r"\b("
    r"fault|faults|blame|blamed|blames|blaming|to\s+blame"
    r"|incompetent|incompetence|lazy|laziness|careless|sloppy|useless|clueless|negligent|negligence"
    r"|irresponsible|unprofessional|idiot|idiotic|stupid|hopeless"
    r"|screwed\s+up|screw(?:ed|s)?[- ]up|messed\s+up|mess(?:ed)?[- ]up|dropped\s+the\s+ball|couldn'?t\s+be\s+bothered"
    r")\b"
)
_NEGATIONS = frozenset("not no never nobody's nobodys noone's wasn't isn't wasnt isnt".split())
_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold().replace("’", "'")
    return " ".join(text.split())


def words(text: str) -> list[str]:
    """The words of text, lower case; hyphenated words count as one word."""
    return [w for w in _fold(text).split() if _TOKEN.search(w)]


def _stems(token: str) -> Iterable[str]:
    yield token
    for suffix, add in (("s", ""), ("es", ""), ("ed", ""), ("ed", "e"), ("ing", ""), ("ing", "e"), ("ies", "y")):
        if token.endswith(suffix) and len(token) > len(suffix) + 2:
            stem = token[: -len(suffix)] + add
            yield stem
            if not add and len(stem) > 3 and stem[-1] == stem[-2]:  # planned, setting
                yield stem[:-1]


def has_action(text: str) -> bool:
    """True when text names something someone would do: an action verb, or a will/should."""
    tokens = _TOKEN.findall(_fold(text))
    pieces = [p for t in tokens for p in re.split(r"['’]", t)[:1]]
    if any(t in _MODALS for t in tokens) or re.search(r"\b(?:needs?|has|have)\s+to\b", _fold(text)):
        return True
    return any(stem in _VERBS for piece in pieces for stem in _stems(piece))


def _anchored(text: str) -> bool:
    """A number, a time, a day or frequency, or a name after the first word."""
    if re.search(r"\d", text):
        return True
    if any(w.strip(".,;:!?()") in _ANCHOR_WORDS for w in words(text)):
        return True
    raw = text.split()
    for before, word in zip(raw, raw[1:]):
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


def _name_patterns(names: Iterable[str]) -> list[tuple[str, re.Pattern[str]]]:
    patterns: list[tuple[str, re.Pattern[str]]] = []
    seen: set[str] = set()
    for name in names:
        name = " ".join(name.split())
        forms = [name]
        parts = name.split()
        if 2 <= len(parts) <= 3 and all(p[:1].isupper() for p in parts) and len(parts[0]) >= 3:
            forms.append(parts[0])  # "Kyle" for Kyle Brown
        for form in forms:
            key = _fold(form)
            if len(key) < 2 or key in seen:
                continue
            seen.add(key)
            patterns.append((name, re.compile(rf"(?<![\w]){re.escape(key)}(?![\w])")))
    return patterns


def blamed(text: str, names: Iterable[str]) -> str | None:
    """The name text pins blame on, or None when no name is mentioned together with a blaming word.

    "It was not Kyle's fault" is not blame: a negation just before the blaming word clears it.
    """
    folded = _fold(text)
    hits = [m for m in _BLAME.finditer(folded) if not _negated(folded, m.start())]
    if not hits:
        return None
    for name, pattern in _name_patterns(names):
        if pattern.search(folded):
            return name
    return None


def _negated(folded: str, at: int) -> bool:
    before = folded[:at].split()[-3:]
    return any(w.strip(".,;:!?()") in _NEGATIONS for w in before)


def enabled(setting: bool | list[str], no_nudges: bool = False) -> frozenset[str]:
    """The nudges on for this run: the session's `nudges` setting, unless --no-nudges."""
    if no_nudges or setting is False:
        return frozenset()
    if setting is True:
        return frozenset(KINDS)
    return frozenset(setting)


def participant_names(folder: Path) -> list[str]:
    """Names in the response files of the folder; an unreadable file is skipped, not an error here."""
    from postmortem import session as session_mod
    from postmortem import store
    from postmortem.errors import PostmortemError

    names = []
    for path in session_mod.response_paths(folder):
        try:
            name = store.read_toml(path).get("name")
        except PostmortemError:
            continue
        if isinstance(name, str) and name.strip() and not session_mod.is_token(name.strip()):  # anonymous: a token
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
