"""The interactive interview, driven through the real questionary prompts in-process.

Keystrokes go in through prompt_toolkit's public pipe input (`create_pipe_input`, made the app
session's input with `create_app_session`); the CLI runs inside typer's CliRunner isolation, and the
screen is what it wrote on stderr, where the interview puts its prompts. So what is checked here is
what `postmortem start` does for a person at a keyboard.
"""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys
import threading
import time
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from prompt_toolkit.application import create_app_session
from prompt_toolkit.input import create_pipe_input
from typer.testing import CliRunner

from postmortem.cli import app

ENTER = "\r"
CTRL_C = "\x03"
CTRL_D = "\x04"
CTRL_U = "\x15"  # clear the line (after a refused value)
UP = "\x1b[A"
WATCHDOG_SECONDS = 8

QUESTIONS = ("went_well", "went_poorly", "improvements", "stakeholders", "takeaways", "rating", "roti")


def lines(*texts: str) -> str:
    """Each text typed and confirmed with Enter; an empty text ends a list."""
    return "".join(text + ENTER for text in texts)


# The classic set answered in full, one piece per question, and what each piece must store.
WENT_WELL = lines("The VP set expectations up front", "HR helped the visitor settle in", "")
WENT_POORLY = lines("Unannounced drop-ins several times a day", "Staff worked early and late", "")
IMPROVEMENTS = lines(
    "Daily 10-minute check-in at 9:00",
    "Kyle",
    "2026-1-5",  # refused: not YYYY-MM-DD
) + CTRL_U + lines(
    "2026-12-15",
    "Ask for an extra resource in busy season",
    "",  # no owner
    "",  # no due date
    "",
)
STAKEHOLDERS = lines("Jessica", "VP, regional office", "The office stays compliant", "")
TAKEAWAYS = lines("Agree on how we talk before the work starts.")
RATING = "4" + ENTER + "6" + ENTER  # "4 Well" by its shortcut key; then Skip the optional ROTI question

FULL_ANSWERS: dict[str, Any] = {
    "went_well": ["The VP set expectations up front", "HR helped the visitor settle in"],
    "went_poorly": ["Unannounced drop-ins several times a day", "Staff worked early and late"],
    "improvements": [
        {"text": "Daily 10-minute check-in at 9:00", "owner": "Kyle", "due": dt.date(2026, 12, 15)},
        "Ask for an extra resource in busy season",
    ],
    "stakeholders": [{"name": "Jessica", "role": "VP, regional office", "interest": "The office stays compliant"}],
    "takeaways": "Agree on how we talk before the work starts.",
    "rating": 4,
}


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str
    output: str  # both, interleaved as written


@dataclass
class Run:
    result: Result
    screen: str  # everything the prompts drew, as plain text (the command's stderr)
    hung: bool  # the interview waited for keys that never came

    @property
    def code(self) -> int:
        return self.result.exit_code


@contextmanager
def _watchdog(inp: Any, output: io.BytesIO) -> Iterator[threading.Event]:
    """Close the input once the command has written nothing for WATCHDOG_SECONDS: it waits for keys
    that never come, and the test fails instead of hanging. Idleness, not total time: a loaded machine
    that is slow but keeps drawing prompts is not cut short."""
    fired, finished = threading.Event(), threading.Event()

    def watch() -> None:
        size, since = -1, time.monotonic()
        while not finished.wait(0.05):
            if output.tell() != size:
                size, since = output.tell(), time.monotonic()
            elif time.monotonic() - since > WATCHDOG_SECONDS:
                fired.set()
                inp.close()
                return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        yield fired
    finally:
        finished.set()
        watcher.join()


def drive(args: list[str], keys: str) -> Run:
    """Run `postmortem ARGS` with `keys` typed at the prompts."""
    with create_pipe_input() as inp, create_app_session(input=inp), CliRunner().isolation() as (out, err, both):
        inp.send_text(keys)
        with _watchdog(inp, err) as fired:
            try:
                app(args, prog_name="postmortem")
            except SystemExit as end:
                code = end.code if isinstance(end.code, int) else 0 if end.code is None else 1
        result = Result(code, *(stream.getvalue().decode() for stream in (out, err, both)))
    return Run(result, result.stderr, fired.is_set())


def start_args(folder: Path, name: str = "Ann", role: str | None = "QA") -> list[str]:
    args = ["start", str(folder), "--project", "P", "--format", "classic", "--name", name]
    return args + (["--role", role] if role is not None else [])


def response_file(folder: Path, slug: str = "ann") -> Path:
    return folder / "responses" / f"{slug}.toml"


def read(path: Path) -> dict[str, Any]:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def assert_no_hang(run: Run) -> None:
    assert not run.hung, f"the interview waited for more keys; screen ended with:\n{run.screen[-1500:]}"


def test_whole_classic_interview_through_the_cli(tmp_path: Path) -> None:
    folder = tmp_path / "retro"
    keys = WENT_WELL + WENT_POORLY + IMPROVEMENTS + STAKEHOLDERS + TAKEAWAYS + RATING
    run = drive(start_args(folder), keys)

    assert_no_hang(run)
    assert run.code == 0, run.result.stderr
    session = read(folder / "postmortem.toml")
    assert (session["project"], session["format"]) == ("P", "classic")
    assert [p.name for p in (folder / "responses").iterdir()] == ["ann.toml"]
    data = read(response_file(folder))
    assert data["schema_version"] == 1
    assert (data["name"], data["role"], data["status"]) == ("Ann", "QA", "complete")
    assert "done" not in data
    assert isinstance(data["updated"], dt.datetime)
    assert data["answers"] == FULL_ANSWERS
    assert list(data["answers"]) == list(QUESTIONS[:-1])  # the optional ROTI question was skipped

    # Every question was put on screen, in order, and the bad date was explained, not stored.
    positions = [run.screen.index(f"({n}/7)") for n in range(1, 8)]
    assert positions == sorted(positions)
    assert "What went well?" in run.screen and "Overall, how did this project go for you?" in run.screen
    assert "Thank you" in run.result.stderr and str(response_file(folder)) in run.result.stderr
    # Nothing the interview says goes to stdout: prompts went to the app session's output.
    assert run.result.stdout == ""


def test_prompts_go_to_stderr_and_stdout_stays_empty(tmp_path: Path) -> None:
    folder = tmp_path / "retro"
    run = drive(start_args(folder), lines("", "", "") + lines("", "") + "6" + ENTER + "6" + ENTER)  # nothing in any list, ratings skipped
    assert_no_hang(run)
    assert run.code == 0, run.result.stderr
    assert run.result.stdout == ""
    for prompt in ("What went well?", "(6/7) Ratings", "Overall, how did this project go for you?"):
        assert prompt in run.result.stderr
    data = read(response_file(folder))
    assert data["status"] == "complete"
    assert "rating" not in data["answers"] and "takeaways" not in data["answers"]


def test_the_interview_uses_no_private_attribute_of_prompt_toolkit() -> None:
    import ast

    import postmortem.interview

    tree = ast.parse(Path(postmortem.interview.__file__).read_text(encoding="utf-8"))
    private = [node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute) and node.attr.startswith("_")]
    assert private == []


def test_a_slow_interview_that_keeps_drawing_is_not_cut_short(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The watchdog watches for idleness: an interview longer than WATCHDOG_SECONDS in all, but never
    silent that long, finishes."""
    import postmortem.interview

    monkeypatch.setattr(sys.modules[__name__], "WATCHDOG_SECONDS", 1.5)
    say = postmortem.interview.say

    def slow_say(text: str, style: str = "") -> None:
        time.sleep(0.15)
        say(text, style)

    monkeypatch.setattr(postmortem.interview, "say", slow_say)
    folder = tmp_path / "retro"
    run = drive(start_args(folder), WENT_WELL + WENT_POORLY + IMPROVEMENTS + STAKEHOLDERS + TAKEAWAYS + RATING)
    assert_no_hang(run)
    assert run.code == 0, run.result.stderr
    assert read(response_file(folder))["answers"] == FULL_ANSWERS


@pytest.mark.parametrize(
    ("keys", "rating"),
    [
        ("2" + ENTER, 2),  # shortcut key
        (UP + UP + UP + ENTER, 3),  # arrow keys from Skip, where the select starts
        ("6" + ENTER, None),  # the sixth choice is "Skip"
        (ENTER, None),  # Enter alone records nothing, not the worst score
    ],
    ids=["shortcut", "arrows", "skip", "enter"],
)
def test_rating_select(tmp_path: Path, keys: str, rating: int | None) -> None:
    folder = tmp_path / "retro"
    run = drive(start_args(folder), lines("Good", "") + lines("", "", "") + TAKEAWAYS + keys + "5" + ENTER)
    assert_no_hang(run)
    assert run.code == 0, run.result.stderr
    answers = read(response_file(folder))["answers"]
    assert answers.get("rating") == rating and answers["roti"] == 5
    assert answers["went_well"] == ["Good"]
    assert answers["takeaways"] == FULL_ANSWERS["takeaways"]


def test_asks_project_question_set_name_and_role_when_not_given(tmp_path: Path) -> None:
    folder = tmp_path / "retro"
    keys = (
        lines("Regional rollout")  # project name
        + ENTER  # question set: the first choice, classic
        + ENTER  # an empty name is refused ...
        + lines("Ann", "QA lead")  # ... then the name, then the role
        + lines("Good", "") + lines("", "", "") + TAKEAWAYS + RATING
    )
    run = drive(["start", str(folder)], keys)
    assert_no_hang(run)
    assert run.code == 0, run.result.stderr
    session = read(folder / "postmortem.toml")
    assert (session["project"], session["format"]) == ("Regional rollout", "classic")
    data = read(response_file(folder))
    assert (data["name"], data["role"], data["status"]) == ("Ann", "QA lead", "complete")
    assert data["answers"]["went_well"] == ["Good"]
    assert data["answers"]["rating"] == 4
    assert run.result.stdout == ""


def test_ctrl_c_in_a_list_keeps_a_draft_and_the_rerun_resumes(tmp_path: Path) -> None:
    folder = tmp_path / "retro"
    first = drive(start_args(folder), WENT_WELL + lines("Unannounced drop-ins several times a day") + CTRL_C)

    assert_no_hang(first)
    assert first.code == 130
    assert "Stopped" in first.result.stderr and "run the same command" in first.result.stderr
    assert "Traceback" not in first.result.stderr
    draft = read(response_file(folder))
    assert (draft["name"], draft["role"], draft["status"]) == ("Ann", "QA", "draft")
    assert draft["done"] == ["went_well"]
    assert draft["answers"] == {
        "went_well": FULL_ANSWERS["went_well"],
        "went_poorly": ["Unannounced drop-ins several times a day"],  # the one entry given before Ctrl-C
    }

    # The same command again: only what is left is asked, starting with the unfinished list.
    rest = lines("Staff worked early and late", "") + IMPROVEMENTS + STAKEHOLDERS + TAKEAWAYS + RATING
    second = drive(start_args(folder), rest)
    assert_no_hang(second)
    assert second.code == 0, second.result.stderr
    assert "Resuming your draft" in second.screen and "1 of 7 questions answered" in second.screen
    assert second.screen.count("Resuming") == 1 and second.screen.count("1 of 7") == 1  # said once
    assert "1. Unannounced drop-ins several times a day" in second.screen  # the entry given, shown back
    assert "(1/7)" not in second.screen and "What went well?" not in second.screen
    assert "(2/7) What went poorly" in second.screen
    final = read(response_file(folder))
    assert final["status"] == "complete" and "done" not in final
    assert final["answers"] == FULL_ANSWERS
    assert [p.name for p in (folder / "responses").iterdir()] == ["ann.toml"]


@pytest.mark.parametrize(
    ("keys", "done", "answers"),
    [
        pytest.param(
            lines("The VP set expectations up front") + CTRL_D,
            [],
            {"went_well": ["The VP set expectations up front"]},
            id="ctrl-d-at-an-empty-list-prompt",
        ),
        pytest.param(
            WENT_WELL + WENT_POORLY + IMPROVEMENTS + STAKEHOLDERS + TAKEAWAYS + CTRL_C,
            list(QUESTIONS[:5]),
            {k: FULL_ANSWERS[k] for k in QUESTIONS[:5]},
            id="ctrl-c-at-the-rating-select",
        ),
        pytest.param(
            WENT_WELL + lines("Unannounced drop-ins several times a day") + "Staff wor" + CTRL_C,
            ["went_well"],
            {"went_well": FULL_ANSWERS["went_well"], "went_poorly": ["Unannounced drop-ins several times a day"]},
            id="ctrl-c-with-half-typed-entry",
        ),
    ],
)
def test_stopping_keeps_everything_answered(
    tmp_path: Path, keys: str, done: list[str], answers: dict[str, Any]
) -> None:
    folder = tmp_path / "retro"
    run = drive(start_args(folder), keys)
    assert_no_hang(run)
    assert run.code == 130
    assert "Stopped" in run.result.stderr and "Traceback" not in run.result.stderr
    draft = read(response_file(folder))
    assert draft["status"] == "draft"
    assert draft["done"] == done
    assert {k: v for k, v in draft["answers"].items() if v != []} == answers


def test_resume_after_ctrl_d_at_the_text_question_asks_only_the_rest(tmp_path: Path) -> None:
    folder = tmp_path / "retro"
    first = drive(start_args(folder), WENT_WELL + WENT_POORLY + IMPROVEMENTS + STAKEHOLDERS + CTRL_D)
    assert_no_hang(first)
    assert first.code == 130
    assert "Stopped" in first.result.stderr
    draft = read(response_file(folder))
    assert draft["status"] == "draft"
    assert draft["done"] == list(QUESTIONS[:4])
    assert draft["answers"] == {k: FULL_ANSWERS[k] for k in QUESTIONS[:4]}

    second = drive(start_args(folder), TAKEAWAYS + RATING)
    assert_no_hang(second)
    assert second.code == 0, second.result.stderr
    assert "Resuming your draft" in second.screen and "4 of 7 questions answered" in second.screen
    for asked_before in ("What went well?", "What went poorly?", "What could tangibly improve", "Name (a person"):
        assert asked_before not in second.screen
    assert read(response_file(folder))["answers"] == FULL_ANSWERS


def test_same_person_in_other_case_resumes_their_draft(tmp_path: Path) -> None:
    folder = tmp_path / "retro"
    assert drive(start_args(folder), lines("The VP set expectations up front") + CTRL_C).code == 130
    run = drive(start_args(folder, name="ANN"), lines("HR helped the visitor settle in", "") + lines("", "", "", "") + RATING)
    assert_no_hang(run)
    assert run.code == 0, run.result.stderr
    assert [p.name for p in (folder / "responses").iterdir()] == ["ann.toml"]
    data = read(response_file(folder))
    assert data["name"] == "Ann" and data["status"] == "complete"
    assert data["answers"]["went_well"] == FULL_ANSWERS["went_well"]
    assert data["answers"]["rating"] == 4


@pytest.mark.parametrize("first_state", ["complete", "draft"])
def test_other_person_with_the_same_slug_is_refused(tmp_path: Path, first_state: str) -> None:
    folder = tmp_path / "retro"
    if first_state == "complete":
        answers = tmp_path / "jose.toml"
        answers.write_text('name = "Jose"\nrole = "Dev"\n[answers]\nwent_well = ["Kept it small"]\nrating = 5\n')
        result = CliRunner().invoke(app, [*start_args(folder, name="Jose"), "--answers", str(answers)])
        assert result.exit_code == 0, result.stderr
    else:
        assert drive(start_args(folder, name="Jose"), lines("Kept it small") + CTRL_C).code == 130
    path = response_file(folder, "jose")
    before = path.read_bytes()
    assert read(path)["name"] == "Jose" and read(path)["status"] == first_state

    run = drive(start_args(folder, name="José"), lines("Something else", ""))
    assert_no_hang(run)
    assert run.code == 2
    assert "Jose" in run.result.stderr and "choose another name" in run.result.stderr
    assert "Traceback" not in run.result.stderr
    assert "What went well?" not in run.screen  # refused before any question
    assert path.read_bytes() == before
    assert [p.name for p in (folder / "responses").iterdir()] == ["jose.toml"]


def test_stdin_not_a_terminal_without_answers_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "retro"
    result = CliRunner().invoke(app, start_args(folder), input="Good\r\r")
    assert result.exit_code == 2
    assert "--answers" in result.stderr and "not a terminal" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert not (folder / "responses").exists()


def test_stdin_not_a_terminal_in_a_real_process_does_not_hang(tmp_path: Path) -> None:
    folder = tmp_path / "retro"
    proc = subprocess.run(
        [sys.executable, "-m", "postmortem", *start_args(folder)],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=20,
    )
    assert proc.returncode == 2
    assert "--answers" in proc.stderr
    assert proc.stdout == ""
    assert not (folder / "responses").exists()


def test_ctrl_c_before_the_questions_exits_130(tmp_path: Path) -> None:
    folder = tmp_path / "retro"
    run = drive(start_args(folder, role=None), CTRL_C)  # at "Your role"
    assert_no_hang(run)
    assert run.code == 130
    assert "Traceback" not in run.result.stderr


@pytest.mark.parametrize("role", [None, "QA"], ids=["at-role", "at-name"])
def test_ctrl_d_before_the_questions_exits_130(tmp_path: Path, role: str | None) -> None:
    folder = tmp_path / "retro"
    args = ["start", str(folder), "--project", "P", "--format", "classic"]
    args += ["--name", "Ann"] if role is None else ["--role", role]
    run = drive(args, CTRL_D)
    assert_no_hang(run)
    assert run.code == 130


def test_ctrl_c_at_an_improvements_owner_keeps_the_text_just_typed(tmp_path: Path) -> None:
    folder = tmp_path / "retro"
    keys = "\r" + "\r" + "Daily check-in at 9:00\r" + CTRL_C  # skip went_well, went_poorly; Ctrl-C at "Who would do it?"
    run = drive(start_args(folder), keys)
    assert_no_hang(run)
    assert run.code == 130
    draft = tomllib.loads((folder / "responses" / "ann.toml").read_text(encoding="utf-8"))
    assert draft["status"] == "draft" and draft["done"] == ["went_well", "went_poorly"]
    assert draft["answers"] == {"improvements": ["Daily check-in at 9:00"]}


def test_a_resumed_interview_asks_the_owner_and_due_date_it_was_stopped_at(tmp_path: Path) -> None:
    folder = tmp_path / "retro"
    run = drive(start_args(folder), "\r" + "\r" + "Daily check-in at 9:00\r" + CTRL_C)
    assert run.code == 130
    resumed = drive(start_args(folder), lines("Kyle", "2026-12-15", "") + STAKEHOLDERS + TAKEAWAYS + RATING)
    assert_no_hang(resumed)
    assert resumed.code == 0, resumed.result.stderr
    assert "Who would do it?" in resumed.screen.split("Daily check-in at 9:00")[1]
    assert read(response_file(folder))["answers"]["improvements"] == [
        {"text": "Daily check-in at 9:00", "owner": "Kyle", "due": dt.date(2026, 12, 15)}
    ]


def test_a_resumed_interview_asks_the_role_it_was_stopped_at(tmp_path: Path) -> None:
    folder = tmp_path / "retro"
    run = drive(start_args(folder), "\r\r\r" + "Jessica\r" + CTRL_C)  # stopped at Jessica's role
    assert run.code == 130
    resumed = drive(start_args(folder), lines("VP", "Compliance", "") + TAKEAWAYS + RATING)
    assert_no_hang(resumed)
    assert resumed.code == 0, resumed.result.stderr
    assert read(response_file(folder))["answers"]["stakeholders"] == [{"name": "Jessica", "role": "VP", "interest": "Compliance"}]


def test_an_answer_over_several_lines_reaches_the_response_file_the_record_and_the_report(tmp_path: Path) -> None:
    """A line ending in a backslash goes on to the next line of the same answer (as in a shell)."""
    folder = tmp_path / "retro"
    went_poorly = lines("We missed the printer slot:\\", "the vendor was late,\\", "and nobody noticed", "")
    takeaways = lines("Book the slot a week ahead.\\", "Check it the day before.")
    run = drive(start_args(folder), lines("Good", "") + went_poorly + lines("", "") + takeaways + "6" + ENTER + "6" + ENTER)
    assert_no_hang(run)
    assert run.code == 0, run.result.stderr
    assert "end a line with \\ to go on to the next" in run.screen
    answers = read(response_file(folder))["answers"]
    assert answers["went_poorly"] == ["We missed the printer slot:\nthe vendor was late,\nand nobody noticed"]
    assert answers["takeaways"] == "Book the slot a week ahead.\nCheck it the day before."

    assert CliRunner().invoke(app, ["merge", str(folder)]).exit_code == 0
    sections = {section["id"]: section for section in read(folder / "record.toml")["sections"]}
    assert sections["went_poorly"]["items"][0]["text"] == answers["went_poorly"][0]
    report = CliRunner().invoke(app, ["render", str(folder)]).stdout
    assert "- We missed the printer slot:  \n  the vendor was late,  \n  and nobody noticed (Ann)\n" in report  # line by line
    assert "- Book the slot a week ahead.  \n  Check it the day before. — Ann\n" in report


def test_a_backslash_inside_a_line_or_in_a_name_is_kept_as_typed(tmp_path: Path) -> None:
    folder = tmp_path / "retro"
    typed = lines("Ops\\", "Shared drive at \\\\files\\retro", "") + lines("", "", "", "") + "6" + ENTER + "6" + ENTER
    run = drive(start_args(folder, role=None), typed)
    assert_no_hang(run)
    assert run.code == 0, run.result.stderr
    data = read(response_file(folder))
    assert data["role"] == "Ops\\"  # a role is one line: Enter sends it, backslash and all
    assert data["answers"]["went_well"] == ["Shared drive at \\\\files\\retro"]


def test_an_action_type_starts_on_skip_so_enter_alone_records_none() -> None:
    """The type of an action item (incident set) is optional, like a rating: Enter alone is Skip."""
    from postmortem import interview, questionsets
    from postmortem.response import Response

    question = next(q for q in questionsets.load("incident").questions if q.types)
    assert question.fields == ("owner", "type")
    response = Response("Ann", "SRE")
    with create_pipe_input() as inp, create_app_session(input=inp), CliRunner().isolation() as (_, err, _):
        inp.send_text(lines("Page on-call after 2 minutes", "") + ENTER + ENTER)  # no owner; Enter at the type; no more
        with _watchdog(inp, err) as fired, interview.terminal():
            interview.ask_question(question, response, lambda: None)
        screen = err.getvalue().decode()
    assert not fired.is_set(), screen
    assert "What kind of action is it?" in screen
    assert response.answers == {question.id: [{"text": "Page on-call after 2 minutes"}]}
