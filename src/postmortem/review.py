"""The facilitator's review of the grouping (`postmortem groups`; docs/grouping.md): each merged
group with its wordings and, for each wording, the nearest wordings that were not joined, with the
`move` command that would join them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from postmortem import grouping, semantic

SHOW = 0.1  # in the text view, a suggestion less alike than this is not worth a look (--json has all)


@dataclass(frozen=True)
class Suggestion:
    wording: str
    group: str  # the item it is in: its action id, or its text
    score: float  # how alike, 0 to 1
    command: str  # the `postmortem move` that would join the two


@dataclass
class Wording:
    wording: str
    group: str
    suggestions: list[Suggestion] = field(default_factory=list)


@dataclass
class Section:
    heading: str
    groups: list[tuple[str, list[Wording]]]  # each item's name and its wordings


def _texts(section: dict[str, Any]) -> tuple[list[str], list[list[int]]]:
    """Every wording of an items section, and the wordings of each item (indices)."""
    texts: list[str] = []
    members: list[list[int]] = []
    for item in section["items"]:
        wordings = item.get("wordings") or [item["text"]]
        members.append(list(range(len(texts), len(texts) + len(wordings))))
        texts += wordings
    return texts, members


def counts(record: dict[str, Any]) -> tuple[int, int | None]:
    """How many groups the record's items sections have, and how many wordings are close calls:
    None past SUGGEST_ALL wordings in a section, where close calls are many and costly to count."""
    sections = [_texts(s) for s in record.get("sections", []) if s.get("kind") == "items" and s.get("items")]
    groups = sum(len(members) for _, members in sections)
    if any(len(texts) > grouping.SUGGEST_ALL for texts, _ in sections):
        return groups, None
    return groups, sum(grouping.close_calls(texts, members) for texts, members in sections)


def _word(text: str) -> str:
    """text as one shell word on one line: move and merge compare wordings with spacing aside."""
    from postmortem.escape import shell

    return shell(" ".join(text.split()))


def _name(item: dict[str, Any]) -> str:
    return str(item.get("id") or item["text"])


def sections(record: dict[str, Any], folder: Path, most: int = grouping.SUGGESTIONS) -> list[Section]:
    """Every items section of the record, reviewed."""
    from postmortem.escape import shell

    out = []
    for section in record.get("sections", []):
        if section.get("kind") != "items" or not section.get("items"):
            continue
        texts, members = _texts(section)
        near = grouping.suggestions(texts, members, most, semantic.similarities(texts))
        names = [_name(item) for item in section["items"]]
        owners = {index: number for number, indices in enumerate(members) for index in indices}
        reviewed = Section(str(section.get("heading") or section.get("id", "")), [])
        for number, indices in enumerate(members):
            wordings = []
            for index in indices:
                suggested = [
                    Suggestion(
                        texts[j], names[owners[j]], score,
                        f"postmortem move {_word(texts[index])} {shell(str(folder))} --to {_word(names[owners[j]])}",
                    )
                    for j, score in near[index]
                ]
                wordings.append(Wording(texts[index], names[number], suggested))
            reviewed.groups.append((names[number], wordings))
        out.append(reviewed)
    return out


def to_json(reviewed: list[Section]) -> str:
    from postmortem.escape import to_json as dump

    return dump(
        [
            {
                "section": section.heading,
                "wording": w.wording,
                "group": w.group,
                "suggestions": [{"wording": s.wording, "group": s.group, "score": s.score, "move": s.command} for s in w.suggestions],
            }
            for section in reviewed
            for _, wordings in section.groups
            for w in wordings
        ]
    )


def to_text(reviewed: list[Section], most: int = grouping.SUGGESTIONS) -> str:
    """Per section, each group with its wordings, then the wordings of other groups nearest to it,
    each with the `move` that would bring it in."""
    from postmortem.escape import plain

    lines: list[str] = []
    for section in reviewed:
        lines.append(plain(section.heading))
        for name, wordings in section.groups:
            lines.append(f"  {plain(name)}")
            lines += [f"    - {plain(w.wording)}" for w in wordings if w.wording != name]
            nearest: dict[str, Suggestion] = {}
            for s in sorted((s for w in wordings for s in w.suggestions if s.score >= SHOW), key=lambda s: -s.score):
                nearest.setdefault(s.group, s)
            for s in list(nearest.values())[:most]:
                lines.append(f"      {s.score:.2f} not joined: {plain(s.wording)}")
                lines.append(f"           {s.command}")
        lines.append("")
    return "\n".join(lines)
