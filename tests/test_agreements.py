"""Agreements: an items question marked `agreements = true`; the record keeps them, and the next
post-mortem of the same project shows the agreements in force first."""

from __future__ import annotations

from pathlib import Path

from conftest import read, write_answers

SET = '''title = "Team retro"
description = "Agreements and actions."

[[questions]]
id = "agreed"
kind = "items"
agreements = true
prompt = "What do we agree on for the next project?"
help = "Good example: We agree how and when we talk before the work starts."

[[questions]]
id = "fix"
kind = "items"
actions = true
prompt = "What will we fix?"
help = "Good example: Kim adds a smoke test."
'''
TALK = "We agree how and when we talk before the work starts"
HOSTILE = "# No drop-ins | <b>ever</b>\n```"


def retro(cli, root: Path, name: str, date: str, answers: dict, project: str = "Colorado rollout") -> Path:
    (root / "set.toml").write_text(SET, encoding="utf-8")
    folder = root / name
    result = cli("start", folder, "--project", project, "--format", root / "set.toml", "--date", date, "--answers", write_answers(root, "Linda", answers))
    assert result.exit_code == 0, result.output
    assert cli("merge", folder).exit_code == 0
    return folder


def test_the_next_post_mortem_shows_the_agreements_in_force_first(cli, tmp_path: Path) -> None:
    first = retro(cli, tmp_path, "q1", "2026-06-30", {"agreed": [TALK, HOSTILE], "fix": ["Book rooms early"]})
    retro(cli, tmp_path, "q2", "2026-09-30", {"agreed": [TALK.lower() + "  "], "fix": ["x"]})
    retro(cli, tmp_path, "other", "2026-08-01", {"agreed": ["Other project's agreement"]}, project="Billing")
    third = retro(cli, tmp_path, "q3", "2026-12-15", {"fix": ["y"]})

    assert next(s for s in read(first / "record.toml")["sections"] if s["id"] == "agreed")["agreements"] is True
    in_force = read(third / "record.toml")["agreements_in_force"]
    assert [(a["text"], str(a["date"])) for a in in_force] == [(TALK.lower(), "2026-09-30"), (HOSTILE, "2026-06-30")]
    assert in_force[0]["source"] == "../q2/record.toml"
    report = cli("render", third).stdout
    assert report.index("## Agreements in force") < report.index("## Carried over") < report.index("## What will we fix?")
    assert "- \\# No drop-ins | &lt;b>ever&lt;/b> \\`\\`\\` (agreed 2026-06-30)" in report  # plain text, as typed
    assert "Other project" not in report


def test_a_first_post_mortem_has_no_agreements_in_force(cli, tmp_path: Path) -> None:
    folder = retro(cli, tmp_path, "q1", "2026-06-30", {"agreed": [TALK]})
    assert "agreements_in_force" not in read(folder / "record.toml")
    assert "Agreements in force" not in cli("render", folder).stdout


def test_agreements_only_on_an_items_question_that_is_not_actions(cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(SET.replace("actions = true", "actions = true\nagreements = true"), encoding="utf-8")
    result = cli("formats", bad)
    assert result.exit_code == 2 and "agreements must be true or false" in result.stderr


def test_a_broken_agreements_list_is_one_line(cli, tmp_path: Path) -> None:
    retro(cli, tmp_path, "q1", "2026-06-30", {"agreed": [TALK]})
    third = retro(cli, tmp_path, "q2", "2026-09-30", {"fix": ["y"]})
    record = third / "record.toml"
    record.write_text(record.read_text(encoding="utf-8").replace(f'text = "{TALK}"', "text = 3"), encoding="utf-8")
    result = cli("render", third)
    assert result.exit_code == 2 and "agreements_in_force[1].text must be text" in result.stderr and "Traceback" not in result.output
