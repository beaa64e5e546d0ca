"""Who to remind of what: per person, the actions they own that are overdue or due soon, and the
open post-mortems they have not answered yet; as text, and as e-mail drafts (.eml files a mail
program opens for sending). Nothing is ever sent.

A post-mortem is open while its answering deadline has not passed, or, without a deadline, until
it is merged (it has no record.toml yet).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from postmortem.errors import PostmortemError
from postmortem.escape import plain, shell


@dataclass
class Person:
    name: str
    overdue: list[dict[str, Any]] = field(default_factory=list)
    soon: list[dict[str, Any]] = field(default_factory=list)
    unanswered: list[dict[str, Any]] = field(default_factory=list)  # {"project", "folder", "deadline", "draft"}


@dataclass
class Reminders:
    people: list[Person]
    anonymous: list[dict[str, Any]]  # {"project", "folder", "deadline", "due"}: counts only, no names


def is_open(session: Any, today: dt.date) -> bool:
    from postmortem.session import RECORD_FILE

    if session.deadline:
        return session.deadline >= today
    return not (session.folder / RECORD_FILE).exists()


def collect(rows: list[dict[str, Any]], sessions: list[Any], today: dt.date, days: int = 7) -> tuple[Reminders, list[PostmortemError]]:
    """rows: open actions (actions.action_rows); sessions: the post-mortems found."""
    from postmortem import status
    from postmortem.session import same_person

    people: list[Person] = []

    def person(name: str) -> Person:
        found = next((p for p in people if same_person(p.name, name)), None)
        if found is None:
            found = Person(name.strip())
            people.append(found)
        return found

    soon_until = today + dt.timedelta(days=days)
    for row in rows:
        due = row["due"]
        if not row["owner"].strip() or not isinstance(due, dt.date):
            continue
        if row["overdue"]:
            person(row["owner"]).overdue.append(row)
        elif due <= soon_until:
            person(row["owner"]).soon.append(row)
    anonymous, errors = [], []
    for session in sessions:
        if not is_open(session, today):
            continue
        try:
            state = status.collect(session.folder)
        except PostmortemError as err:
            errors.append(err)
            continue
        where = {"project": session.project, "folder": str(session.folder), "deadline": session.deadline}
        if session.anonymous:
            if state["counts"]["due"]:
                anonymous.append({**where, "due": state["counts"]["due"]})
            continue
        for entry in state["participants"]:
            if entry["state"] == status.DRAFT or (entry["state"] == status.DUE and entry["invited"]):
                person(entry["name"]).unanswered.append({**where, "draft": entry["state"] == status.DRAFT})
    people.sort(key=lambda p: p.name.casefold())
    return Reminders(people, anonymous), errors


def _action_line(row: dict[str, Any]) -> str:
    return f"{plain(row['id'])}  {plain(row['action'])}  (due {row['due']}; {plain(row['project'])}, {row['date']})"


def _deadline(entry: dict[str, Any]) -> str:
    return f"answers due by {entry['deadline']}" if entry["deadline"] else "not merged yet"


def _lines(person: Person) -> list[str]:
    lines = []
    for heading, rows in (("Overdue", person.overdue), ("Due soon", person.soon)):
        if rows:
            lines += [f"{heading}:"] + [f"  {_action_line(r)}" for r in rows]
    if person.unanswered:
        lines.append("Not answered yet:")
        for entry in person.unanswered:
            draft = "; your draft is not finished" if entry["draft"] else ""
            lines.append(f"  {plain(entry['project'])} ({_deadline(entry)}{draft}): postmortem start {shell(entry['folder'])}")
    return lines


def to_text(reminders: Reminders) -> str:
    out = []
    for person in reminders.people:
        out += [plain(person.name), *("  " + line for line in _lines(person)), ""]
    for entry in reminders.anonymous:
        out.append(f"{plain(entry['project'])} (anonymous; {_deadline(entry)}): {entry['due']} invited have not answered.")
    return "\n".join(out).rstrip("\n") + "\n" if out else ""


def draft(person: Person, address: str, today: dt.date) -> str:
    """The person's reminder as an RFC 5322 message, marked as an unsent draft."""
    from email.message import EmailMessage
    from email.policy import SMTP

    counts = [f"{len(rows)} {what}" for what, rows in (("overdue", person.overdue), ("due soon", person.soon)) if rows]
    if person.unanswered:
        counts.append(f"{len(person.unanswered)} post-mortem(s) to answer")
    message = EmailMessage(policy=SMTP)
    if address:
        message["To"] = address
    message["Subject"] = f"Post-mortem follow-up: {', '.join(counts)}"
    message["Date"] = dt.datetime.combine(today, dt.time(9), dt.timezone.utc)
    message["X-Unsent"] = "1"  # opens as a draft to edit and send
    body = [f"Hello {plain(person.name)},", "", "a reminder from the team's post-mortems.", "", *_lines(person), "", "Thank you!"]
    message.set_content("\n".join(body) + "\n")
    return message.as_string()


def write_drafts(reminders: Reminders, folder: Path, people: dict[str, Any], today: dt.date) -> list[Path]:
    """One .eml draft per person in folder, named after them; all written, or none."""
    from postmortem import store
    from postmortem.session import slugify
    from postmortem.trackers import login

    writes: list[tuple[Path, str]] = []
    for person in reminders.people:
        name, n = slugify(person.name), 1
        while any(path.name == f"{name}.eml" for path, _ in writes):
            n += 1
            name = f"{slugify(person.name)}-{n}"
        writes.append((folder / f"{name}.eml", draft(person, login(people, person.name, "email"), today)))
    if writes:  # nobody to remind: no folder made
        folder.mkdir(parents=True, exist_ok=True)
        store.atomic_write_all(writes)
    return [path for path, _ in writes]
