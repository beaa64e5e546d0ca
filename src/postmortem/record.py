"""record.toml: the merged record, written by merge, edited by the facilitator, read by render."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from collections import Counter
from pathlib import Path
from typing import Any

from postmortem import store
from postmortem.errors import PostmortemError, about
from postmortem.questionsets import KINDS

SECTION_LISTS = {  # each kind of section: the key of its list of entries
    "items": "items", "people": "people", "choice": "choices", "scores": "teams", "text": "answers", "events": "events",
}


class DuplicateId(PostmortemError):
    def __init__(self, action_id: str) -> None:
        self.action_id = action_id
        super().__init__(f"action id {action_id!r} is used twice")


def _check(record: dict[str, Any]) -> None:
    store.check_schema_version(record, "")
    if not isinstance(record.get("project"), str) or not record["project"].strip():
        raise PostmortemError("project must be a non-empty string")
    if not isinstance(record.get("date"), dt.date):
        raise PostmortemError("date must be a date such as 2026-11-20")
    sections = record.get("sections")
    if not isinstance(sections, list):
        raise PostmortemError("sections must be a list of [[sections]] tables")
    carried = record.get("carried_over", [])
    if not isinstance(carried, list) or not all(isinstance(c, dict) and isinstance(c.get("text"), str) for c in carried):
        raise PostmortemError("carried_over must be a list of [[carried_over]] tables, each with a text")
    for index, section in enumerate(sections, 1):
        if not isinstance(section, dict) or section.get("kind") not in KINDS or not isinstance(section.get("id"), str):
            raise PostmortemError(f"sections[{index}] needs an id and a kind ({', '.join(KINDS)})")
        entries = SECTION_LISTS.get(section["kind"])
        if entries and not all(isinstance(e, dict) for e in section.get(entries, [])):
            raise PostmortemError(f"sections[{index}].{entries} must be a list of tables")
    ids = Counter(i.get("id") for s in sections for i in s.get("items", []) if isinstance(i, dict) and i.get("id"))
    duplicate = next((i for i, n in ids.items() if n > 1), None)
    if duplicate:
        raise DuplicateId(duplicate)


def actions(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The record's action items (items with an id), in the record's order."""
    return [
        item
        for section in record.get("sections", [])
        if isinstance(section, dict) and section.get("kind") == "items"
        for item in section.get("items", [])
        if isinstance(item, dict) and item.get("id")
    ]


def load_record(path: Path, *, low_memory: bool = False) -> dict[str, Any]:
    record = store.read_toml(path, max_bytes=256 * store.MAX_BYTES, low_memory=low_memory)
    with about(path):
        try:
            _check(record)
        except DuplicateId as err:
            pattern = re.compile(rf"""^\s*id\s*=\s*["']{re.escape(err.action_id)}["']""")
            lines = [n for n, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if pattern.match(text)]
            raise PostmortemError(err.detail, path=path, line=lines[1] if len(lines) > 1 else None) from None
    return record


def save_record(path: Path, record: dict[str, Any]) -> None:
    store.write_toml(path, record, fast=True)


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
