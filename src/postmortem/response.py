"""One participant's answers: responses/<slug>.toml in a post-mortem folder (the Response), read,
checked, saved, and found by name or by the token of an anonymous post-mortem."""

from __future__ import annotations

import datetime as dt
import re
import secrets
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from postmortem import answers as answers_mod
from postmortem import store
from postmortem.errors import PostmortemError, about, kept
from postmortem.questionsets import QuestionSet
from postmortem.session import RESPONSES_DIR, SESSION_FILE, Session, is_whole, now, same_person, slugify, typed_field, unknown_key


@dataclass
class Response:
    name: str
    role: str = ""
    answers: dict[str, Any] = field(default_factory=dict)
    complete: bool = False
    done: list[str] = field(default_factory=list)
    updated: dt.datetime | None = None
    votes: dict[str, int] | None = None  # dots per action id; None: not read, save_response keeps the file's
    agreements: list[dict[str, str]] = field(default_factory=list)  # whether each agreement in force held (answers.check_agreements)

    @property
    def slug(self) -> str:
        return slugify(self.name)

    def to_toml(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "schema_version": store.SCHEMA_VERSION,
            "name": self.name,
            "role": self.role,
            "status": "complete" if self.complete else "draft",
            "updated": self.updated or now(),
        }
        if not self.complete:
            data["done"] = self.done
        data["answers"] = answers_mod.to_toml(self.answers)
        if self.agreements:
            data["agreements"] = self.agreements
        if self.votes:
            data["votes"] = dict(self.votes)
        return data


def responses_dir(folder: Path) -> Path:
    directory = folder / RESPONSES_DIR
    if directory.is_symlink():  # it could lead anywhere: responses are never read or written through it
        raise PostmortemError("is a symbolic link; refusing to follow it out of the post-mortem folder", path=directory)
    return directory


def response_paths(folder: Path) -> list[Path]:
    directory = responses_dir(folder)
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.glob("*.toml") if not p.name.startswith("."))


RESPONSE_KEYS = ("schema_version", "name", "role", "status", "updated", "done", "answers", "agreements", "votes")


def _name_field(data: dict[str, Any], key: str = "name") -> str:
    name = data.get(key)
    if not isinstance(name, str) or not name.strip():
        raise PostmortemError(f"{key} must be a non-empty string", key=(key,))
    return check_name(name)


def check_name(name: str) -> str:
    """A participant's name without surrounding space; one of only invisible characters is refused
    (it would be an empty heading in the report and a name nobody can type again)."""
    if not answers_mod.visible(name):
        raise PostmortemError(f"the name {name!r} has no visible character; give a name people can read", key=("name",))
    return name.strip()


def _votes(data: dict[str, Any], dots: int | None) -> dict[str, int]:
    """The response's votes: whole numbers of dots per action id, at most dots in all (when known)."""
    votes = data.get("votes", {})
    if not isinstance(votes, dict) or not all(is_whole(v, 0, 100) for v in votes.values()):
        raise PostmortemError(
            "votes must be a table of action ids and whole numbers of dots, such as {A1 = 2, A3 = 1}", key=("votes",)
        )
    spent = sum(votes.values())
    if dots is not None and spent > dots:
        raise PostmortemError(f"votes spend {spent} dots, but each person has {dots}", key=("votes",))
    return votes


def parse_response(
    data: dict[str, Any], qset: QuestionSet, source: Path | str, *, dots: int | None = None,
    every: list[PostmortemError] | None = None,
) -> Response:
    """A response file's data, checked against the question set (and the session's dots, when
    given); errors name source and key. every: a list that gets every problem instead (errors.kept)."""
    with about(source):
        kept(every, store.check_schema_version, data)
        for name in sorted(set(data) - set(RESPONSE_KEYS)):
            kept(every, unknown_key, name)
        status = kept(every, typed_field, data, "status", "complete", lambda v: v in ("complete", "draft"), "'complete' or 'draft', not {!r}")
        done = kept(
            every, typed_field, data, "done", [], lambda v: isinstance(v, list) and all(isinstance(d, str) for d in v),
            "a list of question ids",
        )
        updated = kept(every, typed_field, data, "updated", None, lambda v: v is None or isinstance(v, dt.datetime), "a date and time")
        role = kept(every, typed_field, data, "role", "", lambda v: isinstance(v, str), "a string")
        votes = kept(every, _votes, data, dots)
        name = kept(every, _name_field, data)
        answers = kept(every, answers_mod.check_answers, qset, data.get("answers", {}), every)
        agreements = kept(every, answers_mod.check_agreements, data.get("agreements", []), every)
    return Response(
        name=name or "",
        role=(role or "").strip(),
        answers=answers or {},
        complete=status == "complete",
        done=done or [],
        updated=updated,
        votes=votes or {},
        agreements=agreements or [],
    )


def read_response(path: Path, qset: QuestionSet, *, dots: int | None = None) -> Response:
    return parse_response(store.read_toml(path), qset, path, dots=dots)


def folder_problems(read: list[tuple[Path, Response]]) -> list[PostmortemError]:
    """Responses that do not fit together: a file not named for its author (`start` would not find
    it, and would begin a second one), and two files claiming the same participant."""
    found = []
    seen: dict[str, Path] = {}
    for path, response in read:
        person = unicodedata.normalize("NFKC", response.name).casefold().strip()
        if person in seen:
            found.append(PostmortemError(
                f"claims the same participant {response.name!r} as {seen[person]}; remove one of the two files", path=path, key=("name",)
            ))
        seen.setdefault(person, path)
        expected = f"{slugify(response.name)}.toml"
        if path.name != expected:
            found.append(PostmortemError(
                f"the response of {response.name!r} must be named {expected}; `start` would not find it and would begin a second one",
                path=path, key=("name",),
            ))
    return found


MANY = 1000  # responses from which two processes read them: fewer take less time than forking


def read_responses(session: Session, *, track: Callable[..., Iterable[Path]] | None = None) -> list[Response]:
    """Every response file of the session, read and checked as merge reads them (see
    folder_problems); track(paths, count, label, whole=...) may wrap the reading in a progress bar
    (progress.track). MANY or more are read half here, half by a forked copy (parallel.py); the
    first bad file in order is the error raised, as when one process reads them all."""
    from postmortem import parallel

    qset, paths = session.question_set(), response_paths(session.folder)

    def read(some: Iterable[Path]) -> list[Response]:
        return [read_response(path, qset, dots=session.dots) for path in some]

    middle = (len(paths) + 1) // 2 if len(paths) >= MANY else len(paths)
    first = track(paths[:middle], middle, "Reading responses", whole=len(paths)) if track else paths[:middle]
    if middle == len(paths):
        responses = read(first)
    else:
        here, there = parallel.both(lambda: read(first), lambda: read(paths[middle:]))
        responses = here + there
    check_distinct(paths, responses)
    return responses


def check_distinct(paths: list[Path], responses: list[Response]) -> None:
    """The first of folder_problems, raised."""
    for problem in folder_problems(list(zip(paths, responses, strict=True)))[:1]:
        raise problem


def find_response(folder: Path, name: str, qset: QuestionSet, *, dots: int | None = None) -> Response | None:
    """This person's earlier response or draft, if any; another person's file is an error."""
    path = responses_dir(folder) / f"{slugify(name)}.toml"
    if not path.exists() and not path.is_symlink():
        return None
    response = read_response(path, qset, dots=dots)
    if not same_person(response.name, name):
        raise name_taken(folder, name, response.name)
    return response


def name_taken(folder: Path, name: str, owner: str) -> PostmortemError:
    n = 2
    while (responses_dir(folder) / f"{slugify(f'{name} {n}')}.toml").exists():
        n += 1
    return PostmortemError(
        f"the name {name!r} gives the same file as {owner!r}, who has already answered; "
        f"choose another name, for example {f'{name} {n}'!r}"
    )


def save_response(folder: Path, response: Response) -> Path:
    """Write this person's response file atomically, never over another person's file."""
    check_name(response.name)
    directory = responses_dir(folder)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{response.slug}.toml"
    if not is_token(response.name) and _anonymous(folder):
        raise PostmortemError("this post-mortem is anonymous: a response is filed under a token, never under a name")
    response.updated = now()
    data = response.to_toml()
    try:
        store.write_toml(path, data, exclusive=True)
        return path
    except FileExistsError:
        pass
    existing = store.read_toml(path)
    owner = existing.get("name")
    if not isinstance(owner, str) or not same_person(owner, response.name):
        raise name_taken(folder, response.name, str(owner))
    if response.votes is None and isinstance(existing.get("votes"), dict):
        data["votes"] = existing["votes"]  # answering again keeps the votes cast
    store.write_toml(path, data)
    return path


def new_token() -> str:
    """A random name for an anonymous response file: the person keeps it, the folder never knows who."""
    return secrets.token_hex(8)


def is_token(text: str) -> bool:
    return re.fullmatch(r"[0-9a-f]{16}", text) is not None


def token_for(folder: Path, token: str | None, *, new: bool = True) -> str:
    """The token an anonymous response is filed under: the one given (whose file must exist), or a new one."""
    if token is None:
        if not new:
            raise PostmortemError("this post-mortem is anonymous: give the token you were given when you answered (--token)")
        return new_token()
    token = token.strip().lower()
    if not is_token(token):
        raise PostmortemError("--token must be the 16 letters and digits you were given when you answered")
    if not (responses_dir(folder) / f"{token}.toml").is_file():
        raise PostmortemError(f"no response is filed under the token {token} in {responses_dir(folder)}")
    return token


def _anonymous(folder: Path) -> bool:
    path = folder / SESSION_FILE
    return path.is_file() and store.read_toml(path).get("anonymous") is True
