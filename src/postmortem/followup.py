"""Follow-up across post-mortems: find every record under some folders, list their action items,
close or reopen one in its own record, and carry still-open actions into the next post-mortem of
the same project.

Records are found by name: `record.toml` (a post-mortem folder) or `<page>.record.toml` (published
beside a wiki page). Only record files are read: no templates, no prompts.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from postmortem import store
from postmortem.record import OPEN, actions as record_actions, status as action_status
from postmortem.errors import PostmortemError
from postmortem.session import RECORD_FILE, RECORD_SUFFIX, RESPONSES_DIR, SESSION_FILE, load_session, slugify

ACTION_COLUMNS = ("project", "date", "id", "action", "owner", "due", "status", "overdue", "age", "record", "link")

_ACTION_NUMBER = re.compile(r"(\d+)$")


@dataclass
class Found:
    """One record found on disk (only the parts follow-up reads)."""

    path: Path
    record: dict[str, Any]

    @property
    def project(self) -> str:
        return self.record["project"]

    @property
    def date(self) -> dt.date:
        return self.record["date"]

    @property
    def name(self) -> str:
        """The post-mortem folder's name, or the wiki page's name."""
        if self.path.name == RECORD_FILE:
            return self.path.resolve().parent.name
        return self.path.name[: -len(RECORD_SUFFIX)] if self.path.name.endswith(RECORD_SUFFIX) else self.path.stem

    def matches(self, qualifier: str) -> bool:
        """qualifier names this post-mortem: its project or folder/page name (as slugs, or the
        start of the project's), or its date."""
        wanted = slugify(qualifier)
        project = slugify(self.project)
        return (
            wanted in (project, slugify(self.name))
            or project.startswith(wanted + "-")
            or qualifier.strip() == self.date.isoformat()
        )


# -- finding and reading records ---------------------------------------------------------------


def is_record_name(name: str) -> bool:
    return name == RECORD_FILE or (name.endswith(RECORD_SUFFIX) and not name.startswith("."))


def record_files(paths: Iterable[Path]) -> list[Path]:
    """Every record file under paths (a file given by name is taken as it is); hidden folders and
    a post-mortem's responses/ folder are skipped."""
    found: list[Path] = []
    for path in paths:
        if path.is_file():
            found.append(path)
            continue
        if not path.is_dir():
            raise PostmortemError("no such file or folder", path=path)
        for top, dirs, files in os.walk(path):
            if SESSION_FILE in files and RESPONSES_DIR in dirs:
                dirs.remove(RESPONSES_DIR)
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            found.extend(Path(top, f) for f in sorted(files) if is_record_name(f))
    return list(dict.fromkeys(found))


def load_sessions(paths: Iterable[Path]) -> tuple[list[Any], list[PostmortemError]]:
    """The session of every post-mortem folder under paths (a postmortem.toml given by name too),
    and an error for each one that does not read."""
    folders: list[Path] = []
    for path in paths:
        if path.is_file():
            folders += [path.parent] if path.name == SESSION_FILE else []
            continue
        if not path.is_dir():
            raise PostmortemError("no such file or folder", path=path)
        for top, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != RESPONSES_DIR)
            if SESSION_FILE in files:
                folders.append(Path(top))
    sessions, errors = [], []
    for folder in dict.fromkeys(folders):
        try:
            sessions.append(load_session(folder))
        except PostmortemError as err:
            errors.append(err)
    return sessions, errors


def read_record(path: Path) -> dict[str, Any]:
    """The record at path, checked; a symlink or a bad file is a PostmortemError naming it."""
    from postmortem import record as record_mod

    return record_mod.load_record(path)


def _preference(path: Path) -> int:
    """A post-mortem's own record before a copy published to a wiki."""
    return 0 if path.name == RECORD_FILE and (path.parent / SESSION_FILE).is_file() else 1


def load_records(paths: Iterable[Path]) -> tuple[list[Found], list[PostmortemError]]:
    """Every readable record under paths, and an error for each one that is not. A post-mortem
    found twice (its folder and its wiki copy) is kept once, from its own folder when there."""
    found: dict[tuple[Any, ...], Found] = {}
    errors: list[PostmortemError] = []
    from postmortem.progress import track

    files = record_files(paths)
    for path in track(sorted(files, key=_preference), len(files), "Reading records"):
        try:
            data = read_record(path)
        except PostmortemError as err:
            errors.append(err)
            continue
        key = (slugify(data["project"]), data["date"], data.get("format"), data.get("participant_count"))
        found.setdefault(key, Found(path, data))
    order = {path: index for index, path in enumerate(files)}
    return sorted(found.values(), key=lambda f: order[f.path]), errors


# -- action items ------------------------------------------------------------------------------


def due_date(value: Any) -> dt.date | None:
    """A due date as the record holds it (a date, or a date typed by hand as text), or None."""
    from postmortem.answers import parse_date

    try:
        return parse_date(value, "date")
    except PostmortemError:
        return None


def _id_key(action_id: str) -> tuple[int, str]:
    match = _ACTION_NUMBER.search(action_id)
    return (int(match.group(1)) if match else 0, action_id)


def action_rows(found: list[Found], today: dt.date) -> list[dict[str, Any]]:
    """One row per action item: project, date, id, action, owner, due, status, overdue, age (days
    since the post-mortem), record (its file), link (its issue's URL); oldest post-mortem first."""
    rows = []
    for entry in found:
        for item in record_actions(entry.record):
            status = action_status(item)
            due = item.get("due")
            day = due_date(due)
            rows.append(
                {
                    "project": entry.project,
                    "date": entry.date,
                    "id": str(item["id"]),
                    "action": str(item.get("text", "")),
                    "owner": str(item.get("owner") or ""),
                    "due": day if day else str(due or ""),
                    "status": status,
                    "overdue": bool(day and day < today and status in OPEN),
                    "age": (today - entry.date).days,
                    "record": str(entry.path),
                    "link": str(item.get("link") or ""),
                }
            )
    rows.sort(key=lambda r: (r["date"], r["project"].casefold(), _id_key(r["id"])))
    return rows


def items_of(found: list[Found], rows: list[dict[str, Any]]) -> list[tuple[Found, dict[str, Any]]]:
    """The record and the item behind each row of action_rows."""
    items = {(str(f.path), str(i["id"])): (f, i) for f in found for i in record_actions(f.record)}
    return [items[(r["record"], r["id"])] for r in rows]


def select(rows: list[dict[str, Any]], *, everything: bool = False, owner: str | None = None, overdue: bool = False) -> list[dict[str, Any]]:
    """rows still open (or all), of owner (any case, whole words of the name: "dave" finds "Dave Kowalski",
    "ann" does not find "Joanne"), overdue."""
    wanted = None if owner is None else _name_words(owner)
    return [
        r
        for r in rows
        if (everything or r["status"] in OPEN)
        and (wanted is None or _has_words(_name_words(r["owner"]), wanted))
        and (not overdue or r["overdue"])
    ]


def _name_words(name: str) -> list[str]:
    import unicodedata

    return re.findall(r"\w+", unicodedata.normalize("NFKC", name).casefold())


def _has_words(words: list[str], wanted: list[str]) -> bool:
    """wanted occurs in words, word for word and in order."""
    return any(words[at : at + len(wanted)] == wanted for at in range(len(words) - len(wanted) + 1))


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else ""
    return "" if value is None else str(value)


def _csv_cell(value: Any) -> str:
    """Text from a record is never a formula (escape.spreadsheet); our own dates, numbers and flags stay as they are."""
    from postmortem.escape import spreadsheet

    if isinstance(value, str):
        return spreadsheet(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return _cell(value)


def to_csv(rows: list[dict[str, Any]], columns: tuple[str, ...] = ACTION_COLUMNS) -> str:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_cell(row[c]) for c in columns])
    return out.getvalue()


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def table(rows: list[dict[str, Any]], columns: list[tuple[str, str, int]]) -> str:
    """An aligned plain-text table: columns are (key, heading, widest); participants' text is made
    plain (no escape sequences, one line) and long cells are clipped."""
    from postmortem.escape import align, plain

    cells = [[_clip(plain(_cell(row[key])), widest) for key, _, widest in columns] for row in rows]
    return "".join(line + "\n" for line in align([[heading for _, heading, _ in columns], *cells]))


def actions_table(rows: list[dict[str, Any]]) -> str:
    rows = [{**r, "age": f"{r['age']}d"} for r in rows]
    columns = [
        ("project", "PROJECT", 32),
        ("date", "DATE", 10),
        ("id", "ID", 8),
        ("action", "ACTION", 60),
        ("owner", "OWNER", 20),
        ("due", "DUE", 10),
        ("status", "STATUS", 11),
        ("overdue", "OVERDUE", 7),
        ("age", "AGE", 6),
    ]
    return table(rows, columns)


# -- closing and reopening ---------------------------------------------------------------------


def _label(entry: Found, others: list[Found]) -> str:
    """The shortest qualifier that names entry among others."""
    for qualifier in (*sorted((slugify(entry.name), slugify(entry.project)), key=len), entry.date.isoformat()):
        if sum(o.matches(qualifier) for o in others) == 1:
            return qualifier
    return slugify(entry.name)


def resolve(found: list[Found], reference: str) -> tuple[Found, str]:
    """The one record holding the action `reference` (`A2`, or `project:A2`); otherwise an error
    listing the candidates."""
    qualifier, _, action_id = reference.strip().rpartition(":")
    action_id = action_id.strip()
    if not action_id:
        raise PostmortemError(f"no action id in {reference!r}; give one such as A2 or colorado-office:A2")
    scope = [f for f in found if f.matches(qualifier)] if qualifier else found
    if qualifier and not scope:
        names = ", ".join(sorted({slugify(f.project) for f in found})) or "none found"
        raise PostmortemError(f"no post-mortem matches {qualifier!r} (projects: {names})")
    hits = [f for f in scope if any(str(i["id"]).casefold() == action_id.casefold() for i in record_actions(f.record))]
    if len(hits) == 1:
        return hits[0], action_id
    if not hits:
        known = [f"{_label(f, found)}:{i['id']}" for f in scope for i in record_actions(f.record)]
        listed = ", ".join(known[:20]) + (f" and {len(known) - 20} more" if len(known) > 20 else "")
        raise PostmortemError(f"no action {action_id!r} found (actions: {listed or 'none'})")
    listed = "; ".join(f"{_label(f, hits)}:{action_id} ({f.project}, {f.date}, {f.path})" for f in hits)
    raise PostmortemError(f"action {action_id!r} is in {len(hits)} post-mortems; qualify it: {listed}")


def set_status(found: list[Found], reference: str, status: str) -> str:
    """Set the action's status in its own record, atomically and under the record's lock."""
    from postmortem import facilitate

    entry, action_id = resolve(found, reference)

    def edit(record: dict[str, Any]) -> str:
        item = facilitate.find_action(record, action_id)
        before = action_status(item)
        item["status"] = status
        what = "already " + status if before == status else f"{before} -> {status}"
        from postmortem.escape import plain

        return f"{plain(str(item['id']))} of {plain(record['project'])} ({record['date']}): {what} in {entry.path}."

    return facilitate.change(entry.path, edit)


# -- carried over ------------------------------------------------------------------------------


def _session_says_other(folder: Path, project_slug: str, before: dt.date) -> bool:
    """A sibling's postmortem.toml shows, without reading its record, that it is another project
    or not earlier (a session that does not read is no proof: its record is read)."""
    try:
        data = store.read_toml(folder / SESSION_FILE)
        project, date = data["project"], data["date"]
        return slugify(project) != project_slug or not (isinstance(date, dt.date) and date < before)
    except (PostmortemError, OSError, ValueError, KeyError, TypeError, AttributeError):
        return False


def earlier_records(folder: Path, project: str, date: dt.date, history: Iterable[Path] = ()) -> tuple[list[Found], list[PostmortemError]]:
    """The records of earlier post-mortems of this project: in the folders beside this one, and
    under the history paths."""
    here = folder.resolve()
    project_slug = slugify(project)
    candidates: list[Path] = []
    try:
        siblings = sorted(d for d in here.parent.iterdir() if not d.name.startswith(".") and d != here)
    except OSError:
        siblings = []
    for sibling in siblings:
        record = sibling / RECORD_FILE
        if record.is_file() and not _session_says_other(sibling, project_slug, date):
            candidates.append(record)
    candidates += [p for p in record_files(history) if p.resolve().parent != here or p.name != RECORD_FILE]
    found, errors = load_records(candidates)
    return [f for f in found if slugify(f.project) == project_slug and f.date < date], errors


def source(path: Path, folder: Path) -> str:
    """path as the record in folder names it (its `source`): relative to folder, with / between names."""
    return Path(os.path.relpath(path.resolve(), folder.resolve())).as_posix()


def carried_over(found: list[Found], folder: Path) -> list[dict[str, Any]]:
    """The still-open actions of the earlier records found (earlier_records), for the [[carried_over]]
    list of the record in folder, oldest first."""
    carried = []
    for entry in sorted(found, key=lambda f: f.date):
        for item in sorted(record_actions(entry.record), key=lambda i: _id_key(str(i["id"]))):
            status = action_status(item)
            if status not in OPEN:
                continue
            row: dict[str, Any] = {"project": entry.project, "date": entry.date, "id": str(item["id"]), "text": str(item.get("text", ""))}
            for key in ("owner", "due"):
                if item.get(key):
                    row[key] = item[key]
            row["status"] = status
            row["source"] = source(entry.path, folder)
            carried.append(row)
    return carried
