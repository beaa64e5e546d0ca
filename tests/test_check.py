"""`postmortem check` through the real CLI: every problem in every file, with its line."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import write_answers

PROJECT = ["--project", "Billing migration", "--date", "2026-11-02"]


def make(cli, folder: Path, merged: bool = True) -> Path:
    folder.parent.mkdir(parents=True, exist_ok=True)
    for name, answers in (
        ("Linda", {"went_well": ["Clear scope"], "improvements": ["Daily check-in at 9:00"], "rating": 3}),
        ("Kyle", {"improvements": ["Ask for an extra resource"]}),
    ):
        result = cli("start", folder, *PROJECT, "--answers", write_answers(folder.parent, name, answers))
        assert result.exit_code == 0, result.output
    if merged:
        assert cli("merge", folder).exit_code == 0
    return folder


def test_a_clean_folder_passes(cli, tmp_path: Path) -> None:
    folder = make(cli, tmp_path / "pm")
    result = cli("check", folder)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr == "5 file(s) checked, no problems.\n"  # postmortem, questions, 2 responses, record
    result = cli("check", folder, "--json")
    assert result.exit_code == 0 and json.loads(result.stdout) == []


def test_default_is_the_current_folder(cli, tmp_path: Path, monkeypatch) -> None:
    make(cli, tmp_path / "pm", merged=False)
    (tmp_path / "pm" / "responses" / "kyle.toml").write_text('name = "Kyle"\nstatus = "finished"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = cli("check")
    assert result.exit_code == 1
    assert result.stdout == f"{Path('pm/responses/kyle.toml')}:2: status must be 'complete' or 'draft', not 'finished'\n"


def test_lines_inside_a_multi_line_string_are_text_not_keys(cli, tmp_path: Path) -> None:
    folder = make(cli, tmp_path / "pm", merged=False)
    bad = folder / "responses" / "kyle.toml"
    bad.write_text(
        "\n".join([
            'name = "Kyle"',
            "role = '''",
            'status = "complete"',
            "'''",
            'colour = """',
            "[answers]",
            "rating = 3",
            '"""',
            'status = "finished"',
            "",
            "[answers]",
            "rating = 9",
        ]) + "\n",
        encoding="utf-8",
    )
    result = cli("check", folder)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert f"{bad}:9: status must be 'complete' or 'draft', not 'finished'" in lines, result.stdout
    assert any(line.startswith(f"{bad}:5: ") and "colour" in line for line in lines), result.stdout
    assert any(line.startswith(f"{bad}:12: ") and "rating" in line for line in lines), result.stdout


def test_every_problem_in_a_response_with_lines(cli, tmp_path: Path) -> None:
    folder = make(cli, tmp_path / "pm", merged=False)
    bad = folder / "responses" / "kyle.toml"
    bad.write_text(
        "\n".join([
            'name = ""',
            'status = "finished"',
            'colour = "red"',
            "",
            "[answers]",
            'went_wel = ["typo"]',
            "rating = 9",
            "improvements = [",
            '  "fine",',
            '  { text = "x", due = "soon" },',
            '  { text = "y", colour = "red" },',
            "]",
            'stakeholders = [{ role = "VP" }]',
        ]) + "\n",
        encoding="utf-8",
    )
    result = cli("check", folder)
    assert result.exit_code == 1
    where = str(bad)
    assert result.stdout.splitlines() == [
        f"{where}:1: name must be a non-empty string",
        f"{where}:2: status must be 'complete' or 'draft', not 'finished'",
        f"{where}:3: unknown key 'colour'",
        (
            f"{where}:6: answers.went_wel is not a question of the 'classic' set "
            "(its questions: went_well, went_poorly, improvements, stakeholders, takeaways, rating, roti)"
        ),
        f"{where}:7: answers.rating must be a whole number from 1 to 5, not 9",
        f"{where}:10: answers.improvements[2].due must be a date such as 2026-12-15, not 'soon'",
        f"{where}:11: answers.improvements[3].colour is not a known field (known: text, owner, due)",
        f"{where}:13: answers.stakeholders[1].name must be text, not NoneType",
    ]
    assert result.stderr == "8 problem(s) in 1 file(s); 4 file(s) checked.\n"


def test_every_bad_file_in_nested_folders_json(cli, tmp_path: Path) -> None:
    first = make(cli, tmp_path / "2026" / "billing")
    second = make(cli, tmp_path / "2026" / "rollout")
    (first / "postmortem.toml").write_text(
        'schema_version = 1\nproject = ""\nformat = "classic"\ndate = "tomorrow"\nextra = 1\n', encoding="utf-8"
    )
    (first / "responses" / "linda.toml").write_text('name = "Linda"\n[answers\n', encoding="utf-8")  # not TOML
    (second / "questions.toml").write_text(
        'title = ""\n\n[[questions]]\nid = "a"\nkind = "nope"\nprompt = "p"\nhelp = "h"\n\n'
        '[[questions]]\nid = "b"\nkind = "text"\nprompt = "p"\nhelp = "h"\ncolour = 1\n',
        encoding="utf-8",
    )
    (tmp_path / "2026" / ".git").mkdir()
    (tmp_path / "2026" / ".git" / "postmortem.toml").write_text("not = [toml", encoding="utf-8")  # hidden: skipped
    result = cli("check", tmp_path, "--json")
    assert result.exit_code == 1
    problems = json.loads(result.stdout)
    assert [(Path(p["file"]).relative_to(tmp_path).as_posix(), p["line"], p["problem"]) for p in problems] == [
        ("2026/billing/postmortem.toml", 2, "project must be a non-empty string"),
        ("2026/billing/postmortem.toml", 4, "date must be a date such as 2026-12-15, not 'tomorrow'"),
        ("2026/billing/postmortem.toml", 5, "unknown key 'extra'"),
        ("2026/billing/responses/linda.toml", 2, "invalid TOML: expected ']' at the end of a table declaration"),
        ("2026/rollout/questions.toml", 1, "title must be a non-empty string"),
        ("2026/rollout/questions.toml", 5, "question 'a': kind must be one of items, text, rating, choice, people, scores, events, not 'nope'"),
        ("2026/rollout/questions.toml", 14, "question 'b': unknown key 'colour'"),
    ]
    assert "problem(s) in 3 file(s); 10 file(s) checked." in result.stderr


def test_record_problems_and_duplicate_id(cli, tmp_path: Path) -> None:
    folder = make(cli, tmp_path / "pm")
    record = folder / "record.toml"
    text = record.read_text(encoding="utf-8")
    assert text.count('id = "A1"') == 1 and text.count('id = "A2"') == 1
    record.write_text(text.replace('id = "A2"', 'id = "A1"'), encoding="utf-8")
    duplicate_line = [n for n, line in enumerate(record.read_text().splitlines(), 1) if line == 'id = "A1"'][1]
    result = cli("check", record)
    assert result.exit_code == 1
    assert result.stdout == f"{record}:{duplicate_line}: sections[3].items[2].id 'A1' is used twice (first at sections[3].items[1].id)\n"

    lines = text.splitlines()
    lines[lines.index('project = "Billing migration"')] = 'project = ""'
    second_kind = [n for n, line in enumerate(lines) if line.startswith("kind = ")][1]
    lines[second_kind] = 'kind = "bogus"'
    record.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = cli("check", record, "--json")
    problems = json.loads(result.stdout)
    assert [(p["line"], p["problem"]) for p in problems] == [
        (lines.index('project = ""') + 1, "project must be a non-empty string"),
        (second_kind + 1, "sections[2].kind must be one of items, text, rating, choice, people, scores, events, not 'bogus'"),
    ]


def test_a_session_naming_an_unknown_question_set(cli, tmp_path: Path) -> None:
    folder = make(cli, tmp_path / "pm", merged=False)
    (folder / "questions.toml").unlink()
    session = (folder / "postmortem.toml").read_text(encoding="utf-8")
    (folder / "postmortem.toml").write_text(session.replace('format = "classic"', 'format = "nosuch"'), encoding="utf-8")
    result = cli("check", folder)
    assert result.exit_code == 1
    line = session.splitlines().index('format = "classic"') + 1
    assert result.stdout.startswith(f"{folder / 'postmortem.toml'}:{line}: format: unknown question set 'nosuch'")


def test_paths_that_are_not_post_mortems(cli, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    other = tmp_path / "notes.toml"
    other.write_text('colour = "red"\n', encoding="utf-8")
    result = cli("check", tmp_path / "empty", tmp_path / "missing", other)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{tmp_path / 'empty'}: no post-mortem here (no postmortem.toml in it or below)",
        f"{tmp_path / 'missing'}: no such file or folder",
        f"{other}: not a post-mortem file (postmortem.toml, questions.toml, record.toml or responses/*.toml)",
    ]


def test_escape_sequences_in_problems_are_stripped(cli, tmp_path: Path) -> None:
    folder = make(cli, tmp_path / "pm", merged=False)
    (folder / "responses" / "kyle.toml").write_text('name = "Kyle"\nstatus = "\\u001b[2Jdone"\n', encoding="utf-8")
    result = cli("check", folder)
    assert result.exit_code == 1 and "\x1b" not in result.stdout
    assert "status must be 'complete' or 'draft', not '\\x1b[2Jdone'" in result.stdout
    assert json.loads(cli("check", folder, "--json").stdout)[0]["problem"].endswith("not '\\x1b[2Jdone'")


SECOND = "`start` would not find it and would begin a second one"


def test_a_misnamed_or_second_response_of_one_person(cli, tmp_path: Path) -> None:
    folder = make(cli, tmp_path / "pm", merged=False)
    responses = folder / "responses"
    text = (responses / "kyle.toml").read_text(encoding="utf-8")
    (responses / "kyle.toml").rename(responses / "kyle-old.toml")
    (responses / "zz-linda.toml").write_text(
        (responses / "linda.toml").read_text(encoding="utf-8").replace('name = "Linda"', 'name = "LINDA"'), encoding="utf-8"
    )
    result = cli("check", folder)
    assert result.exit_code == 1
    line = text.splitlines().index('name = "Kyle"') + 1
    assert result.stdout.splitlines() == [
        f"{responses / 'kyle-old.toml'}:{line}: the response of 'Kyle' must be named kyle.toml; {SECOND}",
        f"{responses / 'zz-linda.toml'}:{line}: claims the same participant 'LINDA' as {responses / 'linda.toml'}; remove one of the two files",
        f"{responses / 'zz-linda.toml'}:{line}: the response of 'LINDA' must be named linda.toml; {SECOND}",
    ]


def test_a_responses_folder_alone(cli, tmp_path: Path) -> None:
    folder = make(cli, tmp_path / "pm", merged=False)
    (folder / "responses" / "kyle.toml").write_text('name = "Kyle"\n[answers]\nrating = 0\n', encoding="utf-8")
    result = cli("check", folder / "responses")
    assert result.exit_code == 1
    assert result.stdout == f"{folder / 'responses' / 'kyle.toml'}:3: answers.rating must be a whole number from 1 to 5, not 0\n"
    assert result.stderr == "1 problem(s) in 1 file(s); 2 file(s) checked.\n"


def test_a_session_file_under_another_name(cli, tmp_path: Path) -> None:
    make(cli, tmp_path / "pm", merged=False)  # a good postmortem.toml beside it must not be what is checked
    copy = tmp_path / "pm" / "draft-session.toml"
    copy.write_text('project = "Billing"\ndate = 2026-11-02\nanonymous = "yes"\n', encoding="utf-8")
    result = cli("check", copy)
    assert result.exit_code == 1
    assert result.stdout == f"{copy}:3: anonymous must be true or false\n"


def test_a_symlinked_response_is_refused_not_followed(cli, tmp_path: Path) -> None:
    folder = make(cli, tmp_path / "pm", merged=False)
    secret = tmp_path / "secret.toml"
    secret.write_text('name = "Kyle"\npassword = "hunter2"\n', encoding="utf-8")
    (folder / "responses" / "kyle.toml").unlink()
    (folder / "responses" / "kyle.toml").symlink_to(secret)
    result = cli("check", folder)
    assert result.exit_code == 1
    assert result.stdout == f"{folder / 'responses' / 'kyle.toml'}: is a symbolic link; refusing to follow it\n"
