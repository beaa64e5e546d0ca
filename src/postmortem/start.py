"""`postmortem start`: create the post-mortem when there is none, set it up (who is invited, by
when answers are due), and take one participant's answers, from the interview or from a file.

The rules of which of these a run does, given its options, live here: the command only parses
them (docs/reference.md, "postmortem start", says the same for users).
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from postmortem import session as session_mod

from postmortem import response as response_mod
from postmortem.errors import PostmortemError

Tell = Callable[[str], None]


@dataclass(frozen=True)
class Request:
    """What `postmortem start` was asked to do (its options, as typed)."""

    folder: Path
    project: str | None = None
    set_id: str | None = None  # --format: a question set's id or file
    date: str | None = None
    name: str | None = None
    role: str | None = None
    answers: str | None = None  # a TOML file of answers, "-" for stdin: no prompts
    no_input: bool = False
    no_nudges: bool = False
    commit: bool = False
    invite: tuple[str, ...] = ()
    anonymous: bool = False
    token: str | None = None
    deadline: str | None = None


def run(request: Request, tell: Tell) -> None:
    """Do what the request asks; tell says what was done (on stderr, in the CLI)."""
    from postmortem import answers as answers_mod

    folder = request.folder
    existing = (folder / session_mod.SESSION_FILE).exists()
    when = answers_mod.parse_date(request.date, "--date") if request.date else None
    due_by = answers_mod.parse_date(request.deadline, "--deadline") if request.deadline else None
    private = session_mod.load_session(folder).anonymous if existing else request.anonymous
    if existing and request.anonymous and not private:
        raise PostmortemError("this post-mortem is not anonymous; --anonymous only applies when creating one", path=folder)
    if request.token is not None and not private:
        raise PostmortemError("--token is for anonymous post-mortems; give your --name")
    if request.commit:  # before anything is asked or written: nobody answers for a commit that cannot happen
        from postmortem import gitshare

        gitshare.check_work_tree(folder)
    set_up_only = request.invite or due_by or (request.no_input and not existing)
    if set_up_only and request.answers is None and request.name is None:  # the facilitator's set-up: no interview
        if not existing:
            _create(request, _project(request), request.set_id or "classic", when, tell)
        _set_up(folder, request.invite, due_by, tell)
        return
    if request.answers is None and not request.no_input:
        _interview(request, existing, private, when, due_by, tell)
    else:
        _from_file(request, existing, private, when, due_by, tell)


def _interview(request: Request, existing: bool, private: bool, when: dt.date | None, due_by: dt.date | None, tell: Tell) -> None:
    from postmortem import interview, questionsets, respond

    if not interview.can_prompt():
        raise PostmortemError(
            "standard input is not a terminal, so there is nobody to interview; run this in a terminal, or pass --answers FILE (- for stdin)"
        )
    name, role = request.name, request.role
    with interview.terminal():
        if existing:
            session = session_mod.load_session(request.folder)
        else:
            project = request.project if request.project is not None else interview.ask_text("Project name")
            chosen = request.set_id
            if chosen is None:
                choices = [f"{i}: {questionsets.load(i).description}" for i in questionsets.known_ids()]
                default = next(c for c in choices if c.startswith("classic:"))
                chosen = interview.ask_select("Question set", choices, default=default).split(":")[0]
            session = _create(request, project, chosen, when, tell)
        _set_up(request.folder, request.invite, due_by, tell)
        if private:
            name, role = _token(request, tell), ""
        elif name is None:
            name = respond.ask_name(session, tell)
        path, _ = respond.interview(session, name, role, no_nudges=request.no_nudges, tell=tell)
    tell(f"Thank you. Your answers are in {path}.")
    if request.commit:
        from postmortem import gitshare

        tell(gitshare.commit_response(session, path, name, created=not existing))


def _from_file(request: Request, existing: bool, private: bool, when: dt.date | None, due_by: dt.date | None, tell: Tell) -> None:
    from postmortem import questionsets, respond
    from postmortem.escape import plain

    if request.answers is None:
        raise PostmortemError("--no-input needs --answers FILE (- for stdin)")
    data, source = read_answers(request.answers)
    session = session_mod.load_session(request.folder) if existing else None
    if session is None:
        _project(request)  # refused first: without a post-mortem there is nowhere to put the answers
        qset = questionsets.load(request.set_id or "classic")
    else:
        qset = session.question_set()
    name, role = (_token(request, tell), "") if private else (request.name, request.role)
    response = respond.from_answers(data, qset, source, name, role)  # checked in full before anything is written
    if session is None:
        session = _create(request, _project(request), request.set_id or "classic", when, tell)
    _set_up(request.folder, request.invite, due_by, tell)
    path = response_mod.save_response(request.folder, response)
    whose = "your" if private else f"{plain(response.name)}'s"
    tell(f"Saved {whose} answers in {path}.")
    if request.commit:
        from postmortem import gitshare

        tell(gitshare.commit_response(session, path, response.name, created=not existing))


def read_answers(source: str) -> tuple[dict, str]:
    """The answers of a TOML file, or of stdin for "-", and the name to give in messages."""
    from postmortem import store

    if source == "-":
        return store.parse_limited(sys.stdin.buffer.read(store.MAX_BYTES + 1), "<stdin>"), "<stdin>"
    return store.read_toml(Path(source)), source


def _project(request: Request) -> str:
    if not request.project:
        raise PostmortemError(f"no post-mortem in {request.folder} yet: give --project (and --format) to create it")
    return request.project


def _create(request: Request, project: str, set_id: str, when: dt.date | None, tell: Tell) -> session_mod.Session:
    session = session_mod.create_session(request.folder, project, set_id, when, request.anonymous)
    tell(f"Created {session.path} for {session.project!r} ({session.set_id}).")
    return session


def _set_up(folder: Path, names: tuple[str, ...], due_by: dt.date | None, tell: Tell) -> None:
    """The facilitator's set-up of an existing session: who is invited, by when answers are due."""
    from postmortem import escape

    if names:
        added = session_mod.add_invitees(folder, list(names))
        tell(f"Invited {', '.join(escape.plain(n) for n in added)}." if added else "Everyone named was invited already.")
    if due_by:
        session_mod.set_deadline(folder, due_by)
        tell(f"Answers are due by {due_by}.")


def _token(request: Request, tell: Tell) -> str:
    """The token this anonymous response is filed under (in place of a name), and how to keep it."""
    from postmortem.escape import shell

    chosen = response_mod.token_for(request.folder, request.token)
    ignored = "name and role are" if request.role else "name is"
    if request.token is None:
        folder = shell(str(request.folder))
        tell(
            f"This post-mortem is anonymous: your {ignored} not kept. Your answers are filed under the token {chosen}; "
            f"keep it to change them (postmortem start {folder} --token {chosen}) or to vote (postmortem vote {folder} --token {chosen})."
        )
    elif request.name or request.role:
        tell(f"This post-mortem is anonymous: your {ignored} not kept.")
    return chosen
