"""Merging one post-mortem folder: every response read and checked, the record rebuilt under its
lock. What `postmortem merge` runs, and the facilitator's page of `postmortem serve`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from postmortem.errors import PostmortemError


@dataclass
class Merged:
    path: Path  # the record.toml written
    record: dict[str, Any]
    drafts: list[str]  # unfinished drafts left out, by name
    carried: int  # open actions carried over from earlier post-mortems
    unreadable: list[PostmortemError]  # earlier records that could not be read (skipped)
    anonymous: bool
    uncounted: list[str]  # votes not counted, each with its file and why

    def summary(self) -> str:
        """One line: how many responses went in, and what was left out or carried over."""
        from postmortem.escape import plain
        from postmortem.session import person_key

        names = ", ".join(map(plain, self.drafts))
        note = f"; {len(self.drafts)} unfinished draft(s) left out: {names}" if self.drafts and not self.anonymous else ""
        drafted = {person_key(d) for d in self.drafts}
        silent = [n for n in self.record.get("not_heard_from", []) if person_key(n) not in drafted]
        if silent:
            note += f"; not heard from: {', '.join(map(plain, silent))}"
        if self.carried:
            note += f"; {self.carried} open action(s) carried over from earlier post-mortems"
        in_force = [a for a in self.record.get("agreements_in_force", []) if a.get("status", "in force") == "in force"]
        if in_force:
            note += f"; {len(in_force)} agreement(s) in force, {sum(a.get('lapsed', 0) for a in in_force)} said to have lapsed"
        from postmortem import review
        from postmortem.escape import shell

        groups, close = review.counts(self.record)
        calls = "to review" if close is None else f"{close} close call(s)"
        check = f"; {groups} group(s), {calls}: postmortem groups {shell(str(self.path.parent))}" if groups else ""
        return f"Merged {self.record['participant_count']} response(s) into {self.path}{note}{check}."


def merge_folder(folder: Path, history: Iterable[Path] = ()) -> Merged:
    """Rebuild folder's record.toml from its responses, keeping the facilitator's edits; one bad
    response merges nothing."""
    from postmortem import agreements, followup
    from postmortem import merge as merge_mod
    from postmortem import record as record_mod
    from postmortem import session as session_mod
    from postmortem import response as response_mod
    from postmortem.progress import track

    session = session_mod.load_session(folder)
    qset = session.question_set()
    responses = response_mod.read_responses(session, track=track)
    record_path = folder / session_mod.RECORD_FILE
    found, unreadable = followup.earlier_records(folder, session.project, session.date, list(history))
    carried = followup.carried_over(found, folder)
    uncounted: list[str] = []
    with record_mod.locked(record_path):
        previous = record_mod.load_record(record_path, low_memory=True) if record_path.exists() else None
        record = merge_mod.build_record(session, qset, responses, previous, carried_over=carried, uncounted=uncounted)
        earlier = (previous or {}).get("agreements_in_force", [])
        del previous  # the record it was is not needed to write the new one: its memory goes before the writing's peak
        listed = agreements.in_force(found, folder, earlier)
        said = [(r.name, r.agreements) for r in responses if r.complete]
        uncounted += agreements.tally(listed, said, session.anonymous)
        if listed:
            record["agreements_in_force"] = listed
        record_mod.save_record(record_path, record)
    return Merged(record_path, record, merge_mod.drafts(responses), len(carried), unreadable, session.anonymous, uncounted)
