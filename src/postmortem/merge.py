"""Merge every participant's response into one record (a plain dict, written as record.toml)."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from postmortem import answers as answers_mod
from postmortem.answers import same_wording
from postmortem import grouping, store
from postmortem import record as record_mod
from postmortem.questionsets import Question, QuestionSet
from postmortem.session import Session
from postmortem.response import Response

ACTION_PREFIX = "A"
# Incident facts: question ids that, when a set has them, become the record's [incident] table.
SEVERITY = "severity"
TIME_FACTS = dict(zip(answers_mod.INCIDENT_TIMES, (min, min, max), strict=True))  # which answer counts when several differ
_ACTION_ID = re.compile(rf"^{ACTION_PREFIX}(\d+)$")


def _distinct(values: Iterable[str]) -> list[str]:
    seen: dict[str, str] = {}
    for value in values:
        if value and value.casefold() not in seen:
            seen[value.casefold()] = value
    return list(seen.values())


def _wordings(item: dict[str, Any]) -> list[str]:
    """Every wording an item stands for: its `wordings`, or its text alone (an item added by hand)."""
    return [w for w in item.get("wordings") or [item.get("text", "")] if isinstance(w, str)]


def _representative(texts: list[str]) -> str:
    """The wording most people used; on a tie, one that starts with a capital and ends without punctuation."""
    if len(texts) == 1:  # most groups: counting is a tenth of merge's time otherwise
        return texts[0]
    counts = Counter(texts)
    return max(counts, key=lambda t: (counts[t], t[:1].isupper(), not t.endswith((".", "!", ";", ","))))


@dataclass
class _Placed:
    """Where a question's entries go before grouping: to the earlier item that lists their wording
    (members: the item's index and the entries' positions), or to grouping (free)."""

    earlier: list[dict[str, Any]]  # the previous record's items
    anchors: list[tuple[str, int]]  # each wording of an earlier item, and the item's index
    members: dict[int, list[int]]
    free: list[int]

    def texts(self, raised: list[tuple[str, dict[str, Any]]]) -> list[str]:
        """What grouping groups: the earlier items' wordings, then the free entries; nothing when no
        entry is free (every entry went to an earlier item)."""
        if not self.free:
            return []
        return [wording for wording, _ in self.anchors] + [raised[p][1]["text"] for p in self.free]


def _place(raised: list[tuple[str, dict[str, Any]]], previous: list[dict[str, Any]]) -> _Placed:
    """An entry whose wording the previous record lists (in an item's `wordings`, or its text; the
    exact wording first, then its grouping key) goes to that item, so a wording the facilitator
    moved stays where they put it; the others are free."""
    earlier = [p for p in previous if isinstance(p, dict)]
    anchors = [(wording, index) for index, item in enumerate(earlier) for wording in _wordings(item)]
    exact: dict[str, int] = {}
    for wording, index in anchors:
        exact.setdefault(same_wording(wording), index)
    pinned: dict[str, int] = {}  # the earlier wordings' grouping keys: made when an entry first needs them
    members: dict[int, list[int]] = {}
    free = []
    for position, (_, entry) in enumerate(raised):
        index = None
        if exact:  # a re-merge: the item that lists this exact wording, else one with its grouping key
            index = exact.get(same_wording(entry["text"]))
            if index is None:
                if not pinned:
                    for wording, earlier_index in anchors:
                        pinned.setdefault(grouping.key(wording), earlier_index)
                index = pinned.get(grouping.key(entry["text"]))
        if index is None:
            free.append(position)
        else:
            members.setdefault(index, []).append(position)
    return _Placed(earlier, anchors, members, free)


def _merge_items(
    question: Question, raised: list[tuple[str, dict[str, Any]]], placed: _Placed, groups: list[list[int]]
) -> list[dict[str, Any]]:
    """Near-duplicate entries grouped, keeping the previous record's grouping and the facilitator's edits.

    Entries go to the earlier items _place found for them. The free ones are grouped with each other
    and with the earlier wordings (groups: grouping.group of placed.texts); a group that meets an
    earlier item joins it. An earlier item keeps its text, its id and the facilitator's fields; one
    that nobody raises any more is dropped, unless the facilitator added it (it never had anyone in
    raised_by).
    """
    earlier, anchors, members, free = placed.earlier, placed.anchors, placed.members, placed.free
    new_groups: list[list[int]] = []
    for group in groups:
        positions = [free[i - len(anchors)] for i in group if i >= len(anchors)]
        met = [anchors[i][1] for i in group if i < len(anchors)]
        if met and positions:
            members.setdefault(min(met), []).extend(positions)
        elif positions:
            new_groups.append(positions)

    merged = []
    for index, item in enumerate(earlier):
        if index in members or not (item.get("raised_by") or item.get("count")):  # anonymous records have counts only
            kept = {k: v for k, v in item.items() if k not in ("count", "raised_by", "wordings", "votes", "voters")}
            merged.append(_fill(question, kept, [raised[p] for p in sorted(members.get(index, []))], _wordings(item)))
    for positions in new_groups:
        entries = [raised[p] for p in positions]
        merged.append(_fill(question, {"text": _representative([e["text"] for _, e in entries])}, entries, []))
    merged.sort(key=lambda item: -item["count"])
    return merged


def _fill(question: Question, item: dict[str, Any], entries: list[tuple[str, dict[str, Any]]], wordings: list[str]) -> dict[str, Any]:
    """item with who raised it, how many, every wording, and the fields the entries give that it lacks."""
    names = _distinct(name for name, _ in entries)
    item.update(count=len(names), raised_by=names)
    for field in question.fields:
        given = _given(entries, field)
        if given and field not in item:
            item[field] = given[0]["value"]
        if len(given) > 1:  # every distinct value kept with who gave it: the report shows them all
            item[f"{field}_given"] = given
        else:
            item.pop(f"{field}_given", None)
    # every wording, even when it is only the text: a text the facilitator retypes keeps its wordings
    item["wordings"] = list(dict.fromkeys([*wordings, *(entry["text"] for _, entry in entries)]))
    return item


def _ids(item: dict[str, Any]) -> list[str]:
    """The ids an action answers to: its own, and those of the actions `move` folded into it."""
    return [str(i) for i in (item.get("id"), *item.get("former_ids", [])) if i]


def _deleted(section: dict[str, Any], raised: set[str]) -> list[dict[str, Any]]:
    """The actions deleted from the record by hand whose wordings are still raised: deleting means
    dropping, so each comes back with its id, status `dropped` and the wordings it stood for (from
    the section's `ledger`: the wordings of every id, own or folded, at the last merge), never
    under a new id. A missing id whose wordings another item now holds (it was folded into an
    action deleted since) goes to that item's `former_ids`, so its votes still count."""
    items = [i for i in section.get("items", []) if isinstance(i, dict)]
    present = {action_id.casefold() for item in items for action_id in _ids(item)}
    holder = {same_wording(w): item for item in items for w in _wordings(item)}
    restored = []
    for action_id, wordings in section.get("ledger", {}).items():
        if action_id.casefold() in present:
            continue
        left = [w for w in wordings if same_wording(w) not in holder]
        if any(same_wording(w) in raised for w in left):
            item = {"text": left[0], "wordings": left, "id": action_id, "status": "dropped"}
            restored.append(item)
            holder.update((same_wording(w), item) for w in left)
        elif wordings and same_wording(wordings[0]) in holder:
            held = holder[same_wording(wordings[0])]
            held["former_ids"] = [*held.get("former_ids", []), action_id]
        present.add(action_id.casefold())
    return restored


def _given(entries: list[tuple[str, dict[str, Any]]], field: str) -> list[dict[str, Any]]:
    """Each distinct value the entries give field (wordings alike in case and spacing are one), in
    the order first given, with who gave it."""
    given: dict[Any, dict[str, Any]] = {}
    for name, entry in entries:
        value = entry.get(field)
        if value:
            one = given.setdefault(same_wording(value) if isinstance(value, str) else value, {"value": value, "raised_by": []})
            if name not in one["raised_by"]:
                one["raised_by"].append(name)
    return [{**one, "count": len(one["raised_by"])} for one in given.values()]


def _assign_action_ids(items: list[dict[str, Any]], next_id: int) -> int:
    """Each action keeps the id it had; a new one gets the next id never used in this record."""
    taken: set[str] = set()
    for item in items:
        if not _ACTION_ID.match(str(item.get("id", ""))) or item["id"] in taken:
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
        merged = people.setdefault(key, {"name": [], "roles": [], "interests": [], "raised_by": [], "entries": []})
        merged["name"].append(person["name"])
        merged["entries"].append((name, person))
        merged["roles"].append(person["role"])
        merged["interests"].append(person["interest"])
        merged["raised_by"].append(name)
    for merged in people.values():
        merged["name"] = _representative(merged["name"])  # the spelling most people used
        entries = merged.pop("entries")
        for field in ("roles", "interests", "raised_by"):
            merged[field] = _distinct(merged[field])
        for field in ("role", "interest"):  # when they differ, who gave which
            given = _given(entries, field)
            if len(given) > 1:
                merged[f"{field}_given"] = given
    return sorted(people.values(), key=lambda p: -len(p["raised_by"]))


@dataclass(frozen=True)
class Clock:
    """How event times are read: clock times fall on `day`; times with an offset are moved to `offset`,
    the one most often given, and times without one are taken to be in it, so all compare."""

    day: dt.date
    offset: dt.tzinfo | None = None

    def moment(self, text: str) -> dt.datetime | None:
        at = answers_mod.parse_time(text, self.day)
        if at is not None and at.tzinfo is not None:
            at = at.astimezone(self.offset or at.tzinfo).replace(tzinfo=None)
        return at

    def to_record(self) -> dict[str, str]:
        """The clock as the record's [incident] table keeps it: `day`, and `zone` (UTC, UTC+05:30)
        when anyone gave an offset, so the report shows every time in one zone and one form."""
        kept = {"day": self.day.isoformat()}
        if self.offset is not None:
            offset = dt.datetime.now(self.offset).strftime("%z")
            kept["zone"] = "UTC" if offset == "+0000" else f"UTC{offset[:3]}:{offset[3:]}"
        return kept

    @classmethod
    def from_record(cls, incident: dict[str, Any]) -> Clock | None:
        """The clock to_record kept; None when there is none (or it was edited into something else)."""
        try:
            day = dt.date.fromisoformat(incident["day"])
            zone = incident.get("zone")
            offset = dt.datetime.fromisoformat(f"2000-01-01T00:00{zone[3:] or '+00:00'}").tzinfo if zone else None
        except (KeyError, TypeError, ValueError):
            return None
        return cls(day, offset)


def _time_texts(qset: QuestionSet, responses: list[Response]) -> tuple[dict[str, list[str]], list[str]]:
    """Every time given: those of each incident fact (start, detection, end), and all of them (with event times)."""
    facts: dict[str, list[str]] = {qid: [] for qid in TIME_FACTS}
    every: list[str] = []
    for question in qset.questions:
        for response in responses:
            value = response.answers.get(question.id)
            if question.kind == "events":
                every += [event["time"] for event in value or []]
            elif question.kind == "text" and question.id in TIME_FACTS and value:
                every.append(value)
                facts[question.id].append(value)
    return facts, every


def make_clock(qset: QuestionSet, responses: list[Response], session_date: dt.date) -> Clock:
    """Clock times are on the incident's day: the date of the earliest full start date-time given,
    else of the earliest full detection date-time, else the day most full date-times fall on (the
    later on a tie), else the session date. So a precursor dated weeks before moves no clock time."""
    facts, every = _time_texts(qset, responses)
    day = session_date
    for candidates in (facts["started_at"], facts["detected_at"]):
        dated = [d for d in map(answers_mod.dated, candidates) if d is not None]
        if dated:
            day = min(d.date() for d in dated)
            break
    else:
        days = Counter(d.date() for d in map(answers_mod.dated, every) if d is not None)
        if days:
            day = max(days, key=lambda d: (days[d], d))
    offsets = Counter(at.utcoffset() for at in (answers_mod.parse_time(t, day) for t in every) if at and at.tzinfo)
    return Clock(day, dt.timezone(offsets.most_common(1)[0][0]) if offsets else None)


def _most_given(values: list[str], prefer: Any = lambda v: v[:1].isupper()) -> str:
    """The value given most often; a tie goes to the one `prefer` ranks highest, then the first given."""
    counts = Counter(values)
    return max(counts, key=lambda v: (counts[v], prefer(v)))


def _merge_events(raised: list[tuple[str, dict[str, str]]], clock: Clock) -> list[dict[str, Any]]:
    """Every event once, sorted by time; events at the same minute that make the same point (grouped
    as items are) joined with who gave them. Times that are not a time are kept as given and listed
    last, in order of appearance."""
    moments: dict[tuple[Any, ...], list[tuple[str, dict[str, str], dt.datetime | None]]] = {}
    for name, event in raised:
        at = clock.moment(event["time"])
        when = ("at", at.replace(second=0, microsecond=0)) if at is not None else ("text", " ".join(event["time"].casefold().split()))
        moments.setdefault(when, []).append((name, event, at))
    groups = [
        [members[i] for i in group]
        for members in moments.values()
        for group in grouping.group([event["what"] for _, event, _ in members])
    ]
    merged = []
    for order, members in enumerate(groups):
        names = _distinct(name for name, _, _ in members)
        entry: dict[str, Any] = {"time": _most_given([event["time"] for _, event, _ in members], prefer=lambda t: answers_mod.dated(t) is None)}
        if members[0][2] is not None:
            entry["at"] = members[0][2]  # the moment the time was read as, for sorting
        entry.update(what=_most_given([event["what"] for _, event, _ in members]), count=len(names), raised_by=names)
        merged.append((order, entry))
    merged.sort(key=lambda pair: (0, pair[1]["at"], pair[0]) if "at" in pair[1] else (1, dt.datetime.min, pair[0]))
    return [entry for _, entry in merged]


def _duration(delta: dt.timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds < 60:
        return f"{seconds} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


_SPANS = {
    "time_to_detect": ("started_at", "detected_at"), "time_to_resolve": ("detected_at", "resolved_at"), "duration": ("started_at", "resolved_at")
}
_WORD = {"started_at": "start", "detected_at": "detection", "resolved_at": "resolution"}
# Longer than this between two incident times is more likely a mistyped date than an incident: it is flagged.
LONGEST_SPAN = dt.timedelta(days=7)


def _incident(qset: QuestionSet, responses: list[Response], clock: Clock) -> dict[str, Any]:
    """Severity and start/detection/end times as one set of facts, with the durations between them.

    Several answers: the severity most given (a tie goes to the more severe, listed first in the set);
    the earliest start and detection, the latest resolution. The differing answers are kept beside.
    Answers that make a duration negative (people's times merged: one person's own are refused when
    read) or longer than LONGEST_SPAN are flagged in `time_problems`, for the report to show."""
    facts: dict[str, Any] = {}
    question = qset.question(SEVERITY)
    if question is not None and question.kind == "choice":
        given = [r.answers[SEVERITY] for r in responses if r.answers.get(SEVERITY)]
        if given:
            counts = Counter(given)
            facts[SEVERITY] = max(question.choices, key=lambda c: counts[c])
            if len(counts) > 1:
                facts[f"{SEVERITY}_given"] = [c for c in question.choices if counts[c]]
    moments: dict[str, dt.datetime] = {}
    for qid, pick in TIME_FACTS.items():
        question = qset.question(qid)
        if question is None or question.kind != "text":
            continue
        distinct: dict[Any, tuple[dt.datetime | None, str]] = {}
        for text in (r.answers[qid] for r in responses if r.answers.get(qid)):
            at = clock.moment(text)
            distinct.setdefault(at if at is not None else text.casefold(), (at, text))
        if not distinct:
            continue
        timed = [(at, text) for at, text in distinct.values() if at is not None]
        if timed:
            moments[qid], facts[qid] = pick(timed, key=lambda pair: pair[0])
        else:
            facts[qid] = next(iter(distinct.values()))[1]
        if len(distinct) > 1:
            ordered = sorted(timed, key=lambda pair: pair[0]) + [p for p in distinct.values() if p[0] is None]
            facts[f"{qid}_given"] = [text for _, text in ordered]
    if moments:
        facts.update(clock.to_record())
    for name, (begin, end) in _SPANS.items():
        if begin in moments and end in moments:
            delta = moments[end] - moments[begin]
            if delta < dt.timedelta(0):
                facts.setdefault("time_problems", []).append(
                    f"the {_WORD[end]} given is before the {_WORD[begin]}, so no {name.replace('_', ' ')} is shown"
                )
            else:
                facts[name] = _duration(delta)
                if delta > LONGEST_SPAN:
                    facts.setdefault("time_problems", []).append(
                        f"the {name.replace('_', ' ')} is over {LONGEST_SPAN.days} days: check the dates given"
                    )
    return facts


def _summary(values: list[int], points: int) -> dict[str, Any]:
    distribution = [values.count(point) for point in range(1, points + 1)]
    mean = round(sum(values) / len(values), 2) if values else 0.0
    return {"count": len(values), "mean": mean, "distribution": distribution}


def _merge_scores(question: Question, raised: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    teams: dict[str, dict[str, Any]] = {}
    for name, entry in raised:
        label = entry[question.key]
        team = teams.setdefault(grouping.key(label) or label.casefold(), {"spellings": [], "raised_by": [], "values": {}})
        team["spellings"].append(label)
        team["raised_by"].append(name)
        for dimension in question.dimensions:
            if dimension in entry:
                team["values"].setdefault(dimension, []).append(entry[dimension])
    return [
        {
            "name": _representative(team["spellings"]),
            "raised_by": _distinct(team["raised_by"]),
            "scores": {
                d: _summary(team["values"][d], len(question.labels)) for d in question.dimensions if d in team["values"]
            },
        }
        for team in teams.values()
    ]


def _answers(question: Question, responses: list[Response], anonymous: bool) -> list[tuple[str, Any]]:
    """Who answered the question, and what."""
    given = [(r.name, r.answers[question.id]) for r in responses if question.id in r.answers]
    return _by_content(given) if anonymous else given


SPLIT = 20_000  # texts to group from which two processes group them: fewer take less time than forking


def _all_items(
    qset: QuestionSet, responses: list[Response], previous: dict[str, dict[str, Any]], anonymous: bool
) -> dict[str, list[dict[str, Any]]]:
    """Each items question's merged items (_merge_items). With SPLIT texts to group or more, a
    forked copy of this process groups some questions while this one groups the others
    (parallel.py): the texts are split about evenly, and only the groups' indices come back."""
    from postmortem import parallel

    work: dict[str, tuple[Question, list[tuple[str, dict[str, Any]]], _Placed]] = {}
    texts: dict[str, list[str]] = {}  # what each question groups
    for question in qset.questions:
        if question.kind != "items":
            continue
        raised = [(name, entry) for name, entries in _answers(question, responses, anonymous) for entry in entries]
        earlier = previous.get(question.id, {}).get("items", [])
        if question.actions:
            earlier = earlier + _deleted(previous.get(question.id, {}), {same_wording(entry["text"]) for _, entry in raised})
        placed = _place(raised, earlier)
        work[question.id], texts[question.id] = (question, raised, placed), placed.texts(raised)

    def group(ids: list[str]) -> list[list[list[int]]]:
        return [grouping.group(texts[i]) for i in ids]

    here, there = _even({i: len(t) for i, t in texts.items()})
    if sum(map(len, texts.values())) < SPLIT or not there:
        here, there = list(texts), []
        mine, theirs = group(here), []
    else:
        mine, theirs = parallel.both(lambda: group(here), lambda: group(there))
    groups = dict(zip(here + there, mine + theirs, strict=True))
    return {i: _merge_items(question, raised, placed, groups[i]) for i, (question, raised, placed) in work.items()}


def _even(sizes: dict[str, int]) -> tuple[list[str], list[str]]:
    """The keys in two lists of about the same total size: the largest first, each to the lighter list."""
    sides: tuple[list[str], list[str]] = ([], [])
    totals = [0, 0]
    for key in sorted(sizes, key=lambda k: -sizes[k]):
        lighter = 0 if totals[0] <= totals[1] else 1
        sides[lighter].append(key)
        totals[lighter] += sizes[key]
    return sides


def _section(
    question: Question, responses: list[Response], items: list[dict[str, Any]] | None, next_id: int, clock: Clock,
    anonymous: bool = False,
) -> tuple[dict[str, Any], int]:
    """The record's section of question; items: its merged items (_all_items), for an items question."""
    section: dict[str, Any] = {"id": question.id, "kind": question.kind, "heading": question.heading, "prompt": question.prompt}
    if items is not None:
        if question.actions:
            section["actions"] = True
            next_id = _assign_action_ids(items, next_id)
            section["ledger"] = {i: item["wordings"] for item in items if item.get("wordings") for i in _ids(item)}
        if question.agreements:
            section["agreements"] = True
        section["items"] = items
        return section, next_id
    given = _answers(question, responses, anonymous)
    if question.kind == "events":
        section["events"] = _merge_events([(name, e) for name, events in given for e in events], clock)
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


def _content(entry: Any) -> tuple[str, ...]:
    """What an answer or an entry says, to order by: its text first (or its one value), then its other fields."""
    if not isinstance(entry, dict):
        return (str(entry),)
    main = next((k for k in ("text", "name", "what") if k in entry), "")
    return (str(entry.get(main, "")), *(f"{k}={entry[k]}" for k in sorted(entry) if k != main))


def _by_content(given: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """An anonymous section's answers, each list split into its entries, in the order of what they
    say: the record keeps no order of who answered, so no position joins one person's answers across
    sections, or their entries within one."""
    entries: list[tuple[str, Any, Any]] = []
    for name, value in given:
        entries += [(name, [entry], entry) for entry in value] if isinstance(value, list) else [(name, value, value)]
    entries.sort(key=lambda e: _content(e[2]))
    return [(name, value) for name, value, _ in entries]


def build_record(
    session: Session,
    qset: QuestionSet,
    responses: list[Response],
    previous: dict[str, Any] | None = None,
    carried_over: list[dict[str, Any]] | None = None,
    uncounted: list[str] | None = None,
) -> dict[str, Any]:
    """The merged record of every complete response; ids and facilitator edits kept from previous;
    carried_over: the still-open actions of earlier post-mortems (followup.carried_over);
    uncounted: gets a line for every vote not counted, and why (vote.tally)."""
    previous = previous or {}
    complete = sorted((r for r in responses if r.complete), key=lambda r: r.name.casefold())
    earlier_sections = {s.get("id"): s for s in previous.get("sections", []) if isinstance(s, dict)}
    next_id = max(  # past every id ever given: an id is never given twice
        [previous.get("next_action_id", 1)]
        + [_id_number(i) + 1 for s in earlier_sections.values() for item in s.get("items", []) for i in _ids(item)]
        + [_id_number(i) + 1 for s in earlier_sections.values() for i in s.get("ledger", {})]
    )
    clock = make_clock(qset, complete, session.date)
    items = _all_items(qset, complete, earlier_sections, session.anonymous)
    sections = []
    for question in qset.questions:
        section, next_id = _section(question, complete, items.get(question.id), next_id, clock, session.anonymous)
        sections.append(section)
    from postmortem import vote

    not_counted = vote.tally(session, sections, responses)
    if uncounted is not None:
        uncounted += not_counted
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
    incident = _incident(qset, complete, clock)
    if any("at" in event for section in sections for event in section.get("events", [])):
        incident.update(clock.to_record())
    if incident:
        record["incident"] = incident
    if carried_over:
        record["carried_over"] = carried_over
    if session.anonymous:
        record["sections"] = [_anonymise(s) for s in sections]
        return record
    record["participants"] = [{"name": r.name, "role": r.role} for r in complete]
    silent = not_heard_from(session, responses)
    if silent:
        record["not_heard_from"] = silent
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
    for key in ("items", "people", "choices", "teams", "events"):
        if key in clean:
            clean[key] = [record_mod.without_names(entry) for entry in clean[key]]  # also who gave each value of a field
    return clean


def not_heard_from(session: Session, responses: list[Response]) -> list[str]:
    """Who the record has nothing from: people who finished with every answer empty, those with
    only a draft, and invited people who never answered (each once, spelled as invited, in order of name)."""
    from postmortem.session import person_key

    known = {
        person_key(r.name) for r in responses if r.complete and (r.agreements or any(v not in (None, "", [], {}) for v in r.answers.values()))
    }
    silent: list[str] = []
    for name in [n.strip() for n in session.invited if n.strip()] + [r.name for r in responses]:  # as invited
        if person_key(name) not in known:
            known.add(person_key(name))
            silent.append(name)
    return sorted(silent, key=str.casefold)


def drafts(responses: list[Response]) -> list[str]:
    return [r.name for r in responses if not r.complete]

