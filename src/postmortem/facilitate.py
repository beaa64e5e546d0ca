"""The facilitator's edits to a record: owner, due date, status, notes, text, summary, and moving a
wording between groups. Each runs under the record's lock, so no concurrent edit or merge is lost;
merge keeps all of it when it runs again."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from postmortem import record as record_mod
from postmortem.answers import parse_date
from postmortem.errors import PostmortemError
from postmortem.merge import same_wording
from postmortem.record import STATUSES



def change(path: Path, edit: Callable[[dict[str, Any]], str]) -> str:
    """Apply edit to the record at path under its lock; the record is written only if edit succeeds."""
    with record_mod.locked(path):
        record = record_mod.load_record(path)
        message = edit(record)
        record_mod.save_record(path, record)
    return message


def edit(path: Path, item: str, **given: str | None) -> str:
    """`postmortem edit`: set the summary or notes (item "summary" or "notes", with text), or an
    action's or agreement's fields (owner, due, status, note, text) in the record at path."""
    if item in ("summary", "notes"):
        text = given.get("text")
        if text is None:
            raise PostmortemError(f"give the {item} with --text")
        return change(path, lambda record: set_text(record, item, text))
    if all(value is None for value in given.values()):
        raise PostmortemError(f"nothing to change in {item}: give --owner, --due, --status, --note or --text")
    return change(path, lambda record: edit_item(record, item, **given))


def _items(record: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    return [(s, i) for s in record["sections"] if s.get("kind") == "items" for i in s.get("items", [])]


def find_action(record: dict[str, Any], action_id: str) -> dict[str, Any]:
    for item in record_mod.actions(record):
        if str(item["id"]).casefold() == action_id.casefold():
            return item
    ids = [str(i["id"]) for i in record_mod.actions(record)]
    raise PostmortemError(f"no action {action_id!r} in this record (its actions: {', '.join(ids) or 'none'})")


def edit_action(
    record: dict[str, Any],
    action_id: str,
    *,
    owner: str | None = None,
    due: str | None = None,
    status: str | None = None,
    note: str | None = None,
    text: str | None = None,
) -> str:
    item = find_action(record, action_id)
    if status is not None and status not in STATUSES:
        raise PostmortemError(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
    updates: dict[str, Any] = {"owner": owner, "status": status, "notes": note, "text": text}
    if due is not None:
        updates["due"] = parse_date(due, "--due") if due else ""
    for key, value in updates.items():
        if value is None:
            continue
        if value == "" and key != "text":
            item.pop(key, None)
        elif key == "text" and not value.strip():
            raise PostmortemError("--text must not be empty")
        else:
            if key == "text" and "wordings" not in item:
                item["wordings"] = [item["text"]]  # keep what participants wrote, so merge still finds it
            item[key] = value.strip() if isinstance(value, str) else value
    return f"{item['id']} updated."


def edit_item(record: dict[str, Any], item: str, *, status: str | None = None, note: str | None = None, **action: str | None) -> str:
    """Edit an action (item is its id) or an agreement (item is its wording, or a part of it:
    agreements.find); an agreement has only a status and a note."""
    from postmortem import agreements

    if any(str(a["id"]).casefold() == item.strip().casefold() for a in record_mod.actions(record)):
        return edit_action(record, item.strip(), status=status, note=note, **action)
    entries = agreements.find(record, item)
    if not entries:
        if not agreements.of(record):
            find_action(record, item)  # raises: no such action, and the record's actions
        ids = ", ".join(str(a["id"]) for a in record_mod.actions(record)) or "none"
        raise PostmortemError(f"no action or agreement {item!r} in this record (its actions: {ids}; an agreement is named by its words)")
    given = [name for name, value in action.items() if value is not None]
    if given:
        raise PostmortemError(f"an agreement has no {given[0]}: give its --status ({', '.join(agreements.STATUSES)}) or a --note")
    return agreements.edit(entries, status=status, note=note)


def set_text(record: dict[str, Any], field: str, text: str) -> str:
    if text.strip():
        record[field] = text.strip()
    else:
        record.pop(field, None)
    return f"{field} updated."


FIELDS = ("owner", "due", "notes", "status")  # what the facilitator sets on an item (status "open" is the default)


def _fold(source: dict[str, Any], target: dict[str, Any]) -> None:
    """target takes over source, whose last wording moves to it: source's id goes to target's
    former_ids (votes for it count for target, and it is never given again), and each facilitator
    field target lacks. A field both set differently is refused: nothing is dropped unseen."""
    for field in FIELDS:
        mine, theirs = source.get(field), target.get(field)
        if mine in (None, "", "open") or mine == theirs:
            continue
        if theirs not in (None, "", "open"):
            name = target.get("id") or repr(target["text"])
            raise PostmortemError(
                f"{source.get('id') or repr(source['text'])} has {field} {mine!r} and {name} has {theirs!r}; "
                f"moving its last wording would lose one: edit one of them first"
            )
        target[field] = mine
    folded = [str(i) for i in (source.get("id"), *source.get("former_ids", [])) if i]
    if folded:
        target["former_ids"] = list(dict.fromkeys([*target.get("former_ids", []), *folded]))


def move_wording(record: dict[str, Any], wording: str, *, to: str | None = None) -> str:
    """Move a wording (case and spacing aside) to another item of its section, or, with to=None,
    out into an item of its own. An item's last wording cannot move out (it is an item of its own
    already); moved to another item, that item takes over its id, votes and fields (_fold)."""
    wanted = same_wording(wording)
    found = [(s, i) for s, i in _items(record) if any(same_wording(w) == wanted for w in i.get("wordings") or [i["text"]])]
    if not found:
        raise PostmortemError(f"no item has the wording {wording!r}")
    section, source = found[0]
    words = source.get("wordings") or [source["text"]]
    moved = [w for w in words if same_wording(w) == wanted]
    rest = [w for w in words if w not in moved]
    if to is None:
        if not rest:
            name = source.get("id") or "its item"
            raise PostmortemError(f"{wording!r} is the only wording of {name}, an item of its own already; nothing to move out")
        target: dict[str, Any] = {"text": moved[0], "count": 0, "raised_by": [], "wordings": moved}
        section["items"].append(target)
    else:
        target = next(
            (i for i in section["items"] if str(i.get("id", "")).casefold() == to.casefold() or i["text"] == to), None
        )
        if target is None or target is source:
            raise PostmortemError(f"no other item {to!r} in the section {section['id']!r}")
        if not rest:
            _fold(source, target)
        target["wordings"] = list(dict.fromkeys([*(target.get("wordings") or [target["text"]]), *moved]))
    if not rest:
        section["items"].remove(source)
    else:
        source["wordings"] = rest
        if source["text"] in moved:
            source["text"] = rest[0]
    return f"Moved {wording!r} {'to ' + to if to else 'into an item of its own'}; run merge to recount."
