"""`actions --to github|gitlab|jira-csv` and `actions link`: open actions into issue trackers.

The shell scripts are run for real, with `gh`/`glab` stand-ins on PATH that record their arguments."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import read, write_answers
from postmortem import escape, trackers
from postmortem.followup import load_records

ESC = "\x1b]0;pwned\x07\x1b[2J\x9b31m\r"
HOSTILE = [
    '=HYPERLINK("http://evil","x")',
    "$(touch PWNED) and `touch PWNED2`; rm -rf \"$HOME\" it's",
    "two\nlines, with a | pipe and # hash",
    f"Eve{ESC} -- --repo evil/repo",
]

STANDIN = """#!{python}
import json, os, sys
log = os.environ["STANDIN_LOG"]
with open(log, "a", encoding="utf-8") as out:
    out.write(json.dumps(sys.argv[1:]) + "\\n")
if sys.argv[1:3] == ["issue", "create"]:
    count = sum(1 for line in open(log, encoding="utf-8") if '"issue", "create"' in line)
    print(f"https://tracker.example/o/r/issues/{{count}}")
"""


def hostile_postmortem(cli, root: Path) -> Path:
    folder = root / "pm"
    improvements = [{"text": text, "owner": "Kyle", "due": dt.date(2026, 12, 15)} for text in HOSTILE[:2]] + HOSTILE[2:]
    answers = write_answers(root, f"Linda{ESC}", {"improvements": improvements})
    result = cli("start", folder, "--project", f"Rollout $(touch PWNED3){ESC}", "--date", "2026-11-20", "--answers", answers)
    assert result.exit_code == 0, result.output
    assert cli("merge", folder).exit_code == 0
    return folder


@pytest.fixture
def people(tmp_path: Path) -> Path:
    config = tmp_path / "config.toml"
    config.write_text('[people]\nkyle = { github = "kyle-h", gitlab = "kyleh", jira = "kyle.h" }\n', encoding="utf-8")
    return config


def run_script(tmp_path: Path, program: str, script: str) -> list[list[str]]:
    """Run the script with a stand-in for program (and the real postmortem) on PATH; the stand-in's calls."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    standin = bin_dir / program
    standin.write_text(STANDIN.format(python=sys.executable), encoding="utf-8")
    standin.chmod(0o755)
    (tmp_path / "script.sh").write_text(script, encoding="utf-8")
    log = tmp_path / "calls.jsonl"
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}/usr/bin:/bin", "STANDIN_LOG": str(log)}
    done = subprocess.run(["bash", tmp_path / "script.sh"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize(("tracker", "program"), [("github", "gh"), ("gitlab", "glab")])
def test_the_script_passes_every_text_exactly_and_links_each_issue_back(cli, tmp_path: Path, people: Path, tracker, program) -> None:
    folder = hostile_postmortem(cli, tmp_path)
    result = cli("actions", folder, "--to", tracker, "--config", people)
    assert result.exit_code == 0, result.output
    assert "4 action(s) to export" in result.stderr

    found, _ = load_records([folder])
    [entry] = found
    expected = [trackers.issue_argv(tracker, entry, item, trackers.load_people(people))[1:] for item in _actions(folder)]

    calls = [c for c in run_script(tmp_path, program, result.stdout) if c[:2] == ["issue", "create"]]

    assert not list(tmp_path.rglob("PWNED*")), "a participant's text ran as a command"
    assert calls == expected
    titles = [call[call.index("--title") + 1] for call in calls]
    assert sorted(titles) == sorted(escape.plain(t) for t in HOSTILE)
    body_flag = "--body" if tracker == "github" else "--description"
    bodies = "".join(call[call.index(body_flag) + 1] for call in calls)
    assert escape.markdown(f"Rollout $(touch PWNED3){ESC}") in bodies and "Linda" in bodies
    lines = bodies.splitlines()
    two = lines.index(next(line for line in lines if line.startswith("- two")))
    assert lines[two].endswith("  ") and lines[two + 1].startswith("  lines, with a ")  # a wording's lines kept, in its list item
    kyle = [c for c in calls if "--assignee" in c]
    assert len(kyle) == 2 and all(c[c.index("--assignee") + 1] == ("kyle-h" if tracker == "github" else "kyleh") for c in kyle)
    if tracker == "gitlab":
        assert all(c[c.index("--due-date") + 1] == "2026-12-15" for c in kyle)

    links = {i["id"]: i["link"] for i in _actions(folder)}
    assert sorted(links.values()) == [f"https://tracker.example/o/r/issues/{n}" for n in range(1, 5)]
    again = cli("actions", folder, "--to", tracker, "--config", people)
    assert "issue create" not in again.stdout and "0 action(s) to export" in again.stderr


def _actions(folder: Path) -> list[dict]:
    return [i for s in read(folder / "record.toml")["sections"] for i in s.get("items", []) if i.get("id")]


def test_jira_csv_reads_back_with_jira_columns_and_no_formula(cli, tmp_path: Path, people: Path) -> None:
    folder = hostile_postmortem(cli, tmp_path)
    result = cli("actions", folder, "--to", "jira-csv", "--config", people)
    assert result.exit_code == 0, result.output

    rows = list(csv.DictReader(io.StringIO(result.stdout)))

    assert list(rows[0]) == ["Summary", "Description", "Assignee", "Due date", "Labels"]
    assert sorted(r["Summary"] for r in rows) == sorted(escape.spreadsheet(t) for t in HOSTILE)
    for row in rows:
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row.values())
        assert not any(c in cell for cell in row.values() for c in "\x1b\x07\x9b\r\n")
        assert "Rollout $(touch PWNED3)" in row["Description"] and row["Labels"] == "postmortem"
    kyle = {r["Summary"]: r for r in rows if r["Assignee"]}
    assert {r["Assignee"] for r in kyle.values()} == {"kyle.h"} and {r["Due date"] for r in kyle.values()} == {"2026-12-15"}
    assert len(kyle) == 2


def test_link_is_recorded_shown_in_the_report_and_not_exported_again(cli, tmp_path: Path) -> None:
    folder = hostile_postmortem(cli, tmp_path)
    linked = cli("actions", "link", "A1", "https://github.com/org/repo/issues/7", folder)
    assert linked.exit_code == 0, linked.output

    assert _actions(folder)[0]["link"] == "https://github.com/org/repo/issues/7"
    assert "[A1](https://github.com/org/repo/issues/7)" in cli("render", folder).stdout
    exported = cli("actions", folder, "--to", "jira-csv")
    assert len(list(csv.DictReader(io.StringIO(exported.stdout)))) == 3
    assert json.loads(cli("actions", folder, "--json").stdout)[0]["link"] == "https://github.com/org/repo/issues/7"


@pytest.mark.parametrize("url", ["javascript:alert(1)", "https://x/a b", f"https://x/{ESC}", "ftp://x"])
def test_link_must_be_a_web_address(cli, tmp_path: Path, url: str) -> None:
    folder = hostile_postmortem(cli, tmp_path)
    before = (folder / "record.toml").read_bytes()
    result = cli("actions", "link", "A1", url, folder)
    assert result.exit_code == 2 and "http(s) URL" in result.stderr
    assert (folder / "record.toml").read_bytes() == before


def test_a_link_that_could_break_the_report_is_encoded(cli, tmp_path: Path) -> None:
    folder = hostile_postmortem(cli, tmp_path)
    assert cli("actions", "link", "A1", "https://x/a)|[b](<c>)`", folder).exit_code == 0
    line = next(line for line in cli("render", folder).stdout.splitlines() if line.startswith("| [A1]"))
    assert "[A1](https://x/a%29%7C%5Bb%5D%28%3Cc%3E%29%60)" in line
    assert line.count("|") - line.count("&#124;") == 7  # ID, action, owner, due, status, raised by: no cell split


def test_a_hand_edited_link_that_is_no_url_shows_the_id_alone(cli, tmp_path: Path) -> None:
    folder = hostile_postmortem(cli, tmp_path)
    record = folder / "record.toml"
    record.write_text(record.read_text(encoding="utf-8").replace('id = "A1"', 'id = "A1"\nlink = "javascript:alert(1)"', 1), encoding="utf-8")
    report = cli("render", folder)
    assert report.exit_code == 0 and "javascript" not in report.stdout and "| A1 |" in report.stdout


def test_a_bad_people_table_is_one_line_exit_2(cli, tmp_path: Path) -> None:
    folder = hostile_postmortem(cli, tmp_path)
    config = tmp_path / "bad.toml"
    config.write_text('[people]\nKyle = "two words"\n', encoding="utf-8")
    result = cli("actions", folder, "--to", "github", "--config", config)
    assert result.exit_code == 2 and "bad.toml" in result.stderr and "people.Kyle" in result.stderr
    assert result.stdout == ""


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",))))
def test_a_shell_word_stands_for_exactly_its_text(text: str) -> None:
    done = subprocess.run(["bash", "-c", f"printf %s {escape.shell(text)}"], capture_output=True, timeout=30)
    assert done.stdout.decode("utf-8") == text


def test_a_shell_word_with_control_characters_is_plain_text() -> None:
    word = escape.shell(f"{HOSTILE[1]}{ESC}\x85")
    assert not set(word) & set("\x1b\x07\x9b\r\x85")
    done = subprocess.run(["bash", "-c", f"printf %s {word}"], capture_output=True, timeout=30)
    assert done.stdout.decode("utf-8") == f"{HOSTILE[1]}{ESC}\x85"


def test_no_cell_starts_a_formula_where_a_spreadsheet_splits_on_semicolons(cli, tmp_path: Path, people: Path) -> None:
    """Where a spreadsheet splits cells on ";" (many locales), what follows a ";" in a text starts a cell."""
    folder = tmp_path / "pm"
    hostile = {"text": 'Plan;=HYPERLINK("http://evil")', "owner": "Kyle", "due": dt.date(2026, 12, 15)}
    answers = write_answers(tmp_path, "Linda", {"improvements": [hostile]})
    assert cli("start", folder, "--project", "P;@SUM(1)", "--date", "2026-11-20", "--answers", answers).exit_code == 0
    assert cli("merge", folder).exit_code == 0
    record = folder / "record.toml"
    record.write_text(record.read_text(encoding="utf-8").replace("due = 2026-12-15", 'due = "2026-12-15"', 1), encoding="utf-8")
    for args in (("--to", "jira-csv", "--config", people), ("--csv",)):
        result = cli("actions", folder, *args)
        assert result.exit_code == 0, result.output
        as_comma = list(csv.reader(io.StringIO(result.stdout)))
        assert any('Plan;\'=HYPERLINK("http://evil")' in cell for cell in as_comma[1])
        assert "2026-12-15" in as_comma[1]  # a due date typed as text is a due date
        for row in csv.reader(io.StringIO(result.stdout), delimiter=";"):
            assert not any(cell.lstrip().startswith(("=", "+", "-", "@")) for cell in row[1:]), row
    script = cli("actions", folder, "--to", "gitlab", "--config", people).stdout
    assert "--due-date 2026-12-15" in script


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list(';=+-@ "\t\r\n,ax\u00a0')), max_size=30))
def test_a_spreadsheet_cell_starts_no_formula_however_it_is_split(text: str) -> None:
    cell = escape.spreadsheet(text)
    first, *after = cell.split(";")  # a spreadsheet splitting on ";" starts a cell at each, maybe in quotes
    assert not first.startswith(("=", "+", "-", "@", "\t", "\r")), (text, cell)
    assert not any(piece.lstrip(' "').startswith(("=", "+", "-", "@", "\t", "\r")) for piece in after), (text, cell)
    assert cell.replace("'", "").replace(" ", "") == escape.plain(text).replace(" ", "")  # only quotes added
