"""`start --invite` and `status` through the real CLI."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from conftest import read, write_answers

from postmortem import store

PROJECT = ["--project", "Colorado office compliance rollout", "--date", "2026-11-02"]


def answer(cli, folder: Path, name: str, answers: dict, *extra: str):
    result = cli("start", folder, *PROJECT, "--answers", write_answers(folder.parent, name, answers), *extra)
    assert result.exit_code == 0, result.output
    return result


def draft(folder: Path, name: str, answers: dict, done: list[str]) -> None:
    data = {
        "schema_version": 1,
        "name": name,
        "role": "Ops",
        "status": "draft",
        "updated": dt.datetime(2026, 11, 3, 9, 30, tzinfo=dt.UTC),
        "done": done,
        "answers": answers,
    }
    (folder / "responses" / f"{name.lower()}.toml").write_text(store.dumps(data), encoding="utf-8")


def team(cli, tmp_path: Path) -> Path:
    """Linda and Kyle answered, Jessica has a draft, Miguel is due, Sam answered without an invitation."""
    folder = tmp_path / "pm"
    result = cli("start", folder, *PROJECT, "--invite", "Linda", "--invite", "Kyle", "--invite", "Jessica")
    assert result.exit_code == 0, result.output
    answer(cli, folder, "Linda", {"went_well": ["Clear scope", "Early notice"], "rating": 3})
    answer(cli, folder, "kyle", {"went_well": ["Fast approvals"], "went_poorly": ["Drop-ins"]}, "--invite", "Miguel")
    answer(cli, folder, "Sam", {"went_poorly": ["Late nights"]})
    draft(folder, "Jessica", {"went_well": ["On time"]}, ["went_well", "went_poorly"])
    return folder


def test_invite_when_creating_and_later_deduplicated(cli, tmp_path: Path) -> None:
    folder = tmp_path / "pm"
    result = cli("start", folder, *PROJECT, "--invite", "Linda", "--invite", "Kyle", "--invite", "linda ")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "Invited Linda, Kyle." in result.stderr
    session = read(folder / "postmortem.toml")
    assert session["invited"] == ["Linda", "Kyle"] and session["project"] == "Colorado office compliance rollout"
    assert not (folder / "responses").exists()  # inviting interviews nobody

    result = cli("start", folder, "--invite", "KYLE", "--invite", "Jessica")
    assert result.exit_code == 0, result.output
    assert read(folder / "postmortem.toml")["invited"] == ["Linda", "Kyle", "Jessica"]
    assert "Invited Jessica." in result.stderr

    # with --answers, the invitation is added and the answers saved too
    answer(cli, folder, "Miguel", {"went_well": ["Good"]}, "--invite", "Ann")
    assert read(folder / "postmortem.toml")["invited"] == ["Linda", "Kyle", "Jessica", "Ann"]
    assert read(folder / "responses" / "miguel.toml")["answers"]["went_well"] == ["Good"]


def test_invite_needs_a_project_and_a_name(cli, tmp_path: Path) -> None:
    result = cli("start", tmp_path / "pm", "--invite", "Linda")
    assert result.exit_code == 2 and "give --project" in result.stderr
    assert not (tmp_path / "pm").exists()
    cli("start", tmp_path / "pm", *PROJECT, "--invite", "Linda")
    result = cli("start", tmp_path / "pm", "--invite", "  ")
    assert result.exit_code == 2 and "must not be empty" in result.stderr
    assert read(tmp_path / "pm" / "postmortem.toml")["invited"] == ["Linda"]


def test_status_table(cli, tmp_path: Path) -> None:
    folder = team(cli, tmp_path)
    result = cli("status", folder)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0] == "Colorado office compliance rollout: 4 invited, 3 answered, 1 draft(s), 1 due"
    people = lines[lines.index("") + 1 : lines.index("", lines.index("") + 1)]
    assert people[0].split() == ["participant", "state", "updated", "progress"]
    rows = [line.split("  ") for line in people[1:]]
    rows = [[cell.strip() for cell in row if cell.strip()] for row in rows]
    assert rows[0][:2] == ["Kyle", "answered"] and rows[1][:2] == ["Linda", "answered"]
    assert rows[2][:2] == ["Sam (not invited)", "answered"]
    assert rows[3] == ["Jessica", "draft", "2026-11-03 09:30 UTC", "2/7 questions"]
    assert rows[4] == ["Miguel", "due", "-"]
    # aligned: every row's state column starts where the header's does
    column = people[0].index("state")
    assert all(line[column:].split()[0] in ("state", "answered", "draft", "due") for line in people)
    questions = {line.split()[0]: line.split()[1:] for line in lines[lines.index("question      answers  in drafts") + 1 :]}
    assert questions["went_well"] == ["2", "1"]
    assert questions["went_poorly"] == ["2", "0"]
    assert questions["rating"] == ["1", "0"]
    assert questions["improvements"] == ["0", "0"]


def test_status_json(cli, tmp_path: Path) -> None:
    folder = team(cli, tmp_path)
    result = cli("status", folder, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["counts"] == {"invited": 4, "answered": 3, "drafts": 1, "due": 1, "not_invited": 1}
    people = {p["name"]: p for p in data["participants"]}
    assert set(people) == {"Linda", "Kyle", "Jessica", "Miguel", "Sam"}
    assert people["Kyle"]["state"] == "answered" and people["Kyle"]["file"] == "responses/kyle.toml"
    assert dt.datetime.fromisoformat(people["Linda"]["updated"]).tzinfo is not None
    assert people["Jessica"]["state"] == "draft" and people["Jessica"]["role"] == "Ops"
    assert people["Jessica"]["questions_done"] == 2 and people["Jessica"]["updated"] == "2026-11-03T09:30:00+00:00"
    assert people["Miguel"] == {
        "name": "Miguel", "role": "", "invited": True, "state": "due", "updated": None,
        "questions_done": 0, "questions": 7, "file": None,
    }
    assert people["Sam"]["invited"] is False
    went_well = next(q for q in data["questions"] if q["id"] == "went_well")
    assert went_well["answers"] == 2 and went_well["in_drafts"] == 1
    assert data["problems"] == [] and data["anonymous"] is False


def test_status_anonymous_shows_counts_only(cli, tmp_path: Path) -> None:
    folder = tmp_path / "pm"
    names = ["Zebulon", "Quaxley", "Philippa", "Wrenfeather", "Octavius"]
    result = cli("start", folder, *PROJECT, "--anonymous", *[a for n in names for a in ("--invite", n)])
    assert result.exit_code == 0, result.output
    answer(cli, folder, "Zebulon", {"went_well": ["Clear scope"]})
    answer(cli, folder, "Quaxley", {"went_well": ["Early notice"], "rating": 4})
    draft(folder, "0123456789abcdef", {"went_well": ["On time"]}, ["went_well"])
    for args in ([], ["--json"]):
        result = cli("status", folder, *args)
        assert result.exit_code == 0, result.output
        for name in (*names, "0123456789abcdef"):
            assert name.casefold() not in result.output.casefold()
    data = json.loads(result.stdout)
    assert data["counts"] == {"invited": 5, "answered": 2, "drafts": 1, "due": 2}
    assert "participants" not in data and data["anonymous"] is True
    assert next(q for q in data["questions"] if q["id"] == "went_well") == {
        "id": "went_well", "heading": "What went well", "kind": "items", "answers": 2, "in_drafts": 1,
    }
    lines = cli("status", folder).stdout.splitlines()
    assert lines[0] == "Colorado office compliance rollout: 5 invited, 2 answered, 1 draft(s), 2 due"
    assert lines[1] == "Anonymous post-mortem: counts only, no names."


def test_status_strips_escape_sequences_from_names(cli, tmp_path: Path) -> None:
    folder = tmp_path / "pm"
    answer(cli, folder, "Eve\x1b[2J\x1b]0;pwned\x07 Smith\u202e", {"went_well": ["x"]})
    result = cli("status", folder)
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout and "\u202e" not in result.stdout
    assert "Eve[2J]0;pwned Smith  answered" in result.stdout


def test_status_warns_about_a_bad_response_and_goes_on(cli, tmp_path: Path) -> None:
    folder = team(cli, tmp_path)
    (folder / "responses" / "broken.toml").write_text('name = "Zed"\nstatus = "finished"\n', encoding="utf-8")
    result = cli("status", folder)
    assert result.exit_code == 0, result.output
    assert "3 answered" in result.stdout
    assert f"{folder / 'responses' / 'broken.toml'}:2: status must be 'complete' or 'draft'" in result.stderr
    assert "postmortem check" in result.stderr


def test_status_without_a_session(cli, tmp_path: Path) -> None:
    result = cli("status", tmp_path)
    assert result.exit_code == 2
    assert "no postmortem.toml here" in result.stderr and result.stdout == ""


def test_invited_list_edited_by_hand(cli, tmp_path: Path) -> None:
    folder = tmp_path / "pm"
    answer(cli, folder, "Linda", {"went_well": ["x"]})
    session = read(folder / "postmortem.toml")
    session["invited"] = ["Ann", "ann ", "", "LINDA"]
    (folder / "postmortem.toml").write_text(store.dumps(session), encoding="utf-8")
    data = json.loads(cli("status", folder, "--json").stdout)
    assert data["counts"] == {"invited": 2, "answered": 1, "drafts": 0, "due": 1, "not_invited": 0}
    assert [(p["name"], p["state"]) for p in data["participants"]] == [("LINDA", "answered"), ("Ann", "due")]


def test_inviting_leaves_no_new_file_to_commit(cli, tmp_path: Path) -> None:
    folder = tmp_path / "pm"
    assert cli("start", folder, *PROJECT, "--invite", "Linda").exit_code == 0
    assert cli("start", folder, "--invite", "Kyle").exit_code == 0
    assert sorted(p.name for p in folder.iterdir()) == [".record.toml.lock", "postmortem.toml", "questions.toml"]
