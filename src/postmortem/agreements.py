"""Agreements: the entries of an items question marked `agreements = true`, which a team keeps
rather than does. The next post-mortem of the same project lists those still in force (its
record's [[agreements_in_force]]), asks each participant whether each one held, and counts the
answers; the facilitator sets each agreement's status (`edit`).

An agreement's status is the one the newest post-mortem that lists it gave it: "in force" unless
the facilitator said otherwise. One that lapsed or was retired is not asked about again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from postmortem.answers import OUTCOMES, same_wording
from postmortem.errors import PostmortemError
from postmortem.followup import source
from postmortem.record import AGREEMENT_STATUSES

STATUSES = AGREEMENT_STATUSES  # lapsed: the team stopped keeping it; retired: it is no longer needed
IN_FORCE = STATUSES[0]
KEPT = ("status", "notes")  # what the facilitator sets on an agreement in force, kept by merge


def _listed(entry: Any, folder: Path) -> list[dict[str, Any]]:
    """The agreements one earlier record lists, as entries of this record's list: its own (the
    items of its agreements sections) first, then those it reviewed, each with its status there."""
    own = [
        {"project": entry.project, "date": entry.date, "text": item["text"], "source": source(entry.path, folder),
         "status": item.get("status", IN_FORCE)}
        for section in entry.record.get("sections", [])
        if section.get("agreements") is True
        for item in section.get("items", [])
    ]
    reviewed = []
    for agreed in entry.record.get("agreements_in_force", []):
        origin = entry.path.parent / agreed["source"] if agreed.get("source") else entry.path
        reviewed.append({
            "project": agreed.get("project", entry.project), "date": agreed.get("date", entry.date), "text": agreed["text"],
            "source": source(origin, folder), "status": agreed.get("status", IN_FORCE),
        })
    return own + reviewed


def in_force(found: list[Any], folder: Path, previous: list[dict[str, Any]] = ()) -> list[dict[str, Any]]:
    """The agreements of the earlier post-mortems found (followup.earlier_records) still in force,
    for the [[agreements_in_force]] list of the record in folder: newest first, one per wording
    (case and spacing aside), each with the status the newest record listing it gave it; previous
    (this record's list at the last merge) gives back the facilitator's status and notes."""
    newest: dict[str, dict[str, Any]] = {}
    for entry in sorted(found, key=lambda f: f.date, reverse=True):
        for agreed in _listed(entry, folder):
            newest.setdefault(same_wording(agreed["text"]), agreed)
    edited = {same_wording(p["text"]): p for p in previous}
    listed = []
    for wording, agreed in newest.items():
        if agreed["status"] == IN_FORCE:
            agreed.update((k, edited[wording][k]) for k in KEPT if k in edited.get(wording, {}))
            listed.append(agreed)
    return listed


def to_ask(folder: Path, project: str, date: Any) -> list[str]:
    """The agreements a participant of the post-mortem in folder is asked about: those still in
    force in the earlier post-mortems beside it and in its own record's list (which `merge
    --history` may have filled from elsewhere), as the record's statuses have them."""
    from postmortem import followup, record as record_mod
    from postmortem.session import RECORD_FILE

    own = folder / RECORD_FILE
    listed = []
    try:  # a record with agreements names their list: any other, however large, is not read before the first question
        if own.is_file() and b"agreements_in_force" in own.read_bytes():
            listed = record_mod.load_record(own).get("agreements_in_force", [])
    except (OSError, PostmortemError):  # the facilitator's to mend (merge names it); the participant still answers
        listed = []
    found, _ = followup.earlier_records(folder, project, date)  # an unreadable one is named at merge
    texts = {same_wording(a["text"]): a["text"] for a in in_force(found, folder, listed) if a["status"] == IN_FORCE}
    for agreed in listed:
        if agreed.get("status", IN_FORCE) == IN_FORCE:
            texts.setdefault(same_wording(agreed["text"]), agreed["text"])
    return list(texts.values())


def tally(listed: list[dict[str, Any]], said: list[tuple[str, list[dict[str, str]]]], anonymous: bool) -> list[str]:
    """Count on each agreement of listed what participants said of it (said: each participant's
    name and their `agreements` answers): `held` and `lapsed`, and `answers` with each one's name
    (none when anonymous), outcome and note. Returns a line for every answer about an agreement not
    in the list, which is not counted."""
    by_wording = {same_wording(a["text"]): a for a in listed}
    for agreed in listed:
        for key in (*OUTCOMES, "answers"):
            agreed.pop(key, None)
    uncounted = []
    for name, answers in said:
        for answer in answers:
            agreed = by_wording.get(same_wording(answer["text"]))
            if agreed is None:
                who = "an answer" if anonymous else f"{name}'s answer"
                uncounted.append(f"{who} about {answer['text']!r} not counted: it is not an agreement in force here")
                continue
            for outcome in OUTCOMES:
                agreed[outcome] = agreed.get(outcome, 0) + (outcome == answer["outcome"])
            agreed.setdefault("answers", []).append(answer_entry(name, answer, anonymous))
    if anonymous:  # no order of who answered: sorted by what was said
        for agreed in listed:
            agreed.get("answers", []).sort(key=lambda a: (a["outcome"], a.get("note", "")))
    return uncounted


def answer_entry(name: str, answer: dict[str, str], anonymous: bool) -> dict[str, str]:
    entry = {} if anonymous else {"name": name}
    entry["outcome"] = answer["outcome"]
    if answer.get("note"):
        entry["note"] = answer["note"]
    return entry


def of(record: dict[str, Any]) -> list[dict[str, Any]]:
    """Every agreement of the record: those it reviews (agreements_in_force), then its own."""
    own = [i for s in record.get("sections", []) if s.get("agreements") is True for i in s.get("items", [])]
    return [*record.get("agreements_in_force", []), *own]


def find(record: dict[str, Any], words: str) -> list[dict[str, Any]]:
    """The record's entries of the one agreement whose wording is words or, failing that, the one
    that contains them (case and spacing aside); otherwise an error naming the candidates."""
    wanted = same_wording(words)
    entries = of(record)
    for matches in (lambda w: w == wanted, lambda w: wanted in w):
        hits = [e for e in entries if matches(same_wording(e["text"]))]
        wordings = list(dict.fromkeys(same_wording(e["text"]) for e in hits))
        if len(wordings) == 1:
            return hits
        if len(wordings) > 1:
            listed = "; ".join(repr(next(e["text"] for e in hits if same_wording(e["text"]) == w)) for w in wordings)
            raise PostmortemError(f"{words!r} is part of {len(wordings)} agreements: give more of one ({listed})")
    return []


def edit(entries: list[dict[str, Any]], *, status: str | None = None, note: str | None = None) -> str:
    """Set the status (one of STATUSES) or the facilitator's note (empty: removed) of one agreement's entries."""
    if status is not None and status not in STATUSES:
        raise PostmortemError(f"an agreement's status must be one of {', '.join(STATUSES)}, not {status!r}")
    for entry in entries:
        if status is not None:
            entry["status"] = status
        if note is not None:
            if note.strip():
                entry["notes"] = note.strip()
            else:
                entry.pop("notes", None)
    return f"Agreement {entries[0]['text']!r} updated."
