"""Nothing a facilitator or participant did is lost without a word: hand edits of the record,
moves, deletions, votes that cannot count, and the small ways output went astray."""

from __future__ import annotations

import tomllib
from pathlib import Path

from conftest import read, write_answers

from postmortem import store

PROJECT = ["--project", "Billing migration", "--date", "2026-11-02"]
CHECK_IN, RESOURCE, BOARD = "Daily check-in at 9:00", "Ask for an extra resource", "One shared task board"


def _answer(cli, folder: Path, name: str, improvements: list, **extra) -> None:
    answers = write_answers(folder.parent, name, {"improvements": improvements, **extra})
    result = cli("start", folder, *PROJECT, "--answers", answers)
    assert result.exit_code == 0, result.output


def _team(cli, tmp_path: Path) -> Path:
    folder = tmp_path / "pm"
    _answer(cli, folder, "Linda", [CHECK_IN, RESOURCE])
    _answer(cli, folder, "Kyle", [BOARD, RESOURCE])
    assert cli("merge", folder).exit_code == 0
    return folder


def _actions(folder: Path) -> dict[str, dict]:
    record = read(folder / "record.toml")
    return {i["id"]: i for s in record["sections"] if s.get("actions") for i in s["items"]}


def _by_text(folder: Path) -> dict[str, str]:
    return {item["text"]: action_id for action_id, item in _actions(folder).items()}


def _hand_edit(folder: Path, change) -> None:
    path = folder / "record.toml"
    record = tomllib.loads(path.read_text(encoding="utf-8"))
    change(record)
    path.write_text(store.dumps(record, fast=True), encoding="utf-8")


def _item(record: dict, action_id: str) -> dict:
    return next(i for s in record["sections"] for i in s.get("items", []) if i.get("id") == action_id)


def test_an_action_retyped_by_hand_keeps_its_id_fields_and_wordings(cli, tmp_path: Path) -> None:
    folder = _team(cli, tmp_path)
    check_in = _by_text(folder)[CHECK_IN]
    _hand_edit(folder, lambda r: _item(r, check_in).update(
        text="Fixed 9:00 check-in instead of drop-ins", owner="Kyle", status="in progress", notes="Agreed with Jessica"))
    _answer(cli, folder, "Marcus", [CHECK_IN])  # a late response with the participants' wording
    assert cli("merge", folder).exit_code == 0
    item = _actions(folder)[check_in]
    assert (item["text"], item["owner"], item["status"], item["notes"]) == (
        "Fixed 9:00 check-in instead of drop-ins", "Kyle", "in progress", "Agreed with Jessica")
    assert item["raised_by"] == ["Linda", "Marcus"] and len(_actions(folder)) == 3


def test_moving_out_an_actions_only_wording_is_refused(cli, tmp_path: Path) -> None:
    folder = _team(cli, tmp_path)
    before = (folder / "record.toml").read_bytes()
    result = cli("move", CHECK_IN, folder, "--out")
    assert result.exit_code == 2
    assert f"is the only wording of {_by_text(folder)[CHECK_IN]}, an item of its own already" in result.stderr
    assert (folder / "record.toml").read_bytes() == before


def test_folding_an_action_into_another_carries_its_owner_and_votes(cli, tmp_path: Path) -> None:
    folder = _team(cli, tmp_path)
    ids = _by_text(folder)
    assert cli("edit", ids[CHECK_IN], folder, "--owner", "Kyle", "--due", "2026-12-15").exit_code == 0
    assert cli("vote", folder, "--name", "Linda", "--votes", f"{ids[CHECK_IN]}=2").exit_code == 0
    assert cli("move", CHECK_IN, folder, "--to", ids[BOARD]).exit_code == 0
    merged = cli("merge", folder)
    assert merged.exit_code == 0 and "not counted" not in merged.stderr
    board = _actions(folder)[ids[BOARD]]
    assert (board["owner"], str(board["due"]), board["votes"], board["former_ids"]) == ("Kyle", "2026-12-15", 2, [ids[CHECK_IN]])
    assert ids[CHECK_IN] not in _actions(folder)
    _answer(cli, folder, "Marcus", ["Something new entirely"])
    assert cli("merge", folder).exit_code == 0
    assert ids[CHECK_IN] not in _actions(folder)  # a folded id is never given again


def test_folding_refuses_when_both_have_a_different_owner(cli, tmp_path: Path) -> None:
    folder = _team(cli, tmp_path)
    ids = _by_text(folder)
    assert cli("edit", ids[CHECK_IN], folder, "--owner", "Kyle").exit_code == 0
    assert cli("edit", ids[BOARD], folder, "--owner", "Linda").exit_code == 0
    result = cli("move", CHECK_IN, folder, "--to", ids[BOARD])
    assert result.exit_code == 2
    assert f"{ids[CHECK_IN]} has owner 'Kyle' and {ids[BOARD]} has 'Linda'" in result.stderr


def test_an_action_deleted_by_hand_stays_dropped_under_its_id(cli, tmp_path: Path) -> None:
    folder = _team(cli, tmp_path)
    ids = _by_text(folder)
    next_id = read(folder / "record.toml")["next_action_id"]

    def delete(record: dict) -> None:
        for section in record["sections"]:
            if "items" in section:
                section["items"] = [i for i in section["items"] if i.get("id") != ids[BOARD]]

    _hand_edit(folder, delete)
    assert cli("merge", folder).exit_code == 0
    actions = _actions(folder)
    assert actions[ids[BOARD]]["status"] == "dropped" and actions[ids[BOARD]]["text"] == BOARD
    assert len(actions) == 3 and read(folder / "record.toml")["next_action_id"] == next_id
    assert "✗ dropped |" in cli("render", folder).stdout


def test_a_vote_that_cannot_count_is_named_at_merge(cli, tmp_path: Path) -> None:
    folder = _team(cli, tmp_path)
    path = folder / "responses" / "kyle.toml"
    path.write_text(path.read_text(encoding="utf-8") + "\n[votes]\nA77 = 1\n", encoding="utf-8")
    result = cli("merge", folder)
    assert result.exit_code == 0
    assert f"postmortem: 1 dot(s) for A77 in {path} not counted: the record has no such action\n" in result.stderr


def test_render_to_dash_is_standard_output(cli, tmp_path: Path, monkeypatch) -> None:
    folder = _team(cli, tmp_path)
    monkeypatch.chdir(tmp_path)
    result = cli("render", folder, "-o", "-")
    assert result.exit_code == 0 and result.stdout.startswith("# ")
    assert not (tmp_path / "-").exists()


def test_a_name_of_only_invisible_characters_is_refused(cli, tmp_path: Path) -> None:
    folder = _team(cli, tmp_path)
    before = sorted(p.name for p in (folder / "responses").iterdir())
    for args in (["--answers", write_answers(tmp_path, "\u200b\u2060", {"improvements": ["x"]})],
                 ["--name", "\u200b", "--answers", write_answers(tmp_path, "Ann", {"improvements": ["x"]})]):
        result = cli("start", folder, *args)
        assert result.exit_code == 2 and "has no visible character" in result.stderr, result.output
    assert sorted(p.name for p in (folder / "responses").iterdir()) == before
    (folder / "responses" / "x.toml").write_text('name = "\\u200b"\n', encoding="utf-8")
    assert cli("merge", folder).exit_code == 2
    result = cli("start", folder, "--invite", "\u2060")
    assert result.exit_code == 2 and "an invited name must not be empty or only invisible characters" in result.stderr


def test_deleting_an_action_that_took_over_another_keeps_both_ids(cli, tmp_path: Path) -> None:
    folder = _team(cli, tmp_path)
    ids = _by_text(folder)
    assert cli("vote", folder, "--name", "Linda", "--votes", f"{ids[CHECK_IN]}=2").exit_code == 0
    assert cli("move", CHECK_IN, folder, "--to", ids[BOARD]).exit_code == 0
    assert cli("merge", folder).exit_code == 0

    def delete(record: dict) -> None:
        for section in record["sections"]:
            if "items" in section:
                section["items"] = [i for i in section["items"] if i.get("id") != ids[BOARD]]

    _hand_edit(folder, delete)
    result = cli("merge", folder)
    assert result.exit_code == 0 and "not counted" not in result.stderr
    board = _actions(folder)[ids[BOARD]]
    assert (board["status"], board["former_ids"], board["votes"]) == ("dropped", [ids[CHECK_IN]], 2)
