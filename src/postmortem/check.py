"""`postmortem check`: every problem in every session, response, question-set and record file.

Each file goes through the very validators the other commands load it with, asked to list every
problem instead of raising the first (errors.kept); a folder's responses are then checked together
as merge checks them (response.folder_problems). Each problem carries its key path, and its line
comes from the parser or from that key (keylines).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from postmortem import questionsets, store
from postmortem import record as record_mod
from postmortem import session as session_mod
from postmortem import response as response_mod
from postmortem.errors import PostmortemError
from postmortem.questionsets import QuestionSet
from postmortem.response import Response

SESSION, QUESTIONS, RECORD, RESPONSE = "session", "questions", "record", "response"


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    problem: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.problem}" if self.line else f"{self.file}: {self.problem}"

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "problem": self.problem}


# --- finding the files --------------------------------------------------------------------------


def _folder_files(folder: Path) -> list[tuple[str, Path]]:
    """The files of one post-mortem folder (one that has a postmortem.toml)."""
    found = [(SESSION, folder / session_mod.SESSION_FILE)]
    if (folder / session_mod.QUESTIONS_FILE).exists():
        found.append((QUESTIONS, folder / session_mod.QUESTIONS_FILE))
    found += [(RESPONSE, path) for path in response_mod.response_paths(folder)]
    if (folder / session_mod.RECORD_FILE).exists():
        found.append((RECORD, folder / session_mod.RECORD_FILE))
    return found


def _kind_of(path: Path) -> str | None:
    if path.name == session_mod.SESSION_FILE:
        return SESSION
    if path.name == session_mod.RECORD_FILE:
        return RECORD
    if path.name == session_mod.QUESTIONS_FILE:
        return QUESTIONS
    if path.parent.name == session_mod.RESPONSES_DIR and (path.parent.parent / session_mod.SESSION_FILE).exists():
        return RESPONSE
    return None


def find(paths: Iterable[Path]) -> tuple[list[tuple[str | None, Path]], list[Problem]]:
    """The files to check under paths (folders recursively), and problems with the paths themselves."""
    files: list[tuple[str | None, Path]] = []
    problems: list[Problem] = []
    for path in paths:
        if path.is_dir():
            before = len(files)
            for root, dirs, names in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != session_mod.RESPONSES_DIR)
                if session_mod.SESSION_FILE in names:
                    files += _folder_files(Path(root))
            if len(files) == before and path.name == session_mod.RESPONSES_DIR:  # `check retro/responses`
                files += [(_kind_of(p), p) for p in response_mod.response_paths(path.parent)]
            if len(files) == before:
                problems.append(Problem(str(path), None, f"no post-mortem here (no {session_mod.SESSION_FILE} in it or below)"))
        elif path.exists() or path.is_symlink():
            files.append((_kind_of(path), path))
        else:
            problems.append(Problem(str(path), None, "no such file or folder"))
    unique = list(dict.fromkeys(files))
    return unique, problems


# --- checking -------------------------------------------------------------------------------------


def _problem(path: Path, err: PostmortemError) -> Problem:
    err = err.in_file(path)
    return Problem(str(err.path), err.line, err.detail)


def _read(path: Path, found: list[PostmortemError]) -> dict[str, Any] | None:
    """The file, at most as large as the loaders read (records, larger, go through record.read)."""
    try:
        return store.read_toml(path)
    except PostmortemError as err:
        found.append(err)
        return None


def _check_session(path: Path, found: list[PostmortemError]) -> None:
    data = _read(path, found)
    if data is None:
        return
    before = len(found)
    session = session_mod.parse_session(data, path.parent, every=found)
    if len(found) == before and not (path.parent / session_mod.QUESTIONS_FILE).is_file():
        try:
            questionsets.load(session.set_id)
        except PostmortemError as err:
            found.append(PostmortemError(f"format: {err.detail}", key=("format",)))


class _Folder:
    """What a folder's responses are checked against (its question set and dots, when its session
    reads), and the responses read so far, checked together at the end."""

    def __init__(self, folder: Path) -> None:
        self.qset: QuestionSet | None = None
        self.dots: int | None = None
        self.read: list[tuple[Path, Response]] = []
        try:
            session = session_mod.load_session(folder)
            self.qset, self.dots = session.question_set(), session.dots
        except PostmortemError:
            pass  # reported against the session or its questions.toml


_PLACEHOLDER = QuestionSet("placeholder", "x", "", "", ())


def _check_response(path: Path, found: list[PostmortemError], folder: _Folder) -> None:
    data = _read(path, found)
    if data is None:
        return
    if folder.qset is None:  # the answers cannot be checked without the set; the rest can
        data = {k: v for k, v in data.items() if k != "answers"}
    before = len(found)
    response = response_mod.parse_response(data, folder.qset or _PLACEHOLDER, path, dots=folder.dots, every=found)
    if response.name and not any(err.key == ("name",) for err in found[before:]):
        folder.read.append((path, response))


def check(paths: Iterable[Path]) -> tuple[list[Problem], int]:
    """Every problem in every file under paths, and how many files were checked."""
    files, problems = find(paths)
    listed = [p.file for p in problems] + [str(path) for _, path in files]  # problems with the paths themselves first
    folders: dict[Path, _Folder] = {}
    for kind, path in files:
        found: list[PostmortemError] = []
        kind = kind or _guess(path)
        if kind == SESSION:
            _check_session(path, found)
        elif kind == QUESTIONS:
            data = _read(path, found)
            if data is not None:
                questionsets.parse(data, path, every=found)
        elif kind == RECORD:
            try:
                found += record_mod.read(path)[1]
            except PostmortemError as err:
                found.append(err)
        elif kind == RESPONSE:
            folder = path.parent.parent
            if folder not in folders:
                folders[folder] = _Folder(folder)
            _check_response(path, found, folders[folder])
        elif _read(path, found) is not None:
            found.append(PostmortemError("not a post-mortem file (postmortem.toml, questions.toml, record.toml or responses/*.toml)"))
        problems += [_problem(path, err) for err in found]
    for folder in folders.values():
        problems += [_problem(err.path, err) for err in response_mod.folder_problems(folder.read)]
    order = {name: index for index, name in enumerate(dict.fromkeys([*listed, *(p.file for p in problems)]))}
    ordered = sorted(dict.fromkeys(problems), key=lambda p: (order[p.file], p.line or 0))  # stable: same line keeps order
    return ordered, len(files)


def _guess(path: Path) -> str | None:
    try:
        data = store.read_toml(path)
    except PostmortemError:
        return None
    if "questions" in data:
        return QUESTIONS
    if "sections" in data:
        return RECORD
    if "project" in data:
        return SESSION
    return None
