"""Running `start` again: finished answers come back for editing, a draft is resumed, a taken name is asked again.

Driven through the real CLI and the real questionary prompts with prompt_toolkit pipe input
(helpers from test_interview); every test asserts what ends up in the response files.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from typer.testing import CliRunner

from postmortem.cli import app
from test_interview import (
    CTRL_C,
    ENTER,
    FULL_ANSWERS,
    IMPROVEMENTS,
    RATING,
    STAKEHOLDERS,
    TAKEAWAYS,
    WENT_POORLY,
    WENT_WELL,
    assert_no_hang,
    drive,
    lines,
    read,
    response_file,
    start_args,
)

CTRL_U = "\x15"  # clear the prefilled text
FULL = WENT_WELL + WENT_POORLY + IMPROVEMENTS + STAKEHOLDERS + TAKEAWAYS + RATING
KEEP = ENTER  # "Keep these N answers" is the default choice
EDIT = "2" + ENTER  # "Edit or remove them"
ADD = "3" + ENTER  # "Add more"


def finished(tmp_path: Path) -> Path:
    folder = tmp_path / "retro"
    run = drive(start_args(folder), FULL)
    assert_no_hang(run)
    assert run.code == 0, run.result.stderr
    assert read(response_file(folder))["answers"] == FULL_ANSWERS
    return folder


def test_rerun_edits_one_entry_and_keeps_the_rest(tmp_path: Path) -> None:
    folder = finished(tmp_path)
    keys = (
        EDIT  # went_well: edit the entries
        + ENTER  # 1. kept as it was (Enter keeps the prefilled text)
        + CTRL_U + lines("HR helped the visitor settle in within a day")  # 2. rewritten
        + ENTER  # no more entries
        + KEEP  # went_poorly
        + KEEP  # improvements
        + KEEP  # stakeholders
        + ENTER  # takeaways: the earlier text is the default
        + ENTER  # rating: the earlier 4 is the default
        + ENTER  # roti: skipped before, Skip is the default
    )
    run = drive(start_args(folder), keys)
    assert_no_hang(run)
    assert run.code == 0, run.result.stderr
    assert "You have answered already" in run.result.stderr and "shown for editing" in run.result.stderr
    assert "Keep these 2 answers" in run.screen and "Keep this answer" in run.screen
    assert "has answered already" not in run.result.stderr  # no longer a refusal
    data = read(response_file(folder))
    assert data["status"] == "complete" and "done" not in data
    assert data["answers"] == {
        **FULL_ANSWERS,
        "went_well": ["The VP set expectations up front", "HR helped the visitor settle in within a day"],
    }
    assert "roti" not in data["answers"]
    assert [p.name for p in (folder / "responses").iterdir()] == ["ann.toml"]


def test_rerun_keeping_everything_changes_no_answer(tmp_path: Path) -> None:
    folder = finished(tmp_path)
    run = drive(start_args(folder), KEEP * 4 + ENTER * 3)
    assert_no_hang(run)
    assert run.code == 0, run.result.stderr
    assert read(response_file(folder))["answers"] == FULL_ANSWERS


def test_rerun_removes_an_entry_edits_fields_adds_one_and_changes_the_rating(tmp_path: Path) -> None:
    folder = finished(tmp_path)
    keys = (
        KEEP  # went_well
        + ADD + lines("Nobody covered the VP's leave", "")  # went_poorly: one more
        + EDIT  # improvements
        + ENTER + CTRL_U + lines("Linda") + ENTER  # 1. text kept, owner Kyle -> Linda, due kept
        + CTRL_U + ENTER  # 2. emptied: removed
        + lines("Hold a weekly review with the VP every Monday", "Jessica", "")  # a new one
        + ENTER  # no more
        + KEEP  # stakeholders
        + CTRL_U + lines("Talk first.")  # takeaways rewritten
        + "2" + ENTER  # rating 4 -> 2
        + "5" + ENTER  # roti now answered
    )
    run = drive(start_args(folder), keys)
    assert_no_hang(run)
    assert run.code == 0, run.result.stderr
    answers = read(response_file(folder))["answers"]
    assert answers == {
        **FULL_ANSWERS,
        "went_poorly": [*FULL_ANSWERS["went_poorly"], "Nobody covered the VP's leave"],
        "improvements": [
            {"text": "Daily 10-minute check-in at 9:00", "owner": "Linda", "due": dt.date(2026, 12, 15)},
            {"text": "Hold a weekly review with the VP every Monday", "owner": "Jessica"},
        ],
        "takeaways": "Talk first.",
        "rating": 2,
        "roti": 5,
    }


def test_ctrl_c_while_editing_keeps_the_changes_made_and_the_answers_complete(tmp_path: Path) -> None:
    folder = finished(tmp_path)
    run = drive(start_args(folder), EDIT + CTRL_U + lines("The VP set clear expectations on day one") + CTRL_C)
    assert_no_hang(run)
    assert run.code == 130
    assert "Traceback" not in run.result.stderr
    data = read(response_file(folder))
    assert data["status"] == "complete"
    assert data["answers"] == {
        **FULL_ANSWERS,
        "went_well": ["The VP set clear expectations on day one", "HR helped the visitor settle in"],
    }


def test_ctrl_c_then_the_rerun_says_it_resumes_the_draft(tmp_path: Path) -> None:
    folder = tmp_path / "retro"
    first = drive(start_args(folder), WENT_WELL + CTRL_C)
    assert first.code == 130
    assert read(response_file(folder))["status"] == "draft"

    second = drive(start_args(folder), WENT_POORLY + IMPROVEMENTS + STAKEHOLDERS + TAKEAWAYS + RATING)
    assert_no_hang(second)
    assert second.code == 0, second.result.stderr
    assert "Resuming your draft" in second.result.stderr and "1 of 7 questions answered" in second.result.stderr
    assert "shown for editing" not in second.result.stderr
    data = read(response_file(folder))
    assert data["status"] == "complete" and data["answers"] == FULL_ANSWERS


def test_a_taken_name_at_the_prompt_is_asked_again(tmp_path: Path) -> None:
    folder = tmp_path / "retro"
    answers = tmp_path / "jose.toml"
    answers.write_text('name = "Jose"\nrole = "Dev"\n[answers]\nwent_well = ["Kept it small"]\n', encoding="utf-8")
    result = CliRunner().invoke(app, [*start_args(folder, name="Jose"), "--answers", str(answers)])
    assert result.exit_code == 0, result.stderr
    jose = response_file(folder, "jose")
    before = jose.read_bytes()

    keys = lines("José", "José Martín", "Ops") + lines("Good", "") + lines("", "", "") + TAKEAWAYS + RATING
    run = drive(["start", str(folder)], keys)  # no --name: asked at the prompt
    assert_no_hang(run)
    assert run.code == 0, run.result.stderr
    assert "'José' gives the same file as 'Jose'" in run.result.stderr
    assert "choose another name" in run.result.stderr
    assert "Your name José Martín" in run.screen  # asked a second time, at the prompt
    assert jose.read_bytes() == before
    assert sorted(p.name for p in (folder / "responses").iterdir()) == ["jose-martin.toml", "jose.toml"]
    data = read(response_file(folder, "jose-martin"))
    assert (data["name"], data["role"], data["status"]) == ("José Martín", "Ops", "complete")
    assert data["answers"]["went_well"] == ["Good"]


def test_the_same_person_at_the_name_prompt_gets_their_answers_to_edit(tmp_path: Path) -> None:
    folder = finished(tmp_path)
    run = drive(["start", str(folder)], lines("ann") + KEEP * 4 + ENTER * 3)
    assert_no_hang(run)
    assert run.code == 0, run.result.stderr
    assert "You have answered already" in run.result.stderr
    assert "choose another name" not in run.result.stderr
    assert read(response_file(folder))["answers"] == FULL_ANSWERS


def test_rerun_edits_a_stakeholder_field_by_field(tmp_path: Path) -> None:
    folder = finished(tmp_path)
    keys = (
        KEEP * 3  # went_well, went_poorly, improvements
        + EDIT  # stakeholders
        + ENTER  # name kept
        + CTRL_U + lines("Regional VP")  # role changed
        + ENTER  # interest kept
        + lines("Kyle", "Quality manager", "Procedures installed on time")  # one more
        + ENTER  # no more
        + ENTER * 3  # takeaways, rating, roti kept
    )
    run = drive(start_args(folder), keys)
    assert_no_hang(run)
    assert run.code == 0, run.result.stderr
    assert read(response_file(folder))["answers"] == {
        **FULL_ANSWERS,
        "stakeholders": [
            {"name": "Jessica", "role": "Regional VP", "interest": "The office stays compliant"},
            {"name": "Kyle", "role": "Quality manager", "interest": "Procedures installed on time"},
        ],
    }
