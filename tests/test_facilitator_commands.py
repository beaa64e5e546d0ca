"""The facilitator's commands do what a busy facilitator expects at the first try."""

from __future__ import annotations

from pathlib import Path

from conftest import read, write_answers


def team(cli, tmp_path: Path, printer_owner: str = "Dave Kowalski") -> Path:
    """A merged post-mortem with two actions: the printer slot (printer_owner's) and Ann's checklist."""
    folder = tmp_path / "pm"
    answers = {"improvements": [{"text": "Book the printer slot a week ahead", "owner": printer_owner},
                                {"text": "One shared checklist for the open day", "owner": "Ann"}]}
    assert cli("start", folder, "--project", "School open day", "--answers", write_answers(tmp_path, "Ann", answers)).exit_code == 0
    assert cli("merge", folder).exit_code == 0
    return folder


def test_actions_owner_finds_a_person_by_any_part_of_their_name_in_any_case(cli, tmp_path: Path) -> None:
    folder = team(cli, tmp_path)
    for given in ("Dave", "dave", "KOWALSKI", "Dave Kowalski"):
        result = cli("actions", folder, "--owner", given, "--json")
        assert result.exit_code == 0 and "Book the printer slot" in result.stdout and "shared checklist" not in result.stdout


def test_actions_owner_matches_whole_words_not_pieces_of_them(cli, tmp_path: Path) -> None:
    folder = team(cli, tmp_path, printer_owner="Joanne Hanna")
    result = cli("actions", folder, "--owner", "ANN", "--json")
    assert result.exit_code == 0 and "shared checklist" in result.stdout and "printer slot" not in result.stdout
    assert "printer slot" in cli("actions", folder, "--owner", "hanna", "--json").stdout
    assert "printer slot" not in cli("actions", folder, "--owner", "oanne", "--json").stdout


def test_edit_with_nothing_to_change_is_an_error_and_changes_nothing(cli, tmp_path: Path) -> None:
    folder = team(cli, tmp_path)
    before = (folder / "record.toml").read_bytes()
    result = cli("edit", "A1", folder)
    assert result.exit_code == 2 and "nothing to change in A1" in result.stderr and "updated" not in result.stderr
    assert (folder / "record.toml").read_bytes() == before
    assert read(folder / "record.toml")["participant_count"] == 1


def test_start_with_no_input_creates_the_post_mortem_without_interviewing_anyone(cli, tmp_path: Path) -> None:
    folder = tmp_path / "open-day"
    result = cli("start", folder, "--project", "School open day", "--format", "4ls", "--no-input")
    assert result.exit_code == 0 and "Created" in result.stderr and not result.stdout
    session = read(folder / "postmortem.toml")
    assert (session["project"], session["format"]) == ("School open day", "4ls")
    assert not (folder / "responses").exists() or not list((folder / "responses").iterdir())
    again = cli("start", folder, "--no-input")  # now there is one: --no-input asks for the answers, as before
    assert again.exit_code == 2 and "--answers" in again.stderr


def test_h_is_help_for_the_tool_and_every_command(cli) -> None:
    from postmortem.cli import commands

    assert cli("-h").stdout.startswith("Usage: postmortem")
    for command in commands.registered_commands:
        name = command.name or command.callback.__name__
        result = cli(name, "-h")
        assert result.exit_code == 0 and result.stdout.startswith(f"Usage: postmortem {name}"), name


def test_the_shell_completes_the_choices_of_style_status_to_and_format() -> None:
    import os
    import subprocess
    import sys

    def complete(words: str) -> list[str]:
        env = {**os.environ, "_POSTMORTEM_COMPLETE": "complete_bash", "COMP_WORDS": f"postmortem {words}",
               "COMP_CWORD": str(len(words.split()) + 1)}
        run = subprocess.run([sys.executable, "-m", "postmortem"], env=env, capture_output=True, text=True, timeout=60)
        return run.stdout.splitlines()

    assert complete("publish --style ") == ["github", "mkdocs", "plain"]
    assert complete("edit A1 --status ") == ["open", "in progress", "done", "dropped", "in force", "lapsed", "retired"]
    assert complete("render --to ") == ["markdown", "html"]
    assert {"classic", "internal-service", "incident", "4ls"} <= set(complete("start --format "))
