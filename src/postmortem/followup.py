"""Past post-mortems: find every record under some folders (and the post-mortem folders), and
carry still-open actions into the next post-mortem of the same project. What is done with the
action items found is actions.py's.

Records are found by name: `record.toml` (a post-mortem folder) or `<page>.record.toml` (published
beside a wiki page). Only record files are read: no templates, no prompts.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from postmortem import store
from postmortem.record import OPEN, action_order, actions as record_actions, status as action_status
from postmortem.errors import PostmortemError
from postmortem.session import RECORD_FILE, RECORD_SUFFIX, RESPONSES_DIR, SESSION_FILE, load_session, slugify

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


MANY = 100  # records from which two processes read them (with keep): fewer take less time than forking


def _read_each(paths: Iterable[Path], keep: Callable[[dict[str, Any]], dict[str, Any]] | None) -> list[dict[str, Any] | PostmortemError]:
    """Each record read (and cut down to what keep returns), or the error that stops it."""
    read: list[dict[str, Any] | PostmortemError] = []
    for path in paths:
        try:
            data = read_record(path)
        except PostmortemError as err:
            read.append(err)
            continue
        read.append(keep(data) if keep else data)
    return read


def load_records(
    paths: Iterable[Path],
    keep: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    meanwhile: Callable[[dict[str, Any]], object] | None = None,
) -> tuple[list[Found], list[PostmortemError]]:
    """Every readable record under paths, and an error for each one that is not. A post-mortem
    found twice (its folder and its wiki copy) is kept once, from its own folder when there.

    keep: what of a record the caller reads (e.g. history.essentials); each record is cut down to
    it as soon as it is read, so a great many are held in little memory, and MANY or more are read
    by two processes at once (parallel.py). meanwhile: run on each record this process kept while
    the other process still reads (history reads the wordings then)."""
    from postmortem import parallel
    from postmortem.progress import track

    files = record_files(paths)
    ordered = sorted(files, key=_preference)
    read = partial(_read_each, keep=keep)
    if keep is None or len(ordered) < MANY:  # whole records cost as much to send back from another process as to read
        results = read(track(ordered, len(ordered), "Reading records"))
    else:
        middle = (len(ordered) + 1) // 2

        def read_here() -> list[dict[str, Any] | PostmortemError]:
            kept = read(track(ordered[:middle], middle, "Reading records", whole=len(ordered)))
            for data in kept if meanwhile else ():
                if not isinstance(data, PostmortemError):
                    meanwhile(data)
            return kept

        here, there = parallel.both(read_here, lambda: read(ordered[middle:]))
        results = here + there
    found: dict[tuple[Any, ...], Found] = {}
    errors: list[PostmortemError] = []
    for path, data in zip(ordered, results, strict=True):
        if isinstance(data, PostmortemError):
            errors.append(data)
            continue
        key = (slugify(data["project"]), data["date"], data.get("format"), data.get("participant_count"))
        found.setdefault(key, Found(path, data))
    order = {path: index for index, path in enumerate(files)}
    return sorted(found.values(), key=lambda f: order[f.path]), errors


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
        for item in sorted(record_actions(entry.record), key=lambda i: action_order(str(i["id"]))):
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
