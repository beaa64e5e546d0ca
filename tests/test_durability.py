"""Nothing answered is lost: interrupted at every prompt, killed while writing, twenty people at once."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from test_interview import CTRL_C, CTRL_D, ENTER, assert_no_hang, drive, lines, read

from postmortem import questionsets, store
from postmortem import session as session_mod
from postmortem import response as response_mod
from postmortem.questionsets import Question

BUILT_IN = sorted(p.stem for p in questionsets.builtin_dir().glob("*.toml"))


def typed(question: Question) -> tuple[str, Any]:
    """The keys that answer `question` with one entry, and what its response file must then hold."""
    qid = question.id
    if question.kind == "items":
        text = f"Kyle holds a daily check-in about {qid}"  # tangible: no follow-up asked (nudges.py)
        keys, entry = lines(text), {"text": text}
        for field in question.fields:
            if field == "type":
                keys += "1" + ENTER  # the first type, by its key: Enter alone skips
                entry["type"] = question.types[0]
            else:
                value = {"owner": "Kyle", "due": "2026-12-15", "instead": "Call ahead"}[field]
                keys += lines(value)
                entry[field] = dt.date(2026, 12, 15) if field == "due" else value
        return keys + ENTER, [entry if len(entry) > 1 else entry["text"]]
    if question.kind == "text":
        return lines(f"{qid}: a paragraph"), f"{qid}: a paragraph"
    if question.kind == "rating":
        return "3" + ENTER, 3
    if question.kind == "choice":
        return "1" + ENTER, question.choices[0]  # the first choice's key: Enter alone skips
    if question.kind == "people":
        return lines("Jessica", "VP", f"{qid}: what she needed", ""), [
            {"name": "Jessica", "role": "VP", "interest": f"{qid}: what she needed"}
        ]
    if question.kind == "scores":
        return lines("Ops") + ("3" + ENTER) * len(question.dimensions) + ENTER, [
            {question.key: "Ops", **{d: 3 for d in question.dimensions}}
        ]
    if question.kind == "events":
        return lines("14:02", f"{qid}: the alert fired", ""), [{"time": "14:02", "what": f"{qid}: the alert fired"}]
    raise AssertionError(f"no keys for kind {question.kind}")




@pytest.mark.slow
@pytest.mark.parametrize("first_key", [CTRL_C, CTRL_D], ids=["ctrl-c-first", "ctrl-d-first"])
@pytest.mark.parametrize("set_id", BUILT_IN)
def test_stopped_at_every_question_of_every_set_keeps_every_earlier_answer(
    tmp_path: Path, set_id: str, first_key: str
) -> None:
    """Stop at question 1, resume and stop at question 2, ... then finish: nothing answered is ever lost.

    The two chains alternate the keys in opposite orders, so every position is stopped at with Ctrl-C
    and with Ctrl-D. Every run but the last ends with exit 130 and a draft holding every answer given
    in any earlier run; the last one completes the response with all of them.
    """
    questions = questionsets.load(set_id).questions
    pieces = [typed(q) for q in questions]
    expected = {q.id: value for q, (_, value) in zip(questions, pieces, strict=True)}
    folder = tmp_path / "retro"
    path = folder / "responses" / "ann.toml"
    args = ["start", str(folder), "--project", "P", "--format", set_id, "--name", "Ann", "--role", "QA", "--no-nudges"]
    keys = [first_key, CTRL_D if first_key == CTRL_C else CTRL_C]

    for position in range(len(questions)):
        key = keys[position % 2]
        answer_before = pieces[position - 1][0] if position else ""
        run = drive(args, answer_before + key)
        assert_no_hang(run)
        assert run.code == 130, run.result.stderr
        assert "Traceback" not in run.result.stderr
        draft = read(path)
        assert draft["status"] == "draft"
        assert draft["done"] == [q.id for q in questions[:position]]
        assert {k: v for k, v in draft["answers"].items() if v != []} == {q.id: expected[q.id] for q in questions[:position]}

    finished = drive(args, pieces[-1][0])
    assert_no_hang(finished)
    assert finished.code == 0, finished.result.stderr
    final = read(path)
    assert final["status"] == "complete"
    assert final["answers"] == expected
    assert [p.name for p in (folder / "responses").iterdir()] == ["ann.toml"]


def test_ctrl_d_at_a_select_prompt_stops_the_interview(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import test_interview

    monkeypatch.setattr(test_interview, "WATCHDOG_SECONDS", 2)
    folder = tmp_path / "retro"
    questions = questionsets.load("classic").questions
    before = "".join(typed(q)[0] for q in questions[:5])
    args = ["start", str(folder), "--project", "P", "--format", "classic", "--name", "Ann", "--role", "QA", "--no-nudges"]
    run = drive(args, before + CTRL_D)
    assert questions[5].kind == "rating"
    assert read(folder / "responses" / "ann.toml")["done"] == [q.id for q in questions[:5]]
    assert_no_hang(run)
    assert run.code == 130


def test_stopped_at_a_follow_up_keeps_the_entry_it_follows(tmp_path: Path) -> None:
    """A vague improvement gets a follow-up (nudges.py); Ctrl-C there keeps the entry as typed.

    (Ctrl-D is end-of-input only on an empty line; the follow-up starts filled with the entry.)
    """
    key = CTRL_C
    folder = tmp_path / "retro"
    args = ["start", str(folder), "--project", "P", "--format", "classic", "--name", "Ann", "--role", "QA"]
    run = drive(args, lines("Good", "", "Bad", "", "communicate better") + key)
    assert_no_hang(run)
    assert run.code == 130
    assert "Make it tangible" in run.screen
    draft = read(folder / "responses" / "ann.toml")
    assert draft["done"] == ["went_well", "went_poorly"]
    assert draft["answers"] == {"went_well": ["Good"], "went_poorly": ["Bad"], "improvements": ["communicate better"]}


# --- Killed while writing -------------------------------------------------------------------------

KILLS = 60  # at least this many kills, and at least TORN of them in the middle of a write ...
TORN = 3
MAX_KILLS = 600  # ... however slow a loaded machine makes the writer
SEED = 20261123


def _killed_repeatedly(work: Callable[[int], None], *, seed: int, longest: float) -> Iterator[int]:
    """Fork a process that calls work(0), work(1), ... forever; SIGKILL it after a random short delay.

    Yields the round after every kill, so the caller checks the files on disk, and again, until it stops.
    """
    rng = random.Random(seed)
    for round_ in itertools.count():
        ready_r, ready_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns into pytest
            try:
                os.close(ready_r)
                os.write(ready_w, b"x")
                os.close(ready_w)
                for step in itertools.count(round_ * 1000):
                    work(step)
            finally:
                os._exit(3)
        os.close(ready_w)
        assert os.read(ready_r, 1) == b"x"
        os.close(ready_r)
        time.sleep(rng.uniform(0, longest))
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, f"the writer died on its own: {status}"
        yield round_


def _response_text(name: str, padding: int, went_well: str) -> str:
    filler = [f"{n:05} " + "x" * 994 for n in range(padding // 1000)]  # answers are capped at 4000 characters each
    response = response_mod.Response(name, "QA", {"went_well": [went_well, *filler]}, complete=True)
    response.updated = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.timezone.utc)
    return store.dumps(response.to_toml())


def _temp_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.tmp"))


def test_killed_while_writing_a_response_leaves_old_or_new_and_no_temp_is_a_response(cli, tmp_path: Path) -> None:
    folder = tmp_path / "retro"
    session_mod.create_session(folder, "P", "classic", dt.date(2026, 11, 20))
    responses = folder / "responses"
    responses.mkdir()
    path = responses / "ann.toml"
    # Versions of different sizes, so a torn write could not pass for a whole one.
    versions = [_response_text("Ann", size, f"version {n}") for n, size in enumerate((10, 300_000, 50_000, 700_000))]
    store.atomic_write_text(path, versions[0])
    (responses / "bob.toml").write_text(_response_text("Bob", 10, "Bob's"), encoding="utf-8")
    qset = questionsets.load("classic")

    def work(step: int) -> None:
        store.atomic_write_text(path, versions[step % len(versions)])

    torn, leftovers = 0, set()
    for round_ in _killed_repeatedly(work, seed=SEED, longest=0.03):
        assert path.read_text(encoding="utf-8") in versions
        assert response_mod.response_paths(folder) == [path, responses / "bob.toml"]
        assert response_mod.read_response(path, qset).name == "Ann"
        new = set(_temp_files(folder)) - leftovers  # this kill left a temp file: it landed mid-write
        torn, leftovers = torn + bool(new), leftovers | new
        if round_ + 1 >= MAX_KILLS or (round_ + 1 >= KILLS and torn >= TORN):
            break
    assert torn >= TORN, f"only {torn} of {round_ + 1} kills landed in the middle of a write"

    # Leftover temp files are harmless: merge reads exactly the two responses, writing goes on.
    result = cli("merge", folder)
    assert result.exit_code == 0, result.stderr
    assert read(folder / "record.toml")["participant_count"] == 2
    store.atomic_write_text(path, versions[1])
    assert path.read_text(encoding="utf-8") == versions[1]


def test_temp_and_hidden_files_are_never_taken_for_responses(cli, tmp_path: Path) -> None:
    folder = tmp_path / "retro"
    session_mod.create_session(folder, "P", "classic", dt.date(2026, 11, 20))
    responses = folder / "responses"
    responses.mkdir()
    (responses / "ann.toml").write_text(_response_text("Ann", 0, "Ann's"), encoding="utf-8")
    torn = _response_text("Mallory", 0, "Half-written")[:40]
    for leftover in (".ann.toml.k3j2_x9.tmp", ".mallory.toml", "mallory.toml.tmp", "mallory.toml~", ".#mallory.toml"):
        (responses / leftover).write_text(torn, encoding="utf-8")
    assert response_mod.response_paths(folder) == [responses / "ann.toml"]
    result = cli("merge", folder)
    assert result.exit_code == 0, result.stderr
    assert read(folder / "record.toml")["participant_count"] == 1


def test_killed_while_merging_leaves_the_old_record_or_the_new_one(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from postmortem import record as record_mod
    from postmortem.cli import app

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795000000")
    folder = tmp_path / "retro"
    session_mod.create_session(folder, "P", "classic", dt.date(2026, 11, 20))
    (folder / "responses").mkdir()
    for name in ("Ann", "Bob"):
        (folder / "responses" / f"{name.lower()}.toml").write_text(_response_text(name, 3_000, f"{name}'s"), encoding="utf-8")
    carl = folder / "responses" / "carl.toml"
    carl_versions = [_response_text("Carl", size, f"Carl {n}") for n, size in enumerate((10, 4_000, 2_000))]

    def work(step: int) -> None:
        store.atomic_write_text(carl, carl_versions[step % len(carl_versions)])
        app(["merge", str(folder)], standalone_mode=False)

    # Every version of the record a whole merge can write, from the same steps run to the end.
    whole: set[str] = set()
    store.atomic_write_text(carl, carl_versions[0])
    for step in range(9):
        work(step)
        whole.add((folder / "record.toml").read_text(encoding="utf-8"))
    assert len(whole) == len(carl_versions)

    everyone = [folder / "responses" / f"{n}.toml" for n in ("ann", "bob", "carl")]
    torn, leftovers = 0, set()
    for round_ in _killed_repeatedly(work, seed=SEED + 1, longest=0.1):
        text = (folder / "record.toml").read_text(encoding="utf-8")
        assert text in whole
        assert record_mod.load_record(folder / "record.toml")["participant_count"] == 3
        assert carl.read_text(encoding="utf-8") in carl_versions
        assert response_mod.response_paths(folder) == everyone
        new = set(folder.glob(".record.toml.*.tmp")) - leftovers  # this kill landed mid-write of the record
        torn, leftovers = torn + bool(new), leftovers | new
        if round_ + 1 >= MAX_KILLS or (round_ + 1 >= KILLS and torn >= TORN):
            break
    assert torn >= TORN, f"only {torn} of {round_ + 1} kills landed in the middle of writing the record"
    # The leftovers and the lock file of a killed merge are harmless: the next merge runs as usual.
    result = cli("merge", folder)
    assert result.exit_code == 0, result.stderr
    assert (folder / "record.toml").read_text(encoding="utf-8") in whole


# --- Twenty people at once ------------------------------------------------------------------------


def _postmortem(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "postmortem", *map(str, args)], capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.slow
def test_twenty_people_answer_at_once_while_merges_and_edits_run(tmp_path: Path) -> None:
    folder = tmp_path / "retro"
    session_mod.create_session(folder, "Colorado office compliance rollout", "classic", dt.date(2026, 11, 20))
    names = [f"Participant {n:02}" for n in range(20)]
    went_well = {name: f"{name} found the {word} useful" for name, word in zip(names, WORDS, strict=True)}
    answer_files = []
    for name in names:
        path = tmp_path / f"{session_mod.slugify(name)}-answers.toml"
        path.write_text(
            store.dumps({"role": "Staff", "answers": {
                "went_well": [went_well[name]],
                "improvements": ["Kyle holds a daily check-in at 9:00 instead of drop-ins"],
                "rating": names.index(name) % 5 + 1,
            }}),
            encoding="utf-8",
        )
        answer_files.append(path)
    assert _postmortem("start", folder, "--answers", answer_files[0], "--name", names[0]).returncode == 0
    assert _postmortem("merge", folder).returncode == 0  # so the facilitator has a record to edit meanwhile

    merges: list[subprocess.CompletedProcess[str]] = []
    edits: list[subprocess.CompletedProcess[str]] = []
    answering = threading.Event()
    answering.set()

    def keep_merging() -> None:
        while answering.is_set():
            merges.append(_postmortem("merge", folder))
            time.sleep(0.05)  # leave the small machines' cores to the people answering

    def edit_meanwhile() -> None:
        edits.append(_postmortem("edit", "summary", folder, "--text", "Landed on time; the team paid for it."))
        edits.append(_postmortem("edit", "A1", folder, "--owner", "Kyle", "--due", "2026-12-15"))

    workers = [threading.Thread(target=keep_merging), threading.Thread(target=edit_meanwhile)]
    for worker in workers:
        worker.start()
    people = [
        subprocess.Popen(
            [sys.executable, "-m", "postmortem", "start", str(folder), "--answers", str(f), "--name", name],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for name, f in zip(names[1:], answer_files[1:], strict=True)
    ]
    outcomes = [(p.wait(timeout=120), *p.communicate()) for p in people]
    answering.clear()
    for worker in workers:
        worker.join(timeout=120)

    assert all(code == 0 for code, _, _ in outcomes), [err for code, _, err in outcomes if code]
    assert merges and all(m.returncode == 0 for m in merges), [m.stderr for m in merges if m.returncode]
    assert all(e.returncode == 0 for e in edits), [e.stderr for e in edits]

    assert sorted(p.name for p in (folder / "responses").iterdir()) == sorted(f"{session_mod.slugify(n)}.toml" for n in names)
    final = _postmortem("merge", folder)
    assert final.returncode == 0, final.stderr
    record = read(folder / "record.toml")
    assert record["participant_count"] == 20
    sections = {s["id"]: s for s in record["sections"]}
    raised = {n for item in sections["went_well"]["items"] for n in item["raised_by"]}
    assert raised == set(names)
    wordings = {w for item in sections["went_well"]["items"] for w in item.get("wordings", [item["text"]])}
    assert wordings == set(went_well.values())
    (action,) = sections["improvements"]["items"]
    assert sorted(action["raised_by"]) == names
    # The facilitator's edits, made while merges ran, were not lost to any of them.
    assert record["summary"] == "Landed on time; the team paid for it."
    assert (action["id"], action["owner"], action["due"]) == ("A1", "Kyle", dt.date(2026, 12, 15))


WORDS = (
    "checklist handbook dashboard calendar hotline glossary template wiki roster tracker "
    "playbook workshop mentor budget kickoff escalation pairing shadowing newsletter retrospective"
).split()
