"""Answers collected with Google Forms or Microsoft Forms (a CSV or XLSX export) as response files.

One row per person. A column is matched to a question by the question's text (its prompt or
heading, as the form's question was titled, case and trailing punctuation aside) or id, or by
`--map COLUMN=QUESTION_ID`; `name` and `role` are targets too, and `-` ignores a column. The
form's own columns (timestamp, e-mail, start and completion time, ...) are ignored.

A cell becomes the answer `start --answers` would take: a list question's entries are its lines
(a one-line cell ending in `;`, Microsoft Forms' multi-select, is split on `;`); a person is
`name, role, what they needed`; an event is `time what happened`; a rating's digits a number.
Every row then goes through `respond.from_answers`, the validation `start --answers` applies; a
row that fails is named by its row number (the header is row 1, as the spreadsheet shows it) and
column. Nothing is written unless every row passes. Importing again updates each person's file; in
an anonymous post-mortem every row gets a new random token, so importing again adds the rows again.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from postmortem import respond
from postmortem import response as response_mod
from postmortem.errors import PostmortemError, about
from postmortem.questionsets import QuestionSet
from postmortem.session import Session
from postmortem.response import Response

MAX_BYTES = 20 * 1024 * 1024
SAMPLE = 64 * 1024  # of the text, to find its delimiter
NAME, ROLE, IGNORE = "name", "role", "-"
NAME_HEADERS = ("name", "your name", "full name", "respondent", "participant")
ROLE_HEADERS = ("role", "your role", "your role on this project", "your role on the project", "job title")
FORM_HEADERS = (  # what Google Forms and Microsoft Forms add around the questions
    "timestamp", "email address", "email", "e-mail", "id", "start time", "completion time",
    "last modified time", "score", "total points", "quiz feedback",
)
_KEY = re.compile(r"answers\.([A-Za-z_]\w*)")


@dataclass
class Imported:
    responses: list[Response]  # one per row, in the export's order
    ignored: list[str]  # columns that matched nothing (and are not the form's own)


def _normal(text: str) -> str:
    return " ".join(text.casefold().split()).rstrip(" ?:.*")


def read_table(path: Path) -> list[list[str]]:
    """The export's rows, each a list of cell texts; the first row is the header."""
    if path.suffix.lower() == ".xlsx":
        return _read_xlsx(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise PostmortemError("no such file", path=path) from None
    except OSError as err:
        raise PostmortemError(f"cannot read: {err.strerror}", path=path) from None
    if len(raw) > MAX_BYTES:
        raise PostmortemError(f"larger than {MAX_BYTES // 1024 // 1024} MiB", path=path)
    try:
        text = raw.decode("utf-8-sig")  # Excel's "CSV UTF-8" starts with a byte-order mark
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise PostmortemError("not valid UTF-8: export it as CSV UTF-8", path=path, line=line) from None
    try:  # quoting is always Excel's ("" inside quotes); only the delimiter differs
        rows = csv.reader(io.StringIO(text, newline=""), csv.excel, delimiter=_delimiter(text))
        return [row for row in rows if any(c.strip() for c in row)]
    except csv.Error as err:
        raise PostmortemError(f"not a readable CSV file: {err}", path=path) from None


def _delimiter(text: str) -> str:
    """Comma (Google Forms), or semicolon or tab (a spreadsheet saved in another locale): the one
    that cuts the first rows into as many cells as the header, the most cells if several do.
    (csv.Sniffer guesses quoting too, and takes a comma in a question's title for the delimiter.)"""
    sample = text[:SAMPLE]
    if len(text) > SAMPLE:
        sample = sample[: sample.rfind("\n") + 1]  # whole lines only
    best, score = ",", (False, 0)
    for delimiter in (",", ";", "\t"):
        try:
            rows = [r for r in itertools.islice(csv.reader(io.StringIO(sample, newline=""), csv.excel, delimiter=delimiter), 50) if r]
        except csv.Error:  # read_table names the problem
            continue
        if not rows:
            continue
        candidate = (all(len(r) == len(rows[0]) for r in rows), len(rows[0]))
        if candidate > score:
            best, score = delimiter, candidate
    return best


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def _read_xlsx(path: Path) -> list[list[str]]:
    """The first sheet of a workbook (Microsoft Forms' "Open in Excel" download)."""
    import zipfile

    from openpyxl import load_workbook  # the format's reference reader in Python: shared strings, dates, styles

    if not path.is_file():
        raise PostmortemError("no such file", path=path)
    if path.stat().st_size > MAX_BYTES:
        raise PostmortemError(f"larger than {MAX_BYTES // 1024 // 1024} MiB", path=path)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as err:
        raise PostmortemError(f"not a readable XLSX workbook: {err}", path=path) from None
    try:
        rows = [[_cell(v) for v in row] for row in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()
    return [row for row in rows if any(c.strip() for c in row)]


def _parse_maps(maps: list[str], qset: QuestionSet) -> dict[str, str]:
    """`--map COLUMN=TARGET` as {normal column header: target}; the target must be a question id, name, role or -."""
    targets = {q.id for q in qset.questions} | {NAME, ROLE, IGNORE}
    chosen: dict[str, str] = {}
    for given in maps:
        column, sep, target = given.rpartition("=")
        target = target.strip()
        if not sep or not column.strip():
            raise PostmortemError(f"--map {given!r}: give it as COLUMN=QUESTION_ID")
        if target not in targets:
            known = ", ".join(q.id for q in qset.questions)
            raise PostmortemError(f"--map {given!r}: {target!r} is not a question id of the {qset.id!r} set ({known}), name, role or -")
        chosen[_normal(column)] = target
    return chosen


def match_columns(header: list[str], qset: QuestionSet, maps: list[str]) -> tuple[dict[int, str], list[str]]:
    """Which column feeds which question (or the name or role), and the unmatched columns that are not the form's own."""
    chosen = _parse_maps(maps, qset)
    texts = {}
    for question in qset.questions:
        for text in (question.id, question.heading, question.prompt):
            texts.setdefault(_normal(text), question.id)
    columns: dict[int, str] = {}
    ignored = []
    for index, title in enumerate(header):
        key = _normal(title)
        target = chosen.get(key) or texts.get(key)
        if target is None and key in NAME_HEADERS:
            target = NAME
        elif target is None and key in ROLE_HEADERS:
            target = ROLE
        if target is None:
            if key and key not in FORM_HEADERS:
                ignored.append(title)
            continue
        if target == IGNORE:
            continue
        if target in columns.values():
            first = header[next(i for i, t in columns.items() if t == target)]
            raise PostmortemError(f"columns {first!r} and {title!r} both give {target}; --map one of them to -")
        columns[index] = target
    unused = sorted(k for k in chosen if k not in {_normal(t) for t in header})
    if unused:
        raise PostmortemError(f"--map names a column the export does not have: {unused[0]!r}")
    return columns, ignored


def _lines(text: str) -> list[str]:
    text = text.strip()
    if "\n" not in text and text.endswith(";"):
        return [p.strip() for p in text.split(";") if p.strip()]
    return [line.strip() for line in text.splitlines() if line.strip()]


def _person(line: str) -> dict[str, str]:
    parts = [p.strip() for p in line.split(",", 2)]
    return dict(zip(("name", "role", "interest"), parts, strict=False))  # a line may give fewer than three


def _event(line: str) -> dict[str, str]:
    time, _, what = line.partition(" ")
    return {"time": time, "what": what.strip().lstrip("-–—:").strip()} if what.strip() else {"time": time}


def cell_answer(kind: str, text: str) -> Any:
    """A cell's text as the value an answers file would hold for a question of this kind."""
    if kind == "items":
        return _lines(text)
    if kind == "people":
        return [_person(line) for line in _lines(text)]
    if kind == "events":
        return [_event(line) for line in _lines(text)]
    if kind == "scores":
        raise PostmortemError("a scores question (a grid of ratings) cannot be imported from one column")
    if kind == "rating" and text.strip().isdigit():
        return int(text)
    return text.strip()


def _row_error(err: PostmortemError, number: int, by_question: dict[str, str], path: Path) -> PostmortemError:
    match = _KEY.search(err.detail)
    column = by_question.get(match.group(1)) if match else None
    where = f"row {number}, column {column!r}" if column else f"row {number}"
    return PostmortemError(f"{where}: {err.detail}", path=path)


def import_rows(session: Session, path: Path, maps: list[str]) -> Imported:
    """Every row of the export as a complete response, checked as `start --answers` checks a file."""
    qset = session.question_set()
    table = read_table(path)
    if len(table) < 2:
        raise PostmortemError("has no answers: a header row and at least one row of answers are needed", path=path)
    header, rows = table[0], table[1:]
    with about(path):
        columns, ignored = match_columns(header, qset, maps)
    if NAME not in columns.values() and not session.anonymous:
        raise PostmortemError("no name column (Name, Your name, ...): give one with --map COLUMN=name", path=path)
    if not any(t not in (NAME, ROLE) for t in columns.values()):
        raise PostmortemError("no column matches a question: give them with --map COLUMN=QUESTION_ID", path=path)
    by_question = {target: header[index] for index, target in columns.items()}
    imported = Imported([], ignored)
    seen: dict[str, int] = {}
    problems = []
    for number, row in enumerate(rows, 2):
        try:
            response = _response(session, qset, row, columns, by_question, path)
        except PostmortemError as err:
            problems.append(_row_error(err, number, by_question, path))
            continue
        key = " ".join(response.name.casefold().split())
        if key in seen:
            problems.append(PostmortemError(f"rows {seen[key]} and {number} are both {response.name!r}'s answers; delete one", path=path))
            continue
        seen[key] = number
        imported.responses.append(response)
    if problems:
        raise ImportProblems(problems)
    return imported


class ImportProblems(PostmortemError):
    """Every row that failed, each one line; the first is the exception's own message."""

    def __init__(self, problems: list[PostmortemError]) -> None:
        super().__init__(problems[0].detail, path=problems[0].path)
        self.problems = problems


def _response(session: Session, qset: QuestionSet, row: list[str], columns: dict[int, str],
              by_question: dict[str, str], path: Path) -> Response:
    cells = {target: row[index] if index < len(row) else "" for index, target in columns.items()}
    answers = {}
    for target, text in cells.items():
        question = qset.question(target)
        if question is not None and text.strip():
            try:
                answers[target] = cell_answer(question.kind, text)
            except PostmortemError as err:
                raise PostmortemError(f"answers.{target}: {err.detail}") from None
    data: dict[str, Any] = {"answers": answers}
    if session.anonymous:  # no name or role is kept, and the token is random: one made from the row's
        # cells could be found again from a colleague's name, e-mail and the hour they answered
        name, role = response_mod.new_token(), ""
    else:
        name, role = cells.get(NAME, "").strip(), cells.get(ROLE, "").strip()
        if not name:
            raise PostmortemError(f"the name column {by_question[NAME]!r} is empty")
    response = respond.from_answers(data, qset, str(path), name, role)
    if not session.anonymous:
        response_mod.find_response(session.folder, response.name, qset)  # another person's file under that name: an error
    return response


def write(session: Session, imported: Imported) -> list[Path]:
    """Write every imported response (each atomically, as `start --answers` does)."""
    return [response_mod.save_response(session.folder, response) for response in imported.responses]
