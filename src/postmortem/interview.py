"""The interview: questionary prompts for one participant, saving after every answer.

Prompts and help go to stderr (see `terminal`), never to stdout. Ctrl-C and Ctrl-D propagate as KeyboardInterrupt and EOFError; since `save`
was called after every entry, nothing answered before them is lost.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from postmortem import answers as answers_mod
from postmortem.errors import PostmortemError
from postmortem.escape import plain
from postmortem.questionsets import Question, QuestionSet
from postmortem.response import Response

SKIP = "Skip"
LIST_KINDS = ("items", "people", "scores", "events")
Nudge = Callable[[Question, str, Response], str]  # a follow-up on a new entry (nudges.Nudger); returns the text to keep


def can_prompt() -> bool:
    """True when someone can answer the prompts: standard input is a terminal, or it is no file at all (a
    program running the command in-process) and prompt_toolkit's session was given an input of its own
    (`create_app_session(input=...)`, as the tests do with `create_pipe_input`). A file or pipe that is
    not a terminal is nobody to interview: those answers come with --answers."""
    import io

    if sys.stdin.isatty():
        return True
    try:
        sys.stdin.fileno()
    except io.UnsupportedOperation:
        from prompt_toolkit.application import get_app_session

        return not get_app_session().input.closed  # prompt_toolkit's stand-in for no input is closed
    return False


@contextmanager
def terminal() -> Iterator[None]:
    """Prompts and the interview's lines go to stderr, never to stdout; the input stays the session's."""
    from prompt_toolkit.application import create_app_session
    from prompt_toolkit.output import create_output

    with create_app_session(output=create_output(stdout=sys.stderr)):
        yield


def say(text: str, style: str = "") -> None:
    """A line of the interview on its output; through escape.terminal, as every message (prompt_toolkit's
    own printing turns ESC into `?`, but lets the other controls through)."""
    import questionary

    from postmortem.escape import terminal

    questionary.print(terminal(text), style=style)


LINES_KINDS = ("items", "text", "events")  # answers in free text, which may run over several lines
LINES_HINT = "An answer may run over several lines: end a line with \\ to go on to the next."


def ask_text(
    message: str, *, default: str = "", instruction: str | None = None, validate: Any = None, lines: bool = False
) -> str:
    """The answer, stripped. lines: a free-text answer that may run over several lines: Enter on a line
    that ends with a backslash starts the next line instead of sending the answer, as in a shell (the
    interview says so once per question, LINES_HINT). A pasted text keeps its line breaks in any prompt."""
    import questionary

    from prompt_toolkit.application import get_app
    from prompt_toolkit.filters import Condition
    from prompt_toolkit.key_binding import KeyBindings

    continued = KeyBindings()
    if lines:

        @continued.add("enter", filter=Condition(lambda: get_app().current_buffer.document.text_before_cursor.endswith("\\")))
        def _(event: Any) -> None:
            event.current_buffer.delete_before_cursor(1)
            event.current_buffer.insert_text("\n")

    answer = questionary.text(
        message, default=default, instruction=instruction, validate=validate, key_bindings=continued,
        prompt_continuation=lambda width, *_: " " * width,  # the next lines line up under the first
    ).unsafe_ask()
    return answer.strip()


def ask_select(message: str, choices: list[str], *, default: str | None = None, points: bool = False) -> str:
    """The choice picked; points: choices are a rating scale's (see _scale), shown as "3) Mixed"."""
    import questionary

    from prompt_toolkit.key_binding import KeyBindings, merge_key_bindings

    shortcuts = len(choices) <= 36
    # a point of a scale ("3 Mixed") is shown with its number once ("3) Mixed"), not "3) 3 Mixed"
    numbered = [c.partition(" ") for c in choices] if points and shortcuts else []
    shown = [
        questionary.Choice(label, value=c, shortcut_key=n) if len(n) == 1 and c != SKIP else c
        for c, (n, _, label) in zip(choices, numbered, strict=False)  # numbered: one per choice, or none
    ] or choices
    question = questionary.select(message, choices=shown, default=default, use_shortcuts=shortcuts)
    ctrl_d = KeyBindings()  # a select has no text to delete: Ctrl-D ends the interview, as at a text prompt

    @ctrl_d.add("c-d", eager=True)
    def _(event: Any) -> None:
        event.app.exit(exception=EOFError(), style="class:aborting")

    question.application.key_bindings = merge_key_bindings([question.application.key_bindings, ctrl_d])
    return question.unsafe_ask()


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


def _ask_fields(question: Question, entry: dict[str, Any], save: Callable[[], None]) -> None:
    """An item's fields (owner, due, ...), each saved as given; values it has already are the defaults."""
    for field in question.fields:
        old = entry.get(field)
        if field == "type":
            choice = ask_select(_TYPE_PROMPT, [*question.types, SKIP], default=old or SKIP)  # Enter alone records nothing
            value = "" if choice == SKIP else choice
        else:
            value = ask_text(
                _FIELD_PROMPTS[field], default=str(old or ""), validate=_due if field == "due" else None, lines=field == "instead"
            )
        if value:
            entry[field] = answers_mod.parse_date(value, "due") if field == "due" else value
        else:
            entry.pop(field, None)
        save()


def _until_empty(shown: Iterable[str], prompt: Callable[[], str], *, lines: bool = False) -> Iterator[str]:
    """The entries given so far, then prompt() asked until an empty answer: each answer in turn
    (lines: an answer may run over several lines, see ask_text)."""
    for line in shown:
        say(line, "fg:ansigray")
    while answer := ask_text(prompt(), instruction="(empty to finish)", lines=lines):
        yield answer


def _ask_items(
    question: Question, entries: list[Any], save: Callable[[], None], nudge: Callable[[str], str] | None = None
) -> None:
    shown = [f"  {number}. {plain(entry['text'])}" for number, entry in enumerate(entries, 1)]
    for text in _until_empty(shown, lambda: f"{len(entries) + 1}.", lines=True):
        entry: dict[str, Any] = {"text": text}
        entries.append(entry)
        save()
        if nudge is not None:  # one follow-up at most (nudges.py); the entry is on disk already
            entry["text"] = nudge(text)
            save()
        _ask_fields(question, entry, save)


def _ask_events(entries: list[Any], save: Callable[[], None]) -> None:
    """One event at a time: its time, then what happened; stored and saved once both are given."""
    shown = [f"  {plain(event['time'])}  {plain(event['what'])}" for event in entries]
    for time in _until_empty(shown, lambda: "Time (such as 14:02, or 2026-11-18T14:02)"):
        if answers_mod.parse_time(time, dt.date.today()) is None:
            say("  Not a time the report can sort by; it is kept as written and listed after the timed events.", "fg:ansigray")
        what = ask_text("  What happened?", validate=lambda t: bool(t.strip()) or "Please say what happened", lines=True)
        entries.append({"time": time, "what": what})
        save()


def _ask_people(entries: list[Any], save: Callable[[], None]) -> None:
    for name in _until_empty([f"  - {plain(p['name'])}" for p in entries], lambda: "Name (a person or a team)"):
        person = {"name": name, "role": "", "interest": ""}
        entries.append(person)
        save()
        person["role"] = ask_text("  Role")
        save()
        person["interest"] = ask_text("  What did they need from the project?")
        save()


def _ask_scores(question: Question, entries: list[Any], save: Callable[[], None]) -> None:
    shown = [f"  - {plain(entry[question.key])}" for entry in entries]
    for team in _until_empty(shown, lambda: question.key.capitalize()):
        entry: dict[str, Any] = {question.key: team}
        for dimension in question.dimensions:
            point = _point(ask_select(f"  {dimension.replace('_', ' ').capitalize()}", _scale(question), default=SKIP, points=True))
            if point is not None:
                entry[dimension] = point
        entries.append(entry)
        save()


def ask_question(question: Question, response: Response, save: Callable[[], None], nudge: Nudge | None = None) -> None:
    """Ask one question; list entries are stored and saved one by one as they are given."""
    answers = response.answers
    if question.kind in LIST_KINDS:
        entries = answers.setdefault(question.id, [])
        if question.kind == "items":
            _ask_items(question, entries, save, (lambda text: nudge(question, text, response)) if nudge else None)
        elif question.kind == "events":
            _ask_events(entries, save)
        elif question.kind == "people":
            _ask_people(entries, save)
        else:
            _ask_scores(question, entries, save)
        if not entries:
            del answers[question.id]
    elif question.kind == "rating":  # an earlier answer (when editing) is the default; Skip removes it
        scale, old = _scale(question), answers.get(question.id)
        point = _point(ask_select(question.prompt, scale, default=scale[old - 1] if old else SKIP, points=True))  # Enter alone records nothing
        if point is not None:
            answers[question.id] = point
        else:
            answers.pop(question.id, None)
    elif question.kind == "choice":
        choice = ask_select(
            question.prompt, [*question.choices, SKIP], default=answers.get(question.id, SKIP)
        )
        if choice != SKIP:
            answers[question.id] = choice
        else:
            answers.pop(question.id, None)
    else:
        text = ask_text(question.prompt, default=answers.get(question.id, ""), lines=True)
        if text and nudge is not None and text != answers.get(question.id):
            answers[question.id] = text
            save()
            text = nudge(question, text, response)
        if text:
            answers[question.id] = text
        else:
            answers.pop(question.id, None)


def _finish_last(question: Question, response: Response, save: Callable[[], None]) -> None:
    """A question not yet done that has entries was interrupted in its last entry, maybe before
    that entry's owner, due date or role was asked: those are asked again (what was given is the default)."""
    entries = response.answers.get(question.id)
    if not entries or question.kind not in ("items", "people"):
        return
    last = entries[-1]
    if question.kind == "items":
        if question.fields:
            say(f"  {plain(last['text'])}", "fg:ansigray")
            _ask_fields(question, last, save)
        return
    say(f"  - {plain(last['name'])}", "fg:ansigray")
    last["role"] = ask_text("  Role", default=last.get("role", ""))
    save()
    last["interest"] = ask_text("  What did they need from the project?", default=last.get("interest", ""))
    save()


def _introduce(question: Question) -> None:
    """A question's help, the hint for answers over several lines, and a list's prompt."""
    say(question.help.strip(), "fg:ansigray")
    if question.kind in LINES_KINDS:
        say(LINES_HINT, "fg:ansigray")
    if question.kind in LIST_KINDS:
        say(question.prompt)


HELD = "Held"
LAPSED = "Lapsed"


def ask_agreements(agreements: Iterable[str], response: Response, save: Callable[[], None]) -> None:
    """Whether each agreement in force held: Held, Lapsed or Skip (Enter alone: nothing recorded,
    or the earlier answer kept when editing), then an optional note; each answer saved as given."""
    say("")
    say("Agreements in force: what the team agreed in earlier post-mortems of this project.", "bold")
    say("Did each one hold during this project?", "fg:ansigray")
    for text in agreements:
        wording = answers_mod.same_wording(text)
        old = next((a for a in response.agreements if answers_mod.same_wording(a["text"]) == wording), None)
        say(f"  {plain(text)}")
        default = old["outcome"].capitalize() if old else SKIP
        choice = ask_select("  Did it hold?", [HELD, LAPSED, SKIP], default=default)
        response.agreements = [a for a in response.agreements if a is not old]
        if choice != SKIP:
            answer = {"text": text, "outcome": choice.lower()}
            note = ask_text("  A note? (what helped or got in the way; empty for none)", default=(old or {}).get("note", ""))
            if note:
                answer["note"] = note
            response.agreements.append(answer)
        save()


def run(
    qset: QuestionSet, response: Response, save: Callable[[Response], None], nudge: Nudge | None = None,
    agreements: Sequence[str] = (),
) -> Response:
    """Interview for every question not yet done, after the agreements in force (asked while no
    question is done: those not answered yet); the response is saved after each answer."""
    pending = [q for q in qset.questions if q.id not in response.done]
    if not response.done and qset.intro:  # a resumed draft is announced by the caller (respond.interview)
        say(qset.intro.strip(), "italic")
    answered = {answers_mod.same_wording(a["text"]) for a in response.agreements}
    unasked = [text for text in agreements if answers_mod.same_wording(text) not in answered]
    if unasked and not response.done:
        ask_agreements(unasked, response, lambda: save(response))
    for question in pending:
        number = qset.questions.index(question) + 1
        say("")
        say(f"({number}/{len(qset.questions)}) {question.heading}", "bold")
        _introduce(question)
        _finish_last(question, response, lambda: save(response))
        ask_question(question, response, lambda: save(response), nudge)
        response.done.append(question.id)
        save(response)
    response.complete = True
    save(response)
    return response


# Editing a finished response: every question again, with what was given shown and kept by default.
EDIT = "Edit or remove them"
ADD = "Add more"
_KEEP_HINT = "(Enter keeps it, empty removes it)"


def _label(question: Question, entry: dict[str, Any]) -> str:
    if question.kind == "items":
        return plain(entry["text"])
    if question.kind == "people":
        return plain(entry["name"])
    if question.kind == "events":
        return f"{plain(entry['time'])}  {plain(entry['what'])}"
    return plain(entry[question.key])


def _edit_entry(question: Question, response: Response, entry: dict[str, Any], number: int,
                save: Callable[[], None], nudge: Nudge | None) -> bool:
    """Edit one entry in place, each part with its old value as the default; False when emptied (removed)."""
    if question.kind == "items":
        text = ask_text(f"{number}.", default=entry["text"], instruction=_KEEP_HINT, lines=True)
        if not text:
            return False
        if text != entry["text"]:
            entry["text"] = text
            save()
            if nudge is not None:
                entry["text"] = nudge(question, text, response)
                save()
        _ask_fields(question, entry, save)
    elif question.kind == "people":
        name = ask_text(f"{number}. Name", default=entry["name"], instruction=_KEEP_HINT)
        if not name:
            return False
        entry["name"] = name
        entry["role"] = ask_text("  Role", default=entry.get("role", ""))
        entry["interest"] = ask_text("  What did they need from the project?", default=entry.get("interest", ""))
    elif question.kind == "events":
        time = ask_text(f"{number}. Time", default=entry["time"], instruction=_KEEP_HINT)
        if not time:
            return False
        entry["time"] = time
        entry["what"] = ask_text(
            "  What happened?", default=entry["what"], validate=lambda t: bool(t.strip()) or "Please say what happened", lines=True
        )
    else:
        team = ask_text(f"{number}. {question.key.capitalize()}", default=entry[question.key], instruction=_KEEP_HINT)
        if not team:
            return False
        entry[question.key] = team
        scale = _scale(question)
        for dimension in question.dimensions:
            old = entry.get(dimension)
            label = f"  {dimension.replace('_', ' ').capitalize()}"
            point = _point(ask_select(label, scale, default=scale[old - 1] if old else SKIP, points=True))
            if point is None:
                entry.pop(dimension, None)
            else:
                entry[dimension] = point
    save()
    return True


def edit_question(question: Question, response: Response, save: Callable[[], None], nudge: Nudge | None = None) -> None:
    """Show what was given for one question; keep it (the default), edit or remove entries, or add more."""
    entries = response.answers.get(question.id) if question.kind in LIST_KINDS else None
    if not entries:  # nothing to keep: asked as new (a text, rating or choice has the earlier answer as default)
        ask_question(question, response, save, nudge)
        return
    for number, entry in enumerate(entries, 1):
        say(f"  {number}. {_label(question, entry)}", "fg:ansigray")
    keep = "Keep this answer" if len(entries) == 1 else f"Keep these {len(entries)} answers"
    choice = ask_select("Change anything?", [keep, EDIT, ADD], default=keep)
    if choice == keep:
        return
    if choice == EDIT:
        for number, entry in enumerate(list(entries), 1):
            if not _edit_entry(question, response, entry, number, save, nudge):
                entries.remove(entry)
                save()
    ask_question(question, response, save, nudge)  # then more entries, empty to finish


def edit(
    qset: QuestionSet, response: Response, save: Callable[[Response], None], nudge: Nudge | None = None,
    agreements: Sequence[str] = (),
) -> Response:
    """Go through a finished response, the agreements in force first, then question by question;
    every change is saved as it is made."""
    say("Your earlier answers are shown with each question: Enter keeps them.", "bold")
    if agreements:
        ask_agreements(agreements, response, lambda: save(response))
    for number, question in enumerate(qset.questions, 1):
        say("")
        say(f"({number}/{len(qset.questions)}) {question.heading}", "bold")
        _introduce(question)
        edit_question(question, response, lambda: save(response), nudge)
        save(response)
    return response
