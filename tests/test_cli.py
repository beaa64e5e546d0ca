"""start --answers, merge and render through the real CLI."""

from __future__ import annotations

import datetime as dt
import gc
from pathlib import Path

import pytest

from conftest import read, write_answers

PROJECT = ["--project", "Billing migration", "--date", "2026-11-02"]


def start(cli, folder: Path, name: str, answers: dict, *extra: str):
    return cli("start", folder, *PROJECT, "--answers", write_answers(folder.parent, name, answers, role="Dev"), *extra)


def test_answers_file_creates_session_and_response(cli, tmp_path: Path) -> None:
    folder = tmp_path / "pm"
    result = start(cli, folder, "Linda", {
        "went_well": ["Clear scope"],
        "improvements": ["Ask for an extra resource", {"text": "Daily check-in at 9:00", "owner": "Kyle", "due": dt.date(2026, 12, 15)}],
        "stakeholders": [{"name": "Jessica", "role": "VP", "interest": "compliance"}],
        "rating": 3,
    })
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    session = read(folder / "postmortem.toml")
    assert session["project"] == "Billing migration" and session["format"] == "classic"
    assert session["date"] == dt.date(2026, 11, 2) and session["schema_version"] == 1
    response = read(folder / "responses" / "linda.toml")
    assert response["name"] == "Linda" and response["role"] == "Dev" and response["status"] == "complete"
    assert response["answers"]["improvements"] == [
        "Ask for an extra resource",
        {"text": "Daily check-in at 9:00", "owner": "Kyle", "due": dt.date(2026, 12, 15)},
    ]
    assert response["answers"]["stakeholders"] == [{"name": "Jessica", "role": "VP", "interest": "compliance"}]


def test_answers_from_stdin(cli, tmp_path: Path) -> None:
    toml = 'name = "Ann"\n[answers]\nwent_well = ["Stdin works"]\n'
    result = cli("start", tmp_path, *PROJECT, "--answers", "-", input=toml)
    assert result.exit_code == 0, result.output
    assert read(tmp_path / "responses" / "ann.toml")["answers"]["went_well"] == ["Stdin works"]


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"went_wel": ["typo"]}, "answers.went_wel is not a question"),
        ({"rating": 6}, "answers.rating must be a whole number from 1 to 5"),
        ({"rating": "3"}, "answers.rating must be a whole number"),
        ({"went_well": "not a list"}, "answers.went_well must be a list"),
        ({"improvements": [{"text": "x", "due": "soon"}]}, "answers.improvements[1].due must be a date"),
        ({"improvements": [{"text": "x", "colour": "red"}]}, "answers.improvements[1].colour is not a known field"),
        ({"stakeholders": [{"role": "VP"}]}, "answers.stakeholders[1].name must be text"),
    ],
)
def test_bad_answers_name_the_key_and_write_nothing(cli, tmp_path: Path, answers: dict, message: str) -> None:
    folder = tmp_path / "pm"
    result = start(cli, folder, "Ann", answers)
    assert result.exit_code == 2
    assert message in result.stderr and "answers-0.toml" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not folder.exists()


def test_malformed_toml_names_file_and_line(cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "Ann"\n[answers]\nwent_well = ["unclosed"\n', encoding="utf-8")
    result = cli("start", tmp_path / "pm", *PROJECT, "--answers", bad)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"postmortem: {bad}:4: invalid TOML")
    assert "Traceback" not in result.output
    assert not (tmp_path / "pm").exists()


def test_malformed_response_stops_merge_before_writing(cli, tmp_path: Path) -> None:
    start(cli, tmp_path / "pm", "Ann", {"went_well": ["Good"]})
    (tmp_path / "pm" / "responses" / "bob.toml").write_text("name = 'Bob'\nstatus = \n", encoding="utf-8")
    result = cli("merge", tmp_path / "pm")
    assert result.exit_code == 2
    assert "bob.toml:2: invalid TOML" in result.stderr
    assert not (tmp_path / "pm" / "record.toml").exists()


def test_an_unknown_question_set_lists_the_known_ones(cli, tmp_path: Path) -> None:
    result = start(cli, tmp_path / "pm", "Ann", {}, "--format", "nope")
    assert result.exit_code == 2
    assert "unknown question set 'nope'" in result.stderr and "classic" in result.stderr and "internal-service" in result.stderr


@pytest.mark.parametrize("name", ["../../x", "CON", "Ann/Lee", "🦊", "..", "a" * 300, "nul.txt"])
def test_names_become_safe_slugs_inside_responses(cli, tmp_path: Path, name: str) -> None:
    folder = tmp_path / "pm"
    result = start(cli, folder, name, {"went_well": ["Fine"]})
    assert result.exit_code == 0, result.output
    files = list((folder / "responses").iterdir())
    assert len(files) == 1
    path = files[0]
    assert path.parent == folder / "responses"
    assert path.stem.lower() not in {"con", "nul", "prn", "aux"} and len(path.stem) <= 50
    assert set(path.stem) <= set("abcdefghijklmnopqrstuvwxyz0123456789-")
    assert read(path)["name"] == name
    assert sorted(p.name for p in tmp_path.iterdir()) == ["answers-0.toml", "pm"]


def test_empty_name_is_refused(cli, tmp_path: Path) -> None:
    result = start(cli, tmp_path / "pm", "  ", {"went_well": ["Fine"]})
    assert result.exit_code == 2 and "name is missing" in result.stderr


def test_same_slug_different_person_never_overwrites(cli, tmp_path: Path) -> None:
    folder = tmp_path / "pm"
    assert start(cli, folder, "José", {"went_well": ["First"]}).exit_code == 0
    before = (folder / "responses" / "jose.toml").read_bytes()
    result = start(cli, folder, "Jose", {"went_well": ["Second"]})
    assert result.exit_code == 2
    assert "choose another name" in result.stderr and "'Jose 2'" in result.stderr
    assert (folder / "responses" / "jose.toml").read_bytes() == before
    assert start(cli, folder, "Jose 2", {"went_well": ["Second"]}).exit_code == 0
    # the same person (up to case) may replace their own answers
    assert start(cli, folder, "josé", {"went_well": ["Revised"]}).exit_code == 0
    assert read(folder / "responses" / "jose.toml")["answers"]["went_well"] == ["Revised"]


def test_files_are_written_with_normal_permissions_and_no_temp_left(cli, tmp_path: Path) -> None:
    folder = tmp_path / "pm"
    start(cli, folder, "Ann", {"went_well": ["Fine"]})
    cli("merge", folder)
    cli("render", folder, "-o", folder / "report.md")
    for path in [folder / "postmortem.toml", folder / "responses" / "ann.toml", folder / "record.toml", folder / "report.md"]:
        assert path.stat().st_mode & 0o777 == 0o666 & ~_umask(), path
    leftovers = [p.name for p in folder.rglob(".*")]
    assert leftovers == [".record.toml.lock"]  # merge's lock stays; no temp file does


def _umask() -> int:
    import os

    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_merge_groups_near_duplicates_and_keeps_action_ids(cli, tmp_path: Path) -> None:
    folder = tmp_path / "pm"
    start(cli, folder, "Ann", {"went_poorly": ["Unannounced drop-ins several times a day"],
                               "improvements": ["Daily 10-minute check-in at 9:00 instead of drop-ins"],
                               "stakeholders": [{"name": "HR", "role": "Onboarding"}], "rating": 2})
    start(cli, folder, "Bob", {"went_poorly": ["unannounced drop in, several times each day."],
                               "improvements": ["Ask for an extra resource during busy season",
                                                "Daily 10 minute check-ins at 9:00, instead of drop-ins"],
                               "stakeholders": [{"name": "hr", "role": "People team", "interest": "no burnout"}],
                               "rating": 4})
    assert cli("merge", folder).exit_code == 0
    record = read(folder / "record.toml")
    sections = {s["id"]: s for s in record["sections"]}
    (poorly,) = sections["went_poorly"]["items"]
    assert poorly["count"] == 2 and poorly["raised_by"] == ["Ann", "Bob"]
    actions = sections["improvements"]["items"]
    assert [(a["id"], a["count"]) for a in actions] == [("A1", 2), ("A2", 1)]
    assert actions[0]["text"] == "Daily 10-minute check-in at 9:00 instead of drop-ins"
    (hr,) = sections["stakeholders"]["people"]
    assert hr["roles"] == ["Onboarding", "People team"] and hr["interests"] == ["no burnout"]
    rating = sections["rating"]
    assert (rating["count"], rating["mean"], rating["distribution"]) == (2, 3.0, [0, 1, 0, 1, 0])

    # The facilitator assigns an owner; a late answer arrives; ids and the edit stay.
    text = (folder / "record.toml").read_text(encoding="utf-8")
    (folder / "record.toml").write_text(text.replace('id = "A2"', 'id = "A2"\nowner = "Jessica"', 1), encoding="utf-8")
    start(cli, folder, "Cyd", {"improvements": ["Publish response times on the wiki",
                                                "ask for an extra resource during the busy season"]})
    assert cli("merge", folder).exit_code == 0
    actions = {a["text"]: a for a in {s["id"]: s for s in read(folder / "record.toml")["sections"]}["improvements"]["items"]}
    assert actions["Daily 10-minute check-in at 9:00 instead of drop-ins"]["id"] == "A1"
    extra = actions["Ask for an extra resource during busy season"]
    assert (extra["id"], extra["owner"], extra["count"]) == ("A2", "Jessica", 2)
    assert actions["Publish response times on the wiki"]["id"] == "A3"


def test_drafts_are_left_out_of_the_merge(cli, tmp_path: Path) -> None:
    folder = tmp_path / "pm"
    start(cli, folder, "Ann", {"went_well": ["Done"]})
    (folder / "responses" / "bob.toml").write_text(
        'name = "Bob"\nstatus = "draft"\ndone = ["went_well"]\n[answers]\nwent_well = ["Half"]\n', encoding="utf-8")
    result = cli("merge", folder)
    assert result.exit_code == 0 and "Bob" in result.stderr
    record = read(folder / "record.toml")
    assert record["participant_count"] == 1 and [p["name"] for p in record["participants"]] == ["Ann"]


def test_render_writes_only_the_report_to_stdout(cli, tmp_path: Path) -> None:
    folder = tmp_path / "pm"
    start(cli, folder, "Ann", {"went_well": ["Kept the scope small"]})
    cli("merge", folder)
    result = cli("render", folder)
    assert result.exit_code == 0
    assert result.stdout.startswith("# Post-mortem: Billing migration\n")
    assert "- Kept the scope small (Ann)" in result.stdout
    assert result.stderr == ""
    assert cli("render", folder / "record.toml").stdout == result.stdout


def test_merge_works_without_cyclic_gc_and_turns_it_back_on(cli, tmp_path: Path, monkeypatch) -> None:
    from postmortem import merge as merge_mod

    folder = tmp_path / "pm"
    start(cli, folder, "Ann", {"went_well": ["Done"]})
    during = []
    build = merge_mod.build_record
    monkeypatch.setattr(merge_mod, "build_record", lambda *a, **k: during.append(gc.isenabled()) or build(*a, **k))
    assert cli("merge", folder).exit_code == 0
    assert during == [False] and gc.isenabled()
    assert cli("merge", tmp_path / "nowhere").exit_code == 2 and gc.isenabled()  # on again after an error too


def test_render_without_record_says_what_to_do(cli, tmp_path: Path) -> None:
    start(cli, tmp_path / "pm", "Ann", {"went_well": ["x"]})
    result = cli("render", tmp_path / "pm")
    assert result.exit_code == 2 and "run `postmortem merge" in result.stderr


def test_merge_without_session_says_what_to_do(cli, tmp_path: Path) -> None:
    result = cli("merge", tmp_path)
    assert result.exit_code == 2 and "postmortem start" in result.stderr


def test_newer_schema_is_refused(cli, tmp_path: Path) -> None:
    start(cli, tmp_path / "pm", "Ann", {"went_well": ["x"]})
    path = tmp_path / "pm" / "postmortem.toml"
    path.write_text(path.read_text(encoding="utf-8").replace("schema_version = 1", "schema_version = 9"), encoding="utf-8")
    result = cli("merge", tmp_path / "pm")
    assert result.exit_code == 2 and "upgrade postmortem" in result.stderr


def test_non_interactive_start_without_answers_is_refused(cli, tmp_path: Path) -> None:
    result = cli("start", tmp_path, *PROJECT, "--name", "Ann", "--no-input")  # someone to interview, and no way to
    assert result.exit_code == 2 and "--answers" in result.stderr


def test_version(cli) -> None:
    from postmortem import __version__

    result = cli("--version")
    assert result.exit_code == 0 and result.stdout == f"postmortem {__version__}\n"


def test_own_question_set_file_is_copied_into_the_session(cli, tmp_path: Path) -> None:
    own = tmp_path / "sets" / "tiny.toml"
    own.parent.mkdir()
    own.write_text(
        'id = "tiny"\ntitle = "Tiny"\n[[questions]]\nid = "wins"\nkind = "items"\nprompt = "Wins?"\n'
        'help = "One per entry, e.g. \\"shipped early\\""\n', encoding="utf-8")
    folder = tmp_path / "pm"
    result = cli("start", folder, "--project", "P", "--format", own, "--answers", write_answers(tmp_path, "Ann", {"wins": ["Shipped"]}))
    assert result.exit_code == 0, result.output
    assert read(folder / "postmortem.toml")["format"] == "tiny"
    assert (folder / "questions.toml").read_bytes() == own.read_bytes()
    own.unlink()  # the session no longer needs the original
    assert cli("merge", folder).exit_code == 0
    assert "## Wins?\n\n- Shipped (Ann)" in cli("render", folder).stdout


def test_question_set_with_errors_names_file_and_question(cli, tmp_path: Path) -> None:
    own = tmp_path / "bad.toml"
    own.write_text('title = "Bad"\n[[questions]]\nid = "wins"\nkind = "list"\nprompt = "Wins?"\nhelp = "x"\n', encoding="utf-8")
    result = cli("start", tmp_path / "pm", "--project", "P", "--format", own, "--answers", write_answers(tmp_path, "Ann", {}))
    assert result.exit_code == 2
    assert f"{own}:4: question 'wins': kind must be one of" in result.stderr


def test_formats_lists_every_set_and_shows_one_in_full(cli) -> None:
    from postmortem import questionsets

    listing = cli("formats").stdout.splitlines()
    assert [line.split()[0] for line in listing] == questionsets.known_ids()
    assert any(line.startswith("classic ") and "tangible improvements" in line for line in listing)
    shown = cli("formats", "classic").stdout
    for question in questionsets.load("classic").questions:
        assert f"{question.prompt}  [{question.kind}]" in shown
        assert question.help.strip().splitlines()[-1] in shown
    assert "Return on time invested" not in shown and "1 = a waste of your time, 5 = an excellent return" in shown
    incident = cli("formats", "incident").stdout
    assert "   fields: owner, type" in incident and "   types: prevent, mitigate, process, other" in incident
    result = cli("formats", "nope")
    assert result.exit_code == 2 and "known question sets: " in result.stderr


def test_user_sets_folder_and_the_session_copy(cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("POSTMORTEM_CONFIG_DIR", str(tmp_path / "config"))
    own_sets = tmp_path / "config" / "formats"
    own_sets.mkdir(parents=True)
    own = own_sets / "release.toml"
    own.write_text('title = "Release"\ndescription = "After a release."\n[[questions]]\nid = "keep"\nkind = "items"\n'
                   'prompt = "Keep?"\nhelp = "e.g. \\"notes\\""\n', encoding="utf-8")
    assert any(line.startswith("release ") and "After a release." in line for line in cli("formats").stdout.splitlines())
    folder = tmp_path / "pm"
    first = write_answers(tmp_path, "Ann", {"keep": ["Release notes early"]})
    assert cli("start", folder, "--project", "P", "--format", "release", "--answers", first).exit_code == 0
    # the user's set changes later; this session keeps asking its own copy
    own.write_text(own.read_text(encoding="utf-8").replace('id = "keep"', 'id = "renamed"'), encoding="utf-8")
    second = write_answers(tmp_path, "Bob", {"keep": ["Small batches"]})
    assert cli("start", folder, "--answers", second).exit_code == 0
    assert cli("merge", folder).exit_code == 0
    assert "- Release notes early (Ann)" in cli("render", folder).stdout


def test_an_answer_of_only_invisible_characters_counts_as_empty(cli, tmp_path: Path) -> None:
    folder = tmp_path / "pm"
    result = start(cli, folder, "Ann", {"went_well": ["\u200b\x08", "Real"]})
    assert result.exit_code == 2 and "answers.went_well[1].text must not be empty" in result.stderr
    assert start(cli, folder, "Ann", {"went_well": ["Real"], "takeaways": "\u202e\u200b"}).exit_code == 0
    answers = read(folder / "responses" / "ann.toml")["answers"]
    assert answers["went_well"] == ["Real"] and answers["takeaways"] == ""
