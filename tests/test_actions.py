"""`postmortem actions`: every action item across post-mortem and wiki folders; done and reopen."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
from pathlib import Path

from conftest import read, write_answers

TODAY = ["--today", "2027-01-10"]


def postmortem(cli, folder: Path, project: str, date: str, improvements: list, name: str = "Linda", **answers) -> Path:
    folder.parent.mkdir(parents=True, exist_ok=True)
    result = cli(
        "start", folder, "--project", project, "--date", date, "--name", name,
        "--answers", write_answers(folder.parent, name, {"improvements": improvements, **answers}),
    )
    assert result.exit_code == 0, result.output
    assert cli("merge", folder).exit_code == 0
    return folder / "record.toml"


def edit(cli, folder: Path, action: str, *options: str) -> None:
    result = cli("edit", action, folder, *options)
    assert result.exit_code == 0, result.output


def teams(cli, root: Path) -> None:
    """Two projects: colorado (A1 overdue, A2 done, A3 in progress) and billing (A1 open, no owner)."""
    colorado = root / "colorado-office"
    postmortem(cli, colorado, "Colorado office compliance rollout", "2026-11-20", [
        {"text": "Daily check-in at 9:00 instead of drop-ins", "owner": "Kyle", "due": dt.date(2026, 12, 15)},
        {"text": "Ask corporate for an extra resource", "owner": "Jessica", "due": dt.date(2027, 1, 31)},
        {"text": "Weekly overtime check | during busy season", "owner": "Priya"},
    ])
    ids = {i["text"]: i["id"] for s in read(colorado / "record.toml")["sections"] for i in s.get("items", []) if i.get("id")}
    edit(cli, colorado, ids["Ask corporate for an extra resource"], "--status", "done")
    edit(cli, colorado, ids["Weekly overtime check | during busy season"], "--status", "in progress")
    postmortem(cli, root / "billing", "Billing migration", "2026-12-01", ["Freeze the field mapping two weeks before cutover"])


def by_key(rows: list[dict]) -> dict[tuple[str, str], dict]:
    return {(r["project"], r["action"]): r for r in rows}


def test_lists_open_actions_across_folders_as_json(cli, tmp_path: Path) -> None:
    teams(cli, tmp_path)
    result = cli("actions", tmp_path, "--json", *TODAY)
    assert result.exit_code == 0, result.output
    rows = by_key(json.loads(result.stdout))
    assert set(rows) == {
        ("Colorado office compliance rollout", "Daily check-in at 9:00 instead of drop-ins"),
        ("Colorado office compliance rollout", "Weekly overtime check | during busy season"),
        ("Billing migration", "Freeze the field mapping two weeks before cutover"),
    }  # the done one is not open
    check_in = rows[("Colorado office compliance rollout", "Daily check-in at 9:00 instead of drop-ins")]
    assert check_in["owner"] == "Kyle" and check_in["due"] == "2026-12-15" and check_in["status"] == "open"
    assert check_in["overdue"] is True and check_in["age"] == 51 and check_in["date"] == "2026-11-20"
    assert check_in["record"] == str(tmp_path / "colorado-office" / "record.toml")
    overtime = rows[("Colorado office compliance rollout", "Weekly overtime check | during busy season")]
    assert overtime["status"] == "in progress" and overtime["overdue"] is False and overtime["due"] == ""
    billing = rows[("Billing migration", "Freeze the field mapping two weeks before cutover")]
    assert billing["id"] == "A1" and billing["owner"] == "" and billing["age"] == 40
    assert "3 action(s) in 2 post-mortem(s)" in result.stderr


def test_all_owner_and_overdue_filters(cli, tmp_path: Path) -> None:
    teams(cli, tmp_path)
    everything = json.loads(cli("actions", tmp_path, "--all", "--json", *TODAY).stdout)
    assert len(everything) == 4 and {r["status"] for r in everything} == {"open", "done", "in progress"}
    jessica = json.loads(cli("actions", tmp_path, "--all", "--owner", "  JESSICA ", "--json", *TODAY).stdout)
    assert [r["action"] for r in jessica] == ["Ask corporate for an extra resource"]
    assert json.loads(cli("actions", tmp_path, "--owner", "Jessica", "--json", *TODAY).stdout) == []  # done: not open
    overdue = json.loads(cli("actions", tmp_path, "--overdue", "--json", *TODAY).stdout)
    assert [r["action"] for r in overdue] == ["Daily check-in at 9:00 instead of drop-ins"]
    # Before the due date nothing is overdue.
    assert json.loads(cli("actions", tmp_path, "--overdue", "--json", "--today", "2026-12-15").stdout) == []


def test_table_is_aligned_and_plain(cli, tmp_path: Path) -> None:
    teams(cli, tmp_path)
    postmortem(cli, tmp_path / "evil", "Evil \x1b[31mred", "2026-12-02", ["Ring the bell\x07 and \x1b]0;title\x07 go"])
    result = cli("actions", tmp_path, *TODAY)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["PROJECT", "DATE", "ID", "ACTION", "OWNER", "DUE", "STATUS", "OVERDUE", "AGE"]
    assert len(lines) == 5
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    for heading in ("DATE", "ID", "ACTION", "STATUS"):  # every row's cells start where the heading does
        start = lines[0].index(heading)
        assert all(line[start - 2 : start] == "  " and line[start] != " " for line in lines[1:]), heading
    assert {line[lines[0].index("DATE") :][:10] for line in lines[1:]} == {"2026-11-20", "2026-12-01", "2026-12-02"}
    check_in = next(line for line in lines if "Daily check-in" in line)
    assert "Kyle" in check_in and "2026-12-15" in check_in and " yes " in check_in and check_in.endswith("51d")
    assert result.stderr.strip() == "4 action(s) in 3 post-mortem(s)."


def test_csv(cli, tmp_path: Path) -> None:
    teams(cli, tmp_path)
    result = cli("actions", tmp_path, "--csv", "--all", *TODAY)
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == ["project", "date", "id", "action", "owner", "due", "status", "overdue", "age", "record", "link"]
    overtime = next(r for r in rows if r["action"].startswith("Weekly"))
    assert overtime["action"] == "Weekly overtime check | during busy season" and overtime["overdue"] == "no"
    assert next(r for r in rows if r["owner"] == "Kyle")["overdue"] == "yes"


def test_default_path_is_the_current_folder_and_hidden_folders_are_skipped(cli, tmp_path: Path, monkeypatch) -> None:
    teams(cli, tmp_path)
    shutil.copytree(tmp_path / "billing", tmp_path / ".git" / "billing-copy")
    monkeypatch.chdir(tmp_path)
    rows = json.loads(cli("actions", "--json", *TODAY).stdout)
    assert len(rows) == 3 and sum(r["project"] == "Billing migration" for r in rows) == 1


def test_wiki_copies_are_found_and_not_counted_twice(cli, tmp_path: Path) -> None:
    teams(cli, tmp_path / "retros")
    wiki = tmp_path / "wiki"
    wiki.mkdir()
    shutil.copy(tmp_path / "retros" / "billing" / "record.toml", wiki / "2026-12-01-billing-migration.record.toml")
    only_wiki = json.loads(cli("actions", wiki, "--json", *TODAY).stdout)
    assert [r["record"] for r in only_wiki] == [str(wiki / "2026-12-01-billing-migration.record.toml")]
    both = json.loads(cli("actions", wiki, tmp_path / "retros", "--json", *TODAY).stdout)
    billing = [r for r in both if r["project"] == "Billing migration"]
    assert [r["record"] for r in billing] == [str(tmp_path / "retros" / "billing" / "record.toml")]  # its own folder wins


def test_a_bad_record_is_named_and_the_rest_still_listed(cli, tmp_path: Path) -> None:
    teams(cli, tmp_path)
    bad = tmp_path / "broken" / "record.toml"
    bad.parent.mkdir()
    bad.write_text('schema_version = 1\nproject = "Broken"\ndate = 2026-12-03\nsections = [\n', encoding="utf-8")
    result = cli("actions", tmp_path, "--json", *TODAY)
    assert result.exit_code == 2
    assert len(json.loads(result.stdout)) == 3
    skipped = [line for line in result.stderr.splitlines() if str(bad) in line]
    assert len(skipped) == 1 and "invalid TOML" in skipped[0] and f"{bad}:" in skipped[0]
    assert "Traceback" not in result.output


def test_missing_path_is_refused(cli, tmp_path: Path) -> None:
    result = cli("actions", tmp_path / "nope")
    assert result.exit_code == 2 and "no such file or folder" in result.stderr


def action_status(record: Path, text: str) -> str:
    return next(i for s in read(record)["sections"] for i in s.get("items", []) if i["text"] == text)["status"]


def test_done_and_reopen_change_the_record(cli, tmp_path: Path) -> None:
    teams(cli, tmp_path)
    record = tmp_path / "colorado-office" / "record.toml"
    before = read(record)
    result = cli("actions", "done", "colorado-office:A1", tmp_path)
    assert result.exit_code == 0, result.output
    assert result.stdout == "" and "open -> done" in result.stderr
    assert action_status(record, "Daily check-in at 9:00 instead of drop-ins") == "done"
    after = read(record)
    assert after["responses"] == before["responses"] and after["participants"] == before["participants"]
    assert read(tmp_path / "billing" / "record.toml")["sections"][2]["items"][0]["status"] == "open"
    assert [r["action"] for r in json.loads(cli("actions", tmp_path, "--json", *TODAY).stdout)] == [
        "Weekly overtime check | during busy season",
        "Freeze the field mapping two weeks before cutover",
    ]
    # Qualified by the project's name (slug match), and reopened.
    assert cli("actions", "reopen", "Colorado office compliance rollout:a1", tmp_path).exit_code == 0
    assert action_status(record, "Daily check-in at 9:00 instead of drop-ins") == "open"
    # Qualified by the post-mortem's date.
    assert cli("actions", "done", "2026-11-20:A1", tmp_path).exit_code == 0
    assert action_status(record, "Daily check-in at 9:00 instead of drop-ins") == "done"
    # An id only one post-mortem has needs no project.
    assert cli("actions", "done", "A3", tmp_path).exit_code == 0
    assert action_status(record, "Weekly overtime check | during busy season") == "done"


def test_done_in_current_folder(cli, tmp_path: Path, monkeypatch) -> None:
    record = postmortem(cli, tmp_path / "pm", "Solo", "2026-12-01", ["Write the runbook"])
    monkeypatch.chdir(tmp_path / "pm")
    assert cli("actions", "done", "A1").exit_code == 0
    assert action_status(record, "Write the runbook") == "done"


def test_ambiguous_id_is_refused_with_candidates(cli, tmp_path: Path) -> None:
    teams(cli, tmp_path)
    before = {p: p.read_bytes() for p in tmp_path.glob("*/record.toml")}
    result = cli("actions", "done", "A1", tmp_path)
    assert result.exit_code == 2
    assert "'A1' is in 2 post-mortems" in result.stderr
    assert "billing:A1" in result.stderr and "colorado-office:A1" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert {p: p.read_bytes() for p in before} == before


def test_unknown_id_or_project_is_refused_with_candidates(cli, tmp_path: Path) -> None:
    teams(cli, tmp_path)
    before = {p: p.read_bytes() for p in tmp_path.glob("*/record.toml")}
    result = cli("actions", "done", "A9", tmp_path)
    assert result.exit_code == 2
    assert "no action 'A9'" in result.stderr and "colorado-office:A3" in result.stderr and "billing:A1" in result.stderr
    result = cli("actions", "done", "payroll:A1", tmp_path)
    assert result.exit_code == 2
    assert "no post-mortem matches 'payroll'" in result.stderr and "billing-migration" in result.stderr
    result = cli("actions", "done", "billing:A2", tmp_path)
    assert result.exit_code == 2 and "no action 'A2'" in result.stderr and "billing:A1" in result.stderr
    result = cli("actions", "done")
    assert result.exit_code == 2 and "needs an action id" in result.stderr
    assert {p: p.read_bytes() for p in before} == before


def test_done_runs_under_the_record_lock(cli, tmp_path: Path, monkeypatch) -> None:
    from filelock import FileLock

    from postmortem import record as record_mod

    record = postmortem(cli, tmp_path / "pm", "Solo", "2026-12-01", ["Write the runbook"])
    monkeypatch.setattr(record_mod, "LOCK_TIMEOUT", 0.2)
    with FileLock(str(record.with_name(".record.toml.lock"))):
        result = cli("actions", "done", "A1", tmp_path)
    assert result.exit_code == 2 and "still locked" in result.stderr
    assert action_status(record, "Write the runbook") == "open"


def test_actions_and_history_import_nothing_heavy(cli, tmp_path: Path) -> None:
    from test_startup import run_cli

    teams(cli, tmp_path)
    for command in (["actions", str(tmp_path), "--all"], ["history", str(tmp_path)]):
        out, imported = run_cli(command, tmp_path)
        assert imported == [], command
        assert "Billing migration" in out


def test_text_that_looks_like_toml_tables_is_read_as_text(cli, tmp_path: Path) -> None:
    """A multi-line summary holding lines like table headers must not add, hide or break actions."""
    record = postmortem(cli, tmp_path / "pm", "Solo", "2026-12-01", [{"text": "Write the runbook", "owner": "Ann"}])
    fake = '[[sections.items]]\ntext = "Phantom"\nid = "A9"\n[[responses]]\nname = "x"\n[sections]'
    assert cli("edit", "summary", tmp_path / "pm", "--text", f"Look:\n{fake}\nend").exit_code == 0
    text = record.read_text(encoding="utf-8")
    assert 'summary = """' in text and "\n[[sections.items]]\n" in text and "\n[[responses]]\nname = " in text
    rows = json.loads(cli("actions", tmp_path, "--all", "--json", *TODAY).stdout)
    assert [(r["id"], r["action"], r["owner"]) for r in rows] == [("A1", "Write the runbook", "Ann")]
    data = json.loads(cli("history", tmp_path, "--json").stdout)
    assert data["postmortems"][0]["open"] == 1


def test_the_table_lines_up_with_wide_characters(cli, tmp_path: Path) -> None:
    from postmortem.escape import width

    postmortem(cli, tmp_path / "tokyo", "東京オフィス移転", "2026-11-01", ["Book the movers"])
    postmortem(cli, tmp_path / "denver", "Denver move", "2026-11-02", ["Label every box"])
    lines = cli("actions", tmp_path, *TODAY).stdout.splitlines()
    assert len(lines) == 3
    starts = {width(line[: line.index("2026-11-0")]) for line in lines[1:]}
    assert starts == {width(lines[0][: lines[0].index("DATE")])}



def test_width_counts_the_columns_a_terminal_gives() -> None:
    from postmortem.escape import width

    assert width("Denver") == 6
    assert width("東京オフィス") == 12  # wide: two columns each
    assert width("Zoe\u0301 ｱｲ") == 6  # a combining accent takes none; half-width katakana one each
WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"]
FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"x\")", "=cmd|' /C calc'!A0", "+1+2", "-2+3", "@SUM(A1:A9)", "\t=1", "\r=1", " =1"]


def test_csv_cells_never_start_a_formula_and_json_stays_exact(cli, tmp_path: Path) -> None:
    folder = tmp_path / "=HYPERLINK(1)"
    postmortem(cli, folder, "=cmd|' /C calc'!A0", "2026-11-20", [
        {"text": f"{formula} {word}", "owner": formula} for formula, word in zip(FORMULAS, WORDS, strict=True)
    ] + [{"text": "Plain\x07 action\x1b[2J", "owner": "Kyle"}])
    result = cli("actions", tmp_path, "--csv", *TODAY)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == len(FORMULAS) + 1
    for row in rows:
        for column, cell in row.items():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (column, cell)
            assert not any(ord(c) < 32 or 127 <= ord(c) < 160 for c in cell), (column, cell)
    assert {r["project"] for r in rows} == {"'=cmd|' /C calc'!A0"}
    assert rows[0]["record"].startswith("'") is False  # a path starts with / or a letter: only a formula gets the quote
    assert {r["owner"] for r in rows} == {"'=HYPERLINK(\"http://evil.example\",\"x\")", "'=cmd|' /C calc'!A0", "'+1+2", "'-2+3",
                                          "'@SUM(A1:A9)", "'=1", "Kyle"}
    assert {r["action"] for r in rows} >= {"'-2+3 delta", "'=1 hotel", "Plain action[2J"}
    assert {r["age"] for r in rows} == {"51"}
    exact = json.loads(cli("actions", tmp_path, "--json", *TODAY).stdout)
    assert {r["owner"] for r in exact} == {*FORMULAS[:5], "=1", "Kyle"}  # as typed (answers are stripped)
    assert {r["project"] for r in exact} == {"=cmd|' /C calc'!A0"}
