"""One post-mortem folder: postmortem.toml, responses/<slug>.toml, record.toml."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from postmortem import answers as answers_mod
from postmortem import questionsets, store
from postmortem.escape import shell
from postmortem.errors import PostmortemError, about, kept
from postmortem.questionsets import QuestionSet

SESSION_FILE = "postmortem.toml"
RESPONSES_DIR = "responses"
RECORD_FILE = "record.toml"
RECORD_SUFFIX = ".record.toml"  # a record published beside a wiki page: <page>.record.toml
QUESTIONS_FILE = "questions.toml"
DEFAULT_DOTS = 3

_WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


def now() -> dt.datetime:
    """The current time in UTC, or SOURCE_DATE_EPOCH when set (reproducible examples)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc) if epoch else dt.datetime.now(dt.timezone.utc)
    return moment.replace(microsecond=0)


def slugify(name: str) -> str:
    """A file name for a participant: lowercase ASCII, never empty, never a reserved or escaping name."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:40].strip("-")
    if not slug or slug in _WINDOWS_RESERVED:
        digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:6]
        slug = f"{slug or 'participant'}-{digest}"
    return slug


def record_path(target: Path) -> Path:
    """The record of the post-mortem folder target, or target itself when it names a record file;
    a folder not merged yet is refused."""
    if not target.is_dir():
        return target
    path = target / RECORD_FILE
    if not path.exists():
        raise PostmortemError(f"no {RECORD_FILE} yet; run `postmortem merge {shell(str(target))}` first", path=target)
    return path


def person_key(name: str) -> str:
    """Equal for two spellings of one person's name (case, Unicode form, surrounding spaces)."""
    return unicodedata.normalize("NFKC", name).casefold().strip()


def same_person(a: str, b: str) -> bool:
    return person_key(a) == person_key(b)


@dataclass
class Session:
    folder: Path
    project: str
    format: str
    date: dt.date
    anonymous: bool = False
    invited: list[str] = field(default_factory=list)
    dots: int = DEFAULT_DOTS  # how many dots each participant spreads over the actions when voting
    nudges: bool | list[str] = True  # interview nudges: all, none, or some of nudges.KINDS
    deadline: dt.date | None = None  # answers are due by this day (start --deadline)

    @property
    def path(self) -> Path:
        return self.folder / SESSION_FILE

    def question_set(self) -> QuestionSet:
        """The session's own copy of its set; sessions made before copies were kept name it by id."""
        own = self.folder / QUESTIONS_FILE
        return questionsets.load(str(own) if own.is_file() else self.format)

    def to_toml(self) -> dict[str, Any]:
        return {
            "schema_version": store.SCHEMA_VERSION,
            "project": self.project,
            "format": self.format,
            "date": self.date,
            "anonymous": self.anonymous,
            "invited": self.invited,
            "dots": self.dots,
            "nudges": self.nudges,
            **({"deadline": self.deadline} if self.deadline else {}),
        }


def load_session(folder: Path) -> Session:
    path = folder / SESSION_FILE
    if not path.exists():
        raise PostmortemError(f"no {SESSION_FILE} here; run `postmortem start {shell(str(folder))}` to create the post-mortem", path=folder)
    with about(path):
        return parse_session(store.read_toml(path), folder)


SESSION_KEYS = ("schema_version", "project", "format", "date", "anonymous", "invited", "dots", "nudges", "deadline")


def _unknown_key(name: str) -> None:
    raise PostmortemError(f"unknown key {name!r}", key=(name,))


def _typed(data: dict[str, Any], name: str, default: Any, fits: Any, wanted: str) -> Any:
    """data[name] (default when missing), which fits(value) must accept; else an error naming it
    (wanted: what it must be, where "{!r}" stands for the value given)."""
    value = data.get(name, default)
    if not fits(value):
        raise PostmortemError(f"{name} must be {wanted.format(value)}", key=(name,))
    return value


def _is_whole(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def parse_session(data: dict[str, Any], folder: Path, every: list[PostmortemError] | None = None) -> Session:
    """The session that postmortem.toml's data describes, checked; errors name the key.
    every: a list that gets every problem (errors.kept) instead of the first being raised."""
    kept(every, store.check_schema_version, data)
    for name in sorted(set(data) - set(SESSION_KEYS)):
        kept(every, _unknown_key, name)
    project = kept(every, _typed, data, "project", None, lambda v: isinstance(v, str) and v.strip(), "a non-empty string")
    fmt = kept(every, _typed, data, "format", "classic", lambda v: isinstance(v, str), "a string")
    anonymous = kept(every, _typed, data, "anonymous", False, lambda v: isinstance(v, bool), "true or false")
    invited = kept(
        every, _typed, data, "invited", [], lambda v: isinstance(v, list) and all(isinstance(n, str) for n in v), "a list of names"
    )
    dots = kept(every, _typed, data, "dots", DEFAULT_DOTS, lambda v: _is_whole(v, 1, 100), "a whole number from 1 to 100, not {!r}")
    nudges = kept(
        every, _typed, data, "nudges", True,
        lambda v: isinstance(v, bool) or (isinstance(v, list) and all(n in ("tangible", "blame") for n in v)),
        "true, false or a list of 'tangible' and 'blame', not {!r}",
    )
    date = kept(every, answers_mod.parse_date, data.get("date"), ("date",))
    deadline = kept(every, answers_mod.parse_date, data["deadline"], ("deadline",)) if "deadline" in data else None
    return Session(
        folder, (project or "").strip(), fmt or "classic", date or dt.date.min, bool(anonymous), invited or [],
        dots or DEFAULT_DOTS, nudges=True if nudges is None else nudges, deadline=deadline,
    )


def create_session(folder: Path, project: str, fmt: str, date: dt.date | None = None, anonymous: bool = False) -> Session:
    """Write a new postmortem.toml; the format is checked before anything is written."""
    if not project.strip():
        raise PostmortemError("the project name must not be empty")
    qset = questionsets.load(fmt)
    session = Session(folder, project.strip(), qset.id, date or now().date(), anonymous)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        if not session.path.exists():  # the session carries its own copy: every participant answers the same questions
            source = questionsets.source_file(fmt).read_text(encoding="utf-8")
            store.atomic_write_text(folder / QUESTIONS_FILE, source)
        store.write_toml(session.path, session.to_toml(), exclusive=True)
    except FileExistsError:
        return load_session(folder)
    return session


def _update_session(folder: Path, change: Callable[[Session], dict[str, Any]]) -> None:
    """Rewrite postmortem.toml with the keys change returns, every other key kept as written, under
    the folder's lock; nothing is written when change returns none."""
    from postmortem.record import locked

    path = folder / SESSION_FILE
    with locked(folder / RECORD_FILE):  # the folder's one lock file (.record.toml.lock), already git-ignored
        data = store.read_toml(path)
        with about(path):
            session = parse_session(data, folder)  # valid before it is rewritten
        updates = change(session)
        if updates:
            store.write_toml(path, {**data, **updates})


def add_invitees(folder: Path, names: list[str]) -> list[str]:
    """Add names to the session's `invited` list (same person counted once); returns those added."""
    added: list[str] = []

    def invite(session: Session) -> dict[str, Any]:
        invited = list(session.invited)
        known = {person_key(name) for name in invited}
        for name in (n.strip() for n in names):
            if not answers_mod.visible(name):
                raise PostmortemError("an invited name must not be empty or only invisible characters")
            if person_key(name) not in known:
                known.add(person_key(name))
                invited.append(name)
                added.append(name)
        return {"invited": invited} if added else {}

    _update_session(folder, invite)
    return added


def set_deadline(folder: Path, deadline: dt.date) -> None:
    """The day answers are due, in postmortem.toml."""
    _update_session(folder, lambda session: {} if session.deadline == deadline else {"deadline": deadline})


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
    if not isinstance(votes, dict) or not all(_is_whole(v, 0, 100) for v in votes.values()):
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
            kept(every, _unknown_key, name)
        status = kept(every, _typed, data, "status", "complete", lambda v: v in ("complete", "draft"), "'complete' or 'draft', not {!r}")
        done = kept(
            every, _typed, data, "done", [], lambda v: isinstance(v, list) and all(isinstance(d, str) for d in v),
            "a list of question ids",
        )
        updated = kept(every, _typed, data, "updated", None, lambda v: v is None or isinstance(v, dt.datetime), "a date and time")
        role = kept(every, _typed, data, "role", "", lambda v: isinstance(v, str), "a string")
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


def read_responses(session: Session, *, track=None) -> list[Response]:  # type: ignore[no-untyped-def]
    """Every response file of the session, read and checked as merge reads them (see
    folder_problems); track(paths, count, label) may wrap the reading in a progress bar."""
    qset, paths = session.question_set(), response_paths(session.folder)
    shown = track(paths, len(paths), "Reading responses") if track else paths
    responses = [read_response(path, qset, dots=session.dots) for path in shown]
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
