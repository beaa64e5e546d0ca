"""`postmortem history`: past post-mortems newest first, and the themes that keep coming back."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import write_answers


def answer(cli, folder: Path, project: str, date: str, name: str, answers: dict, set_id: str = "classic") -> None:
    folder.parent.mkdir(parents=True, exist_ok=True)
    result = cli(
        "start", folder, "--project", project, "--date", date, "--format", set_id, "--name", name,
        "--answers", write_answers(folder.parent, name, answers),
    )
    assert result.exit_code == 0, result.output


def three(cli, root: Path) -> None:
    spring = root / "spring"
    answer(cli, spring, "Colorado office compliance rollout", "2026-04-01", "Linda", {
        "went_poorly": ["Unannounced drop-ins several times a day"],
        "improvements": ["Daily check-in at 9:00", "Ask for an extra resource"],
        "rating": 2, "roti": 4,
    })
    answer(cli, spring, "Colorado office compliance rollout", "2026-04-01", "Kyle", {"rating": 3, "roti": 5})
    assert cli("merge", spring).exit_code == 0
    assert cli("edit", "A1", spring, "--status", "done").exit_code == 0
    autumn = root / "autumn"
    answer(cli, autumn, "Billing migration", "2026-10-01", "Ann", {
        "went_poorly": ["unannounced drop-ins, several times a day!"], "rating": 4,
    })
    assert cli("merge", autumn).exit_code == 0
    winter = root / "winter"
    answer(cli, winter, "Pantry app release", "2026-12-01", "Olu", {
        "stop": ["Unannounced drop-ins several times each day"], "start": ["Ship on Tuesdays"],
    }, set_id="start-stop-continue")
    assert cli("merge", winter).exit_code == 0


def test_history_json(cli, tmp_path: Path) -> None:
    three(cli, tmp_path)
    result = cli("history", tmp_path, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    rows = data["postmortems"]
    assert [(r["date"], r["project"], r["format"]) for r in rows] == [
        ("2026-12-01", "Pantry app release", "start-stop-continue"),
        ("2026-10-01", "Billing migration", "classic"),
        ("2026-04-01", "Colorado office compliance rollout", "classic"),
    ]
    spring = rows[2]
    assert spring["participants"] == 2 and spring["rating"] == 2.5 and spring["roti"] == 4.5
    assert spring["open"] == 1 and spring["done"] == 1
    assert rows[1]["rating"] == 4.0 and rows[1]["roti"] is None and rows[1]["open"] == 0
    assert rows[0]["rating"] is None
    themes = data["themes"]
    assert len(themes) == 1  # "Ship on Tuesdays", the actions: each in one post-mortem only
    theme = themes[0]
    assert theme["postmortems"] == 3
    assert [(o["project"], o["date"], o["text"]) for o in theme["occurrences"]] == [
        ("Pantry app release", "2026-12-01", "Unannounced drop-ins several times each day"),
        ("Billing migration", "2026-10-01", "unannounced drop-ins, several times a day!"),
        ("Colorado office compliance rollout", "2026-04-01", "Unannounced drop-ins several times a day"),
    ]
    assert theme["occurrences"][0]["section"] == "Stop doing"


def test_history_table(cli, tmp_path: Path) -> None:
    three(cli, tmp_path)
    result = cli("history", tmp_path)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["DATE", "PROJECT", "QUESTION", "SET", "PEOPLE", "RATING", "ROTI", "OPEN", "DONE"]
    assert lines[1].split()[0] == "2026-12-01" and lines[3].split()[0] == "2026-04-01"
    assert lines[3].split()[-6:] == ["classic", "2", "2.5", "4.5", "1", "1"]
    assert lines[2].split()[-4:] == ["4.0", "—", "0", "0"]
    assert "Recurring themes" in result.stdout
    theme = result.stdout[result.stdout.index("Recurring themes") :]
    assert "(3 post-mortems)" in theme
    assert "2026-10-01  Billing migration, What went poorly: unannounced drop-ins, several times a day!" in theme


def test_no_recurring_themes_and_a_bad_record(cli, tmp_path: Path) -> None:
    answer(cli, tmp_path / "one", "Solo", "2026-12-01", "Ann", {"went_well": ["Fine"]})
    assert cli("merge", tmp_path / "one").exit_code == 0
    bad = tmp_path / "two" / "record.toml"
    bad.parent.mkdir()
    bad.write_text('schema_version = 1\nproject = "X"\ndate = "yesterday"\nsections = []\n', encoding="utf-8")
    result = cli("history", tmp_path)
    assert result.exit_code == 2
    assert "Solo" in result.stdout and "No recurring themes" in result.stdout
    assert f"{bad}:3: date must be a date" in result.stderr


def test_escape_sequences_never_reach_the_terminal(cli, tmp_path: Path) -> None:
    for folder, date in (("a", "2026-01-01"), ("b", "2026-02-01")):
        answer(cli, tmp_path / folder, "P\x1b[2J", date, "Ann", {"went_poorly": ["Too \x1b]0;x\x07 many meetings"]})
        assert cli("merge", tmp_path / folder).exit_code == 0
    result = cli("history", tmp_path)
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "(2 post-mortems)" in result.stdout


def test_the_program_ends_at_once_with_all_its_output(cli, tmp_path: Path) -> None:
    """After a command over many files the program ends without tearing down its objects
    (cli.main): what it printed is all there, through a pipe, with the exit code it meant."""
    import subprocess
    import sys

    three(cli, tmp_path)
    for long in (tmp_path / "long", tmp_path / "longer"):  # 120 long themes in both
        answer(cli, long, f"Notes of {long.name}", "2026-06-01", "Bea", {"went_well": [f"Point {n} " + "x" * 900 for n in range(120)]})
        assert cli("merge", long).exit_code == 0
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "record.toml").write_text("schema_version = 1\nproject = 3\n", encoding="utf-8")
    expected = cli("history", tmp_path, "--json")
    program = subprocess.run([sys.executable, "-m", "postmortem", "history", str(tmp_path), "--json"], capture_output=True, text=True, timeout=60)
    assert len(program.stdout) > 100_000  # more than a pipe holds at once
    assert program.stdout == expected.stdout and json.loads(program.stdout)["themes"]
    assert program.returncode == expected.exit_code == 2 and "project" in program.stderr
    merged = subprocess.run([sys.executable, "-m", "postmortem", "merge", str(long)], capture_output=True, text=True, timeout=60)
    assert merged.returncode == 0, merged.stderr
    assert "Point 119" in (long / "record.toml").read_text(encoding="utf-8")


def test_under_coverage_the_program_ends_the_usual_way(tmp_path: Path) -> None:
    """Coverage writes what it measured at exit: the quick end after a command over many files is skipped."""
    import subprocess
    import sys

    script = (
        "import atexit, sys, types\n"
        "sys.modules['coverage'] = types.ModuleType('coverage')\n"
        "atexit.register(lambda: print('measured'))\n"
        f"sys.argv = ['postmortem', 'history', {str(tmp_path)!r}]\n"
        "from postmortem.cli import main\n"
        "main()\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.rstrip().endswith("measured"), done
