"""No injection, property-based: whatever participants type (any Unicode: control
characters, bidi overrides, Markdown and HTML metacharacters, newlines) in items, text answers,
names, roles and the project title,

- the Markdown report keeps exactly the headings, lists, table rows and cells of a report made from
  placeholder text (both parsed with markdown_it, token structures compared);
- the HTML report holds no element or attribute the placeholder report lacks (html.parser);
- the Mermaid service graph keeps its nodes and edges, each label one quoted string of safe characters;
- terminal output (`formats`, `status`, `actions`) carries no escape sequence or invisible character.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from conftest import read
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from postmortem import answers as answers_mod
from postmortem import escape
from postmortem import grouping, merge, questionsets, render, store
from postmortem.session import Session
from postmortem.response import Response

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])

# Text as hostile as it gets: any code point, plus a generous helping of the characters that make markup.
NASTY = "\n\r\t\x00\x1b\x07\x7f\x85\x9b\u2028\u2029\u200b\u200e\u202a\u202e\u2066\u2069\ufeff" "#|*_`~<>&[](){}!\\-+.:;=\"' \u00a0"
PIECES = [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[link](javascript:alert(1))", "![x](http://e/x.png)",
    "```", "~~~", "---", "===", "| a | b |", "# heading", "- item", "1. item", "> quote", "<!-- c -->", "&amp;", "&#124;",
    "<https://example.com>", "\\|", "    code", "***", "\x1b[2J\x1b]0;pwned\x07", "\u202egnp.exe", "%%{init: {}}%%",
    '"]; click n1 call alert(1); n2["', "end", "-->", "```mermaid", ":::", "\n\n## Injected\n\n",
]
CHARS = st.characters(exclude_categories=["Cs"])  # lone surrogates cannot be written to a UTF-8 file
hostile = st.one_of(
    st.text(CHARS, min_size=1, max_size=40),
    st.text(alphabet=st.sampled_from(NASTY) | CHARS, min_size=1, max_size=40),
    st.lists(st.sampled_from(PIECES) | st.text(alphabet=NASTY, max_size=5), min_size=1, max_size=5).map("".join),
).filter(lambda t: escape.plain(t))  # something visible: an answer of only invisible characters shows as nothing

CLASSIC = questionsets.load("classic")
SERVICE = questionsets.load("internal-service")
DAY = dt.date(2026, 11, 2)


def _texts(n: int):
    return st.lists(hostile, min_size=n, max_size=n)


def _distinct_names(a: str, b: str) -> bool:
    def key(name: str) -> str:
        return unicodedata.normalize("NFKC", name).casefold().strip()

    return key(a) != key(b)


def _classic_record(t: list[str]) -> dict[str, Any]:
    """Two participants; every string a participant or the facilitator types comes from t."""
    ann = answers_mod.check_answers(CLASSIC, {
        "went_well": [t[0]],
        "improvements": [{"text": t[1], "owner": t[2], "due": dt.date(2026, 12, 1)}],
        "stakeholders": [{"name": t[3], "role": t[4], "interest": t[5]}],
        "takeaways": t[6],
        "rating": 4,
    })
    bob = answers_mod.check_answers(CLASSIC, {"went_poorly": [t[7]], "takeaways": t[8]})
    responses = [Response(t[9].strip(), t[10].strip(), ann, complete=True), Response(t[11].strip(), t[12].strip(), bob, complete=True)]
    record = merge.build_record(Session(Path("."), t[13].strip(), "classic", DAY), CLASSIC, responses)
    record.update(summary=t[14], notes=t[15])
    return record


CLASSIC_STRINGS = 16
PLACEHOLDERS = [f"Placeholder{i:02d}" for i in range(CLASSIC_STRINGS)]


def _order_like_placeholders(t: list[str]) -> bool:
    """Participants are listed by name: keep them in the placeholders' order, so rows line up."""
    return t[9].strip().casefold() < t[11].strip().casefold() and _distinct_names(t[9], t[11])


def structure(markdown: str) -> list[tuple]:
    """Every block token (type, tag, nesting, level, markup) and, for inline tokens, every child that is
    not plain text: two reports with the same structure have the same headings, lists, rows and cells."""
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    shape: list[tuple] = []
    for token in parser.parse(markdown):
        if token.type == "inline":
            shape.append(("inline", tuple((c.type, c.tag, c.nesting) for c in token.children or [] if not _text(c))))
        else:
            shape.append((token.type, token.tag, token.nesting, token.level, token.markup, token.info))
    return shape


def _text(token: Any) -> bool:
    """Text, or a line break the participant typed (`<br>` in a table cell, a hard break elsewhere)."""
    return token.type in ("text", "text_special", "hardbreak", "softbreak") or (token.type == "html_inline" and token.content == "<br>")


class Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.seen: Counter[tuple] = Counter()

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if (tag, attrs) != ("br", []):  # a line break the participant typed
            self.seen[(tag, tuple(sorted(attrs)))] += 1

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        self.handle_starttag(tag, attrs)

    def handle_comment(self, data: str) -> None:
        self.seen[("<!--",)] += 1

    def handle_pi(self, data: str) -> None:
        self.seen[("<?",)] += 1

    def unknown_decl(self, data: str) -> None:
        self.seen[("<!",)] += 1


def elements(html: str) -> Counter[tuple]:
    parser = Elements()
    parser.feed(html)
    parser.close()
    return parser.seen


@functools.cache
def _placeholder_structure() -> list[tuple]:
    return structure(render.render_markdown(_classic_record(PLACEHOLDERS)))


@functools.cache
def _placeholder_elements() -> Counter[tuple]:
    record = _classic_record(PLACEHOLDERS)
    return elements(render.markdown_to_html(render.render_markdown(record), f"{record['title']}: {record['project']}"))


def inline_texts(markdown: str) -> list[str]:
    """The text of every inline token (paragraph, heading, list item, table cell) as a reader sees it."""
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    return ["".join(c.content for c in t.children or [] if c.type != "html_inline") for t in parser.parse(markdown) if t.type == "inline"]


@functools.cache
def _placeholder_texts() -> list[str]:
    return inline_texts(render.render_markdown(_classic_record(PLACEHOLDERS)))


@SETTINGS
@given(_texts(CLASSIC_STRINGS))
def test_markdown_report_keeps_its_structure(t: list[str]) -> None:
    assume(_order_like_placeholders(t))
    report = render.render_markdown(_classic_record(t))
    assert structure(report) == _placeholder_structure()
    # and every cell, heading and line shows exactly what was typed (made plain), in its own place
    typed = {placeholder: escape.plain(text) for placeholder, text in zip(PLACEHOLDERS, t, strict=True)}
    pattern = re.compile("|".join(PLACEHOLDERS))
    def squeeze(text: str) -> str:
        return "".join(text.split())

    expected = [squeeze(pattern.sub(lambda m: typed[m.group()], text)) for text in _placeholder_texts()]
    assert [squeeze(text) for text in inline_texts(report)] == expected
    for line in report.splitlines():  # and no invisible or control character survives
        assert not any(unicodedata.category(c) in ("Cc", "Cf") and c != "\t" for c in line), repr(line)


@SETTINGS
@given(_texts(CLASSIC_STRINGS))
def test_html_report_has_only_the_elements_the_template_made(t: list[str]) -> None:
    assume(_order_like_placeholders(t))
    record = _classic_record(t)
    html = render.markdown_to_html(render.render_markdown(record), f"{record['title']}: {record['project']}")
    assert elements(html) == _placeholder_elements()
    assert "javascript:" not in html.lower() or "javascript:" in "".join(t).lower()
    assert not re.search(r"<(script|img|iframe|a)\b", html, re.I)


def _service_record(served: list[str], served_by: list[str], names: list[str]) -> dict[str, Any]:
    responses = []
    for index, name in enumerate(names):
        answers = answers_mod.check_answers(SERVICE, {
            "served": [{"name": served[index], "role": "x"}],
            "served_by": [{"name": served_by[index]}],
        })
        responses.append(Response(name.strip(), "", answers, complete=True))  # as start saves it
    return merge.build_record(Session(Path("."), "Laptop refresh", "internal-service", DAY), SERVICE, responses)


LABEL = re.compile(r"""^  (n\d+)\["((?:[\w .,\-()'/+]|&(?= |"\]$)|#\d+;)*)"\]$""")  # letters and digits of any script
EDGE = re.compile(r"^  (n\d+) -->\|\d+\| (n\d+)$")  # with how many said so


@SETTINGS
@given(_texts(2), _texts(2), _texts(2))
def test_mermaid_labels_cannot_break_the_diagram(served: list[str], served_by: list[str], names: list[str]) -> None:
    assume(_distinct_names(*names))
    record = _service_record(served, served_by, names)
    report = render.render_markdown(record)
    blocks = [t for t in __import__("markdown_it").MarkdownIt("commonmark").parse(report) if t.type == "fence"]
    graphs = [b for b in blocks if b.info == "mermaid"]
    assert len(graphs) == 1 and len(blocks) == 1, "exactly one fenced block, the diagram"
    lines = graphs[0].content.splitlines()
    assert lines[0] == "flowchart LR"
    by_id = {s["id"]: s for s in record["sections"]}  # merge joins people by name; the graph draws who it kept
    teams = {p["name"].casefold(): "Team not given" for p in record["participants"]}  # no role, no team answer

    def node(name: str) -> str:  # a participant is their team; a team is one node by the grouping key
        name = teams.get(name.casefold(), name)
        return grouping.key(name) or name.casefold()

    edges = {(node(n), node(p["name"])) for p in by_id["served"]["people"] for n in p["raised_by"]}
    edges |= {(node(p["name"]), node(n)) for p in by_id["served_by"]["people"] for n in p["raised_by"]}
    nodes = [LABEL.match(line) for line in lines[1:] if not EDGE.match(line)]
    assert all(nodes), lines
    assert len(nodes) == len({end for edge in edges for end in edge})
    assert len([line for line in lines if EDGE.match(line)]) == len(edges)


# --- terminal output ---------------------------------------------------------------------------

SAFE_TERMINAL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u2028\u2029]")


def _terminal_clean(text: str) -> None:
    bad = SAFE_TERMINAL.search(text)
    assert bad is None, f"{bad.group()!r} reached the terminal in {text[max(0, bad.start() - 40):bad.end() + 40]!r}"


def _toml_string(text: str) -> str:
    import json

    return json.dumps(text)  # a JSON string is a valid TOML basic string


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_texts(5))
def test_formats_output_strips_escape_sequences(cli, tmp_path_factory, monkeypatch, t: list[str]) -> None:
    config = tmp_path_factory.mktemp("config")
    (config / "formats").mkdir()
    monkeypatch.setenv("POSTMORTEM_CONFIG_DIR", str(config))
    (config / "formats" / "evil.toml").write_text(
        f"title = {_toml_string(t[0])}\ndescription = {_toml_string(t[1])}\n\n[[questions]]\nid = \"q\"\nkind = \"choice\"\n"
        f"prompt = {_toml_string(t[2])}\nhelp = {_toml_string(t[3])}\nchoices = [{_toml_string(t[4])}, \"other\"]\n",
        encoding="utf-8",
    )
    listed = cli("formats")
    shown = cli("formats", "evil")
    for result in (listed, shown):
        assert result.exit_code in (0, 2) and "Traceback" not in result.output
        _terminal_clean(result.stdout)
        _terminal_clean(result.stderr.replace("\n", " "))
    if shown.exit_code == 0:
        assert "evil" in listed.stdout


def _folder_with(cli, tmp: Path, t: list[str]) -> Path:
    """A merged post-mortem whose project, names, roles, items and owner come from t."""

    folder = tmp / "pm"
    for index, (name, role, item) in enumerate(((t[1], t[2], t[3]), (t[4], t[5], t[6]))):
        answers = tmp / f"a{index}.toml"
        answers.write_text(store.dumps({"name": name, "role": role, "answers": {
            "went_well": [item], "improvements": [{"text": item + " fix", "owner": t[7], "due": dt.date(2020, 1, 1)}],
        }}), encoding="utf-8")
        result = cli("start", folder, "--project", t[0], "--date", "2026-11-02", "--answers", answers)
        if result.exit_code != 0:
            return folder
    cli("merge", folder)
    return folder


@settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_texts(8))
def test_status_and_actions_strip_escape_sequences(cli, tmp_path_factory, t: list[str]) -> None:
    assume(_distinct_names(t[1], t[4]))
    tmp = tmp_path_factory.mktemp("pm")
    folder = _folder_with(cli, tmp, t)
    outputs = [cli("status", folder), cli("actions", "--all", folder, "--today", "2026-12-01"), cli("history", folder)]
    for result in outputs:
        assert "Traceback" not in result.output
        _terminal_clean(result.stdout)
        _terminal_clean(result.stderr.replace("\n", " "))
    if (folder / "record.toml").exists():
        assert outputs[1].exit_code == 0 and "A1" in outputs[1].stdout


def test_cli_report_of_hostile_answers_keeps_its_structure(cli, tmp_path: Path) -> None:
    """The same through the real CLI, once, with every hostile piece at once."""
    evil = "".join(PIECES)
    folder = _folder_with(cli, tmp_path, [evil, "Ann " + evil, evil, evil, "Bob " + evil, evil, "Something else entirely " + evil, evil])
    # the two answers share all their words but three, so they are one item with two wordings, like W and W
    assert len(read(folder / "record.toml")["sections"][0]["items"]) == 1
    (tmp_path / "calm").mkdir()
    calm = _folder_with(cli, tmp_path / "calm", ["P", "Ann", "R", "W", "Bob", "R", "W", "O"])
    report = cli("render", folder)
    assert report.exit_code == 0, report.output
    assert structure(report.stdout) == structure(cli("render", calm).stdout)
    html = cli("render", folder, "--to", "html").stdout
    assert elements(html) - elements(cli("render", calm, "--to", "html").stdout) == Counter()
    _terminal_clean(report.stdout.replace("\n", " "))
