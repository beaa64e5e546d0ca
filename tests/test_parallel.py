"""Bulk work shared with a forked copy of the program (parallel.py): reading many records or
responses, grouping a large merge's questions. The same results, in the same order, and the same
errors as one process gives."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import time
import tomllib
from pathlib import Path

import pytest

from postmortem import followup, history, parallel
from test_history import answer

forks = pytest.mark.skipif(not parallel.can_fork(), reason="a second process needs Linux and two CPUs")


@forks
def test_the_other_part_is_done_by_another_process_at_the_same_time(tmp_path: Path) -> None:
    """Each part waits until the other has begun: done one after the other, this would never end."""
    here_began, there_began = tmp_path / "here", tmp_path / "there"

    def part(mine: Path, other: Path) -> int:
        mine.touch()
        for _ in range(2000):
            if other.exists():
                return os.getpid()
            time.sleep(0.005)
        raise AssertionError("the other part never began")

    here, there = parallel.both(lambda: part(here_began, there_began), lambda: part(there_began, here_began))
    assert here == os.getpid() and there != os.getpid()


@forks
def test_what_the_copy_gives_back_is_what_it_made() -> None:
    here, there = parallel.both(lambda: [1, 2], lambda: {"rows": [(n, str(n)) for n in range(50_000)]})
    assert here == [1, 2] and there == {"rows": [(n, str(n)) for n in range(50_000)]}


@forks
@pytest.mark.parametrize("end", ["killed", "raises", "unpicklable"])
def test_when_the_copy_gives_nothing_back_its_part_is_done_here(end: str) -> None:
    parent = os.getpid()

    def there() -> object:
        if os.getpid() == parent:
            return "done here"
        if end == "killed":
            os._exit(9)  # as if killed, or out of memory
        if end == "raises":
            raise ValueError("only in the copy")
        return lambda: None  # no pickle carries it

    assert parallel.both(lambda: "mine", there) == ("mine", "done here")


def test_an_error_of_the_other_part_is_raised_here() -> None:
    def there() -> None:
        raise KeyError("the same error in either process")

    with pytest.raises(KeyError, match="the same error"):
        parallel.both(lambda: None, there)


def test_without_a_second_cpu_both_parts_are_done_here(monkeypatch) -> None:
    monkeypatch.setattr(parallel, "can_fork", lambda: False)
    assert parallel.both(os.getpid, os.getpid) == (os.getpid(), os.getpid())


@forks
def test_history_over_many_records_reads_them_on_two_processes_alike(cli, tmp_path: Path, monkeypatch) -> None:
    """history reads a great many records in two processes; what it prints is what one process
    prints, and what the whole records give: a bad record in either half is named, a theme
    spanning both halves is found."""
    one = tmp_path / "first"
    answer(cli, one, "Project 000", "2026-01-01", "Ann", {
        "went_poorly": ["Unannounced drop-ins several times a day"], "improvements": ["Daily check-in at 9:00"],
        "rating": 3, "roti": 4,
    })
    assert cli("merge", one).exit_code == 0
    text = (one / "record.toml").read_text(encoding="utf-8")
    count = followup.MANY + 20
    for n in range(1, count):
        copy = tmp_path / "all" / f"pm-{n:03d}"
        copy.mkdir(parents=True)
        (copy / "record.toml").write_text(text.replace("Project 000", f"Project {n:03d}"), encoding="utf-8")
    for bad in ("pm-002", f"pm-{count - 3:03d}"):  # one in each half
        (tmp_path / "all" / bad / "record.toml").write_text("schema_version = 1\nproject = 3\n", encoding="utf-8")
    shutil.move(one, tmp_path / "all" / "pm-000")

    two = cli("history", tmp_path / "all", "--json")
    seen: list[dict] = []  # what this process does with its half while the copy reads the other
    followup.load_records([tmp_path / "all"], keep=history.essentials, meanwhile=seen.append)
    assert len(seen) == (count + 1) // 2 - 1  # the first half, but its bad record
    assert all("responses" not in record and record["project"] < f"Project {(count + 1) // 2:03d}" for record in seen)
    monkeypatch.setattr(parallel, "can_fork", lambda: False)
    single = cli("history", tmp_path / "all", "--json")
    assert two.exit_code == single.exit_code == 2
    assert two.stdout == single.stdout and two.stderr == single.stderr
    assert "pm-002" in two.stderr and f"pm-{count - 3:03d}" in two.stderr
    data = json.loads(two.stdout)
    assert len(data["postmortems"]) == count - 2
    assert [theme["postmortems"] for theme in data["themes"]] == [count - 2, count - 2]

    found, _ = followup.load_records([tmp_path / "all"])  # whole records, no keep
    assert json.loads(history.to_json(history.postmortems(found), history.themes(found))) == data


def test_with_a_second_thread_both_parts_are_done_here() -> None:
    """A process with threads (serve) is never copied: a copy could wait for a lock one of them held."""
    import threading

    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert parallel.both(os.getpid, os.getpid) == (os.getpid(), os.getpid())
    finally:
        stop.set()
        thread.join()


@forks
def test_merge_groups_its_questions_on_two_processes_alike(cli, tmp_path: Path, monkeypatch) -> None:
    """A large merge groups some questions in a forked copy: the record, first merge and re-merge
    after new answers, is the one a single process writes."""
    from postmortem import merge, store
    from postmortem.session import slugify

    points = ["Release notes were late", "The staging data was months old", "Pairing helped new people",
              "Alerts went to an old mailing list", "The kickoff was too short"]
    two = tmp_path / "two"
    answer(cli, two, "Large", "2026-03-01", "Ann", {"went_well": ["Pairing helped new people"]})

    def respond(folder: Path, first: int, last: int) -> None:
        for n in range(first, last):
            name = f"Person {n}"
            picked = [points[(n + k) % 5] + ("" if n % 3 else f" again ({n % 7})") for k in range(3)]
            store.write_toml(folder / "responses" / f"{slugify(name)}.toml", {
                "schema_version": 1, "name": name, "status": "complete",
                "answers": {"went_well": picked[:2], "went_poorly": picked[1:], "improvements": [f"Fix it by week {n % 9}", picked[0]]},
            })

    respond(two, 0, 60)
    one = tmp_path / "one"
    shutil.copytree(two, one)
    monkeypatch.setattr(merge, "SPLIT", 50)
    forked = []
    real = parallel.both
    monkeypatch.setattr(parallel, "both", lambda here, there: forked.append(1) or real(here, there))
    for _ in range(2):  # a first merge, then a re-merge with new answers
        assert cli("merge", two).exit_code == 0
        with monkeypatch.context() as single:
            single.setattr(parallel, "can_fork", lambda: False)
            assert cli("merge", one).exit_code == 0
        assert (two / "record.toml").read_text(encoding="utf-8") == (one / "record.toml").read_text(encoding="utf-8")
        for folder in (one, two):
            respond(folder, 60, 90)
    assert len(forked) == 4  # each merge split its questions in two (and the one of folder two forked)
    record = tomllib.loads((two / "record.toml").read_text(encoding="utf-8"))
    assert max(item["count"] for s in record["sections"] if s.get("items") for item in s["items"]) > 30


@forks
def test_many_responses_are_read_on_two_processes_alike(cli, tmp_path: Path, monkeypatch) -> None:
    """From response.MANY responses on, a forked copy reads the second half: the responses are
    those one process reads, times with their zones (rtoml's, which pickle cannot carry) included,
    and a bad file in the copy's half is the error one process gives."""
    from postmortem import response, session, store
    from postmortem.session import slugify

    folder = tmp_path / "retro"
    answer(cli, folder, "Many", "2026-03-01", "Ann", {"went_well": ["Pairing"]})
    for n in range(40):
        name = f"Person {n}"
        store.write_toml(folder / "responses" / f"{slugify(name)}.toml", {
            "schema_version": 1, "name": name, "status": "complete",
            "updated": dt.datetime(2026, 3, 1, 10, n, tzinfo=dt.timezone(dt.timedelta(hours=n % 3))),
            "answers": {"went_well": [f"Point {n}"]},
        })
    monkeypatch.setattr(response, "MANY", 10)
    read_here = []
    monkeypatch.setattr(parallel, "both", lambda here, there, real=parallel.both: read_here.append(1) or real(here, there))
    parent, read_in_parent = os.getpid(), []
    real_read = response.read_response
    monkeypatch.setattr(response, "read_response", lambda *a, **k: (os.getpid() == parent and read_in_parent.append(1)) or real_read(*a, **k))
    two = response.read_responses(session.load_session(folder))
    assert len(read_in_parent) == 21  # the copy's half came back: it was not read again here
    with monkeypatch.context() as single:
        single.setattr(parallel, "can_fork", lambda: False)
        one = response.read_responses(session.load_session(folder))
    assert read_here and two == one and len(two) == 41
    assert {r.updated.utcoffset().seconds for r in two if r.updated} == {0, 3600, 7200}

    (folder / "responses" / "person-38.toml").write_text('schema_version = 1\nname = "Person 38"\nstatus = "maybe"\n')
    with pytest.raises(Exception) as two_processes:
        response.read_responses(session.load_session(folder))
    with monkeypatch.context() as single:
        single.setattr(parallel, "can_fork", lambda: False)
        with pytest.raises(Exception) as one_process:
            response.read_responses(session.load_session(folder))
    assert str(two_processes.value) == str(one_process.value) and "person-38.toml" in str(one_process.value)
