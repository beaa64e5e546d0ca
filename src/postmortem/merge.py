"""Merge every participant's response into one record (a plain dict, written as record.toml)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

from postmortem import answers as answers_mod
from postmortem import grouping, store
from postmortem.questionsets import Question, QuestionSet
from postmortem.session import Response, Session

ACTION_PREFIX = "A"
FACILITATOR_FIELDS = ("owner", "due", "status", "notes")
_ACTION_ID = re.compile(rf"^{ACTION_PREFIX}(\d+)$")


def _distinct(values: Iterable[str]) -> list[str]:
    seen: dict[str, str] = {}
    for value in values:
        if value and value.casefold() not in seen:
            seen[value.casefold()] = value
    return list(seen.values())


def _merge_items(question: Question, raised: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Near-duplicate entries grouped; most raised first, then in order of first appearance."""
    merged = []
    for members in grouping.group([entry["text"] for _, entry in raised]):
        entries = [raised[i] for i in members]
        texts = Counter(entry["text"] for _, entry in entries)
        text = max(texts, key=lambda t: (texts[t], t[:1].isupper()))
        names = _distinct(name for name, _ in entries)
        item: dict[str, Any] = {"text": text, "count": len(names), "raised_by": names}
        for field in question.fields:
            value = next((entry[field] for _, entry in entries if entry.get(field)), None)
            if value:
                item[field] = value
        variants = [t for t in texts if t != text]
        if variants:
            item["variants"] = variants
        merged.append(item)
    merged.sort(key=lambda item: -item["count"])
    return merged


def _assign_action_ids(items: list[dict[str, Any]], previous: list[dict[str, Any]], next_id: int) -> int:
    """Give each action its earlier id when it was in the previous record, else a new one; keep the facilitator's edits."""
    earlier: dict[str, dict[str, Any]] = {}
    for old in previous:
        for text in [old.get("text", ""), *old.get("variants", [])]:
            earlier.setdefault(grouping.key(text), old)
    taken: set[str] = set()
    for item in items:
        candidates = [earlier.get(grouping.key(t)) for t in [item["text"], *item.get("variants", [])]]
        old = min(
            (c for c in candidates if c and c.get("id") not in taken),
            key=lambda c: _id_number(c.get("id")),
            default=None,
        )
        if old is not None and old.get("id"):
            item["id"] = old["id"]
            item.update({f: old[f] for f in FACILITATOR_FIELDS if f in old})
        else:
            item["id"] = f"{ACTION_PREFIX}{next_id}"
            next_id += 1
        item.setdefault("status", "open")
        taken.add(item["id"])
    items.sort(key=lambda item: (-item["count"], _id_number(item["id"])))
    return next_id


def _id_number(action_id: Any) -> int:
    match = _ACTION_ID.match(str(action_id))
    return int(match.group(1)) if match else 0


def _merge_people(raised: list[tuple[str, dict[str, str]]]) -> list[dict[str, Any]]:
    people: dict[str, dict[str, Any]] = {}
    for name, person in raised:
        key = grouping.key(person["name"]) or person["name"].casefold()
        merged = people.setdefault(key, {"name": person["name"], "roles": [], "interests": [], "raised_by": []})
        merged["roles"].append(person["role"])
        merged["interests"].append(person["interest"])
        merged["raised_by"].append(name)
    for merged in people.values():
        for field in ("roles", "interests", "raised_by"):
            merged[field] = _distinct(merged[field])
    return sorted(people.values(), key=lambda p: -len(p["raised_by"]))


def _summary(values: list[int], points: int) -> dict[str, Any]:
    distribution = [values.count(point) for point in range(1, points + 1)]
    mean = round(sum(values) / len(values), 2) if values else 0.0
    return {"count": len(values), "mean": mean, "distribution": distribution}


def _merge_scores(question: Question, raised: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    teams: dict[str, dict[str, Any]] = {}
    for name, entry in raised:
        label = entry[question.key]
        team = teams.setdefault(label.casefold(), {"name": label, "raised_by": [], "values": {}})
        team["raised_by"].append(name)
        for dimension in question.dimensions:
            if dimension in entry:
                team["values"].setdefault(dimension, []).append(entry[dimension])
    return [
        {
            "name": team["name"],
            "raised_by": _distinct(team["raised_by"]),
            "scores": {
                d: _summary(team["values"][d], len(question.labels)) for d in question.dimensions if d in team["values"]
            },
        }
        for team in teams.values()
    ]


def _section(question: Question, responses: list[Response], previous: dict[str, Any], next_id: int) -> tuple[dict[str, Any], int]:
    section: dict[str, Any] = {"id": question.id, "kind": question.kind, "heading": question.heading, "prompt": question.prompt}
    given = [(r.name, r.answers[question.id]) for r in responses if question.id in r.answers]
    if question.kind == "items":
        items = _merge_items(question, [(name, entry) for name, entries in given for entry in entries])
        if question.actions:
            section["actions"] = True
            next_id = _assign_action_ids(items, previous.get("items", []), next_id)
        section["items"] = items
    elif question.kind == "people":
        section["people"] = _merge_people([(name, p) for name, people in given for p in people])
    elif question.kind == "rating":
        section["labels"] = list(question.labels)
        section.update(_summary([value for _, value in given], len(question.labels)))
    elif question.kind == "choice":
        section["choices"] = [
            {"choice": c, "count": sum(v == c for _, v in given), "raised_by": [n for n, v in given if v == c]}
            for c in question.choices
        ]
    elif question.kind == "scores":
        section["labels"] = list(question.labels)
        section["dimensions"] = list(question.dimensions)
        section["teams"] = _merge_scores(question, [(name, e) for name, entries in given for e in entries])
    else:
        section["answers"] = [{"name": name, "text": text} for name, text in given if text]
    return section, next_id


def build_record(session: Session, qset: QuestionSet, responses: list[Response], previous: dict[str, Any] | None = None) -> dict[str, Any]:
    """The merged record of every complete response; ids and facilitator edits kept from previous."""
    previous = previous or {}
    complete = sorted((r for r in responses if r.complete), key=lambda r: r.name.casefold())
    earlier_sections = {s.get("id"): s for s in previous.get("sections", []) if isinstance(s, dict)}
    next_id = max(
        [previous.get("next_action_id", 1)]
        + [_id_number(i.get("id")) + 1 for s in earlier_sections.values() for i in s.get("items", [])]
    )
    sections = []
    for question in qset.questions:
        section, next_id = _section(question, complete, earlier_sections.get(question.id, {}), next_id)
        sections.append(section)
    record: dict[str, Any] = {
        "schema_version": store.SCHEMA_VERSION,
        "project": session.project,
        "format": qset.id,
        "title": qset.title,
        "date": session.date,
        "anonymous": session.anonymous,
        "participant_count": len(complete),
        "next_action_id": next_id,
    }
    for key in ("summary", "notes"):
        if previous.get(key):
            record[key] = previous[key]
    if session.anonymous:
        record["sections"] = [_anonymise(s) for s in sections]
        return record
    record["participants"] = [{"name": r.name, "role": r.role} for r in complete]
    record["sections"] = sections
    record["responses"] = [
        {"name": r.name, "role": r.role, "answers": answers_mod.to_toml(r.answers)} for r in complete
    ]
    return record


def _anonymise(section: dict[str, Any]) -> dict[str, Any]:
    """Counts only: every list of who raised what is dropped, as are the authors of free text."""
    clean = {k: v for k, v in section.items() if k != "answers"}
    if "answers" in section:
        clean["answers"] = [{"text": a["text"]} for a in section["answers"]]
    for key in ("items", "people", "choices", "teams"):
        if key in clean:
            clean[key] = [{k: v for k, v in entry.items() if k != "raised_by"} for entry in clean[key]]
    return clean


def drafts(responses: list[Response]) -> list[str]:
    return [r.name for r in responses if not r.complete]

