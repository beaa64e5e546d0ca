"""Due dates as an iCalendar file: one all-day event per open action's due date, and one per
post-mortem's answering deadline. Each event's UID is made from what it is about (project, date,
action id), so importing the file again updates the events instead of adding them twice.

Text is escaped for iCalendar by the icalendar library; control characters, which RFC 5545 allows
in no text value, are dropped first (escape.terminal keeps line feeds, which iCalendar escapes).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from postmortem import escape
from postmortem.actions import due_date
from postmortem.followup import Found

PRODID = "-//postmortem//actions//EN"


def _uid(*parts: Any) -> str:
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode("utf-8")).hexdigest()[:32]
    return f"{digest}@postmortem"


def _event(uid: str, day: dt.date, summary: str, description: str, stamp: dt.datetime, url: str = "") -> Any:
    import icalendar

    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", day)
    event.add("dtend", day + dt.timedelta(days=1))
    event.add("summary", escape.plain(summary))
    event.add("description", escape.terminal(description))
    event.add("transp", "TRANSPARENT")  # a reminder, not a busy day
    if url:
        event.add("url", url)
    return event


def _issue(item: dict[str, Any]) -> str:
    """The action's issue URL; "" when none, or when the link (edited by hand) is no http(s) URL."""
    try:
        return escape.url(str(item.get("link") or ""))
    except ValueError:
        return ""


def action_event(entry: Found, item: dict[str, Any], day: dt.date, stamp: dt.datetime) -> Any:
    owner = str(item.get("owner") or "")
    lines = [f"Action {item['id']} of the post-mortem {entry.project} ({entry.date}).", f"{item.get('text', '')}"]
    lines += [f"Owner: {owner}"] if owner else []
    lines += [f"Issue: {_issue(item)}"] if _issue(item) else []
    lines.append(f"Record: {entry.path.resolve()}")
    summary = f"{item['id']}: {item.get('text', '')}" + (f" ({owner})" if owner else "")
    url = _issue(item) or entry.path.resolve().as_uri()
    return _event(_uid("action", entry.project, entry.date, item["id"]), day, summary, "\n".join(lines), stamp, url)


def deadline_event(session: Any, stamp: dt.datetime) -> Any:
    summary = f"Answers due: post-mortem of {session.project}"
    description = f"Answer the post-mortem of {session.project} ({session.date}): postmortem start {escape.shell(str(session.folder.resolve()))}"
    uid = _uid("deadline", session.project, session.date)
    return _event(uid, session.deadline, summary, description, stamp, session.folder.resolve().as_uri())


def ics(actions: list[tuple[Found, dict[str, Any]]], sessions: list[Any], stamp: dt.datetime) -> bytes:
    """The calendar: an event for each action with a due date, and each session with a deadline."""
    import icalendar

    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Post-mortem actions")
    for entry, item in actions:
        day = due_date(item.get("due"))  # a date, or one typed by hand as text
        if day:
            calendar.add_component(action_event(entry, item, day, stamp))
    for session in sessions:
        if session.deadline:
            calendar.add_component(deadline_event(session, stamp))
    return calendar.to_ical()
