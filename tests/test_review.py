"""`postmortem groups`: the facilitator checks the grouping and joins what it missed in seconds
(docs/grouping.md)."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

from conftest import read, write_answers

ANSWERS = {
    "Ann": ["Unannounced drop-ins several times a day", "The coffee machine broke"],
    "Bob": ["unannounced drop in, several times each day.", "Constant interruptions from the visitor"],
    "Cyd": ["The visitor interrupted us every hour"],
}


def _merged(cli, tmp_path: Path) -> tuple[Path, str]:
    folder = tmp_path / "pm"
    for name, went_poorly in ANSWERS.items():
        path = write_answers(tmp_path, name, {"went_poorly": went_poorly})
        assert cli("start", folder, "--project", "P", "--date", "2026-11-02", "--answers", path).exit_code == 0
    result = cli("merge", folder)
    assert result.exit_code == 0, result.output
    return folder, result.stderr


def _items(folder: Path) -> list[dict]:
    return next(s for s in read(folder / "record.toml")["sections"] if s["id"] == "went_poorly")["items"]


def test_merge_ends_with_the_groups_and_the_close_calls(cli, tmp_path: Path) -> None:
    folder, said = _merged(cli, tmp_path)
    groups = len(_items(folder))
    assert f"; {groups} group(s), " in said and f"close call(s): postmortem groups {folder}" in said


def test_groups_shows_each_group_and_the_nearest_wording_not_joined(cli, tmp_path: Path) -> None:
    folder, _ = _merged(cli, tmp_path)
    shown = cli("groups", folder)
    assert shown.exit_code == 0, shown.output
    lines = shown.stdout.splitlines()
    assert lines[0] == "What went poorly"
    assert "  Unannounced drop-ins several times a day" in lines
    assert "    - unannounced drop in, several times each day." in lines  # a second wording of that group
    near = [line for line in lines if "not joined: The visitor interrupted us every hour" in line]
    assert near, shown.stdout


def test_json_gives_each_wording_its_group_and_suggestions(cli, tmp_path: Path) -> None:
    folder, _ = _merged(cli, tmp_path)
    rows = json.loads(cli("groups", folder, "--json").stdout)
    wordings = {w for item in _items(folder) for w in item.get("wordings") or [item["text"]]}
    assert {row["wording"] for row in rows} == wordings
    for row in rows:
        assert set(row) == {"section", "wording", "group", "suggestions"}
        assert len(row["suggestions"]) <= 3
        assert all(s["group"] != row["group"] for s in row["suggestions"])
        scores = [s["score"] for s in row["suggestions"]]
        assert scores == sorted(scores, reverse=True)


def test_the_move_it_suggests_joins_the_two_and_merge_keeps_it(cli, tmp_path: Path) -> None:
    folder, _ = _merged(cli, tmp_path)
    rows = json.loads(cli("groups", folder, "--json").stdout)
    row = next(r for r in rows if r["wording"] == "Constant interruptions from the visitor")
    suggestion = next(s for s in row["suggestions"] if s["wording"] == "The visitor interrupted us every hour")
    command = shlex.split(suggestion["move"])
    assert command[:2] == ["postmortem", "move"]
    moved = cli(*command[1:])
    assert moved.exit_code == 0, moved.output
    assert cli("merge", folder).exit_code == 0
    together = [i for i in _items(folder) if "Constant interruptions from the visitor" in (i.get("wordings") or [i["text"]])]
    assert len(together) == 1 and "The visitor interrupted us every hour" in together[0]["wordings"]
    assert together[0]["raised_by"] == ["Bob", "Cyd"] or sorted(together[0]["raised_by"]) == ["Bob", "Cyd"]


def test_hostile_wordings_stay_one_shell_word(cli, tmp_path: Path) -> None:
    folder = tmp_path / "pm"
    evil = "Printer jams'; rm -rf / #$(reboot)"
    for name, text in (("Ann", evil), ("Bob", "Nobody could print on Fridays")):
        path = write_answers(tmp_path, name, {"went_poorly": [text]})
        assert cli("start", folder, "--project", "P", "--answers", path).exit_code == 0
    assert cli("merge", folder).exit_code == 0
    rows = json.loads(cli("groups", folder, "--json").stdout)
    moves = [s["move"] for r in rows for s in r["suggestions"]]
    assert moves
    for move in moves:
        words = shlex.split(move)
        assert words[0:2] == ["postmortem", "move"] and words[3] == str(folder) and words[4] == "--to"
        assert {words[2], words[5]} <= {evil, "Nobody could print on Fridays"}
