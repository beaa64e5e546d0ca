"""`postmortem actions`: the action items of every post-mortem under some paths, listed (a table,
JSON or CSV), exported (a tracker's script or import file, a calendar), or changed one at a time
(`done`, `reopen`, `link`). docs/reference.md, "postmortem actions", says the same for users."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from postmortem import followup
from postmortem.errors import PostmortemError

Tell = Callable[[str], None]
VERBS = ("done", "reopen", "link")  # `actions VERB ID ...` changes one action


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
    tell(followup.set_status(found, rest[0], "done" if verb == "done" else "open"))


def listing(
    paths: list[Path], today: dt.date, *, shown: str = "table", to: str | None = None, ics: Path | None = None,
    config: Path | None = None, select: dict[str, Any], tell: Tell,
) -> tuple[str, str, list[PostmortemError]]:
    """The selected actions as shown (table, json or csv) or exported (to a tracker), after
    writing the calendar file ics when asked; a line saying how many; and the records and folders
    that could not be read."""
    people = None
    if to is not None:
        from postmortem import trackers

        if to not in trackers.TRACKERS:
            raise PostmortemError(f"--to must be {', '.join(trackers.TRACKERS[:-1])} or {trackers.TRACKERS[-1]}, not {to!r}")
        people = trackers.load_people(config)  # a bad config stops the export before any record is read
    found, errors = followup.load_records(paths)
    rows = followup.select(followup.action_rows(found, today), **select)
    if ics is not None:
        from postmortem import calendar, store
        from postmortem import session as session_mod

        sessions, session_errors = followup.load_sessions(paths)
        errors += session_errors
        store.atomic_write_text(ics, calendar.ics(followup.items_of(found, rows), sessions, session_mod.now()).decode("utf-8"))
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
        return followup.to_csv(rows), summary, errors
    return (followup.actions_table(rows) if rows else ""), summary, errors
