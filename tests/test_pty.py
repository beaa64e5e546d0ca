"""The interview in a real pseudo-terminal: `python -m postmortem start` as a person runs it."""

from __future__ import annotations

import datetime as dt
import io
import os
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

pexpect = pytest.importorskip("pexpect")

TIMEOUT = 20
UP = "\x1b[A"
CTRL_U = "\x15"


def read(path: Path) -> dict[str, Any]:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def spawn(folder: Path, name: str = "Bo", *, stdout_to: Path | None = None) -> Any:
    args = [sys.executable, "-m", "postmortem", "start", str(folder),
            "--project", "P", "--format", "classic", "--name", name, "--role", "Dev"]
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "SOURCE_DATE_EPOCH")}
    # No cursor-position requests: prompt_toolkit would wait for answers a test never sends.
    env.update(TERM="xterm-256color", PROMPT_TOOLKIT_NO_CPR="1")
    if stdout_to is not None:  # stdout redirected to a file, stdin and stderr on the terminal
        args = ["/bin/sh", "-c", 'out="$1"; shift; exec "$@" > "$out"', "sh", str(stdout_to), *args]
    child = pexpect.spawn(args[0], args[1:], env=env, timeout=TIMEOUT, encoding="utf-8", dimensions=(40, 120))
    child.logfile_read = io.StringIO()  # the whole terminal transcript
    return child


def transcript(child: Any) -> str:
    return child.logfile_read.getvalue()


def answer(child: Any, prompt: str, keys: str) -> None:
    child.expect_exact(prompt)
    child.send(keys)


def finish(child: Any) -> int:
    child.expect(pexpect.EOF)
    child.close()
    assert child.signalstatus is None
    return child.exitstatus


def test_whole_interview_in_a_terminal(tmp_path: Path) -> None:
    folder = tmp_path / "retro"
    child = spawn(folder)
    try:
        child.expect_exact("(1/7) What went well")
        answer(child, "(empty to finish)", "The VP set expectations up front\r")
        answer(child, "2.", "HR helped the visitor settle in\r")
        answer(child, "3.", "\r")
        child.expect_exact("(2/7) What went poorly")
        answer(child, "1.", "Unannounced drop-ins,\\\r")  # a backslash at the end: the answer goes on
        child.send("several times a day\r")
        answer(child, "2.", "\r")
        child.expect_exact("(3/7) Improvements")
        answer(child, "1.", "Daily check-in at 9:00\r")
        answer(child, "Who would do it?", "Kyle\r")
        answer(child, "By when?", "2026-13-01\r")  # no such month: refused, asked again
        answer(child, "A date such as 2026-12-15, or empty", CTRL_U + "2026-12-15\r")
        answer(child, "2.", "Ask for an extra resource\r")
        answer(child, "Who would do it?", "\r")
        answer(child, "By when?", "\r")
        answer(child, "3.", "\r")
        child.expect_exact("(4/7) Stakeholders")
        answer(child, "Name (a person or a team)", "Jessica\r")
        answer(child, "Role", "VP, regional office\r")
        answer(child, "What did they need from the project?", "Compliance\r")
        answer(child, "Name (a person or a team)", "\r")
        child.expect_exact("(5/7) Key takeaways")
        answer(child, "What is the one lesson", "Talk before the work starts.\r")
        child.expect_exact("(6/7) Ratings")
        child.expect_exact("Overall, how did this project go for you?")
        answer(child, "1) Very badly", UP * 2 + "\r")  # each point numbered once; from Skip, where it starts: 5, 4 Well
        answer(child, "(7/7) Return on time invested", "5\r")
        child.expect_exact("Thank you")
        status = finish(child)
    finally:
        child.close(force=True)
    assert status == 0
    data = read(folder / "responses" / "bo.toml")
    assert (data["name"], data["role"], data["status"]) == ("Bo", "Dev", "complete")
    assert "done" not in data
    assert data["answers"] == {
        "went_well": ["The VP set expectations up front", "HR helped the visitor settle in"],
        "went_poorly": ["Unannounced drop-ins,\nseveral times a day"],
        "improvements": [
            {"text": "Daily check-in at 9:00", "owner": "Kyle", "due": dt.date(2026, 12, 15)},
            "Ask for an extra resource",
        ],
        "stakeholders": [{"name": "Jessica", "role": "VP, regional office", "interest": "Compliance"}],
        "takeaways": "Talk before the work starts.",
        "rating": 4,
        "roti": 5,
    }


def test_ctrl_c_in_a_terminal_keeps_a_draft_and_resumes(tmp_path: Path) -> None:
    folder = tmp_path / "retro"
    path = folder / "responses" / "bo.toml"
    child = spawn(folder)
    try:
        child.expect_exact("(1/7) What went well")
        answer(child, "(empty to finish)", "The VP set expectations up front\r")
        answer(child, "2.", "\r")
        child.expect_exact("(2/7) What went poorly")
        answer(child, "1.", "Unannounced drop-ins\r")
        child.expect_exact("2.")
        child.sendcontrol("c")
        child.expect_exact("Stopped")
        status = finish(child)
    finally:
        child.close(force=True)
    assert status == 130
    assert "Traceback" not in transcript(child)
    draft = read(path)
    assert draft["status"] == "draft"
    assert draft["done"] == ["went_well"]
    assert draft["answers"] == {
        "went_well": ["The VP set expectations up front"],
        "went_poorly": ["Unannounced drop-ins"],
    }

    child = spawn(folder)
    try:
        child.expect_exact("Resuming your draft")
        child.expect_exact("1 of 7 questions answered")
        child.expect_exact("(2/7) What went poorly")
        child.expect_exact("1. Unannounced drop-ins")
        answer(child, "2.", "Staff worked early and late\r")
        answer(child, "3.", "\r")
        answer(child, "(3/7) Improvements", "\r")
        answer(child, "(4/7) Stakeholders", "\r")
        answer(child, "(5/7) Key takeaways", "\r")
        answer(child, "(6/7) Ratings", "5\r")
        answer(child, "(7/7) Return on time invested", "6\r")  # Skip
        child.expect_exact("Thank you")
        status = finish(child)
    finally:
        child.close(force=True)
    assert status == 0
    assert "What went well" not in transcript(child)  # finished questions are not asked again
    assert transcript(child).count("Resuming") == 1  # said once
    final = read(path)
    assert final["status"] == "complete"
    assert final["answers"]["went_well"] == ["The VP set expectations up front"]
    assert final["answers"]["went_poorly"] == ["Unannounced drop-ins", "Staff worked early and late"]
    assert final["answers"]["rating"] == 5
    assert "takeaways" not in final["answers"]


def test_stdout_redirected_gets_nothing_while_the_terminal_gets_the_prompts(tmp_path: Path) -> None:
    folder = tmp_path / "retro"
    out = tmp_path / "stdout.txt"
    child = spawn(folder, stdout_to=out)
    try:
        answer(child, "What went well?", "Kept it small\r")
        answer(child, "2.", "\r")
        for heading in ("What went poorly?", "What could tangibly improve", "Who were the stakeholders"):
            answer(child, heading, "\r")
        answer(child, "What is the one lesson", "Small is good.\r")
        answer(child, "Overall, how did this project go for you?", "3\r")
        answer(child, "Was this post-mortem worth the time", "4\r")
        child.expect_exact("Thank you")
        status = finish(child)
    finally:
        child.close(force=True)
    assert status == 0
    assert out.read_text() == ""
    answers = read(folder / "responses" / "bo.toml")["answers"]
    assert answers["went_well"] == ["Kept it small"]
    assert answers["takeaways"] == "Small is good."
    assert answers["rating"] == 3 and answers["roti"] == 4
