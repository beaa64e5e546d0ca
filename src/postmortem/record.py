"""record.toml: the merged record, written by merge, edited by the facilitator, read by render.

Its whole shape is checked when it is read (`problems`): every key, every type, dates that are
dates, action ids unique and text, counts and distributions whole numbers from 0 to MAX_COUNT, so
that no command meets a value it cannot use. `load_record` raises the first problem; `check` lists
them all.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from itertools import chain
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from postmortem import store
from postmortem.answers import OUTCOMES
from postmortem.errors import Key, PostmortemError, dotted, kept
from postmortem.questionsets import ITEM_FIELDS, KINDS

SECTION_LISTS = {  # each kind of section: the key of its list of entries
    "items": "items", "people": "people", "choice": "choices", "scores": "teams", "text": "answers", "events": "events",
}
STATUSES = ("open", "in progress", "done", "dropped")
AGREEMENT_STATUSES = ("in force", "lapsed", "retired")  # of an agreement (agreements.py); lapsed and retired ones are not asked about
OPEN = STATUSES[:2]  # an action still to be done
MAX_BYTES = store.MAX_RECORD_BYTES  # the largest record read, and so the largest written
MAX_COUNT = 10**9  # counts, votes, ids and distributions: far above any team, far below a memory bomb
MAX_POINTS = 10  # a scale has 2 to 10 points (questionsets)

_TOP = {
    "schema_version", "project", "format", "title", "date", "anonymous", "participant_count", "next_action_id",
    "summary", "notes", "incident", "carried_over", "agreements_in_force", "not_heard_from", "participants", "sections",
    "responses",
}
_SECTION = {
    "id", "kind", "heading", "prompt", "actions", "agreements", "labels", "dimensions", "count", "mean", "distribution", "ledger",
}
_ITEM_TEXT = ("text", "owner", "notes", "instead", "type", "link")
_GIVEN = tuple(f"{field}_given" for field in ITEM_FIELDS)  # every value given, when the entries differ
_ITEM = {*_ITEM_TEXT, *_GIVEN, "id", "status", "due", "count", "raised_by", "wordings", "votes", "former_ids"}
_CARRIED = {"project", "date", "id", "text", "owner", "due", "status", "source"}
_AGREED = {"project", "date", "text", "source", "status", "notes", "held", "lapsed", "answers"}


class _Shape:
    """The problems found in one record, each with its key path."""

    def __init__(self) -> None:
        self.found: list[PostmortemError] = []

    def bad(self, key: Key, message: str) -> None:
        self.found.append(PostmortemError(f"{dotted(key)} {message}", key=key))

    def table(self, value: Any, key: Key, allowed: set[str]) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.bad(key, f"must be a table, not {_kind(value)}")
            return None
        for name in value:
            if name not in allowed:
                self.bad((*key, name), f"is not a key of the record here (known: {', '.join(sorted(allowed))})")
        return value

    def tables(self, value: Any, key: Key) -> list[Any]:
        if not isinstance(value, list):
            self.bad(key, f"must be a list of tables, not {_kind(value)}")
            return []
        return value

    def text(self, data: dict[str, Any], name: str, key: Key, *, required: bool = False) -> None:
        if name not in data:
            if required:
                self.bad((*key, name), "is missing")
            return
        value = data[name]
        if not isinstance(value, str):
            self.bad((*key, name), f"must be text, not {_kind(value)}")
        elif required and not value.strip():
            self.bad((*key, name), "must be a non-empty string")

    def texts(self, data: dict[str, Any], name: str, key: Key) -> None:
        value = data.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.bad((*key, name), f"must be a list of texts, not {_kind(value)}")

    def number(self, data: dict[str, Any], name: str, key: Key, low: int = 0, high: int = MAX_COUNT, *, whole: bool = True) -> None:
        if name in data:
            self.bounded(data[name], (*key, name), low, high, whole=whole)

    def bounded(self, value: Any, key: Key, low: int = 0, high: int = MAX_COUNT, *, whole: bool = True) -> None:
        kinds = (int,) if whole else (int, float)
        if isinstance(value, bool) or not isinstance(value, kinds) or not low <= value <= high:
            what = "a whole number" if whole else "a number"
            self.bad(key, f"must be {what} from {low} to {high}, not {_shown(value)}")

    def date(self, data: dict[str, Any], name: str, key: Key, *, required: bool = False, text: bool = False) -> None:
        """data[name] a date (not a date-time); text: or a date written as text ("2026-11-20")."""
        if name not in data:
            if required:
                self.bad((*key, name), "is missing: a date such as 2026-11-20")
            return
        value = data[name]
        if text and isinstance(value, str) and _iso_date(value):
            return
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            self.bad((*key, name), f"must be a date such as 2026-11-20, not {_shown(value)}")

    def flag(self, data: dict[str, Any], name: str, key: Key) -> None:
        if name in data and not isinstance(data[name], bool):
            self.bad((*key, name), f"must be true or false, not {_shown(data[name])}")


def _iso_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text.strip())
        return True
    except ValueError:
        return False


def _kind(value: Any) -> str:
    names = {str: "text", bool: "true/false", int: "a number", float: "a number", list: "a list", dict: "a table"}
    if isinstance(value, dt.datetime):
        return "a date-time"
    if isinstance(value, dt.date):
        return "a date"
    return names.get(type(value), type(value).__name__)


def _shown(value: Any) -> str:
    text = repr(value) if isinstance(value, (str, int, float, dt.date)) and not isinstance(value, bool) else _kind(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _summary(shape: _Shape, data: dict[str, Any], key: Key, points: int) -> None:
    """count, mean and distribution of a rating (or of one dimension of a team's scores)."""
    shape.number(data, "count", key)
    shape.number(data, "mean", key, 0, points, whole=False)
    distribution = data.get("distribution", [])
    if not isinstance(distribution, list) or len(distribution) > points:
        shape.bad((*key, "distribution"), f"must be a list of at most {points} counts, one for each point of the scale")
        return
    for index, value in enumerate(distribution):
        shape.bounded(value, (*key, "distribution", index))


def _labels(shape: _Shape, section: dict[str, Any], key: Key) -> int:
    """How many points the section's scale has (its labels), checked."""
    labels = section.get("labels", [])
    if not isinstance(labels, list) or not all(isinstance(v, str) for v in labels) or len(labels) > MAX_POINTS:
        shape.bad((*key, "labels"), f"must be a list of at most {MAX_POINTS} texts")
        return MAX_POINTS
    return len(labels) or 5


def _raised(shape: _Shape, entry: dict[str, Any], key: Key) -> None:
    shape.number(entry, "count", key)
    shape.texts(entry, "raised_by", key)


def _given(shape: _Shape, entry: dict[str, Any], names: tuple[str, ...], key: Key) -> None:
    """Each of names in entry, when there: a list of the values given, each with who gave it."""
    for name in names:
        for index, one in enumerate(shape.tables(entry.get(name, []), (*key, name))):
            at = (*key, name, index)
            one = shape.table(one, at, {"value", "raised_by", "count"})
            if one is None:
                continue
            if not isinstance(one.get("value"), (str, dt.date)) or isinstance(one.get("value"), dt.datetime):
                shape.bad((*at, "value"), f"must be text or a date, not {_kind(one.get('value'))}")
            _raised(shape, one, at)


# Each kind of entry: the type merge writes each key as, and the keys that must be non-empty text.
# A section whose entries all have only these, well formed, passes in a few passes over each key
# (a record has thousands of entries); otherwise each entry gets the checks that say what is wrong.
GIVEN = "given"  # a list of the values given (`_given`): entries of the kind GIVEN
_ENTRY_TYPES: dict[str, tuple[dict[str, type | tuple[type, ...] | str], tuple[str, ...]]] = {
    "items": ({
        **dict.fromkeys(_ITEM_TEXT, str), "id": str, "status": str, "due": dt.date, "count": int, "votes": int,
        "raised_by": list, "wordings": list, "former_ids": list, **dict.fromkeys(_GIVEN, GIVEN),
    }, ("text",)),
    "people": ({
        "name": str, "roles": list, "interests": list, "raised_by": list, "count": int, "role_given": GIVEN, "interest_given": GIVEN,
    }, ("name",)),
    "choice": ({"choice": str, "count": int, "raised_by": list}, ("choice",)),
    "text": ({"name": str, "text": str}, ("text",)),
    "events": ({"time": str, "at": dt.datetime, "what": str, "count": int, "raised_by": list}, ("time", "what")),
    GIVEN: ({"value": (str, dt.date), "raised_by": list, "count": int}, ()),  # and every one has a value
}


def _well_formed(kind: str, entries: list[Any], statuses: tuple[str, ...] = STATUSES) -> bool:
    types, required = _ENTRY_TYPES[kind]
    if set(map(type, entries)) - {dict}:
        return False
    present = set().union(*entries)
    if present - types.keys() or (kind == GIVEN and not all("value" in entry for entry in entries)):
        return False
    for name in present:
        wanted = types[name]
        values = [entry[name] for entry in entries if name in entry]
        if wanted == GIVEN:
            if set(map(type, values)) - {list} or not _well_formed(GIVEN, list(chain.from_iterable(values))):
                return False
            continue
        allowed = set(wanted) if isinstance(wanted, tuple) else {wanted}
        if set(map(type, values)) - allowed or (wanted is list and set(map(type, chain.from_iterable(values))) - {str}):
            return False
        if wanted is int and values and not 0 <= min(values) <= max(values) <= MAX_COUNT:
            return False
    texts = [entry.get(name, "") for entry in entries for name in required] + [e["id"] for e in entries if "id" in e]
    return all(map(str.strip, texts)) and {entry.get("status", statuses[0]) for entry in entries} <= set(statuses)


def _status(shape: _Shape, data: dict[str, Any], key: Key, allowed: tuple[str, ...], name: str = "status", *, required: bool = False) -> None:
    if name in data and data[name] not in allowed:
        shape.bad((*key, name), f"must be one of {', '.join(allowed)}, not {_shown(data[name])}")
    elif required and name not in data:
        shape.bad((*key, name), f"is missing: one of {', '.join(allowed)}")


def _item(shape: _Shape, item: Any, key: Key, ids: dict[str, Key], statuses: tuple[str, ...] = STATUSES) -> None:
    item = shape.table(item, key, _ITEM)
    if item is None:
        return
    shape.text(item, "text", key, required=True)
    for name in _ITEM_TEXT[1:]:
        shape.text(item, name, key)
    _raised(shape, item, key)
    shape.texts(item, "wordings", key)
    shape.texts(item, "former_ids", key)
    shape.number(item, "votes", key)
    shape.date(item, "due", key, text=True)  # typed by hand, often quoted
    _given(shape, item, _GIVEN, key)
    _status(shape, item, key, statuses)
    if "id" in item and (not isinstance(item["id"], str) or not item["id"].strip()):
        shape.bad((*key, "id"), f"must be text such as 'A3', not {_shown(item['id'])}")
    else:
        _unique(shape, item, key, ids)


def _unique(shape: _Shape, item: dict[str, Any], key: Key, ids: dict[str, Key]) -> None:
    """The item's id (text), used by no earlier item."""
    if "id" in item:
        action_id = item["id"]
        if action_id.casefold() in ids:
            shape.bad((*key, "id"), f"{action_id!r} is used twice (first at {dotted(ids[action_id.casefold()])})")
        else:
            ids[action_id.casefold()] = (*key, "id")


def _entry(shape: _Shape, kind: str, entry: Any, key: Key, points: int) -> None:
    if kind == "people":
        entry = shape.table(entry, key, {"name", "roles", "interests", "raised_by", "count", "role_given", "interest_given"})
        if entry is not None:
            shape.text(entry, "name", key, required=True)
            shape.texts(entry, "roles", key)
            shape.texts(entry, "interests", key)
            _raised(shape, entry, key)
            _given(shape, entry, ("role_given", "interest_given"), key)
    elif kind == "choice":
        entry = shape.table(entry, key, {"choice", "count", "raised_by"})
        if entry is not None:
            shape.text(entry, "choice", key, required=True)
            _raised(shape, entry, key)
    elif kind == "text":
        entry = shape.table(entry, key, {"name", "text"})
        if entry is not None:
            shape.text(entry, "name", key)
            shape.text(entry, "text", key, required=True)
    elif kind == "events":
        entry = shape.table(entry, key, {"time", "at", "what", "count", "raised_by"})
        if entry is not None:
            shape.text(entry, "time", key, required=True)
            shape.text(entry, "what", key, required=True)
            if "at" in entry and not isinstance(entry["at"], dt.datetime):
                shape.bad((*key, "at"), f"must be a date-time such as 2026-11-18T14:02:00, not {_shown(entry['at'])}")
            _raised(shape, entry, key)
    elif kind == "scores":
        entry = shape.table(entry, key, {"name", "raised_by", "scores", "count"})
        if entry is not None:
            shape.text(entry, "name", key, required=True)
            _raised(shape, entry, key)
            scores = entry.get("scores", {})
            if not isinstance(scores, dict):
                shape.bad((*key, "scores"), f"must be a table, not {_kind(scores)}")
                return
            for dimension, summary in scores.items():
                summary = shape.table(summary, (*key, "scores", dimension), {"count", "mean", "distribution"})
                if summary is not None:
                    _summary(shape, summary, (*key, "scores", dimension), points)


def _section(shape: _Shape, section: Any, key: Key, ids: dict[str, Key]) -> None:
    given = section.get("kind") if isinstance(section, dict) else None
    kind = given if isinstance(given, str) else None  # a list or table is no kind (and cannot be looked up)
    lists = {SECTION_LISTS[kind]} if kind in SECTION_LISTS else set() if kind in KINDS else set(SECTION_LISTS.values())
    section = shape.table(section, key, _SECTION | lists)
    if section is None:
        return
    shape.text(section, "id", key, required=True)
    if kind not in KINDS:
        shape.bad((*key, "kind"), f"must be one of {', '.join(KINDS)}, not {_shown(given)}")
        return
    shape.text(section, "heading", key)
    shape.text(section, "prompt", key)
    shape.flag(section, "actions", key)
    shape.flag(section, "agreements", key)
    points = _labels(shape, section, key)
    shape.texts(section, "dimensions", key)
    if kind == "rating":
        _summary(shape, section, key, points)
    ledger = section.get("ledger", {})
    if not isinstance(ledger, dict) or not all(isinstance(w, list) and all(isinstance(t, str) for t in w) for w in ledger.values()):
        shape.bad((*key, "ledger"), "must be a table of action ids and the lists of wordings they stood for")
    entries_key = SECTION_LISTS.get(kind)
    if entries_key is None or entries_key not in section:
        return
    entries = shape.tables(section[entries_key], (*key, entries_key))
    statuses = AGREEMENT_STATUSES if section.get("agreements") is True else STATUSES
    if kind in _ENTRY_TYPES and _well_formed(kind, entries, statuses):
        for index, entry in enumerate(entries):
            if "id" in entry:
                _unique(shape, entry, (*key, entries_key, index), ids)
        return
    for index, entry in enumerate(entries):
        if kind == "items":
            _item(shape, entry, (*key, entries_key, index), ids, statuses)
        else:
            _entry(shape, kind, entry, (*key, entries_key, index), points)


def _response(shape: _Shape, response: Any, key: Key) -> None:
    response = shape.table(response, key, {"name", "role", "answers"})
    if response is None:
        return
    shape.text(response, "name", key, required=True)
    shape.text(response, "role", key)
    answers = response.get("answers", {})
    if not isinstance(answers, dict):
        shape.bad((*key, "answers"), f"must be a table, not {_kind(answers)}")
        return
    for question, answer in answers.items():
        values = answer if isinstance(answer, list) else [answer]
        kinds = set(map(type, values))
        if kinds <= {str} or (kinds <= {int} and 0 <= min(values) <= max(values) <= MAX_COUNT):  # most answers
            continue
        for value in values:
            fine = (
                (isinstance(value, (str, int, dt.date)) and not isinstance(value, bool))
                or (isinstance(value, dict) and all(isinstance(v, (str, int, dt.date)) for v in value.values()))
            )
            if not fine or (isinstance(value, int) and not 0 <= value <= MAX_COUNT):
                shape.bad((*key, "answers", question), "must be text, a number, or a list of texts and tables of them")
                break


def problems(record: dict[str, Any]) -> list[PostmortemError]:
    """Every problem in the record's shape, each with its key path."""
    shape = _Shape()
    kept(shape.found, store.check_schema_version, record)
    shape.table(record, (), _TOP)
    shape.text(record, "project", (), required=True)
    for name in ("format", "title", "summary", "notes"):
        shape.text(record, name, ())
    shape.date(record, "date", (), required=True)
    shape.flag(record, "anonymous", ())
    shape.number(record, "participant_count", ())
    shape.number(record, "next_action_id", (), 1)
    incident = record.get("incident", {})
    if not isinstance(incident, dict) or not all(
        isinstance(v, str) or (isinstance(v, list) and all(isinstance(t, str) for t in v)) for v in incident.values()
    ):
        shape.bad(("incident",), "must be a table of texts and lists of texts")
    for index, carried in enumerate(shape.tables(record.get("carried_over", []), ("carried_over",))):
        key = ("carried_over", index)
        carried = shape.table(carried, key, _CARRIED)
        if carried is not None:
            for name in ("project", "id", "text"):
                shape.text(carried, name, key, required=True)
            for name in ("owner", "status", "source"):
                shape.text(carried, name, key)
            shape.date(carried, "date", key)
            shape.date(carried, "due", key, text=True)
    shape.texts(record, "not_heard_from", ())
    for index, agreed in enumerate(shape.tables(record.get("agreements_in_force", []), ("agreements_in_force",))):
        key = ("agreements_in_force", index)
        agreed = shape.table(agreed, key, _AGREED)
        if agreed is not None:
            shape.text(agreed, "text", key, required=True)
            for name in ("project", "source", "notes"):
                shape.text(agreed, name, key)
            shape.date(agreed, "date", key)
            _status(shape, agreed, key, AGREEMENT_STATUSES)
            for name in OUTCOMES:
                shape.number(agreed, name, key)
            for number, said in enumerate(shape.tables(agreed.get("answers", []), (*key, "answers"))):
                said = shape.table(said, (*key, "answers", number), {"name", "outcome", "note"})
                if said is not None:
                    shape.text(said, "name", (*key, "answers", number))
                    shape.text(said, "note", (*key, "answers", number))
                    _status(shape, said, (*key, "answers", number), OUTCOMES, "outcome", required=True)
    for index, person in enumerate(shape.tables(record.get("participants", []), ("participants",))):
        person = shape.table(person, ("participants", index), {"name", "role"})
        if person is not None:
            shape.text(person, "name", ("participants", index), required=True)
            shape.text(person, "role", ("participants", index))
    if "sections" not in record:
        shape.bad(("sections",), "is missing: a record has a list of [[sections]]")
    ids: dict[str, Key] = {}
    for index, section in enumerate(shape.tables(record.get("sections", []), ("sections",))):
        _section(shape, section, ("sections", index), ids)
    for index, response in enumerate(shape.tables(record.get("responses", []), ("responses",))):
        _response(shape, response, ("responses", index))
    return shape.found


def action_order(action_id: str) -> tuple[int, str]:
    """Sorts action ids by their number: A2 before A10."""
    number = re.search(r"(\d+)$", action_id)
    return (int(number.group(1)) if number else 0, action_id)


def actions(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The record's action items (items with an id), in the record's order."""
    return [
        item
        for section in record.get("sections", [])
        if isinstance(section, dict) and section.get("kind") == "items"
        for item in section.get("items", [])
        if isinstance(item, dict) and item.get("id")
    ]


def status(item: dict[str, Any]) -> str:
    """An action's status: open unless the record says otherwise."""
    return str(item.get("status") or "open")


def read(path: Path, *, low_memory: bool = False) -> tuple[dict[str, Any], list[PostmortemError]]:
    """The record at path as read, and every problem in it (each naming path and key)."""
    record = store.read_toml(path, max_bytes=MAX_BYTES, low_memory=low_memory)
    return record, [PostmortemError(err.detail, path=path, key=err.key) for err in problems(record)]


def load_record(path: Path, *, low_memory: bool = False) -> dict[str, Any]:
    """The record at path; its first problem, if any, is raised (with its line)."""
    record, found = read(path, low_memory=low_memory)
    if found:
        raise found[0]
    return record


def save_record(path: Path, record: dict[str, Any]) -> None:
    """Write the record, refusing (before anything is written) one larger than any command reads."""
    store.write_toml(path, record, fast=True, max_bytes=MAX_BYTES)


LOCK_TIMEOUT = 60.0


@contextmanager
def locked(path: Path, timeout: float | None = None) -> Iterator[None]:
    """Hold the record's lock (.<name>.lock beside it): merges and edits of one record run one at a time."""
    from filelock import FileLock, Timeout

    timeout = LOCK_TIMEOUT if timeout is None else timeout
    if not path.parent.is_dir():  # the lock would create the folder
        raise PostmortemError("no such folder", path=path.parent)
    lock = FileLock(str(path.with_name(f".{path.name}.lock")))
    try:
        lock.acquire(timeout=timeout)
    except Timeout:
        raise PostmortemError(f"still locked after {timeout:g} s by another merge or edit", path=path) from None
    except OSError as err:  # a read-only folder: the lock file cannot be made
        raise PostmortemError(f"cannot create the lock file: {err.strerror or err}", path=lock.lock_file) from None
    try:
        yield
    finally:
        lock.release()


def without_names(value: Any) -> Any:
    """value with every `raised_by` list left out, however deep: what an anonymous record may show."""
    if isinstance(value, dict):
        return {k: without_names(v) for k, v in value.items() if k != "raised_by"}
    if isinstance(value, list):
        return [without_names(v) for v in value]
    return value
