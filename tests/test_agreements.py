"""Agreements: an items question marked `agreements = true`; the record keeps them, and the next
post-mortem of the same project shows the agreements in force first."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
    answers_file = write_answers(root, "Linda", answers)
    result = cli("start", folder, "--project", project, "--format", root / "set.toml", "--date", date, "--answers", answers_file)
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
    assert "- \\# No drop-ins \\| &lt;b>ever&lt;/b>  \n  \\`\\`\\` (agreed 2026-06-30)" in report  # plain text, on its two lines
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


# -- whether each agreement held -----------------------------------------------------------------

NO_DROP_INS = "No drop-ins after 4pm"


def held(cli, folder: Path, name: str, said: list[dict], answers: dict | None = None) -> None:
    """name answers the post-mortem in folder through an answers file, with what they said of the agreements."""
    result = cli("start", folder, "--answers", write_answers(folder.parent, name, answers or {}, agreements=said))
    assert result.exit_code == 0, result.output


def two_retros(cli, root: Path, **first: Any) -> Path:
    """q1 agreed two things; q2 (later, same project) is created with nobody's answers yet."""
    retro(cli, root, "q1", "2026-06-30", {"agreed": [TALK, NO_DROP_INS]}, **first)
    second = root / "q2"
    result = cli("start", second, "--project", "Colorado rollout", "--format", root / "set.toml", "--date", "2026-09-30", "--no-input")
    assert result.exit_code == 0, result.output
    return second


def test_answers_about_agreements_are_counted_with_who_said_what(cli, tmp_path: Path) -> None:
    second = two_retros(cli, tmp_path)
    held(cli, second, "Kim", [
        {"text": TALK.upper(), "outcome": "lapsed", "note": "Drop-ins came back in week 3 | <script>"},
        {"text": NO_DROP_INS, "outcome": "held"},
    ], {"fix": ["x"]})
    held(cli, second, "Jo", [{"text": NO_DROP_INS, "outcome": "held", "note": "=1+2 worked"}, {"text": "Never agreed", "outcome": "held"}])
    result = cli("merge", second)
    assert result.exit_code == 0, result.output
    assert "postmortem: Jo's answer about 'Never agreed' not counted: it is not an agreement in force here" in result.stderr
    assert "not heard from" not in result.stderr  # Jo said something: about the agreements
    assert "; 2 agreement(s) in force, 1 said to have lapsed" in result.stderr
    talk, drop_ins = read(second / "record.toml")["agreements_in_force"]
    assert (talk["text"], talk["status"], talk["held"], talk["lapsed"]) == (TALK, "in force", 0, 1)
    assert talk["answers"] == [{"name": "Kim", "outcome": "lapsed", "note": "Drop-ins came back in week 3 | <script>"}]
    assert (drop_ins["held"], drop_ins["lapsed"]) == (2, 0)
    assert drop_ins["answers"] == [{"name": "Jo", "outcome": "held", "note": "=1+2 worked"}, {"name": "Kim", "outcome": "held"}]
    report = cli("render", second).stdout
    assert f"- {TALK} (agreed 2026-06-30): held 0, lapsed 1\n  - Kim (lapsed): Drop-ins came back in week 3 | &lt;script>\n" in report
    assert f"- {NO_DROP_INS} (agreed 2026-06-30): held 2, lapsed 0\n  - Jo (held): =1+2 worked\n" in report
    assert "Never agreed" not in report


def test_an_anonymous_post_mortem_counts_and_shows_notes_without_names(cli, tmp_path: Path) -> None:
    retro(cli, tmp_path, "q1", "2026-06-30", {"agreed": [TALK]})
    second = tmp_path / "q2"
    args = ("--project", "Colorado rollout", "--format", tmp_path / "set.toml", "--date", "2026-09-30", "--anonymous")
    for note in ("Zed's note", "Another note"):
        answers = write_answers(tmp_path, "ignored", {}, agreements=[{"text": TALK, "outcome": "lapsed", "note": note}])
        assert cli("start", second, *args, "--answers", answers).exit_code == 0
    assert cli("merge", second).exit_code == 0
    talk = read(second / "record.toml")["agreements_in_force"][0]
    assert talk["answers"] == [{"outcome": "lapsed", "note": "Another note"}, {"outcome": "lapsed", "note": "Zed's note"}]
    assert "  - Lapsed: Another note\n  - Lapsed: Zed" in cli("render", second).stdout


@pytest.mark.parametrize(
    ("said", "problem"),
    [
        ('outcome = "kept"', "agreements[1].outcome must be one of 'held', 'lapsed', not 'kept'"),
        ("outcome = true", "agreements[1].outcome must be one of 'held', 'lapsed', not True"),
        ('outcome = "held"\nnote = 3', "agreements[1].note must be text, not int"),
        ('outcome = "held"\nwho = "Kim"', "agreements[1].who is not a known field (known: text, outcome, note)"),
    ],
)
def test_a_bad_answer_about_an_agreement_is_one_line_with_file_and_line(cli, tmp_path: Path, said: str, problem: str) -> None:
    second = two_retros(cli, tmp_path)
    held(cli, second, "Kim", [{"text": NO_DROP_INS, "outcome": "held"}])
    assert cli("merge", second).exit_code == 0
    before = (second / "record.toml").read_bytes()
    response = second / "responses" / "kim.toml"
    text = response.read_text(encoding="utf-8").split("agreements = [")[0]
    response.write_text(text + f'[[agreements]]\ntext = "{NO_DROP_INS}"\n{said}\n', encoding="utf-8")
    line = response.read_text(encoding="utf-8").splitlines().index(said.splitlines()[-1]) + 1
    for command in ("merge", "render", "status"):
        result = cli(command, second)
        if command == "merge":
            assert result.exit_code == 2
            assert result.stderr.strip() == f"postmortem: {response}:{line}: {problem}"
            assert (second / "record.toml").read_bytes() == before  # nothing half-written
    result = cli("check", second)
    assert result.exit_code == 1 and f"{response}:{line}: {problem}" in result.stdout + result.stderr


def test_an_answers_file_is_checked_the_same_way(cli, tmp_path: Path) -> None:
    second = two_retros(cli, tmp_path)
    answers = tmp_path / "bad.toml"
    answers.write_text(
        f'name = "Kim"\n[[agreements]]\ntext = "{TALK}"\n[[agreements]]\ntext = "{TALK.lower()}"\noutcome = "held"\n', encoding="utf-8"
    )
    result = cli("start", second, "--answers", answers)
    assert result.exit_code == 2
    assert result.stderr.strip() == f"postmortem: {answers}:2: agreements[1].outcome must be one of 'held', 'lapsed', not None"
    answers.write_text(answers.read_text(encoding="utf-8").replace(f'"{TALK}"', f'"{TALK}"\noutcome = "held"'), encoding="utf-8")
    result = cli("start", second, "--answers", answers)
    assert result.exit_code == 2 and "agreements[2].text answers about the same agreement twice" in result.stderr
    assert not (second / "responses").exists()


def test_a_retired_agreement_is_not_asked_about_again(cli, tmp_path: Path) -> None:
    second = two_retros(cli, tmp_path)
    held(cli, second, "Kim", [{"text": NO_DROP_INS, "outcome": "lapsed"}])
    assert cli("merge", second).exit_code == 0
    result = cli("edit", "drop-ins", second, "--status", "retired", "--note", "The 9:00 check-in replaces it")
    assert result.exit_code == 0, result.output
    assert cli("merge", second).exit_code == 0  # the facilitator's status and note survive a merge
    drop_ins = read(second / "record.toml")["agreements_in_force"][1]
    assert (drop_ins["status"], drop_ins["notes"], drop_ins["lapsed"]) == ("retired", "The 9:00 check-in replaces it", 1)
    report = cli("render", second).stdout
    assert f"- {NO_DROP_INS} (agreed 2026-06-30; now retired): held 0, lapsed 1\n  - Note: The 9:00 check-in replaces it\n" in report

    third = retro(cli, tmp_path, "q3", "2026-12-15", {"fix": ["y"]})
    assert [a["text"] for a in read(third / "record.toml")["agreements_in_force"]] == [TALK]
    from postmortem import agreements
    assert agreements.to_ask(third, "Colorado rollout", dt.date(2026, 12, 15)) == [TALK]
    assert agreements.to_ask(second, "Colorado rollout", dt.date(2026, 9, 30)) == [TALK]  # retired here: not asked here either


def test_an_agreement_the_team_did_not_adopt_is_retired_in_its_own_record(cli, tmp_path: Path) -> None:
    first = retro(cli, tmp_path, "q1", "2026-06-30", {"agreed": [TALK, NO_DROP_INS]})
    assert cli("edit", NO_DROP_INS.lower(), first, "--status", "retired").exit_code == 0
    assert cli("merge", first).exit_code == 0  # kept on its item
    agreed = next(s for s in read(first / "record.toml")["sections"] if s["id"] == "agreed")
    assert [i.get("status") for i in agreed["items"]] == [None, "retired"]
    assert f"- {TALK} (Linda)\n- {NO_DROP_INS} (Linda) — now retired\n" in cli("render", first).stdout
    second = retro(cli, tmp_path, "q2", "2026-09-30", {"fix": ["y"]})
    assert [a["text"] for a in read(second / "record.toml")["agreements_in_force"]] == [TALK]


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (("talk", "--owner", "Kim"), "an agreement has no owner: give its --status (in force, lapsed, retired) or a --note"),
        (("talk", "--status", "done"), "an agreement's status must be one of in force, lapsed, retired, not 'done'"),
        (("o", "--status", "lapsed"), "'o' is part of 2 agreements: give more of one"),
        (("nothing like it", "--status", "lapsed"), "no action or agreement 'nothing like it' in this record (its actions: none;"),
    ],
)
def test_editing_an_agreement_refuses_what_does_not_fit(cli, tmp_path: Path, args: tuple, problem: str) -> None:
    second = two_retros(cli, tmp_path)
    held(cli, second, "Kim", [])
    assert cli("merge", second).exit_code == 0
    before = (second / "record.toml").read_bytes()
    result = cli("edit", args[0], second, *args[1:])
    assert result.exit_code == 2 and problem in result.stderr
    assert (second / "record.toml").read_bytes() == before


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ('status = "in force"', 'status = "gone"', "agreements_in_force[1].status must be one of in force, lapsed, retired, not 'gone'"),
        ("held = 0", 'held = "none"', "agreements_in_force[1].held must be a whole number from 0 to 1000000000, not 'none'"),
        ('outcome = "lapsed"', 'outcome = "maybe"', "agreements_in_force[1].answers[1].outcome must be one of held, lapsed, not 'maybe'"),
        ('outcome = "lapsed"', 'note = "no outcome"', "agreements_in_force[1].answers[1].outcome is missing: one of held, lapsed"),
    ],
)
def test_a_hand_broken_agreement_in_the_record_is_one_line(cli, tmp_path: Path, old: str, new: str, problem: str) -> None:
    second = two_retros(cli, tmp_path)
    held(cli, second, "Kim", [{"text": TALK, "outcome": "lapsed"}])
    assert cli("merge", second).exit_code == 0
    record = second / "record.toml"
    text = record.read_text(encoding="utf-8")
    assert old in text
    record.write_text(text.replace(old, new, 1), encoding="utf-8")
    at = "[[agreements_in_force.answers]]" if "missing" in problem else new  # a missing key: its table's line
    line = record.read_text(encoding="utf-8").splitlines().index(at) + 1
    result = cli("render", second)
    assert result.exit_code == 2 and result.stderr.strip() == f"postmortem: {record}:{line}: {problem}"


def test_a_bad_status_on_an_agreement_item_is_named(cli, tmp_path: Path) -> None:
    first = retro(cli, tmp_path, "q1", "2026-06-30", {"agreed": [TALK], "fix": ["x"]})
    record = first / "record.toml"
    text = record.read_text(encoding="utf-8")
    record.write_text(text.replace(f'text = "{TALK}"\n', f'text = "{TALK}"\nstatus = "done"\n', 1), encoding="utf-8")
    result = cli("render", first)
    assert result.exit_code == 2 and "sections[1].items[1].status must be one of in force, lapsed, retired, not 'done'" in result.stderr


# -- the interview ---------------------------------------------------------------------------------


def test_the_interview_asks_first_whether_each_agreement_held(cli, tmp_path: Path) -> None:
    from test_interview import CTRL_C, ENTER, assert_no_hang, drive, lines

    second = two_retros(cli, tmp_path)
    args = ["start", str(second), "--name", "Ann", "--role", "QA"]
    run = drive(args, "2" + ENTER + lines("Drop-ins came back in week 3") + CTRL_C)  # Lapsed, a note; then stopped
    assert run.code == 130
    assert read(second / "responses" / "ann.toml")["agreements"] == [{"text": TALK, "outcome": "lapsed", "note": "Drop-ins came back in week 3"}]

    run = drive(args, ENTER + lines("", ""))  # resumed: only the agreement not answered yet (Enter skips it); then the questions
    assert_no_hang(run)
    assert run.code == 0, run.result.stderr
    before_questions = run.screen.split("(1/2)")[0]
    assert NO_DROP_INS in before_questions and TALK not in before_questions
    response = read(second / "responses" / "ann.toml")
    assert response["status"] == "complete" and len(response["agreements"]) == 1

    run = drive(args, ENTER + ENTER + "1" + ENTER + ENTER + ENTER + ENTER)  # editing: Enter keeps Lapsed and its note; Held; then keep the rest
    assert_no_hang(run)
    assert run.code == 0, run.result.stderr
    assert read(second / "responses" / "ann.toml")["agreements"] == [
        {"text": TALK, "outcome": "lapsed", "note": "Drop-ins came back in week 3"},
        {"text": NO_DROP_INS, "outcome": "held"},
    ]
    assert cli("merge", second).exit_code == 0
    assert [(a["held"], a["lapsed"]) for a in read(second / "record.toml")["agreements_in_force"]] == [(0, 1), (1, 0)]


def test_a_built_in_retrospective_asks_for_agreements(cli, tmp_path: Path) -> None:
    from test_interview import ENTER, assert_no_hang, drive, lines

    first = tmp_path / "2026-06"
    answers = write_answers(tmp_path, "Linda", {"agreements": ["Nothing is merged after the code freeze"]})
    assert cli("start", first, "--project", "App", "--format", "start-stop-continue", "--date", "2026-06-30", "--answers", answers).exit_code == 0
    assert cli("merge", first).exit_code == 0
    assert "## Working agreements\n\n- Nothing is merged after the code freeze (Linda)" in cli("render", first).stdout
    second = tmp_path / "2026-09"
    run = drive(
        ["start", str(second), "--project", "App", "--format", "start-stop-continue", "--date", "2026-09-30", "--name", "Kim", "--role", "QA"],
        "1" + ENTER + ENTER + lines("", "", "", "") + ENTER,  # Held, no note; nothing else (Enter skips the ROTI rating)
    )
    assert_no_hang(run)
    assert run.code == 0, run.result.stderr
    assert "Nothing is merged after the code freeze" in run.screen
    assert cli("merge", second).exit_code == 0
    assert "- Nothing is merged after the code freeze (agreed 2026-06-30): held 1, lapsed 0" in cli("render", second).stdout


# -- invariants ------------------------------------------------------------------------------------

WORDINGS = [TALK, TALK.upper(), NO_DROP_INS, "Never agreed"]
ANSWER = st.fixed_dictionaries(
    {"text": st.sampled_from(WORDINGS), "outcome": st.sampled_from(["held", "lapsed"])},
    optional={"note": st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=20)},
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["Ann", "Bo", "Cy"]), st.lists(ANSWER, max_size=4)), max_size=4), st.booleans())
def test_every_answer_is_counted_once_or_named(said: list, anonymous: bool) -> None:
    from postmortem import agreements
    from postmortem.answers import check_agreements, same_wording

    said = [(name, [a for i, a in enumerate(answers) if same_wording(a["text"]) not in {same_wording(b["text"]) for b in answers[:i]}])
            for name, answers in said]  # one answer per agreement and person, as the validator insists
    said = [(name, check_agreements(answers)) for name, answers in said]  # in normal form, as a response holds them
    listed = [{"text": TALK, "status": "in force", "held": 9}, {"text": NO_DROP_INS, "status": "retired"}]
    uncounted = agreements.tally(listed, said, anonymous)
    given_ = [a for _, answers in said for a in answers]
    assert sum(a.get("held", 0) + a.get("lapsed", 0) for a in listed) + len(uncounted) == len(given_)
    for agreed in listed:
        answers = agreed.get("answers", [])
        assert agreed.get("held", 0) == sum(a["outcome"] == "held" for a in answers)
        assert agreed.get("lapsed", 0) == sum(a["outcome"] == "lapsed" for a in answers)
        assert all(("name" in a) != anonymous for a in answers)
    assert all("Never agreed" in line for line in uncounted)


def test_the_browser_form_asks_the_same(cli, tmp_path: Path) -> None:
    from test_serve import Site

    retro(cli, tmp_path, "q1", "2026-06-30", {"agreed": [TALK, HOSTILE]})
    second = tmp_path / "q2"
    args = ("--project", "Colorado rollout", "--format", tmp_path / "set.toml", "--date", "2026-09-30", "--no-input")
    assert cli("start", second, *args).exit_code == 0
    site = Site(second)
    page = site.begin("Kim", "QA")
    shown = site.get(page).text
    assert shown.index("Agreements in force") < shown.index("What will we fix?")
    assert "&lt;b&gt;ever&lt;/b&gt;" in shown and "<b>ever" not in shown
    refused = site.post(page, {"agreed:0:text": HOSTILE, "agreed:0:outcome": "kept", "action": "submit"}, status=400)
    assert "agreements[1].outcome must be one of &#39;held&#39;, &#39;lapsed&#39;, not &#39;kept&#39;" in refused.text
    said = {
        "agreed:0:text": HOSTILE, "agreed:0:outcome": "lapsed", "agreed:0:note": "Back in week 3",
        "agreed:1:text": TALK, "agreed:1:outcome": "", "agreed:1:note": "skipped, so not kept",
        "action": "submit",
    }
    site.post(page, said, status=303)
    response = read(second / "responses" / "kim.toml")
    assert response["status"] == "complete" and response["answers"] == {}
    assert response["agreements"] == [{"text": HOSTILE, "outcome": "lapsed", "note": "Back in week 3"}]
    again = site.get(page).text  # the page shows what was said
    assert re.search(r'name="agreed:\d:outcome" value="lapsed" checked', again) and 'value="Back in week 3"' in again
    site.post(page, {**said, "agreed:0:outcome": "held", "agreed:0:note": ""}, status=303)  # changed in the browser
    assert read(second / "responses" / "kim.toml")["agreements"] == [{"text": HOSTILE, "outcome": "held"}]


def test_the_page_of_answers_shows_what_each_one_said_of_the_agreements(cli, tmp_path: Path) -> None:
    second = two_retros(cli, tmp_path)
    held(cli, second, "Kim", [{"text": TALK, "outcome": "lapsed", "note": "Drop-ins came back\n# in week 3"}], {"fix": ["x"]})
    held(cli, second, "Jo", [{"text": NO_DROP_INS, "outcome": "held"}])  # about the agreements alone
    assert cli("merge", second).exit_code == 0
    result = cli("render", second, "-o", tmp_path / "report.md", "--answers-page", tmp_path / "answers.md")
    assert result.exit_code == 0, result.output
    page = (tmp_path / "answers.md").read_text(encoding="utf-8")
    jo, kim = page.split("## Jo\n")[1].split("## Kim\n")
    assert jo == f"\n**Did the agreements in force hold?**\n\n- {NO_DROP_INS}: held\n\n"
    assert kim.startswith(f"\n**Did the agreements in force hold?**\n\n- {TALK}: lapsed — Drop-ins came back  \n  \\# in week 3\n\n")
    assert "**What will we fix?**\n\n- x\n" in kim

    status = json.loads(cli("status", second, "--json").stdout)
    assert status["counts"]["answered"] == 2  # Jo, who answered about the agreements alone, too
    assert status["agreements"] == {"answers": 2, "in_drafts": 0}
    assert "agreements in force  2        0" in cli("status", second).stdout


def test_a_merged_record_without_agreements_is_not_read_before_the_first_question(cli, tmp_path: Path, monkeypatch) -> None:
    """A late participant of a large merged post-mortem waits for no record to be read (it may be
    megabytes): only a record that lists agreements in force is."""
    from postmortem import agreements, record as record_mod

    folder = retro(cli, tmp_path, "q1", "2026-06-30", {"agreed": [TALK], "fix": ["Book rooms early"]})
    later = retro(cli, tmp_path, "q2", "2026-09-30", {"fix": ["x"]})
    read_records: list[Path] = []
    real = record_mod.load_record
    monkeypatch.setattr(record_mod, "load_record", lambda path, **kw: read_records.append(Path(path)) or real(path, **kw))
    assert agreements.to_ask(folder, "Colorado rollout", dt.date(2026, 6, 30)) == []
    assert folder / "record.toml" not in read_records  # its own record lists no agreements in force
    assert agreements.to_ask(later, "Colorado rollout", dt.date(2026, 9, 30)) == [TALK]
    assert later / "record.toml" in read_records  # this one does
