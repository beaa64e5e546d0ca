"""Where a post-mortem stands: who is invited, who has answered, who has a draft, who is still due.

`collect` gathers it as plain data (the `--json` output); `table` lays it out for a terminal. In an
anonymous session only counts are kept: no name, role or file name leaves this module.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from postmortem import escape
from postmortem import session as session_mod
from postmortem import response as response_mod
from postmortem.errors import PostmortemError

ANSWERED, DRAFT, DUE = "answered", "draft", "due"


def _answered(value: Any) -> bool:
    return value not in (None, "", [], {})


def _when(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def collect(folder: Path) -> dict[str, Any]:
    """The session's state as JSON-ready data; unreadable response files are listed under problems."""
    session = session_mod.load_session(folder)
    qset = session.question_set()
    anonymous = bool(getattr(session, "anonymous", False))
    invited: list[str] = []
    for name in getattr(session, "invited", []):  # the list may be edited by hand: one person counts once
        if name.strip() and not any(session_mod.same_person(name, known) for known in invited):
            invited.append(name.strip())
    total = len(qset.questions)

    people: list[dict[str, Any]] = []
    problems: list[dict[str, Any]] = []
    responses = []
    for path in response_mod.response_paths(folder):
        try:
            response = response_mod.read_response(path, qset, dots=session.dots)
        except PostmortemError as err:
            problems.append({"file": str(err.path or path), "line": err.line, "problem": err.detail})
            continue
        responses.append(response)
        match = next((name for name in invited if session_mod.same_person(name, response.name)), None)
        people.append(
            {
                "name": match or response.name,
                "role": response.role,
                "invited": match is not None,
                "state": ANSWERED if response.complete else DRAFT,
                "updated": _when(response.updated),
                "questions_done": total if response.complete else len([d for d in response.done if qset.question(d)]),
                "questions": total,
                "file": str(path.relative_to(folder)),
            }
        )
    for name in invited:
        if not any(session_mod.same_person(name, p["name"]) for p in people):
            people.append({"name": name, "role": "", "invited": True, "state": DUE, "updated": None,
                           "questions_done": 0, "questions": total, "file": None})
    order = {ANSWERED: 0, DRAFT: 1, DUE: 2}
    people.sort(key=lambda p: (order[p["state"]], p["name"].casefold()))

    counts = {
        "invited": len(invited),
        "answered": sum(p["state"] == ANSWERED for p in people),
        "drafts": sum(p["state"] == DRAFT for p in people),
        "due": sum(p["state"] == DUE for p in people),
        "not_invited": sum(not p["invited"] for p in people),
    }
    if anonymous:  # responses are filed under tokens, so nobody can be matched to an invitation
        del counts["not_invited"]
        counts["due"] = max(0, len(invited) - counts["answered"] - counts["drafts"])
    questions = [
        {
            "id": q.id,
            "heading": q.heading,
            "kind": q.kind,
            "answers": sum(r.complete and _answered(r.answers.get(q.id)) for r in responses),
            "in_drafts": sum(not r.complete and _answered(r.answers.get(q.id)) for r in responses),
        }
        for q in qset.questions
    ]
    data: dict[str, Any] = {
        "project": session.project,
        "format": session.set_id,
        "date": session.date.isoformat(),
        "anonymous": anonymous,
        "counts": counts,
    }
    if not anonymous:
        data["participants"] = people
    data["questions"] = questions
    said = [r for r in responses if r.agreements]  # a response may answer about the agreements in force alone
    if said:
        data["agreements"] = {"answers": sum(r.complete for r in said), "in_drafts": sum(not r.complete for r in said)}
    if anonymous and problems:  # a file name could be a name; say only how many
        problems = [{"file": None, "line": None, "problem": f"{len(problems)} response file(s) cannot be read"}]
    data["problems"] = problems
    return data


def _short_time(iso: str | None) -> str:
    if not iso:
        return "-"
    moment = dt.datetime.fromisoformat(iso)
    zone = " UTC" if moment.utcoffset() == dt.timedelta(0) else ""
    return moment.strftime("%Y-%m-%d %H:%M") + zone


def table(data: dict[str, Any]) -> str:
    """The state as a short aligned text table for a terminal; participants' text made plain."""
    counts = data["counts"]
    parts = [f"{counts['invited']} invited", f"{counts['answered']} answered", f"{counts['drafts']} draft(s)"]
    if counts["invited"] or counts["due"]:
        parts.append(f"{counts['due']} due")
    lines = [f"{escape.plain(data['project'])}: {', '.join(parts)}"]
    if data["anonymous"]:
        lines.append("Anonymous post-mortem: counts only, no names.")
    elif data["participants"]:
        drafts = counts["drafts"] > 0
        rows = [["participant", "state", "updated", *(["progress"] if drafts else [])]]
        for person in data["participants"]:
            name = escape.plain(person["name"]) or "?"
            if not person["invited"] and counts["invited"]:
                name += " (not invited)"
            progress = f"{person['questions_done']}/{person['questions']} questions" if person["state"] == DRAFT else ""
            rows.append([name, person["state"], _short_time(person["updated"]), *([progress] if drafts else [])])
        lines += ["", *escape.align(rows)]
    rows = [["question", "answers", "in drafts"]]
    rows += [[escape.plain(q["id"]), str(q["answers"]), str(q["in_drafts"])] for q in data["questions"]]
    if "agreements" in data:
        rows.append(["agreements in force", str(data["agreements"]["answers"]), str(data["agreements"]["in_drafts"])])
    lines += ["", *escape.align(rows)]
    return "\n".join(lines) + "\n"
