"""Reading many records on two processes (parallel.py): the same results, in the same order, as
reading them in one."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from postmortem import followup, history, parallel
from test_history import answer

forks = pytest.mark.skipif(not parallel.can_fork(), reason="a second process needs Linux and two CPUs")


def where_worked(items) -> list[tuple[int, int]]:
    return [(item, os.getpid()) for item in items]


@forks
def test_the_second_half_is_worked_on_by_another_process(monkeypatch) -> None:
    monkeypatch.setattr(parallel, "MINIMUM", 4)
    results = parallel.in_halves(where_worked, range(9))
    assert [item for item, _ in results] == list(range(9))
    assert {pid for _, pid in results[:5]} == {os.getpid()}
    assert len({pid for _, pid in results[5:]}) == 1 and results[5][1] != os.getpid()


def dies_elsewhere(items) -> list[int]:
    if os.getpid() != PARENT:
        os._exit(1)  # as if killed, or out of memory
    return list(items)


PARENT = os.getpid()


@forks
def test_when_the_other_process_dies_its_half_is_worked_on_here(monkeypatch) -> None:
    monkeypatch.setattr(parallel, "MINIMUM", 4)
    assert parallel.in_halves(dies_elsewhere, range(9)) == list(range(9))


def test_few_items_are_worked_on_here() -> None:
    results = parallel.in_halves(where_worked, range(parallel.MINIMUM - 1))
    assert {pid for _, pid in results} == {os.getpid()}


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
    count = parallel.MINIMUM + 20
    for n in range(1, count):
        copy = tmp_path / "all" / f"pm-{n:03d}"
        copy.mkdir(parents=True)
        (copy / "record.toml").write_text(text.replace("Project 000", f"Project {n:03d}"), encoding="utf-8")
    for bad in ("pm-002", f"pm-{count - 3:03d}"):  # one in each half
        (tmp_path / "all" / bad / "record.toml").write_text("schema_version = 1\nproject = 3\n", encoding="utf-8")
    shutil.move(one, tmp_path / "all" / "pm-000")

    two = cli("history", tmp_path / "all", "--json")
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
