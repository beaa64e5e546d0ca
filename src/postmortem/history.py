"""Past post-mortems at a glance, and the themes that keep coming back."""

from __future__ import annotations

from typing import Any

from postmortem import grouping
from postmortem.escape import to_json as json_text
from postmortem.followup import OPEN, Found, table
from postmortem.record import actions as record_actions

ROTI = "roti"


def _mean(sections: list[dict[str, Any]]) -> float | None:
    """The mean of rating sections, weighted by how many answered each."""
    counted = [(s.get("count", 0), s.get("mean", 0)) for s in sections]
    total = sum(c for c, _ in counted if isinstance(c, int))
    if not total:
        return None
    return round(sum(c * m for c, m in counted if isinstance(c, int) and isinstance(m, (int, float))) / total, 2)


def postmortems(found: list[Found]) -> list[dict[str, Any]]:
    """One row per post-mortem, newest first: date, project, format, participants, rating (the mean
    of its rating questions), roti (return on time invested), open and done actions."""
    rows = []
    for entry in found:
        sections = [s for s in entry.record.get("sections", []) if isinstance(s, dict)]
        ratings = [s for s in sections if s.get("kind") == "rating"]
        statuses = [str(i.get("status") or "open") for i in record_actions(entry.record)]
        rows.append(
            {
                "date": entry.date,
                "project": entry.project,
                "format": str(entry.record.get("format", "")),
                "participants": entry.record.get("participant_count", 0),
                "rating": _mean([s for s in ratings if s.get("id") != ROTI]),
                "roti": _mean([s for s in ratings if s.get("id") == ROTI]),
                "open": sum(s in OPEN for s in statuses),
                "done": statuses.count("done"),
                "record": str(entry.path),
            }
        )
    rows.sort(key=lambda r: (r["date"], r["project"].casefold()), reverse=True)
    return rows


def themes(found: list[Found], minimum: int = 2) -> list[dict[str, Any]]:
    """Items that came up in at least `minimum` post-mortems, grouped the way merge groups items,
    each with where it came from; most widespread first."""
    texts: list[str] = []
    where: list[tuple[Found, dict[str, Any]]] = []  # each text's record and section
    for entry in found:
        for section in entry.record.get("sections", []):
            if not isinstance(section, dict) or section.get("kind") != "items":
                continue
            for item in section.get("items", []):
                if isinstance(item, dict) and isinstance(item.get("text"), str) and item["text"].strip():
                    texts.append(item["text"])
                    where.append((entry, section))
    result = []
    for group in grouping.group(texts):
        if len(group) < minimum:  # most groups: one item
            continue
        records = {where[i][0].path for i in group}
        if len(records) < minimum:
            continue
        members = []
        for i in group:
            entry, section = where[i]
            members.append(
                {
                    "project": entry.project,
                    "date": entry.date,
                    "section": str(section.get("heading") or section.get("id", "")),
                    "text": texts[i],
                    "record": str(entry.path),
                }
            )
        members.sort(key=lambda m: (m["date"], m["project"].casefold()), reverse=True)
        result.append({"text": members[0]["text"], "postmortems": len(records), "occurrences": members})
    result.sort(key=lambda t: (-t["postmortems"], -max(m["date"] for m in t["occurrences"]).toordinal(), t["text"].casefold()))
    return result


def to_json(rows: list[dict[str, Any]], recurring: list[dict[str, Any]]) -> str:
    return json_text({"postmortems": rows, "themes": recurring})


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def to_text(rows: list[dict[str, Any]], recurring: list[dict[str, Any]]) -> str:
    from postmortem.escape import plain

    shown = [{**r, "rating": _number(r["rating"]), "roti": _number(r["roti"])} for r in rows]
    text = table(
        shown,
        [
            ("date", "DATE", 10),
            ("project", "PROJECT", 40),
            ("format", "FORMAT", 20),
            ("participants", "PEOPLE", 6),
            ("rating", "RATING", 6),
            ("roti", "ROTI", 4),
            ("open", "OPEN", 4),
            ("done", "DONE", 4),
        ],
    )
    if not recurring:
        return text + "\nNo recurring themes: nothing came up in more than one post-mortem.\n"
    lines = [text, "\nRecurring themes (came up in more than one post-mortem):\n"]
    for theme in recurring:
        lines.append(f"\n- {plain(theme['text'])}  ({theme['postmortems']} post-mortems)\n")
        lines += [
            f"    {where['date']}  {plain(where['project'])}, {plain(where['section'])}: {plain(where['text'])}\n"
            for where in theme["occurrences"]
        ]
    return "".join(lines)
