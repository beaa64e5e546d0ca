"""One post-mortem folder: its postmortem.toml (the Session: project, question set, invitations,
deadline), the names of the files in it, and how a participant's name is matched and made a file
name. Each participant's answers (responses/<slug>.toml) are response.py's."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
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
    set_id: str  # the question set's id, the `format` key of postmortem.toml
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
        return questionsets.load(str(own) if own.is_file() else self.set_id)

    def to_toml(self) -> dict[str, Any]:
        return {
            "schema_version": store.SCHEMA_VERSION,
            "project": self.project,
            "format": self.set_id,
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


def unknown_key(name: str) -> None:
    raise PostmortemError(f"unknown key {name!r}", key=(name,))


def typed_field(data: dict[str, Any], name: str, default: Any, fits: Any, wanted: str) -> Any:
    """data[name] (default when missing), which fits(value) must accept; else an error naming it
    (wanted: what it must be, where "{!r}" stands for the value given)."""
    value = data.get(name, default)
    if not fits(value):
        raise PostmortemError(f"{name} must be {wanted.format(value)}", key=(name,))
    return value


def is_whole(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def parse_session(data: dict[str, Any], folder: Path, every: list[PostmortemError] | None = None) -> Session:
    """The session that postmortem.toml's data describes, checked; errors name the key.
    every: a list that gets every problem (errors.kept) instead of the first being raised."""
    kept(every, store.check_schema_version, data)
    for name in sorted(set(data) - set(SESSION_KEYS)):
        kept(every, unknown_key, name)
    project = kept(every, typed_field, data, "project", None, lambda v: isinstance(v, str) and v.strip(), "a non-empty string")
    set_id = kept(every, typed_field, data, "format", "classic", lambda v: isinstance(v, str), "a string")
    anonymous = kept(every, typed_field, data, "anonymous", False, lambda v: isinstance(v, bool), "true or false")
    invited = kept(
        every, typed_field, data, "invited", [], lambda v: isinstance(v, list) and all(isinstance(n, str) for n in v), "a list of names"
    )
    dots = kept(every, typed_field, data, "dots", DEFAULT_DOTS, lambda v: is_whole(v, 1, 100), "a whole number from 1 to 100, not {!r}")
    nudges = kept(
        every, typed_field, data, "nudges", True,
        lambda v: isinstance(v, bool) or (isinstance(v, list) and all(n in ("tangible", "blame") for n in v)),
        "true, false or a list of 'tangible' and 'blame', not {!r}",
    )
    date = kept(every, answers_mod.parse_date, data.get("date"), ("date",))
    deadline = kept(every, answers_mod.parse_date, data["deadline"], ("deadline",)) if "deadline" in data else None
    return Session(
        folder, (project or "").strip(), set_id or "classic", date or dt.date.min, bool(anonymous), invited or [],
        dots or DEFAULT_DOTS, nudges=True if nudges is None else nudges, deadline=deadline,
    )


def create_session(folder: Path, project: str, set_id: str, date: dt.date | None = None, anonymous: bool = False) -> Session:
    """Write a new postmortem.toml; the question set is checked before anything is written."""
    if not project.strip():
        raise PostmortemError("the project name must not be empty")
    qset = questionsets.load(set_id)
    session = Session(folder, project.strip(), qset.id, date or now().date(), anonymous)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        if not session.path.exists():  # the session carries its own copy: every participant answers the same questions
            source = questionsets.source_file(set_id).read_text(encoding="utf-8")
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
