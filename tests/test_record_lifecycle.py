"""No sequence of ordinary actions loses anything: a stateful property test over the life of a
record (answers, drafts, late responses, votes, edits, moves, hand edits, deletions, actions done
and reopen, merges), checking after every merge that

- every wording of every finished answer is in exactly one item of its section;
- an id once given is never given again, and every action stays under its id (or in the
  `former_ids` of the action `move` folded it into);
- every facilitator field (text, owner, due, status, notes) set before a merge is still there;
- the votes add up to the dots that count, and every dot that does not is named on stderr;
- the record passes `check`, loads and renders.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from conftest import Cli, write_answers
from postmortem import record as record_mod
from postmortem import render as render_mod
from postmortem import session as session_mod
from postmortem import response as response_mod
from postmortem import store

PEOPLE = ("Ann", "Bob", "Cy", "Dee", "Eve", "Fay", "Gus")
IMPROVEMENTS = (
    "Daily check-in at 9:00", "daily check-in at 9:00", "Daily check-in at 9:00.", "Ask for an extra resource",
    "Ask corporate for an extra resource", "One shared task board", "Book meeting rooms early", "Write the runbook",
)
WENT_WELL = ("Clear scope", "clear scope.", "Landed on time", "HR helped")
FIELDS = ("text", "owner", "due", "status", "notes")
OWNERS = ("Kyle", "Linda", "Marcus")
STATUSES = ("open", "in progress", "done", "dropped")
DOTS = re.compile(r"^postmortem: (\d+) dot\(s\) for .* not counted: ", re.MULTILINE)


def _items(record: dict[str, Any], section: str) -> list[dict[str, Any]]:
    return next(s for s in record["sections"] if s["id"] == section)["items"]


def _actions(record: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {i["id"]: i for i in _items(record, "improvements") if i.get("id")}  # an item moved out has none until merge


class RecordLife(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.cli = Cli()
        self.root = Path(tempfile.mkdtemp(prefix="pm-life-"))
        self.folder = self.root / "pm"
        self.answered: dict[str, dict[str, list[str]]] = {}  # finished responses: name -> answers
        self.drafts: set[str] = set()
        self.seen: set[str] = set()  # every action id ever in the record
        self.last: set[str] = set()  # the action ids the last merge wrote
        self.merged = False

    def teardown(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    # -- helpers --------------------------------------------------------------------------------

    def record(self) -> dict[str, Any]:
        return tomllib.loads((self.folder / "record.toml").read_text(encoding="utf-8"))

    def hand_edit(self, change) -> None:
        path = self.folder / "record.toml"
        record = tomllib.loads(path.read_text(encoding="utf-8"))
        change(record)
        path.write_text(store.dumps(record, fast=True), encoding="utf-8")

    def ok(self, *args: Any) -> Any:
        result = self.cli(*args)
        assert result.exit_code in (0, 2), result.output
        assert "Traceback" not in result.output
        return result

    def known_ids(self) -> list[str]:
        return sorted(_actions(self.record())) if self.merged else []

    # -- participants ---------------------------------------------------------------------------

    @rule(name=st.sampled_from(PEOPLE), improvements=st.lists(st.sampled_from(IMPROVEMENTS), max_size=3, unique=True),
          went_well=st.lists(st.sampled_from(WENT_WELL), max_size=2, unique=True))
    def answer(self, name: str, improvements: list[str], went_well: list[str]) -> None:
        """A response, or a late one after a merge."""
        if name in self.answered or name in self.drafts:
            return
        answers = {"improvements": improvements, "went_well": went_well}
        result = self.cli("start", self.folder, "--project", "Life", "--date", "2026-11-02", "--answers",
                          write_answers(self.root, name, answers))
        assert result.exit_code == 0, result.output
        self.answered[name] = answers

    @precondition(lambda self: self.folder.exists())
    @rule(name=st.sampled_from(PEOPLE), improvements=st.lists(st.sampled_from(IMPROVEMENTS), max_size=2, unique=True))
    def interrupted(self, name: str, improvements: list[str]) -> None:
        """An interview stopped half-way: a draft, which merge leaves out."""
        if name in self.answered or name in self.drafts:
            return
        draft = response_mod.Response(name, "", {"improvements": [{"text": t} for t in improvements]}, done=["went_well"])
        response_mod.save_response(self.folder, draft)
        self.drafts.add(name)

    @precondition(lambda self: self.merged)
    @rule(data=st.data(), dots=st.integers(1, 3))
    def vote(self, data: st.DataObject, dots: int) -> None:
        ids = sorted(i for i, item in _actions(self.record()).items() if item.get("status") not in ("done", "dropped"))
        if not ids or not self.answered:
            return
        name = data.draw(st.sampled_from(sorted(self.answered)))
        action_id = data.draw(st.sampled_from(ids))
        assert self.cli("vote", self.folder, "--name", name, "--votes", f"{action_id}={dots}").exit_code == 0

    @precondition(lambda self: self.merged)
    @rule(data=st.data(), unknown=st.booleans())
    def vote_by_hand(self, data: st.DataObject, unknown: bool) -> None:
        """Votes written into a file by hand: for an id that is not there, or in a draft."""
        names = sorted(self.drafts) if not unknown else sorted(self.answered)
        if not names:
            return
        name = data.draw(st.sampled_from(names))
        path = self.folder / "responses" / f"{session_mod.slugify(name)}.toml"
        data_ = tomllib.loads(path.read_text(encoding="utf-8"))
        ids = self.known_ids()
        target = "A99" if unknown or not ids else data.draw(st.sampled_from(ids))
        data_["votes"] = {target: 1}
        path.write_text(store.dumps(data_, fast=True), encoding="utf-8")

    # -- the facilitator ------------------------------------------------------------------------

    @precondition(lambda self: self.merged)
    @rule(data=st.data(), field=st.sampled_from(("owner", "status", "note", "due")), by_hand=st.booleans())
    def edit(self, data: st.DataObject, field: str, by_hand: bool) -> None:
        ids = self.known_ids()
        if not ids:
            return
        action_id = data.draw(st.sampled_from(ids))
        value = {"owner": st.sampled_from(OWNERS), "status": st.sampled_from(STATUSES),
                 "note": st.sampled_from(("Agreed", "Waiting on HR")), "due": st.sampled_from(("2026-12-15", "2027-01-31"))}
        chosen = data.draw(value[field])
        if by_hand:
            key = "notes" if field == "note" else field
            parsed: Any = chosen if field != "due" else tomllib.loads(f"d = {chosen}")["d"]
            self.hand_edit(lambda r: _actions(r)[action_id].update({key: parsed}))
        else:
            assert self.cli("edit", action_id, self.folder, f"--{field}", chosen).exit_code == 0

    @precondition(lambda self: self.merged)
    @rule(data=st.data(), text=st.sampled_from(("Fixed 9:00 check-in", "Extra person in busy season", "A board")))
    def retype(self, data: st.DataObject, text: str) -> None:
        """The facilitator rewrites an item's text in the record by hand."""
        record = self.record()
        section = data.draw(st.sampled_from(("improvements", "went_well")))
        if not _items(record, section):
            return
        index = data.draw(st.integers(0, len(_items(record, section)) - 1))
        self.hand_edit(lambda r: _items(r, section)[index].update(text=text))

    @precondition(lambda self: self.merged)
    @rule(data=st.data())
    def delete(self, data: st.DataObject) -> None:
        """The facilitator deletes an action from the record by hand."""
        ids = self.known_ids()
        if not ids:
            return
        action_id = data.draw(st.sampled_from(ids))
        self.hand_edit(lambda r: _items(r, "improvements").remove(_actions(r)[action_id]))
        self.deleted.add(action_id)

    @precondition(lambda self: self.merged)
    @rule(data=st.data(), out=st.booleans())
    def move(self, data: st.DataObject, out: bool) -> None:
        items = _items(self.record(), "improvements")
        wordings = [w for i in items for w in i.get("wordings", [i["text"]])]
        if not wordings:
            return
        wording = data.draw(st.sampled_from(wordings))
        if out:
            self.ok("move", wording, self.folder, "--out")
        else:
            ids = self.known_ids()
            if ids:
                self.ok("move", wording, self.folder, "--to", data.draw(st.sampled_from(ids)))

    @precondition(lambda self: self.merged)
    @rule(data=st.data(), done=st.booleans())
    def done_or_reopen(self, data: st.DataObject, done: bool) -> None:
        ids = self.known_ids()
        if ids:
            result = self.cli("actions", "done" if done else "reopen", data.draw(st.sampled_from(ids)), self.folder)
            assert result.exit_code == 0, result.output

    # -- merge and what must hold after it -----------------------------------------------------

    deleted: set[str]

    @precondition(lambda self: self.folder.exists())
    @rule()
    def merge(self) -> None:
        before = self.record() if self.merged else None
        kept = {}
        given: set[str] = set()
        if before is not None:
            for action_id, item in _actions(before).items():
                kept[action_id] = {f: item[f] for f in FIELDS if f in item}
            given = {i for s in before["sections"] for item in s.get("items", []) for i in (item.get("id"), *item.get("former_ids", [])) if i}
            given |= {i for s in before["sections"] for i in s.get("ledger", {})}
        result = self.cli("merge", self.folder)
        assert result.exit_code == 0, result.output
        self.merged = True
        record = self.record()
        actions = _actions(record)

        # every finished answer's wording in exactly one item
        for answers in self.answered.values():
            for section, texts in answers.items():
                for text in texts:
                    holding = [i for i in _items(record, section) if text in i.get("wordings", [i["text"]])]
                    assert len(holding) == 1, (section, text, holding)

        # ids: never given twice; every action before is there after, under its id or folded
        folded = {f for i in actions.values() for f in i.get("former_ids", [])}
        for action_id in actions:
            assert action_id in given or action_id not in self.seen, f"{action_id} given again"
        for action_id in self.last | set(kept):  # since the last merge: moved, edited, deleted by hand, or not
            assert action_id in actions or action_id in folded, f"{action_id} lost"
        for action_id, fields in kept.items():
            if action_id in actions:  # every facilitator field as it was
                assert {f: actions[action_id].get(f) for f in fields} == fields, action_id
        for action_id in getattr(self, "deleted", set()):
            assert action_id in actions or action_id in folded
            if action_id in actions and action_id not in kept:
                assert actions[action_id]["status"] == "dropped"
        self.deleted = set()
        self.seen |= set(actions) | folded
        self.last = set(actions)

        # votes: the dots that count, and every other dot named
        answers_to = {i.casefold(): item_id for item_id, item in actions.items() for i in (item_id, *item.get("former_ids", []))}
        counted: dict[str, int] = {}
        uncounted = 0
        for path in response_mod.response_paths(self.folder):
            response = tomllib.loads(path.read_text(encoding="utf-8"))
            for action_id, dots in response.get("votes", {}).items():
                target = answers_to.get(action_id.casefold())
                if response.get("status") == "complete" and target:
                    counted[target] = counted.get(target, 0) + dots
                else:
                    uncounted += dots
        assert {i: a.get("votes", 0) for i, a in actions.items() if a.get("votes")} == {i: n for i, n in counted.items() if n}
        assert sum(int(n) for n in DOTS.findall(result.stderr)) == uncounted

        # the record passes check, loads and renders
        assert self.cli("check", self.folder).exit_code == 0
        render_mod.render_markdown(record_mod.load_record(self.folder / "record.toml"))

    @invariant()
    def nothing_half_written(self) -> None:
        if self.folder.exists():
            assert not list(self.folder.glob(".*.tmp"))


RecordLife.TestCase.settings = settings(  # no shrinking: it takes many minutes over these many files
    max_examples=60, stateful_step_count=40, deadline=None, derandomize=True,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
test_record_life = pytest.mark.slow(RecordLife.TestCase)
