"""A new post-mortem of the same project starts with the still-open actions of earlier ones."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from conftest import read, write_answers

PROJECT = "Colorado office compliance rollout"
HEADING = "## Carried over from earlier post-mortems"


def postmortem(cli, folder: Path, date: str, answers: dict, project: str = PROJECT, *merge_options: str) -> None:
    folder.parent.mkdir(parents=True, exist_ok=True)
    result = cli(
        "start", folder, "--project", project, "--date", date, "--name", "Linda",
        "--answers", write_answers(folder.parent, "Linda", answers),
    )
    assert result.exit_code == 0, result.output
    result = cli("merge", folder, *merge_options)
    assert result.exit_code == 0, result.output


def first(cli, folder: Path) -> None:
    postmortem(cli, folder, "2026-06-01", {"improvements": [
        {"text": "Daily check-in at 9:00 | instead of drop-ins", "owner": "Kyle", "due": dt.date(2026, 7, 1)},
        "Ask corporate for an extra resource",
    ]})
    assert cli("edit", "A2", folder, "--status", "done").exit_code == 0


def report(cli, folder: Path) -> str:
    result = cli("render", folder)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_second_postmortem_shows_the_open_action_of_the_first(cli, tmp_path: Path) -> None:
    first(cli, tmp_path / "2026-06-colorado")
    second = tmp_path / "2026-12-colorado"
    postmortem(cli, second, "2026-12-01", {"improvements": ["Keep the check-in"], "went_well": ["Landed on time"]})
    carried = read(second / "record.toml")["carried_over"]
    assert carried == [{
        "project": PROJECT, "date": dt.date(2026, 6, 1), "id": "A1",
        "text": "Daily check-in at 9:00 | instead of drop-ins", "owner": "Kyle", "due": dt.date(2026, 7, 1),
        "status": "open", "source": "../2026-06-colorado/record.toml",
    }]
    text = report(cli, second)
    assert HEADING in text
    assert "| 2026-06-01 | A1 | Daily check-in at 9:00 \\| instead of drop-ins | Kyle | 2026-07-01 | open |" in text
    assert "Ask corporate for an extra resource" not in text  # done: not carried over
    assert text.index(HEADING) < text.index("## What went well")  # near the top
    # The first post-mortem's own report has nothing carried over.
    assert HEADING not in report(cli, tmp_path / "2026-06-colorado")


def test_closing_the_action_removes_it_at_the_next_merge(cli, tmp_path: Path) -> None:
    first(cli, tmp_path / "one")
    postmortem(cli, tmp_path / "two", "2026-12-01", {"improvements": ["Keep the check-in"]})
    assert cli("actions", "done", "one:A1", tmp_path).exit_code == 0
    assert read(tmp_path / "two" / "record.toml")["carried_over"][0]["id"] == "A1"  # until merge runs again
    assert cli("merge", tmp_path / "two").exit_code == 0
    assert "carried_over" not in read(tmp_path / "two" / "record.toml")
    assert HEADING not in report(cli, tmp_path / "two")


def test_other_projects_and_later_postmortems_are_not_carried_over(cli, tmp_path: Path) -> None:
    postmortem(cli, tmp_path / "billing", "2026-05-01", {"improvements": ["Freeze the mapping"]}, "Billing migration")
    postmortem(cli, tmp_path / "later", "2027-03-01", {"improvements": ["Something for later"]})
    postmortem(cli, tmp_path / "now", "2026-12-01", {"improvements": ["Keep the check-in"]})
    assert "carried_over" not in read(tmp_path / "now" / "record.toml")
    # A session with the same project in another spelling is the same project (slug match).
    postmortem(cli, tmp_path / "spelled", "2026-01-01", {"improvements": ["Spelled differently"]}, "colorado office: compliance rollout")
    assert cli("merge", tmp_path / "now").exit_code == 0
    assert [c["text"] for c in read(tmp_path / "now" / "record.toml")["carried_over"]] == ["Spelled differently"]


def test_history_option_finds_records_elsewhere(cli, tmp_path: Path) -> None:
    first(cli, tmp_path / "old" / "colorado")
    wiki = tmp_path / "wiki"
    wiki.mkdir()
    shutil.move(tmp_path / "old" / "colorado" / "record.toml", wiki / "2026-06-01-colorado.record.toml")
    second = tmp_path / "new" / "colorado"
    postmortem(cli, second, "2026-12-01", {"improvements": ["Keep the check-in"]})
    assert "carried_over" not in read(second / "record.toml")
    result = cli("merge", second, "--history", wiki)
    assert result.exit_code == 0, result.output
    assert "1 open action(s) carried over from earlier post-mortems" in result.stderr
    carried = read(second / "record.toml")["carried_over"]
    assert [(c["id"], c["source"]) for c in carried] == [("A1", "../../wiki/2026-06-01-colorado.record.toml")]


def test_an_unreadable_earlier_record_does_not_stop_the_merge(cli, tmp_path: Path) -> None:
    first(cli, tmp_path / "one")
    bad = tmp_path / "broken" / "record.toml"
    bad.parent.mkdir()
    bad.write_text("project = \n", encoding="utf-8")
    postmortem(cli, tmp_path / "two", "2026-12-01", {"improvements": ["Keep the check-in"]})
    result = cli("merge", tmp_path / "two")
    assert result.exit_code == 0
    assert f"skipped: {bad}:1: invalid TOML" in result.stderr
    assert [c["id"] for c in read(tmp_path / "two" / "record.toml")["carried_over"]] == ["A1"]


def test_a_hand_broken_carried_over_list_is_named(cli, tmp_path: Path) -> None:
    first(cli, tmp_path / "one")
    record = tmp_path / "one" / "record.toml"
    text = record.read_text(encoding="utf-8")
    record.write_text(text.replace("participant_count = 1\n", 'participant_count = 1\ncarried_over = "A1"\n', 1), encoding="utf-8")
    result = cli("render", tmp_path / "one")
    assert result.exit_code == 2
    line = record.read_text(encoding="utf-8").splitlines().index('carried_over = "A1"') + 1
    assert result.stderr.strip() == f"postmortem: {record}:{line}: carried_over must be a list of tables, not text"
