"""The action items of every post-mortem found (followup.py finds the records): one row each,
chosen by status, owner or due date, listed (a table, JSON or CSV) or exported (a tracker's script
or import file, a calendar), and changed one at a time in its own record (`done`, `reopen`,
`link`). This is `postmortem actions`; docs/reference.md says the same for users.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from postmortem import followup, output
from postmortem.errors import PostmortemError
from postmortem.followup import Found
from postmortem.record import OPEN, action_order, actions as record_actions, status as action_status
from postmortem.session import slugify

Tell = Callable[[str], None]
VERBS = ("done", "reopen", "link")  # `actions VERB ID ...` changes one action
ACTION_COLUMNS = ("project", "date", "id", "action", "owner", "due", "status", "overdue", "age", "record", "link")


def change(words: list[str], tell: Tell, skipped: Callable[[list[PostmortemError]], None]) -> None:
    """`actions done ID [PATH]...`, `actions reopen ID [PATH]...` or `actions link ID URL [PATH]...`.
    The records that cannot be read go to skipped first; the action is looked for in the others."""
    verb, rest = words[0], words[1:]
    if verb == "link":
        if len(rest) < 2:
            raise PostmortemError("`actions link` needs an action id and the issue's URL, such as A2 https://github.com/org/repo/issues/7")
        from postmortem import trackers

        found, errors = followup.load_records([Path(w) for w in rest[2:]] or [Path(".")])
        skipped(errors)
        tell(trackers.set_link(found, rest[0], rest[1]))
        return
    if not rest:
        raise PostmortemError(f"`actions {verb}` needs an action id, such as A2 or colorado-office:A2")
    found, errors = followup.load_records([Path(w) for w in rest[1:]] or [Path(".")])
    skipped(errors)
    tell(set_status(found, rest[0], "done" if verb == "done" else "open"))


def listing(
    paths: list[Path], today: dt.date, *, shown: str = "table", to: str | None = None, ics: Path | None = None,
    config: Path | None = None, only: dict[str, Any], tell: Tell,
) -> tuple[str, str, list[PostmortemError]]:
    """The actions chosen by only (see select) as shown (table, json or csv) or exported (to a tracker), after
    writing the calendar file ics when asked; a line saying how many; and the records and folders
    that could not be read."""
    people = None
    if to is not None:
        from postmortem import trackers

        if to not in trackers.TRACKERS:
            raise PostmortemError(f"--to must be {', '.join(trackers.TRACKERS[:-1])} or {trackers.TRACKERS[-1]}, not {to!r}")
        people = trackers.load_people(config)  # a bad config stops the export before any record is read
    found, errors = followup.load_records(paths)
    rows = select(action_rows(found, today), **only)
    if ics is not None:
        from postmortem import calendar, store
        from postmortem import session as session_mod

        sessions, session_errors = followup.load_sessions(paths)
        errors += session_errors
        store.atomic_write_text(ics, calendar.ics(items_of(found, rows), sessions, session_mod.now()).decode("utf-8"))
        tell(f"Wrote {ics}.")
    if to is not None:
        chosen = trackers.unlinked(found, rows)
        exported = trackers.jira_csv(chosen, people) if to == "jira-csv" else trackers.script(to, chosen, people)
        return exported, f"{len(chosen)} action(s) to export from {len(found)} post-mortem(s); {len(rows) - len(chosen)} already have a link.", errors
    summary = f"{len(rows)} action(s) in {len(found)} post-mortem(s)."
    if shown == "json":
        from postmortem.escape import to_json

        return to_json(rows), summary, errors
    if shown == "csv":
        return output.to_csv(rows, ACTION_COLUMNS), summary, errors
    return (actions_table(rows) if rows else ""), summary, errors


# -- the action items of records ----------------------------------------------------------------


def due_date(value: Any) -> dt.date | None:
    """A due date as the record holds it (a date, or a date typed by hand as text), or None."""
    from postmortem.answers import parse_date

    try:
        return parse_date(value, "date")
    except PostmortemError:
        return None


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
    rows.sort(key=lambda r: (r["date"], r["project"].casefold(), action_order(r["id"])))
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
    return output.table(rows, columns)


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
