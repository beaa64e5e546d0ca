"""Dot-voting: each participant spreads a few dots over the record's actions.

The votes live in the voter's own response file (`votes = {A1 = 2, A3 = 1}`), so people voting in
one git repository never touch the same file; voting again replaces that person's votes. merge adds
them up into each action's `votes` (a total, never who gave it) and orders the actions by it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from postmortem import escape
from postmortem import record as record_mod
from postmortem import session as session_mod
from postmortem import response as response_mod
from postmortem.errors import PostmortemError
from postmortem.session import Session
from postmortem.response import Response

_PAIR = re.compile(r"^([^=]+)=(.*)$")


def run(folder: Path, name: str | None, token: str | None, votes: str | None, tell: Callable[[str], None]) -> None:
    """`postmortem vote`: the dots given with votes (A1=2,A3=1), or asked for on the terminal
    (with the voter's name or token when neither is given), saved in the voter's response."""
    session = session_mod.load_session(folder)
    available = load_actions(folder)
    if votes is not None:
        response = voter(session, name, token)
        chosen = parse_votes(votes)
    else:
        from postmortem import interview

        if not interview.can_prompt():
            raise PostmortemError("standard input is not a terminal: give your dots with --votes A1=2,A3=1")
        with interview.terminal():
            if name is None and token is None:
                question = "Your token" if session.anonymous else "Your name"
                answer = interview.ask_text(question, validate=lambda t: bool(t.strip()) or "Please answer")
                name, token = (None, answer) if session.anonymous else (answer, None)
            response = voter(session, name, token)
            chosen = ask(available, session.dots, response.votes or {})
    chosen = check(chosen, available, session.dots)
    path = cast(session, response, chosen)
    left = session.dots - sum(chosen.values())
    tell(f"Saved your votes ({describe(chosen)}; {left} of {session.dots} dots left) in {path}; merge counts them.")
    tell(f"Dots so far: {standings(session, available)}.")


def load_actions(folder: Path) -> list[dict[str, Any]]:
    """The actions of the folder's merged record; there must be a record with at least one open
    (a done or dropped action gets no dots)."""
    path = session_mod.record_path(folder)
    found = record_mod.actions(record_mod.load_record(path))
    if not found:
        raise PostmortemError("the record has no actions to vote on", path=path)
    if all(closed(item) for item in found):
        raise PostmortemError("every action of the record is done or dropped: none is left to vote on", path=path)
    return found


def closed(item: dict[str, Any]) -> bool:
    return record_mod.status(item) not in record_mod.OPEN


def parse_votes(text: str) -> dict[str, int]:
    """`A1=2,A3=1` (commas or spaces between) as {id: dots}; an empty text is no votes."""
    votes: dict[str, int] = {}
    for part in (p for p in re.split(r"[,\s]+", re.sub(r"\s*=\s*", "=", text.strip())) if p):
        match = _PAIR.match(part)
        if not match:
            raise PostmortemError(f"--votes: {part!r} is not ACTION=DOTS, as in A1=2")
        action_id, number = match.group(1), match.group(2).strip()
        if not re.fullmatch(r"[+-]?\d+", number):
            raise PostmortemError(f"--votes: {number!r} is not a whole number of dots ({part})")
        if int(number) < 0:
            raise PostmortemError(f"--votes: dots cannot be negative ({part})")
        if action_id.casefold() in (known.casefold() for known in votes):
            raise PostmortemError(f"--votes: {action_id} is given twice")
        votes[action_id] = int(number)
    return votes


def check(votes: dict[str, int], available: list[dict[str, Any]], dots: int) -> dict[str, int]:
    """votes with each id spelled as in the record and zeros left out; unknown ids, done or dropped
    actions and overspending refused."""
    ids = {str(item["id"]).casefold(): item for item in available}
    checked: dict[str, int] = {}
    for action_id, number in votes.items():
        item = ids.get(action_id.casefold())
        if item is None:
            listed = ", ".join(str(i["id"]) for i in available if not closed(i))
            raise PostmortemError(f"no action {action_id!r} to vote for (the open actions are {listed})")
        if number and closed(item):
            raise PostmortemError(f"{item['id']} is {item['status']}: dots go to open actions")
        if number:
            checked[str(item["id"])] = number
    spent = sum(checked.values())
    if spent > dots:
        raise PostmortemError(f"that is {spent} dots, but each person has {dots} in this post-mortem")
    return checked


def voter(session: Session, name: str | None, token: str | None) -> Response:
    """The voter's own finished response: found by name, or by token when the post-mortem is
    anonymous. A draft is sent to finish first: merge leaves drafts out, and their votes with them."""
    qset = session.question_set()
    if session.anonymous:
        if name is not None:
            raise PostmortemError("this post-mortem is anonymous: vote with the token you were given (--token), not a name")
        who = response_mod.token_for(session.folder, token, new=False)
    else:
        if token is not None:
            raise PostmortemError("--token is for anonymous post-mortems; give your --name")
        if name is None or not name.strip():
            raise PostmortemError("give your --name")
        who = name.strip()
    response = response_mod.find_response(session.folder, who, qset)
    if response is None:
        raise PostmortemError(
            f"{escape.plain(who)} has no response in {response_mod.responses_dir(session.folder)}: "
            f"only participants vote, so answer first (postmortem start {escape.shell(str(session.folder))})"
        )
    if not response.complete:
        raise PostmortemError(
            f"your answers are an unfinished draft, and merge counts only finished responses' votes: "
            f"finish them first (postmortem start {escape.shell(str(session.folder))}), then vote"
        )
    return response


def cast(session: Session, response: Response, votes: dict[str, int]) -> Path:
    """Store votes in the voter's own response file, replacing any they cast before."""
    response.votes = dict(votes)
    return response_mod.save_response(session.folder, response)


def ask(available: list[dict[str, Any]], dots: int, previous: dict[str, int]) -> dict[str, int]:
    """Show every open action first, then ask, action by action, how many of the dots left go to it
    (the earlier vote offered as default). The totals so far stay hidden, so no one follows the crowd."""
    from postmortem import interview

    shown = [item for item in available if not closed(item)]
    interview.say(f"The {len(shown)} open actions; read them all, then spread your {dots} dots:", "bold")
    for item in shown:
        interview.say(f"  {escape.plain(str(item['id']))}  {escape.plain(str(item.get('text', '')))}")
    interview.say("Enter gives an action none.")
    votes: dict[str, int] = {}
    left = dots
    for item in shown:
        if not left:
            break
        action_id = str(item["id"])
        before = previous.get(action_id, 0)

        def valid(text: str, left: int = left) -> bool | str:
            text = text.strip()
            return (not text or (re.fullmatch(r"[0-9]+", text) is not None and int(text) <= left)) or f"A whole number from 0 to {left}"

        answer = interview.ask_text(
            f"{escape.plain(action_id)} {escape.plain(str(item.get('text', '')))}",
            default=str(before) if 0 < before <= left else "",
            instruction=f"({left} of {dots} dots left)",
            validate=valid,
        )
        if answer and int(answer):
            votes[action_id] = int(answer)
            left -= int(answer)
    return votes


def tally(session: Session, sections: list[dict[str, Any]], responses: list[Response]) -> list[str]:
    """Each action's `votes`: the dots given to it; actions then go by votes, most first (only when
    someone has voted; among equal votes, the order merge gave: count, id). Returns a line for every
    dot not counted, and why (see `_count`)."""
    items = [item for section in sections if section.get("actions") for item in section.get("items", [])]
    totals, uncounted = _count(session, items, responses)
    if any(response.votes for response in responses):
        for section in sections:
            if section.get("actions"):
                for item in section.get("items", []):
                    item["votes"] = totals[id(item)]
                section["items"].sort(key=lambda item: -item["votes"])
    return uncounted


def _count(session: Session, items: list[dict[str, Any]], responses: list[Response]) -> tuple[Counter[int], list[str]]:
    """The dots each of items got (by id() of the item), and a line for every dot not counted.

    The one rule of what counts: a dot counts when its voter's response is finished (merge leaves
    drafts out) and it names an action of the record, by its id or by the id of an action `move`
    folded into it (`former_ids`). (A response spending more dots than the session gives is refused
    when it is read: response.parse_response.)"""
    actions = {
        action_id.casefold(): item
        for item in items
        for action_id in (str(item.get("id", "")), *map(str, item.get("former_ids", [])))
    }
    totals: Counter[int] = Counter()
    uncounted = []
    for response in responses:
        for action_id, number in (response.votes or {}).items():
            item = actions.get(action_id.casefold())
            why = "the response is an unfinished draft" if not response.complete else None if item else "the record has no such action"
            if why is None:
                totals[id(item)] += number
            elif number:
                where = response_mod.responses_dir(session.folder) / f"{response.slug}.toml"
                uncounted.append(f"{number} dot(s) for {action_id} in {where} not counted: {why}")
    return totals, uncounted


def standings(session: Session, available: list[dict[str, Any]]) -> str:
    """The dots each open action has so far, from every finished response (merge has yet to count
    the newest), most first: shown to a voter once they have voted."""
    responses = response_mod.read_responses(session)
    totals, _ = _count(session, available, responses)
    shown = sorted((item for item in available if not closed(item)), key=lambda item: -totals[id(item)])
    return ", ".join(f"{item['id']} {totals[id(item)]}" for item in shown)


def describe(votes: dict[str, int]) -> str:
    return ", ".join(f"{action_id} {number}" for action_id, number in votes.items()) or "none"
