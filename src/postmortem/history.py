"""Past post-mortems at a glance, and the themes that keep coming back."""

from __future__ import annotations

import math
import unicodedata
from typing import Any

from postmortem import grouping
from postmortem.escape import to_json as json_text
from postmortem.followup import Found
from postmortem.output import clip, table
from postmortem.record import OPEN, actions as record_actions, status as action_status

ROTI = "roti"
UNREAD = ("responses", "participants")  # of a record: history reads neither
UNREAD_OF_SECTION = ("answers", "people", "ledger", "prompt")
READ_OF_ITEM = ("text", "id", "status")


def essentials(record: dict[str, Any]) -> dict[str, Any]:
    """What history reads of a (checked) record: no answers, people or wordings, so that a thousand
    records are held in little memory and read by two processes (followup.load_records)."""
    sections = []
    for section in record.get("sections", []):
        section = {key: value for key, value in section.items() if key not in UNREAD_OF_SECTION}
        if "items" in section:
            section["items"] = [{key: item[key] for key in READ_OF_ITEM if key in item} for item in section["items"]]
        sections.append(section)
    return {**{key: value for key, value in record.items() if key not in UNREAD}, "sections": sections}


def read_wordings(record: dict[str, Any]) -> None:
    """Read what each item of the record says (grouping.meaning, which keeps what it read), so that
    themes finds it read: done while another process still reads records (followup.load_records)."""
    for section in record.get("sections", []):
        if section.get("kind") == "items":
            for item in section.get("items", []):
                if isinstance(item.get("text"), str):
                    grouping.meaning(item["text"])


def _mean(sections: list[dict[str, Any]]) -> float | None:
    """The mean of rating sections, weighted by how many answered each."""
    counted = [(s.get("count", 0), s.get("mean", 0)) for s in sections]
    total = sum(c for c, _ in counted if isinstance(c, int))
    if not total:
        return None
    return round(sum(c * m for c, m in counted if isinstance(c, int) and isinstance(m, (int, float))) / total, 2)


def postmortems(found: list[Found]) -> list[dict[str, Any]]:
    """One row per post-mortem, newest first: date, project, question set, participants, rating (the mean
    of its rating questions), roti (return on time invested), open and done actions."""
    rows = []
    for entry in found:
        sections = [s for s in entry.record.get("sections", []) if isinstance(s, dict)]
        ratings = [s for s in sections if s.get("kind") == "rating"]
        statuses = [action_status(i) for i in record_actions(entry.record)]
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
            ("format", "QUESTION SET", 20),
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


# -- scores over time --------------------------------------------------------------------------

SCORE_COLUMNS = ("date", "project", "question", "heading", "team", "dimension", "mean", "count", "record")
CHART_WIDTH = 20  # columns for the top of the 1-5 scale


def _number_or_none(value: Any) -> float | None:
    """A mean as merge writes it; anything else a hand-edited record holds (text, nan, inf) is no score."""
    number = value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    return float(number) if number is not None and math.isfinite(number) else None


def scores(found: list[Found]) -> list[dict[str, Any]]:
    """One row per rating question and per scorecard team and dimension of each post-mortem: date,
    project, question (its id), heading, team, dimension, mean, count, record; oldest first."""
    rows = []
    for entry in found:
        where = {"date": entry.date, "project": entry.project, "record": str(entry.path)}
        for section in entry.record.get("sections", []):
            if not isinstance(section, dict):
                continue
            question = {"question": str(section.get("id", "")), "heading": str(section.get("heading") or section.get("id", ""))}
            if section.get("kind") == "rating" and _number_or_none(section.get("mean")) is not None:
                rows.append({**where, **question, "team": "", "dimension": "", "mean": section["mean"], "count": section.get("count", 0)})
            if section.get("kind") != "scores":
                continue
            for team in section.get("teams", []):
                measured = team.get("scores") if isinstance(team.get("scores"), dict) else {}
                for dimension, score in measured.items():
                    if isinstance(score, dict) and _number_or_none(score.get("mean")) is not None:
                        rows.append({
                            **where, **question, "team": str(team.get("name", "")), "dimension": str(dimension),
                            "mean": score["mean"], "count": score.get("count", 0),
                        })
    rows.sort(key=lambda r: (r["date"], r["project"].casefold()))
    return rows


def _series_key(row: dict[str, Any]) -> tuple[str, ...]:
    """The rows of one measure: the same question, team and dimension, case and Unicode form aside
    (a team written "procurement" one quarter is still Procurement)."""
    return tuple(unicodedata.normalize("NFKC", row[k]).casefold().strip() for k in ("question", "team", "dimension"))


def scores_text(rows: list[dict[str, Any]]) -> str:
    """Each measure over time as a text chart: one bar per post-mortem, on the 1-5 scale."""
    from postmortem.escape import align, plain

    series: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for row in rows:
        series.setdefault(_series_key(row), []).append(row)
    if not series:
        return "No ratings or scorecards in these post-mortems.\n"
    out = []
    for points in series.values():
        first = points[0]
        title = plain(first["heading"]) + "".join(f" · {plain(first[k])}" for k in ("team", "dimension") if first[k])
        lines = []
        for point in points:
            mean = float(point["mean"])
            bar = "█" * round(CHART_WIDTH * max(0.0, min(mean, 5.0)) / 5)
            lines.append([str(point["date"]), clip(plain(point["project"]), 40), f"{bar:<{CHART_WIDTH}} {mean:.1f}", f"({point['count']})"])
        out += [title, *("  " + line for line in align(lines)), ""]
    return "\n".join(out)
