"""`postmortem check`: every problem in every session, response, question-set and record file.

The loaders stop at the first problem, so each file is checked in parts (the top-level keys, each
answer, each entry of a list, each question, each section) and, after a problem, again without the
key it names; every check is the loaders' own. Lines come from the parser where it gives one,
otherwise from the line where the named key is written.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from postmortem import answers as answers_mod
from postmortem import questionsets, store
from postmortem import record as record_mod
from postmortem import session as session_mod
from postmortem.errors import PostmortemError

SESSION, QUESTIONS, RECORD, RESPONSE = "session", "questions", "record", "response"
_LIST_KINDS = ("items", "people", "events", "scores")
_PLACEHOLDER_QUESTION = {"id": "placeholder", "kind": "text", "prompt": "x", "help": "x"}


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
    found += [(RESPONSE, path) for path in session_mod.response_paths(folder)]
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
                files += [(_kind_of(p), p) for p in session_mod.response_paths(path.parent)]
            if len(files) == before:
                problems.append(Problem(str(path), None, f"no post-mortem here (no {session_mod.SESSION_FILE} in it or below)"))
        elif path.exists() or path.is_symlink():
            files.append((_kind_of(path), path))
        else:
            problems.append(Problem(str(path), None, "no such file or folder"))
    unique = list(dict.fromkeys(files))
    return unique, problems


# --- lines ----------------------------------------------------------------------------------------

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\[\]]+?)\s*\]\]?\s*(#.*)?$")
_ASSIGN = re.compile(r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=\s*(.*)$""")
_KEY_PART = re.compile(r"""[A-Za-z0-9_-]+|"[^"]*"|'[^']*'""")


def _key_parts(text: str) -> tuple[str, ...]:
    return tuple(part.strip("\"'") for part in _KEY_PART.findall(text))


_STRINGS = re.compile(r""""(?:[^"\\]|\\.)*"|'[^']*'|#.*$""")


def _nesting(text: str) -> int:
    """How many brackets and braces text opens and does not close (strings and comments aside)."""
    bare = _STRINGS.sub("", text)
    return bare.count("[") + bare.count("{") - bare.count("]") - bare.count("}")


class Lines:
    """Where each key and table of a TOML text is written: (path) -> line; [[array]] tables are numbered from 1."""

    def __init__(self, text: str) -> None:
        self.where: dict[tuple[Any, ...], int] = {}
        self.ids: dict[str, tuple[Any, ...]] = {}
        counts: dict[tuple[Any, ...], int] = {}
        current: tuple[Any, ...] = ()
        in_string: str | None = None
        array: tuple[Any, ...] = ()  # the key of a multi-line array being read, its entries numbered from 1
        depth = entries = 0
        for number, line in enumerate(text.splitlines(), 1):
            if in_string:
                if line.count(in_string) % 2:
                    in_string = None
                continue
            if depth > 0:  # one entry a line, as postmortem writes them
                stripped = line.strip()
                if depth == 1 and stripped and not stripped.startswith(("#", "]")):
                    entries += 1
                    self.where.setdefault(array + (entries,), number)
                depth += _nesting(line)
                continue
            header = _HEADER.match(line)
            if header and not _ASSIGN.match(line):
                names = _key_parts(header.group(2))
                resolved: tuple[Any, ...] = ()
                for index, name in enumerate(names):
                    resolved += (name,)
                    if index == len(names) - 1 and header.group(1) == "[[":
                        counts[resolved] = counts.get(resolved, 0) + 1
                        resolved += (counts[resolved],)
                    elif resolved in counts:
                        resolved += (counts[resolved],)
                self.where.setdefault(resolved, number)
                current = resolved
                continue
            assign = _ASSIGN.match(line)
            if assign:
                key = current + _key_parts(assign.group(1))
                self.where.setdefault(key, number)
                value = assign.group(2).strip()
                if key[-1] == "id" and value[:1] in "\"'":
                    self.ids.setdefault(value.strip("\"'"), current)
                if value.startswith("[") and _nesting(value) > 0:
                    array, depth, entries = key, _nesting(value), 0
                    continue
                for quote in ('"""', "'''"):
                    if value.count(quote) % 2:
                        in_string = quote
                        break

    def find(self, path: tuple[Any, ...]) -> int | None:
        for length in range(len(path), 0, -1):
            if path[:length] in self.where:
                return self.where[path[:length]]
        return None


_PATH = re.compile(r"^([A-Za-z_][\w-]*(?:\.[\w-]+|\[\d+\])*)")
_UNKNOWN = re.compile(r"unknown key '([^']+)'")
_QUESTION = re.compile(r"^question (?:'([^']+)'|(\d+))[: ]\s*(.*)$")


def _path_of(detail: str) -> tuple[Any, ...]:
    """The key a loader's message is about, as a path: 'answers.improvements[2].due must be…'."""
    question = _QUESTION.match(detail)
    if question:
        by_id, by_number, rest = question.groups()
        base: tuple[Any, ...] = ("question-id", by_id) if by_id else ("questions", int(by_number))
        return base + _path_of(rest)
    unknown = _UNKNOWN.match(detail)
    if unknown:
        return (unknown.group(1),)
    match = _PATH.match(detail)
    if not match:
        return ()
    path: list[Any] = []
    for part in re.findall(r"[\w-]+|\[\d+\]", match.group(1)):
        path.append(int(part[1:-1]) if part.startswith("[") else part)
    return tuple(path)


def _line(lines: Lines | None, detail: str) -> int | None:
    if lines is None:
        return None
    path = _path_of(detail)
    if path[:1] == ("question-id",):
        table = lines.ids.get(path[1])
        if table is None:
            return None
        return lines.find(table + path[2:])
    return lines.find(path)


# --- checking -------------------------------------------------------------------------------------


class _File:
    """Problems found in one file, each with its line."""

    def __init__(self, path: Path, problems: list[Problem]) -> None:
        self.path = path
        self.problems = problems
        self.lines: Lines | None = None
        try:
            if path.is_file() and not path.is_symlink() and path.stat().st_size <= 256 * store.MAX_BYTES:
                self.lines = Lines(path.read_text(encoding="utf-8", errors="replace"))
        except OSError:
            pass

    def add(self, err: PostmortemError, detail: str | None = None) -> None:
        detail = detail or err.detail
        line = err.line if err.line and err.path and Path(str(err.path)) == self.path else None
        self.problems.append(Problem(str(self.path), line or _line(self.lines, detail), detail))

    def every(self, validate: Callable[[dict[str, Any]], Any], data: dict[str, Any], required: dict[str, Any]) -> None:
        """validate(data) again and again, each time without (or with a stand-in for) the key its problem names."""
        data = dict(data)
        seen: set[str] = set()
        for _ in range(100):
            try:
                validate(data)
                return
            except PostmortemError as err:
                if err.detail in seen:
                    return
                seen.add(err.detail)
                self.add(err)
                key = _path_of(err.detail)[:1]
                if not key or not isinstance(key[0], str) or (key[0] not in data and key[0] not in required):
                    return
                if key[0] in required:
                    data[key[0]] = required[key[0]]
                else:
                    del data[key[0]]


def _read(path: Path, file: _File) -> dict[str, Any] | None:
    try:
        return store.read_toml(path, max_bytes=256 * store.MAX_BYTES)
    except PostmortemError as err:
        file.add(err)
        return None


def _check_session(path: Path, file: _File) -> None:
    data = _read(path, file)
    if data is None:
        return
    folder = path.parent
    try:
        session = session_mod.parse_session(data, folder)
    except PostmortemError:
        file.every(lambda d: session_mod.parse_session(d, folder), data, {"project": "x", "date": dt.date(2000, 1, 1)})
        return
    if not (folder / session_mod.QUESTIONS_FILE).is_file():
        try:
            questionsets.load(session.format)
        except PostmortemError as err:
            file.problems.append(Problem(str(path), _line(file.lines, "format"), f"format: {err.detail}"))


def _check_questions(path: Path, file: _File) -> None:
    data = _read(path, file)
    if data is None:
        return
    try:
        questionsets.parse(data, path)
        return
    except PostmortemError:
        pass
    questions = data.get("questions")
    good = []
    if isinstance(questions, list) and questions:
        for index, question in enumerate(questions):
            try:
                questionsets._question(question, index)
                good.append(question)
            except PostmortemError as err:
                file.add(err)
    else:
        file.every(lambda d: questionsets.parse(d, path), {"questions": questions}, {})
    file.every(lambda d: questionsets.parse(d, path), {**data, "questions": good or [_PLACEHOLDER_QUESTION]}, {"title": "x"})


def _question_set(folder: Path) -> questionsets.QuestionSet | None:
    try:
        return session_mod.load_session(folder).question_set()
    except PostmortemError:
        return None  # reported against the session or its questions.toml


def _check_answers(file: _File, qset: questionsets.QuestionSet, answers: Any) -> None:
    if not isinstance(answers, dict):
        file.every(lambda d: answers_mod.check_answers(qset, d["answers"]), {"answers": answers}, {})
        return
    for key, value in answers.items():
        try:
            answers_mod.check_answers(qset, {key: value})
            continue
        except PostmortemError as err:
            whole = err
            question = qset.question(key)
            if question is None or question.kind not in _LIST_KINDS or not isinstance(value, list):
                file.add(err)
                continue
        before = len(file.problems)
        for index, entry in enumerate(value, 1):  # every bad entry of a list, each under its own number
            try:
                answers_mod.check_answers(qset, {key: [entry]})
            except PostmortemError as err:
                first = f"answers.{key}[1]"
                detail = f"answers.{key}[{index}]{err.detail[len(first):]}" if err.detail.startswith(first) else err.detail
                file.add(err, detail)
        if len(file.problems) == before:  # a problem of the list as a whole
            file.add(whole)


def _check_response(path: Path, file: _File, qset: questionsets.QuestionSet | None) -> None:
    data = _read(path, file)
    if data is None:
        return
    name = data.get("name")
    if isinstance(name, str) and name.strip():
        _check_file_name(path, file, name.strip())
    if qset is not None:
        try:
            session_mod.parse_response(data, qset, path)
            return
        except PostmortemError:
            pass
    # without the session's question set (its problem is reported there) only the rest is checked
    top_set = qset or questionsets.parse({"title": "x", "questions": [_PLACEHOLDER_QUESTION]}, path)
    top = {k: v for k, v in data.items() if k != "answers"}
    file.every(lambda d: session_mod.parse_response(d, top_set, path), top, {"name": "x"})
    if qset is not None and "answers" in data:
        _check_answers(file, qset, data["answers"])


def _check_file_name(path: Path, file: _File, name: str) -> None:
    """A response must be where `start` looks for its author, and be the only one of that person."""
    expected = f"{session_mod.slugify(name)}.toml"
    if path.name != expected:
        file.problems.append(
            Problem(str(path), _line(file.lines, "name"), f"the response of {name!r} must be named {expected}; "
                    "`start` would not find it and would begin a second one")
        )
    for other in session_mod.response_paths(path.parent.parent):
        if other == path:
            break
        try:
            owner = store.read_toml(other).get("name")
        except PostmortemError:
            continue
        if isinstance(owner, str) and session_mod.same_person(owner, name):
            file.problems.append(
                Problem(str(path), _line(file.lines, "name"), f"{name!r} answered in {other.name} too; merge would count them twice")
            )


def _check_record(path: Path, file: _File) -> None:
    data = _read(path, file)
    if data is None:
        return
    try:
        record_mod.load_record(path)
        return
    except PostmortemError as first:
        before = len(file.problems)
        sections = data.get("sections")
        good = []
        if isinstance(sections, list):
            for index, section in enumerate(sections, 1):
                try:
                    record_mod._check({"project": "x", "date": dt.date(2000, 1, 1), "sections": [section]})
                    good.append(section)
                except PostmortemError as err:
                    detail = err.detail.replace("sections[1]", f"sections[{index}]", 1)
                    file.add(err, detail)
        top = {**data, "sections": good if isinstance(sections, list) else sections}
        file.every(record_mod._check, top, {"project": "x", "date": dt.date(2000, 1, 1)})
        if len(file.problems) == before:
            file.add(first)
        elif first.line:  # load_record knows a line the parts do not (the second use of a duplicate id)
            file.problems[before:] = [
                Problem(p.file, first.line, p.problem) if p.problem == first.detail and not p.line else p
                for p in file.problems[before:]
            ]


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


def check(paths: Iterable[Path]) -> tuple[list[Problem], int]:
    """Every problem in every file under paths, and how many files were checked."""
    files, problems = find(paths)
    sets: dict[Path, questionsets.QuestionSet | None] = {}
    for kind, path in files:
        file = _File(path, problems)
        kind = kind or _guess(path)
        if kind == SESSION:
            _check_session(path, file)
        elif kind == QUESTIONS:
            _check_questions(path, file)
        elif kind == RECORD:
            _check_record(path, file)
        elif kind == RESPONSE:
            folder = path.parent.parent
            if folder not in sets:
                sets[folder] = _question_set(folder)
            _check_response(path, file, sets[folder])
        elif _read(path, file) is not None:
            file.problems.append(
                Problem(str(path), None, "not a post-mortem file (postmortem.toml, questions.toml, record.toml or responses/*.toml)")
            )
    order = {name: index for index, name in enumerate(dict.fromkeys(p.file for p in problems))}
    ordered = sorted(dict.fromkeys(problems), key=lambda p: (order[p.file], p.line or 0))  # stable: same line keeps order
    return ordered, len(files)
