"""The interview: questionary prompts for one participant, saving after every answer.

Prompts and help go to the prompt_toolkit session's output (stderr by default, see `terminal`),
never to stdout. Ctrl-C and Ctrl-D propagate as KeyboardInterrupt and EOFError; since `save`
was called after every entry, nothing answered before them is lost.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from postmortem import answers as answers_mod
from postmortem.errors import PostmortemError
from postmortem.questionsets import Question, QuestionSet
from postmortem.session import Response

SKIP = "Skip"
LIST_KINDS = ("items", "people", "scores", "events")


def _has_explicit_session() -> bool:
    from prompt_toolkit.application.current import get_app_session

    return get_app_session()._input is not None  # set by create_app_session(input=...), as tests do


def can_prompt() -> bool:
    """True on a terminal, or when the caller supplied prompt_toolkit an input of its own."""
    return sys.stdin.isatty() or _has_explicit_session()


@contextmanager
def terminal() -> Iterator[None]:
    """Send prompts to stderr unless the caller chose an output for them already."""
    from prompt_toolkit.application.current import create_app_session, get_app_session
    from prompt_toolkit.output import create_output

    if get_app_session()._output is not None:
        yield
        return
    with create_app_session(output=create_output(stdout=sys.stderr)):
        yield


def say(text: str, style: str = "") -> None:
    import questionary

    questionary.print(text, style=style)


def ask_text(message: str, *, default: str = "", instruction: str | None = None, validate: Any = None) -> str:
    import questionary

    answer = questionary.text(message, default=default, instruction=instruction, validate=validate).unsafe_ask()
    return answer.strip()


def ask_select(message: str, choices: list[str], *, default: str | None = None) -> str:
    import questionary

    return questionary.select(message, choices=choices, default=default, use_shortcuts=len(choices) <= 36).unsafe_ask()


def _due(text: str) -> bool | str:
    if not text.strip():
        return True
    try:
        answers_mod.parse_date(text, "due")
    except PostmortemError:
        return "A date such as 2026-12-15, or empty"
    return True


def _scale(question: Question) -> list[str]:
    return [f"{point} {label}" for point, label in enumerate(question.labels, 1)] + [SKIP]


def _point(choice: str) -> int | None:
    return None if choice == SKIP else int(choice.split()[0])


_FIELD_PROMPTS = {
    "owner": "  Who would do it? (a name, empty if you don't know)",
    "due": "  By when? (YYYY-MM-DD, empty if no date)",
    "instead": "  What could tangibly have been done instead?",
}
_TYPE_PROMPT = "  What kind of action is it?"


def _ask_items(question: Question, entries: list[Any], save: Callable[[], None]) -> None:
    for number, entry in enumerate(entries, 1):
        say(f"  {number}. {entry['text']}", "fg:ansigray")
    while True:
        text = ask_text(f"{len(entries) + 1}.", instruction="(empty to finish)")
        if not text:
            return
        entry: dict[str, Any] = {"text": text}
        entries.append(entry)
        save()
        for field in question.fields:
            if field == "type":
                choice = ask_select(_TYPE_PROMPT, [*question.types, SKIP])
                value = "" if choice == SKIP else choice
            else:
                value = ask_text(_FIELD_PROMPTS[field], validate=_due if field == "due" else None)
            if value:
                entry[field] = answers_mod.parse_date(value, "due") if field == "due" else value
                save()


def _ask_events(entries: list[Any], save: Callable[[], None]) -> None:
    """One event at a time: its time, then what happened; stored and saved once both are given."""
    for event in entries:
        say(f"  {event['time']}  {event['what']}", "fg:ansigray")
    while True:
        time = ask_text("Time (such as 14:02, or 2026-11-18T14:02)", instruction="(empty to finish)")
        if not time:
            return
        if answers_mod.parse_time(time, dt.date.today()) is None:
            say("  Not a time the report can sort by; it is kept as written and listed after the timed events.", "fg:ansigray")
        what = ask_text("  What happened?", validate=lambda t: bool(t.strip()) or "Please say what happened")
        entries.append({"time": time, "what": what})
        save()


def _ask_people(entries: list[Any], save: Callable[[], None]) -> None:
    for person in entries:
        say(f"  - {person['name']}", "fg:ansigray")
    while True:
        name = ask_text("Name (a person or a team)", instruction="(empty to finish)")
        if not name:
            return
        person = {"name": name, "role": "", "interest": ""}
        entries.append(person)
        save()
        person["role"] = ask_text("  Role")
        save()
        person["interest"] = ask_text("  What did they need from the project?")
        save()


def _ask_scores(question: Question, entries: list[Any], save: Callable[[], None]) -> None:
    for entry in entries:
        say(f"  - {entry[question.key]}", "fg:ansigray")
    while True:
        team = ask_text(f"{question.key.capitalize()}", instruction="(empty to finish)")
        if not team:
            return
        entry: dict[str, Any] = {question.key: team}
        for dimension in question.dimensions:
            point = _point(ask_select(f"  {dimension.replace('_', ' ').capitalize()}", _scale(question)))
            if point is not None:
                entry[dimension] = point
        entries.append(entry)
        save()


def ask_question(question: Question, response: Response, save: Callable[[], None]) -> None:
    """Ask one question; list entries are stored and saved one by one as they are given."""
    answers = response.answers
    if question.kind in LIST_KINDS:
        entries = answers.setdefault(question.id, [])
        if question.kind == "items":
            _ask_items(question, entries, save)
        elif question.kind == "events":
            _ask_events(entries, save)
        elif question.kind == "people":
            _ask_people(entries, save)
        else:
            _ask_scores(question, entries, save)
        if not entries:
            del answers[question.id]
    elif question.kind == "rating":
        point = _point(ask_select(question.prompt, _scale(question)))
        if point is not None:
            answers[question.id] = point
    elif question.kind == "choice":
        choice = ask_select(question.prompt, [*question.choices, SKIP])
        if choice != SKIP:
            answers[question.id] = choice
    else:
        text = ask_text(question.prompt, default=answers.get(question.id, ""))
        if text:
            answers[question.id] = text
        else:
            answers.pop(question.id, None)


def run(qset: QuestionSet, response: Response, save: Callable[[Response], None]) -> Response:
    """Interview for every question not yet done; the response is saved after each answer."""
    pending = [q for q in qset.questions if q.id not in response.done]
    if response.done and pending:
        say(f"Resuming where you left off: {len(response.done)} of {len(qset.questions)} questions answered.", "bold")
    elif qset.intro:
        say(qset.intro.strip(), "italic")
    for question in pending:
        number = qset.questions.index(question) + 1
        say("")
        say(f"({number}/{len(qset.questions)}) {question.heading}", "bold")
        say(question.help.strip(), "fg:ansigray")
        if question.kind in LIST_KINDS:
            say(question.prompt)
        ask_question(question, response, lambda: save(response))
        response.done.append(question.id)
        save(response)
    response.complete = True
    save(response)
    return response
