"""A participant's answers checked against a question set, in one normal form.

Normal form, by question kind:
- items:  list of {"text": str, and the question's fields: owner: str, due: date, instead: str,
          type: str, one of the question's types}
- text:   str
- rating: int, 1..len(labels)
- choice: str, one of the choices
- people: list of {"name": str, "role": str, "interest": str}
- scores: list of {key: str, dimension: int, ...}
- events: list of {"time": str, "what": str}; the time as given (a TOML date-time or time is
          kept in its ISO form), read as a moment only when merged (see `parse_time`)
The agreements in force a participant said held or lapsed (a response's `agreements` list, beside
its answers): list of {"text": str, "outcome": "held" or "lapsed", "note": str}, the note optional.
Errors name the key that is wrong, such as `answers.improvements[2].due` or `answers.timeline[2].time`,
and carry it as a key path (errors.PostmortemError.key), from which the line is found.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from postmortem.errors import Key, PostmortemError, dotted, kept
from postmortem.escape import plain
from postmortem.questionsets import EVENT_FIELDS, PEOPLE_FIELDS, Question, QuestionSet
import itertools

MAX_TEXT = 4000


def same_wording(text: str) -> str:
    """What two wordings share when they are the same wording: case and spacing aside."""
    return " ".join(text.split()).casefold()


def visible(text: str) -> str:
    """text without surrounding space; empty when it has only invisible characters (it would show as nothing)."""
    text = text.strip()
    return "" if text and not text.isprintable() and not plain(text) else text


def _string(value: Any, key: Key, *, required: bool = False) -> str:
    if not isinstance(value, str):
        raise PostmortemError(f"{dotted(key)} must be text, not {type(value).__name__}", key=key)
    value = visible(value)
    if required and not value:
        raise PostmortemError(f"{dotted(key)} must not be empty", key=key)
    if len(value) > MAX_TEXT:
        raise PostmortemError(f"{dotted(key)} is longer than {MAX_TEXT} characters", key=key)
    return value


def parse_date(value: Any, key: str | Key) -> dt.date:
    """value as a date: a TOML date, or text such as 2026-12-15; key names it in the error (an
    option such as "--due", or a key path)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    named = key if isinstance(key, str) else dotted(key)
    raise PostmortemError(f"{named} must be a date such as 2026-12-15, not {value!r}", key=() if isinstance(key, str) else key)


_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


def parse_time(text: str, day: dt.date) -> dt.datetime | None:
    """The moment an event time names, or None for free text such as "next morning".

    Accepted: ISO 8601 date-times (2026-11-18T14:02, with or without seconds and offset) and
    dates; clock times such as 14:02, 9:05, 14:02:30 or 14:02Z, which are taken to be on `day`.
    """
    text = text.strip()
    match = _CLOCK.match(text)
    if match:
        hour, minute, second = (int(g) if g else 0 for g in match.groups())
        if hour < 24 and minute < 60 and second < 60:
            return dt.datetime.combine(day, dt.time(hour, minute, second))
        return None
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        pass
    if ":" in text:  # a clock time with a fraction or an offset; never a bare number read as a time
        try:
            return dt.datetime.combine(day, dt.time.fromisoformat(text))
        except ValueError:
            pass
    return None


def dated(text: str) -> dt.datetime | None:
    """text as a full ISO date-time (or date), not a clock time."""
    try:
        return dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return None


# The incident's start, detection and resolution, in the order they happen.
INCIDENT_TIMES = ("started_at", "detected_at", "resolved_at")


def _in_order(answers: dict[str, Any]) -> None:
    """One person's own incident times that carry a date come in the order they happen: detection
    before the start, say, is a slip they can see and mend. Clock times alone are not judged here
    (23:50 then 00:10 may cross midnight); merge flags what they make of the durations."""
    given = [(qid, answers[qid], dated(answers[qid])) for qid in INCIDENT_TIMES if isinstance(answers.get(qid), str)]
    moments = [(qid, text, at) for qid, text, at in given if at is not None and ":" in text]  # a date alone is a whole day
    for (first, first_text, begin), (then, then_text, end) in itertools.pairwise(moments):
        if (begin.tzinfo is None) != (end.tzinfo is None):  # one without an offset is taken to be in the other's
            begin, end = begin.replace(tzinfo=begin.tzinfo or end.tzinfo), end.replace(tzinfo=end.tzinfo or begin.tzinfo)
        if end < begin:
            key = ("answers", then)
            raise PostmortemError(
                f"{dotted(key)} ({then_text}) is before answers.{first} ({first_text}): give the times in the order they happened",
                key=key,
            )


def _time_text(value: Any, key: Key) -> str:
    """An event time as the string it will be shown as: text as typed, TOML date-times in ISO form."""
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    return _string(value, key, required=True)


def _table(value: Any, key: Key, allowed: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PostmortemError(f"{dotted(key)} must be text or a table", key=key)
    unknown = value.keys() - allowed
    if unknown:
        first = min(unknown)
        raise PostmortemError(f"{dotted((*key, first))} is not a known field (known: {', '.join(allowed)})", key=(*key, first))
    return value


def _item(value: Any, key: Key, question: Question) -> dict[str, Any]:
    if isinstance(value, str):  # most items: a text alone
        return {"text": _string(value, (*key, "text"), required=True)}
    table = _table(value, key, ("text", *question.fields))
    item: dict[str, Any] = {"text": _string(table.get("text"), (*key, "text"), required=True)}
    for field in question.fields:
        if field not in table:
            continue
        if field == "due":
            item["due"] = parse_date(table["due"], (*key, "due"))
        elif field == "type":
            if text := _string(table["type"], (*key, "type")):
                item["type"] = check_type(question, text, (*key, "type"))
        elif text := _string(table[field], (*key, field)):
            item[field] = text
    return item


def check_type(question: Question, text: str, key: Key) -> str:
    """One of the question's types, matched regardless of case."""
    match = next((t for t in question.types if t.casefold() == text.strip().casefold()), None)
    if match is None:
        raise PostmortemError(f"{dotted(key)} must be one of {', '.join(map(repr, question.types))}, not {text!r}", key=key)
    return match


def _event(value: Any, key: Key) -> dict[str, str]:
    if not isinstance(value, dict):
        raise PostmortemError(f"{dotted(key)} must be a table such as {{ time = \"14:02\", what = \"...\" }}", key=key)
    table = _table(value, key, EVENT_FIELDS)
    if "time" not in table:
        raise PostmortemError(f"{dotted((*key, 'time'))} is missing: when did it happen? (such as 14:02 or 2026-11-18T14:02)", key=key)
    if "what" not in table:
        raise PostmortemError(f"{dotted((*key, 'what'))} is missing: what happened?", key=key)
    return {"time": _time_text(table["time"], (*key, "time")), "what": _string(table["what"], (*key, "what"), required=True)}


def _person(value: Any, key: Key) -> dict[str, str]:
    if isinstance(value, str):
        value = {"name": value}
    table = _table(value, key, PEOPLE_FIELDS)
    person = {"name": _string(table.get("name"), (*key, "name"), required=True)}
    for field in PEOPLE_FIELDS[1:]:
        person[field] = _string(table.get(field, ""), (*key, field))
    return person


def _score(value: Any, key: Key, question: Question) -> int:
    top = len(question.labels)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= top:
        raise PostmortemError(f"{dotted(key)} must be a whole number from 1 to {top}, not {value!r}", key=key)
    return value


def _scores(value: Any, key: Key, question: Question) -> dict[str, Any]:
    table = _table(value, key, (question.key, *question.dimensions))
    entry: dict[str, Any] = {question.key: _string(table.get(question.key), (*key, question.key), required=True)}
    for dimension in question.dimensions:
        if dimension in table:
            entry[dimension] = _score(table[dimension], (*key, dimension), question)
    return entry


def _list(value: Any, key: Key) -> list[Any]:
    if not isinstance(value, list):
        raise PostmortemError(f"{dotted(key)} must be a list", key=key)
    return value


_ENTRY = {"items": _item, "people": _person, "events": _event, "scores": _scores}


def check_answer(question: Question, value: Any, key: Key, every: list[PostmortemError] | None = None) -> Any:
    """One answer in normal form, or a PostmortemError naming key (every: see check_answers)."""
    kind = question.kind
    if kind in _ENTRY:
        entry = _ENTRY[kind]
        extra = (question,) if kind in ("items", "scores") else ()
        checked = (kept(every, entry, v, (*key, i), *extra) for i, v in enumerate(_list(value, key)))
        return [e for e in checked if e is not None]
    if kind == "rating":
        return _score(value, key, question)
    if kind == "choice":
        text = _string(value, key)
        if text not in question.choices:
            raise PostmortemError(f"{dotted(key)} must be one of {', '.join(map(repr, question.choices))}, not {text!r}", key=key)
        return text
    return _string(value, key)


def check_answers(qset: QuestionSet, answers: Any, every: list[PostmortemError] | None = None) -> dict[str, Any]:
    """All answers in normal form, in the set's question order; unanswered questions are left out.
    The first problem is raised; with every (a list), every problem is added to it instead."""
    key: Key = ("answers",)
    if not isinstance(answers, dict):
        raise PostmortemError("answers must be a table", key=key)
    known = ", ".join(q.id for q in qset.questions)
    for name in (k for k in answers if qset.question(k) is None):
        kept(every, _unknown, (*key, name), qset.id, known)
    checked = ((q.id, kept(every, check_answer, q, answers[q.id], (*key, q.id), every)) for q in qset.questions if q.id in answers)
    normal = {qid: value for qid, value in checked if value is not None}
    kept(every, _in_order, normal)
    return normal


OUTCOMES = ("held", "lapsed")  # what a participant says of an agreement in force; saying nothing skips it
AGREEMENT_FIELDS = ("text", "outcome", "note")


def _agreement(value: Any, key: Key) -> dict[str, str]:
    table = _table(value, key, AGREEMENT_FIELDS)
    entry = {"text": _string(table.get("text"), (*key, "text"), required=True)}
    outcome = table.get("outcome")
    if outcome not in OUTCOMES:
        raise PostmortemError(f"{dotted((*key, 'outcome'))} must be one of {', '.join(map(repr, OUTCOMES))}, not {outcome!r}", key=(*key, "outcome"))
    entry["outcome"] = outcome
    if note := _string(table.get("note", ""), (*key, "note")):
        entry["note"] = note
    return entry


def check_agreements(value: Any, every: list[PostmortemError] | None = None) -> list[dict[str, str]]:
    """A response's `agreements` list in normal form (see above), each agreement once: a second
    answer about the same wording (case and spacing aside) is an error naming it."""
    key: Key = ("agreements",)
    checked = [kept(every, _agreement, v, (*key, i)) for i, v in enumerate(_list(value, key))]
    seen: set[str] = set()
    for index, entry in enumerate(checked):
        if entry is not None:
            wording = same_wording(entry["text"])
            if wording in seen:
                kept(every, _fail, f"{dotted((*key, index, 'text'))} answers about the same agreement twice", (*key, index, "text"))
            seen.add(wording)
    return [e for e in checked if e is not None]


def _fail(message: str, key: Key) -> None:
    raise PostmortemError(message, key=key)


def _unknown(key: Key, set_id: str, known: str) -> None:
    raise PostmortemError(f"{dotted(key)} is not a question of the {set_id!r} set (its questions: {known})", key=key)


def to_toml(answers: dict[str, Any]) -> dict[str, Any]:
    """Answers as they are written to a response file: an item with only text is a plain string."""
    return {
        qid: [v["text"] if isinstance(v, dict) and set(v) == {"text"} else v for v in value]
        if isinstance(value, list)
        else value
        for qid, value in answers.items()
    }
