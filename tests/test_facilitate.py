"""The facilitator's work on the record survives re-merges, concurrent runs and bad hand edits."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from conftest import read, write_answers

from postmortem import store

PROJECT = ["--project", "Billing migration", "--date", "2026-11-02"]


def start(cli, folder: Path, name: str, answers: dict) -> None:
    result = cli("start", folder, *PROJECT, "--answers", write_answers(folder.parent, name, answers))
    assert result.exit_code == 0, result.output


def sections(folder: Path) -> dict[str, dict]:
    return {s["id"]: s for s in read(folder / "record.toml")["sections"]}


def actions(folder: Path) -> dict[str, dict]:
    return {a["id"]: a for a in sections(folder)["improvements"]["items"]}


def first_merge(cli, folder: Path) -> None:
    start(cli, folder, "Ann", {"went_poorly": ["Unannounced drop-ins several times a day", "Too many meetings"],
                               "improvements": ["Daily check-in at 9:00 instead of drop-ins",
                                                "Ask for an extra resource in busy season"]})
    start(cli, folder, "Bob", {"went_poorly": ["unannounced drop in, several times each day.",
                                               "Friday reviews ran long every week"],
                               "improvements": ["Daily check-ins at 9:00, instead of drop-ins",
                                                "Publish response times on the wiki"]})
    assert cli("merge", folder).exit_code == 0
    assert {i: a["text"] for i, a in actions(folder).items()} == {
        "A1": "Daily check-in at 9:00 instead of drop-ins",
        "A2": "Ask for an extra resource in busy season",
        "A3": "Publish response times on the wiki",
    }


def test_remerge_keeps_every_hand_and_command_edit(cli, tmp_path: Path) -> None:
    folder = tmp_path / "pm"
    first_merge(cli, folder)

    # By hand: a summary, notes, an owner and a due date; a retired action renamed.
    record = read(folder / "record.toml")
    record["summary"] = "Office visits went wrong; the fix is a daily check-in."
    record["notes"] = "Discussed in the retro on 5 Nov."
    improvements = next(s for s in record["sections"] if s["id"] == "improvements")
    a1 = next(a for a in improvements["items"] if a["id"] == "A1")
    a1.update(owner="Marcus", due="2026-12-01")
    (folder / "record.toml").write_text(store.dumps(record), encoding="utf-8")

    # With commands: status, note and new wording of A2; a wording moved out of its group and one moved in.
    for args in (["edit", "A2", folder, "--status", "in progress", "--note", "Budget asked for", "--owner", "Jessica"],
                 ["edit", "A3", folder, "--text", "Publish HR response times on the wiki"],
                 ["move", "unannounced drop in, several times each day.", folder, "--out"],
                 ["move", "Friday reviews ran long every week", folder, "--to", "Too many meetings"]):
        result = cli(*args)
        assert result.exit_code == 0, result.output
    poorly = {i["text"]: i for i in sections(folder)["went_poorly"]["items"]}
    assert poorly["Too many meetings"]["wordings"] == ["Too many meetings", "Friday reviews ran long every week"]

    # Two late responses: one repeats the moved-out wording and an existing action, one brings new actions.
    start(cli, folder, "Cyd", {"went_poorly": ["Unannounced drop in,  several times each day."],
                               "improvements": ["ask for an extra resource during busy season", "Rotate the on-call"]})
    start(cli, folder, "Dee", {"went_poorly": ["Friday reviews ran long every week"],
                               "improvements": ["Publish response times on the wiki", "Write a visitor guide"]})
    result = cli("merge", folder)
    assert result.exit_code == 0, result.output

    record = read(folder / "record.toml")
    assert record["summary"] == "Office visits went wrong; the fix is a daily check-in."
    assert record["notes"] == "Discussed in the retro on 5 Nov."
    merged = actions(folder)
    assert sorted(merged) == ["A1", "A2", "A3", "A4", "A5"]
    assert (merged["A1"]["owner"], merged["A1"]["due"], merged["A1"]["raised_by"]) == ("Marcus", "2026-12-01", ["Ann", "Bob"])
    a2 = merged["A2"]
    assert (a2["text"], a2["owner"], a2["status"], a2["notes"]) == (
        "Ask for an extra resource in busy season", "Jessica", "in progress", "Budget asked for")
    assert a2["raised_by"] == ["Ann", "Cyd"]
    assert (merged["A3"]["text"], merged["A3"]["raised_by"]) == ("Publish HR response times on the wiki", ["Bob", "Dee"])
    assert {merged["A4"]["text"], merged["A5"]["text"]} == {"Rotate the on-call", "Write a visitor guide"}
    poorly = {i["text"]: i for i in sections(folder)["went_poorly"]["items"]}
    # The moved-out wording stayed out, and drew Cyd's matching entry; the moved-in one stayed in.
    assert poorly["unannounced drop in, several times each day."]["raised_by"] == ["Bob", "Cyd"]
    assert poorly["Unannounced drop-ins several times a day"]["raised_by"] == ["Ann"]
    assert poorly["Too many meetings"]["raised_by"] == ["Ann", "Bob", "Dee"]

    report = cli("render", folder).stdout
    assert "\nOffice visits went wrong; the fix is a daily check-in.\n" in report
    assert "Publish HR response times on the wiki" in report and "Jessica" in report


def test_an_action_nobody_raises_any_more_keeps_its_id_retired(cli, tmp_path: Path) -> None:
    folder = tmp_path / "pm"
    first_merge(cli, folder)
    (folder / "responses" / "bob.toml").unlink()
    assert cli("merge", folder).exit_code == 0
    assert sorted(actions(folder)) == ["A1", "A2"]
    start(cli, folder, "Eve", {"improvements": ["Something entirely new"]})
    assert cli("merge", folder).exit_code == 0
    assert actions(folder)["A4"]["text"] == "Something entirely new"  # A3 is never reused


def test_edit_refuses_what_it_cannot_do(cli, tmp_path: Path) -> None:
    folder = tmp_path / "pm"
    first_merge(cli, folder)
    before = (folder / "record.toml").read_bytes()
    for args, message in ((["edit", "A9", folder, "--owner", "X"], "no action 'A9' in this record (its actions: A1, A2, A3)"),
                          (["edit", "A1", folder, "--status", "finished"], "status must be one of open, in progress, done, dropped"),
                          (["edit", "A1", folder, "--due", "next week"], "--due"),
                          (["move", "Not a wording", folder, "--out"], "no item has the wording"),
                          (["move", "Too many meetings", folder], "give either --to ITEM or --out")):
        result = cli(*args)
        assert result.exit_code == 2 and message in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.output
    assert (folder / "record.toml").read_bytes() == before


def test_a_duplicate_id_or_broken_record_is_refused_and_left_as_it_was(cli, tmp_path: Path) -> None:
    folder = tmp_path / "pm"
    first_merge(cli, folder)
    path = folder / "record.toml"
    text = path.read_text(encoding="utf-8")
    edited = text.replace('id = "A3"', 'id = "A1"')
    path.write_text(edited, encoding="utf-8")
    line = next(n for n, t in enumerate(edited.splitlines(), 1) if t == 'id = "A1"' and n > edited.splitlines().index('id = "A1"') + 1)
    for command in (["merge", folder], ["edit", "A2", folder, "--owner", "Kim"], ["render", folder]):
        result = cli(*command)
        assert result.exit_code == 2
        assert result.stderr.strip() == f"postmortem: {path}:{line}: sections[3].items[3].id 'A1' is used twice (first at sections[3].items[1].id)"
        assert path.read_text(encoding="utf-8") == edited

    broken = text.replace('id = "A3"', 'id = "A3', 1)
    path.write_text(broken, encoding="utf-8")
    result = cli("merge", folder)
    broken_line = broken.splitlines().index('id = "A3') + 1
    assert result.exit_code == 2 and result.stderr.startswith(f"postmortem: {path}:{broken_line}:")
    assert path.read_text(encoding="utf-8") == broken


def test_parallel_edits_and_merges_lose_nothing(cli, tmp_path: Path) -> None:
    folder = tmp_path / "pm"
    first_merge(cli, folder)
    owners = {"A1": "Marcus", "A2": "Jessica", "A3": "Linda"}
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}

    def run(args: list[str]) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "postmortem", *args], capture_output=True, text=True, env=env)

    jobs = [["merge", str(folder)] for _ in range(4)]
    jobs += [["edit", i, str(folder), "--owner", o] for i, o in owners.items()]
    jobs += [["edit", i, str(folder), "--note", f"note on {i}"] for i in owners]
    jobs += [["edit", "summary", str(folder), "--text", "Summary written while merges ran."]]
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        results = list(pool.map(run, jobs))
    assert all(r.returncode == 0 for r in results), [r.stderr for r in results]

    merged = actions(folder)
    assert {i: (a["owner"], a["notes"]) for i, a in merged.items()} == {i: (o, f"note on {i}") for i, o in owners.items()}
    assert read(folder / "record.toml")["summary"] == "Summary written while merges ran."
    assert not list(folder.glob("*.tmp*")) and not list(folder.glob(".record.toml.*[!k]"))
