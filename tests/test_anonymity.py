"""An anonymous post-mortem: no participant's name (or role) in any file or any command's output."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import shutil
from pathlib import Path

import test_interview
from conftest import read, write_answers
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from postmortem import answers as answers_mod
from postmortem import merge, questionsets, store
from postmortem.cli import app
from postmortem.session import Session
from postmortem.response import Response

# Names (and roles) no other text in the tool or its question sets could contain by chance.
SECRETS = ["Zebulon", "Quaxley", "Philippa", "Wrenfeather", "Octavius", "Brumblethorpe", "Xylographer", "Vexillologist"]
ENTER = "\r"
TOKEN = re.compile(r"token ([0-9a-f]{16})")


class Witness:
    """Runs commands and keeps everything they printed."""

    def __init__(self) -> None:
        self.runner = CliRunner()
        self.seen: list[str] = []

    def __call__(self, *args: object, ok: bool = True):
        result = self.runner.invoke(app, [str(a) for a in args], catch_exceptions=False)
        self.seen.append(f"{result.stdout}\n{result.stderr}")
        if ok:
            assert result.exit_code == 0, result.output
        return result


def interview(args: list[str], keys: str):
    """`postmortem ARGS` with keys typed at the prompts: the result and what the prompts drew."""
    run = test_interview.drive(args, keys)
    assert not run.hung, run.screen[-1500:]
    return run.result, run.screen


def leaks(blob: bytes | str) -> list[str]:
    text = blob.decode("utf-8", "replace") if isinstance(blob, bytes) else blob
    return [name for name in SECRETS if name.casefold() in text.casefold()]


def assert_no_names_in(folder: Path) -> None:
    for path in sorted(folder.rglob("*")):
        assert not leaks(str(path.relative_to(folder))), path
        if path.is_file():
            assert not leaks(path.read_bytes()), (path, leaks(path.read_bytes()))


def test_anonymous_session_keeps_no_name_anywhere(tmp_path: Path) -> None:
    run = Witness()
    folder = tmp_path / "retro"
    outside = tmp_path / "answers"
    outside.mkdir()

    # Zebulon creates the anonymous post-mortem from an answers file that carries his name and role.
    zebulon = write_answers(outside, "Zebulon Quaxley", {
        "went_well": ["The regional VP set expectations up front"],
        "went_poorly": ["Unannounced drop-ins several times a day"],
        "improvements": ["Daily 10-minute check-in at 9:00", "Ask corporate for an extra resource in busy season"],
        "stakeholders": [{"name": "Regional office", "role": "hosts", "interest": "stays compliant"}],
        "rating": 2,
    }, role="Xylographer")
    created = run("start", folder, "--anonymous", "--project", "Colorado rollout", "--date", "2026-11-02",
                  "--answers", zebulon)
    assert read(folder / "postmortem.toml")["anonymous"] is True
    zebulon_token = TOKEN.search(created.stderr).group(1)
    assert "not kept" in created.stderr
    assert [p.name for p in (folder / "responses").iterdir()] == [f"{zebulon_token}.toml"]
    filed = read(folder / "responses" / f"{zebulon_token}.toml")
    assert filed["name"] == zebulon_token and filed["role"] == "" and filed["status"] == "complete"

    # Philippa gives her name and role on the command line; neither is kept.
    philippa = write_answers(outside, "ignored", {"improvements": ["Daily 10-minute check-in at 9:00"], "rating": 4})
    answered = run("start", folder, "--name", "Philippa Wrenfeather", "--role", "Vexillologist", "--answers", philippa)
    philippa_token = TOKEN.search(answered.stderr).group(1)
    assert philippa_token != zebulon_token

    # Octavius answers at the prompts: nobody asks his name, and the --name he gives is dropped.
    keys = ("Landed on time" + ENTER + ENTER) + ENTER + ENTER + ENTER + ENTER + "6" + ENTER + "6" + ENTER
    result, screen = interview(["start", str(folder), "--name", "Octavius Brumblethorpe"], keys)
    assert result.exit_code == 0, (result.output, screen)
    assert "Your name" not in screen and "Your role" not in screen
    run.seen.append(result.stdout + result.stderr + screen)
    assert len(list((folder / "responses").iterdir())) == 3

    run("merge", folder)
    record = read(folder / "record.toml")
    assert record["anonymous"] is True and record["participant_count"] == 3
    assert "participants" not in record and "responses" not in record
    assert "raised_by" not in (folder / "record.toml").read_text(encoding="utf-8")
    ids = {item["text"]: item["id"] for s in record["sections"] if s.get("actions") for item in s["items"]}
    check_in = ids["Daily 10-minute check-in at 9:00"]

    # Votes go by token; a name is refused without being repeated.
    refused = run("vote", folder, "--name", "Zebulon Quaxley", "--votes", f"{check_in}=1", ok=False)
    assert refused.exit_code == 2 and "--token" in refused.stderr
    run("vote", folder, "--token", zebulon_token, "--votes", f"{check_in}=2")
    run("vote", folder, "--token", philippa_token.upper(), "--votes", f"{check_in}=1")
    assert read(folder / "responses" / f"{philippa_token}.toml")["votes"] == {check_in: 1}
    # Changing one's answers with the token keeps one file per person, and the votes.
    run("start", folder, "--token", zebulon_token, "--answers", zebulon)
    assert len(list((folder / "responses").iterdir())) == 3
    assert read(folder / "responses" / f"{zebulon_token}.toml")["votes"] == {check_in: 2}
    run("merge", folder)
    voted = next(i for s in read(folder / "record.toml")["sections"] if s.get("actions") for i in s["items"])
    assert (voted["id"], voted["votes"], voted["count"]) == (check_in, 3, 2)
    assert set(voted) <= {"id", "text", "count", "votes", "status", "wordings"}

    report = run("render", folder).stdout
    assert "Appendix" not in report and "**Participants:** 3 (anonymous: counts only, no names)\n" in report
    assert f"| {check_in} | Daily 10-minute check-in at 9:00 | — | — | open | 3 | 2 people |" in report
    run("render", folder, "-o", folder / "report.md")
    run("render", folder, "--to", "html", "-o", folder / "report.html")
    assert "2 people" in run("render", folder, "--to", "html").stdout
    run("formats")
    run("formats", "classic")
    run("status", folder)
    run("status", folder, "--json")
    run("check", folder)
    (tmp_path / "wiki").mkdir()
    run("publish", folder, tmp_path / "wiki", "--style", "plain")
    run("actions", folder, "--json")
    run("actions", folder, "--all")
    run("history", folder)
    run("history", tmp_path, "--json")
    run("check", folder, "--json")
    run("vote", folder, "--token", zebulon_token, "--votes", "A99=1", ok=False)  # an error message too

    assert_no_names_in(folder)
    assert_no_names_in(tmp_path / "wiki")
    for output in run.seen:
        assert not leaks(output), output


def test_a_wrong_or_unknown_token_is_refused(tmp_path: Path) -> None:
    run = Witness()
    folder = tmp_path / "retro"
    answers = write_answers(tmp_path, "Zebulon Quaxley", {"improvements": ["Fix it"]})
    run("start", folder, "--anonymous", "--project", "P", "--answers", answers)
    run("merge", folder)
    for token, message in (("../../etc/passwd", "--token must be the 16 letters and digits"),
                           ("0123456789abcdef", "no response is filed under the token 0123456789abcdef")):
        for args in (["start", folder, "--answers", answers], ["vote", folder, "--votes", ""]):
            result = run(*args, "--token", token, ok=False)
            assert result.exit_code == 2 and message in result.stderr, result.stderr
    assert len(list((folder / "responses").iterdir())) == 1
    no_token = run("vote", folder, "--votes", "", ok=False)
    assert no_token.exit_code == 2 and "give the token you were given" in no_token.stderr


def test_anonymous_only_when_creating(tmp_path: Path) -> None:
    run = Witness()
    folder = tmp_path / "retro"
    run("start", folder, "--project", "P", "--answers", write_answers(tmp_path, "Ann", {"went_well": ["Fine"]}))
    result = run("start", folder, "--anonymous", "--answers", write_answers(tmp_path, "Ben", {"went_well": ["Ok"]}), ok=False)
    assert result.exit_code == 2 and "not anonymous" in result.stderr
    assert not (folder / "responses" / "ben.toml").exists()
    assert run("start", folder, "--token", "0123456789abcdef", "--answers", write_answers(tmp_path, "Ben", {}), ok=False).exit_code == 2


def test_a_record_marked_anonymous_never_shows_names_even_if_they_are_in_it(tmp_path: Path) -> None:
    run = Witness()
    folder = tmp_path / "retro"
    run("start", folder, "--project", "P", "--answers", write_answers(tmp_path, "Zebulon Quaxley", {"went_well": ["Fine"]}))
    run("merge", folder)
    record = read(folder / "record.toml")
    assert record["participants"][0]["name"] == "Zebulon Quaxley"  # a named session lists them
    (folder / "record.toml").write_text(store.dumps({**record, "anonymous": True}), encoding="utf-8")
    report = run("render", folder).stdout
    assert "**Participants:** 1 (anonymous: counts only, no names)\n" in report and "Appendix" not in report
    assert "- Fine (1 person)\n" in report and "Zebulon" not in report
    assert "Zebulon" not in run("render", folder, "--to", "html").stdout


def test_anonymous_remerge_drops_an_action_nobody_raises_any_more(tmp_path: Path) -> None:
    run = Witness()
    folder = tmp_path / "retro"
    first = write_answers(tmp_path, "x", {"improvements": ["Fix the build", "One shared task board"]})
    token = TOKEN.search(run("start", folder, "--anonymous", "--project", "P", "--answers", first).stderr).group(1)
    run("merge", folder)
    run("edit", "A2", folder, "--owner", "Team lead")
    run("start", folder, "--token", token, "--answers", write_answers(tmp_path, "x", {"improvements": ["One shared task board"]}))
    run("merge", folder)
    items = next(s for s in read(folder / "record.toml")["sections"] if s.get("actions"))["items"]
    assert [(i["id"], i["text"], i["count"], i.get("owner")) for i in items] == [("A2", "One shared task board", 1, "Team lead")]


# --- position carries no identity -------------------------------------------------------------------

CLASSIC = questionsets.load("classic")
WORDS = ["apple", "birch", "cedar", "delta", "ember", "fjord", "grove", "heath", "inlet", "juniper", "kestrel", "lagoon"]
SENTENCES = st.lists(st.sampled_from(WORDS), min_size=1, max_size=3, unique=True).map(" ".join)
PERSON = st.fixed_dictionaries({
    "went_well": st.lists(SENTENCES, max_size=3, unique=True),
    "went_poorly": st.lists(SENTENCES, max_size=3, unique=True),
    "improvements": st.lists(SENTENCES, max_size=2, unique=True),
    "takeaways": SENTENCES,
    "rating": st.integers(1, 5),
})


def anonymous_record(people: list[dict], tokens: list[str]) -> dict:
    responses = [Response(token, "", answers_mod.check_answers(CLASSIC, a), complete=True) for token, a in zip(tokens, people, strict=True)]
    return merge.build_record(Session(Path("."), "P", "classic", dt.date(2026, 11, 2), anonymous=True), CLASSIC, responses)


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.lists(PERSON, min_size=2, max_size=5), st.randoms(use_true_random=False))
def test_who_holds_which_token_changes_nothing_in_an_anonymous_record(people: list[dict], random) -> None:
    """Tokens sort in random order: were the record in their order, handing the same answers to other
    tokens would move each person's entries, and one section's order would give away another's."""
    tokens = sorted(f"{random.getrandbits(64):016x}" for _ in people)
    shuffled = tokens[:]
    random.shuffle(shuffled)
    assert anonymous_record(people, tokens) == anonymous_record(people, shuffled)


def test_sections_of_an_anonymous_record_cannot_be_joined_by_position() -> None:
    """Three people, each the first by token in one section's old order: now every section is in the
    order of its text, whoever wrote it."""
    people = [
        {"went_well": ["cedar"], "went_poorly": ["apple"], "takeaways": "birch", "rating": 1},
        {"went_well": ["apple"], "went_poorly": ["birch"], "takeaways": "cedar", "rating": 2},
        {"went_well": ["birch"], "went_poorly": ["cedar"], "takeaways": "apple", "rating": 3},
    ]
    for tokens in itertools.permutations(["0" * 16, "1" * 16, "2" * 16]):
        sections = {s["id"]: s for s in anonymous_record(people, list(tokens))["sections"]}
        assert [i["text"] for i in sections["went_well"]["items"]] == ["apple", "birch", "cedar"]
        assert [i["text"] for i in sections["went_poorly"]["items"]] == [i["text"] for i in sections["went_well"]["items"]]
        assert [a["text"] for a in sections["takeaways"]["answers"]] == ["apple", "birch", "cedar"]


def test_anonymous_outputs_do_not_depend_on_who_holds_which_token(tmp_path: Path) -> None:
    """The record, the report, the HTML page and the JSON of actions and history, from the same answers
    filed under the same tokens handed out the other way round, are the same bytes."""
    run = Witness()
    answers = [
        {"went_well": ["Clear scope", "Early demo"], "went_poorly": ["Late access"], "improvements": ["Daily check-in"],
         "takeaways": "Plan access", "rating": 2},
        {"went_well": ["Friendly office"], "went_poorly": ["Drop-ins", "Overtime"], "improvements": ["Extra resource"],
         "takeaways": "Ask early", "rating": 4},
        {"went_well": ["Tea"], "went_poorly": ["Noise"], "improvements": ["Quiet room", "Weekly review"], "takeaways": "Breathe", "rating": 5},
    ]
    tokens = ["0a" * 8, "5b" * 8, "fc" * 8]
    outputs = []
    for order in (tokens, tokens[::-1]):
        folder = tmp_path / f"retro-{len(outputs)}" / "retro"
        run("start", folder, "--anonymous", "--project", "P", "--date", "2026-11-02", "--answers", write_answers(tmp_path, "x", answers[0]))
        shutil.rmtree(folder / "responses")
        (folder / "responses").mkdir()
        for token, given_answers in zip(order, answers, strict=True):
            data = {
                "schema_version": 1, "name": token, "role": "", "status": "complete", "updated": dt.datetime(2026, 11, 2, 9, 0),
                "answers": given_answers,
            }
            (folder / "responses" / f"{token}.toml").write_text(store.dumps(data), encoding="utf-8")
        run("merge", folder)
        outputs.append([
            (folder / "record.toml").read_text(encoding="utf-8"),
            run("render", folder).stdout,
            run("render", folder, "--to", "html").stdout,
            run("actions", folder, "--json", "--today", "2026-12-01").stdout.replace(str(folder), "F"),
            run("history", folder, "--json").stdout.replace(str(folder), "F"),
        ])
    assert outputs[0] == outputs[1]
    assert "Clear scope" in outputs[0][1]
