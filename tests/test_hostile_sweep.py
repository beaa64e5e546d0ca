"""Every command over a hostile post-mortem: what participants, the facilitator and template or
question-set authors can write (escape sequences, C1 controls, formulas, Markdown and MkDocs
syntax, HTML, names like paths) in every field, with a wiki whose folders link out of it.

For every registered command (a new one must be given its calls in CALLS) and each of its calls:
no traceback, no control character but line feed and tab on stdout or stderr (so no escape
sequence reaches a terminal), and nothing written outside the folders it was given.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import Cli, write_answers
from postmortem import escape, store
from postmortem.cli import commands

COMMANDS = sorted(command.name or command.callback.__name__.replace("_", "-") for command in commands.registered_commands)
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")

ESC = "\x1b]0;pwned\x07\x1b[2J\x9b31m\x85\r"
EVIL = [
    f"Eve{ESC}",
    "=cmd|' /C calc'!A0",
    "!!! danger \"Admonition\"",
    "??? note \"Details\"",
    "{: .class #id }",
    "term\n: definition",
    "[^1]: footnote\n\nText[^1]",
    "- [x] task",
    "<div markdown=\"1\">*html*</div>",
    "```python\nfenced\n```",
    "| a | b |\n|---|---|",
    "# heading",
    "../../etc/passwd",
]
PROJECT = f"Hostile{ESC} =HYPERLINK(\"x\") ../../out"

# The calls of each command: (folder, wiki, tmp) -> argument lists. `pm` is merged, with a draft.
CALLS: dict[str, Callable[[Path, Path, Path], list[list]]] = {
    "start": lambda f, w, t: [
        ["start", f, "--answers", t / "eve.toml"],
        ["start", f, "--invite", f"Zed{ESC}"],
        ["start", t / "new", "--project", PROJECT, "--answers", t / "eve.toml"],
        ["start", f, "--deadline", "2026-11-30"], ["start", t / "anon", "--deadline", f"x{ESC}"],
    ],
    "merge": lambda f, w, t: [["merge", f], ["merge", t / "anon"], ["merge", t / "linked"]],
    "render": lambda f, w, t: [
        ["render", f], ["render", f, "--to", "html"], ["render", f, "-t", t / "evil.md.j2"], ["render", t / "anon", "--to", "html"],
        ["render", f, "-o", f / "report.md"], ["render", f, "-t", t / "bomb.md.j2"],
    ],
    "formats": lambda f, w, t: [["formats"], ["formats", t / "evil-set.toml"], ["formats", f"x{ESC}"]],
    "edit": lambda f, w, t: [["edit", "A1", f, "--owner", f"Kim{ESC}"], ["edit", f"A9{ESC}", f, "--owner", "x"]],
    "move": lambda f, w, t: [["move", EVIL[2], f, "--out"], ["move", f"nothing{ESC}", f, "--out"]],
    "publish": lambda f, w, t: [["publish", f, w / style, "--style", style] for style in ("github", "mkdocs", "plain")]
    + [["publish", f, w / "linked", "--style", "mkdocs"], ["publish", f, w / "plain", "--style", "plain", "--index", f"x{ESC}"],
       ["publish", f, w / "github", "--style", "github", "-t", t / "bomb.md.j2"]],
    "status": lambda f, w, t: [["status", f], ["status", f, "--json"], ["status", t / "anon", "--json"], ["status", t / "linked"]],
    "check": lambda f, w, t: [["check", f], ["check", f, "--json"], ["check", t / "broken"]],
    "actions": lambda f, w, t: [
        ["actions", f], ["actions", f, "--json", "--all"], ["actions", f, "--csv", "--all"], ["actions", "done", "A1", f],
        ["actions", "done", f"A1{ESC}", f], ["actions", f, "--to", "github"], ["actions", f, "--to", "gitlab"],
        ["actions", f, "--to", "jira-csv"], ["actions", "link", "A1", "https://example.org/issues/1", f],
        ["actions", "link", "A1", f"https://example.org/{ESC}", f], ["actions", f, "--ics", f / "actions.ics"],
    ],
    "remind": lambda f, w, t: [
        ["remind", f], ["remind", f, "--today", "2027-01-05", "--mail", f / "drafts"], ["remind", t / "broken"],
        ["remind", t / "anon", "--mail", t / "anon" / "drafts"],
    ],
    "history": lambda f, w, t: [
        ["history", f], ["history", f, "--json"], ["history", t / "broken"], ["history", f, "--scores"],
        ["history", f, "--scores", "--csv"], ["history", f, "--scores", "--json"],
    ],
    "vote": lambda f, w, t: [["vote", f, "--name", EVIL[0], "--votes", "A1=1"], ["vote", f, "--name", f"Nobody{ESC}", "--votes", "A1=1"]],
    "groups": lambda f, w, t: [["groups", f], ["groups", f, "--json"], ["groups", t / "anon"], ["groups", t / "broken"]],
    "import": lambda f, w, t: [["import", f, t / "evil.csv"], ["import", t / "anon", t / "evil.csv"]],
    "serve": lambda f, w, t: [["serve", f, "--port", "0"], ["serve", t / "anon", "--port", "0"]],  # binds, prints its links, returns
}


def _corpus(root: Path) -> None:
    """root/pm (merged, with a draft), root/wiki/{github,mkdocs,plain,linked}, root/outside, and the
    answers, template, question set and broken files the calls name."""
    cli = Cli()
    folder = root / "pm"
    outside = root / "outside"
    outside.mkdir()
    (outside / "index.md").write_text("outside\n", encoding="utf-8")
    evil_items = [{"text": text, "owner": text, "due": dt.date(2027, 1, 1)} for text in EVIL]
    write_answers(root, EVIL[0], {
        "went_well": EVIL, "went_poorly": EVIL, "improvements": evil_items,
        "stakeholders": [{"name": t, "role": t, "interest": t} for t in EVIL], "takeaways": "\n\n".join(EVIL), "rating": 1,
    }, role=ESC)
    (root / "answers-0.toml").rename(root / "eve.toml")
    assert cli("start", folder, "--project", PROJECT, "--date", "2026-11-02", "--answers", root / "eve.toml").exit_code == 0
    mallory = write_answers(root, f"Mallory{ESC}", {"went_well": EVIL[3:], "improvements": EVIL[:4]})
    assert cli("start", folder, "--answers", mallory).exit_code == 0
    draft = next(p for p in (folder / "responses").iterdir() if p.name.startswith("mallory"))
    draft.write_text(draft.read_text(encoding="utf-8").replace('status = "complete"', 'status = "draft"'), encoding="utf-8")
    merged = cli("merge", folder)
    assert merged.exit_code == 0, merged.output

    anon = root / "anon"
    assert cli("start", anon, "--anonymous", "--project", PROJECT, "--date", "2026-11-02", "--answers", root / "eve.toml").exit_code == 0
    assert cli("start", anon, "--answers", mallory).exit_code == 0
    assert cli("merge", anon).exit_code == 0
    linked = root / "linked"  # a post-mortem whose responses folder leads out of it
    assert cli("start", linked, "--project", "Linked", "--date", "2026-11-02", "--answers", root / "eve.toml").exit_code == 0
    shutil.rmtree(linked / "responses")
    (linked / "responses").symlink_to("../pm/responses", target_is_directory=True)  # links are relative: the corpus is copied
    (folder / "report.md").symlink_to("../outside/index.md")  # render -o replaces the link, never writes through it
    (root / "bomb.md.j2").write_text("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}{{ 'x' * 10**9 }}", encoding="utf-8")
    (root / "evil.md.j2").write_text('{% extends "classic.md.j2" %}{% block framing %}' + ESC + "{{ project }}{% endblock %}", encoding="utf-8")
    (root / "evil-set.toml").write_text(store.dumps({
        "title": f"Set{ESC}", "description": ESC,
        "questions": [{"id": "q", "kind": "items", "prompt": f"Prompt{ESC}", "help": f"Help{ESC}\nmore"}],
    }), encoding="utf-8")
    with (root / "evil.csv").open("w", encoding="utf-8", newline="") as export:
        csv.writer(export).writerows([["Timestamp", "Your name", "What went well?"], ["2026/11/02 9:00:00", f"Trudy{ESC}", "\n".join(EVIL)]])
    broken = root / "broken"
    broken.mkdir()
    (broken / "record.toml").write_text(f'project = "{ESC.encode("unicode_escape").decode()}"\ndate = "not a date{ESC}"\n', encoding="utf-8")
    (broken / "postmortem.toml").write_text(f"project = 1\n{ESC} = 2\n", encoding="utf-8")

    wiki = root / "wiki"
    for style in ("github", "plain", "mkdocs", "linked"):
        (wiki / style).mkdir(parents=True)
    for project in ("mkdocs", "linked"):
        (wiki / project / "mkdocs.yml").write_text("site_name: x\nnav:\n  - Home: index.md\n", encoding="utf-8")
        (wiki / project / "docs").mkdir()
    (wiki / "linked" / "docs" / "postmortems").symlink_to("../../../outside", target_is_directory=True)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("corpus")
    _corpus(root)
    return root


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink()}


def test_every_command_has_hostile_calls() -> None:
    assert set(COMMANDS) - set(CALLS) == set(), "give each new command its calls over the hostile corpus in CALLS"
    assert set(CALLS) - set(COMMANDS) == set(), "a command in CALLS is gone: drop its calls"


def _cases() -> list[tuple[str, int]]:
    fake = Path("x")
    return [(name, n) for name in COMMANDS for n in range(len(CALLS.get(name, lambda *a: [[]])(fake, fake, fake)))]


@pytest.mark.parametrize(("command", "n"), _cases())
def test_hostile_call(corpus: Path, tmp_path: Path, monkeypatch, command: str, n: int) -> None:
    root = tmp_path / "root"
    shutil.copytree(corpus, root, symlinks=True)
    (root / "cwd").mkdir()
    monkeypatch.chdir(root / "cwd")
    monkeypatch.setenv("POSTMORTEM_CONFIG_DIR", str(root / "config"))
    if command == "serve":
        import uvicorn

        monkeypatch.setattr(uvicorn.Server, "run", lambda self, sockets=None: None)
    args = CALLS[command](root / "pm", root / "wiki", root)[n]
    given = [Path(str(a)) for a in args if str(a).startswith(str(root)) and not str(a).endswith((".toml", ".j2"))]
    before = _files(root)

    result = Cli()(*args)

    assert "Traceback" not in result.output
    assert result.exit_code in (0, 1, 2), (result.exit_code, result.output)
    for stream, text in (("stdout", result.stdout), ("stderr", result.stderr)):
        match = CONTROL.search(text)
        assert match is None, (stream, repr(text[max(0, match.start() - 60) : match.end() + 20]))
    after = _files(root)
    changed = {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}
    inside = {p for p in changed if any((root / p).is_relative_to(g) for g in given)}
    assert changed - inside == set(), f"written outside {given}: {sorted(changed - inside)}"


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.recursive(st.text() | st.integers() | st.none(), lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner), max_leaves=8))
def test_json_output_is_exact_and_safe_on_a_terminal(data) -> None:
    text = escape.to_json(data)
    assert json.loads(text) == data
    assert CONTROL.search(text) is None


def test_interview_lines_carry_no_control_character() -> None:
    from prompt_toolkit.application.current import create_app_session
    from prompt_toolkit.data_structures import Size
    from prompt_toolkit.output.vt100 import Vt100_Output

    from postmortem import interview

    shown = io.StringIO()
    with create_app_session(output=Vt100_Output(shown, lambda: Size(rows=24, columns=80), term="dumb")):
        interview.say(f"Your earlier answer: {ESC}")
    assert "Your earlier answer: ]0;pwned[2J31m" in shown.getvalue()
    assert not set("\x07\x9b\x85") & set(shown.getvalue())  # (prompt_toolkit ends the line with its own CR LF)
