"""A participant's response, from an answers file or from an interview, saved in the folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from postmortem import answers as answers_mod
from postmortem import session as session_mod
from postmortem import response as response_mod
from postmortem import store
from postmortem.errors import Interrupted, PostmortemError, about
from postmortem.questionsets import QuestionSet
from postmortem.session import Session
from postmortem.response import Response

ANSWER_KEYS = ("schema_version", "name", "role", "answers", "agreements")


def from_answers(data: dict[str, Any], qset: QuestionSet, source: str, name: str | None, role: str | None) -> Response:
    """A complete response from answers-file data (docs/participant.md, "Answering from a file"); errors name the file and key."""
    with about(source):
        store.check_schema_version(data)
        unknown = sorted(set(data) - set(ANSWER_KEYS))
        if unknown:
            raise PostmortemError(f"unknown key {unknown[0]!r} (an answers file has {', '.join(ANSWER_KEYS)})", key=(unknown[0],))
        given_name = name if name is not None else data.get("name")
        if not isinstance(given_name, str) or not given_name.strip():
            raise PostmortemError("name is missing: give it in the file or with --name", key=("name",))
        given_role = role if role is not None else data.get("role", "")
        if not isinstance(given_role, str):
            raise PostmortemError("role must be a string", key=("role",))
        checked = answers_mod.check_answers(qset, data.get("answers", {}))
        agreements = answers_mod.check_agreements(data.get("agreements", []))
        given_name = response_mod.check_name(given_name)
    return Response(
        given_name, given_role.strip(), checked, complete=True, done=[q.id for q in qset.questions], agreements=agreements
    )


def interview(
    session: Session, name: str, role: str | None, *, no_nudges: bool = False, tell: Callable[[str], None] | None = None
) -> tuple[Path, Response]:
    """Interview this person: a new response, their draft resumed, or their finished answers for editing.

    Every answer is on disk as soon as it is given; `tell` gets a line saying which of the three it is.
    """
    from postmortem import agreements
    from postmortem import interview as interview_mod
    from postmortem import nudges as nudges_mod

    qset = session.question_set()
    folder = session.folder
    response = response_mod.find_response(folder, name, qset)
    path = folder / session_mod.RESPONSES_DIR / f"{session_mod.slugify(name)}.toml"
    editing = response is not None and response.complete
    if tell is not None and response is not None:
        if editing:
            tell(f"You have answered already ({path}): your answers are shown for editing, Enter keeps each one.")
        else:
            tell(f"Resuming your draft ({path}): {len(response.done)} of {len(qset.questions)} questions answered.")
    response = response or Response(name.strip(), "")
    if role is not None:
        response.role = role.strip()
    elif not response.role:
        response.role = interview_mod.ask_text("Your role on this project", instruction="(for example: QA lead)")
    try:
        response_mod.save_response(folder, response)
        nudge = nudges_mod.for_interview(folder, session.invited, session.nudges, no_nudges) or None
        in_force = agreements.to_ask(folder, session.project, session.date)
        ask = interview_mod.edit if editing else interview_mod.run
        ask(qset, response, lambda r: response_mod.save_response(folder, r), nudge, in_force)
    except (KeyboardInterrupt, EOFError):
        raise Interrupted(f"Stopped. Your answers so far are saved in {path}; run the same command to continue.") from None
    return path, response


def ask_name(session: Session, tell: Callable[[str], None]) -> str:
    """Ask the person's name until it is theirs to use: a name whose file belongs to someone else is asked again."""
    from postmortem import interview as interview_mod

    while True:
        name = interview_mod.ask_text("Your name", validate=lambda t: bool(answers_mod.visible(t)) or "Please give a name")
        owner = _other_owner(session.folder, name)
        if owner is None:
            return name
        tell(f"postmortem: {response_mod.name_taken(session.folder, name, owner).detail}")


def _other_owner(folder: Path, name: str) -> str | None:
    """The name of someone else whose response file this name would use, if any."""
    path = response_mod.responses_dir(folder) / f"{session_mod.slugify(name)}.toml"
    if not path.exists() and not path.is_symlink():
        return None
    owner = store.read_toml(path).get("name")
    if isinstance(owner, str) and session_mod.same_person(owner, name):
        return None
    return str(owner)
