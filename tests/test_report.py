"""Answers file -> response -> record -> report keeps every text exactly and the page's structure intact."""

from __future__ import annotations

import re
from pathlib import Path
from typing import ClassVar

import pytest
from markdown_it import MarkdownIt

from conftest import read, write_answers
from postmortem import escape

HOSTILE = [
    "a | b | c",
    "# Not a heading",
    "> not a quote",
    "- not a list",
    "1. not a numbered list",
    "```python",
    "~~~",
    "<script>alert(1)</script>",
    "[click](javascript:alert(1))",
    "![](http://example.com/x.png)",
    "zero\u200bwidth and bidi \u202eoverride\u202c",
    "*stars* and _underscores_ and `ticks`",
    "line one\nline two\n\n# line three",
    "back\\slash & ampersand &amp; entity",
    "    indented code?",
    "trailing backslash\\",
    "<!-- comment -->",
    "---",
]
TEXT_TOKENS = {"text", "text_special", "softbreak"}


def parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": True}).enable("table").enable("strikethrough")


def rendered_text(inline, allowed: set[str] = TEXT_TOKENS) -> str:
    """The text a reader sees for an inline token; fails if participant text formed any markup."""
    kinds = {child.type for child in inline.children if not _line_break(child)}
    assert kinds <= allowed, f"markup formed: {kinds - allowed} in {inline.content!r}"
    return "".join(" " if _line_break(child) else child.content for child in inline.children)


def _line_break(token) -> bool:
    """A line break the participant typed: a hard break, or `<br>` in a table cell."""
    return token.type == "hardbreak" or (token.type == "html_inline" and token.content == "<br>")


def structure(markdown: str) -> tuple[list[str], int, int]:
    tokens = parser().parse(markdown)
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    rows = sum(t.type == "tr_open" for t in tokens)
    blocks = sum(t.type in ("html_block", "fence", "code_block", "blockquote_open", "hr") for t in tokens)
    return headings, rows, blocks


@pytest.mark.parametrize("text", HOSTILE)
def test_escaped_text_renders_literally(text: str) -> None:
    tokens = parser().parse(f"- {escape.markdown(text)}\n\n| x |\n|---|\n| {escape.markdown_cell(text)} |\n")
    inlines = [t for t in tokens if t.type == "inline"]
    expected = escape.plain(text)
    assert [rendered_text(i) for i in inlines] == [expected, "x", expected]
    assert sum(t.type == "tr_open" for t in tokens) == 2
    assert "\u200b" not in expected and "\u202e" not in expected


def test_round_trip_keeps_every_text_and_the_structure(cli, tmp_path: Path) -> None:
    folder = tmp_path / "pm"
    for n, text in enumerate(HOSTILE):
        answers = {
            "went_well": [text],
            "improvements": [{"text": f"{text} #{n}", "owner": text}],
            "stakeholders": [{"name": f"{text} {n}", "role": text, "interest": text}],
            "takeaways": text,
        }
        path = write_answers(tmp_path, f"Person {n} {text}", answers, role=text)
        result = cli("start", folder, "--project", "Proj | <b>x</b>", "--date", "2026-11-02", "--answers", path)
        assert result.exit_code == 0, result.output
    assert cli("merge", folder).exit_code == 0
    record = read(folder / "record.toml")
    went_well = record["sections"][0]["items"]
    assert sorted(w for item in went_well for w in item.get("wordings") or [item["text"]]) == sorted(t.strip() for t in HOSTILE)
    assert sorted(r["answers"]["takeaways"] for r in record["responses"]) == sorted(text.strip() for text in HOSTILE)
    assert cli("render", folder, "-o", tmp_path / "report.md", "--answers-page", tmp_path / "answers.md").exit_code == 0
    report = (tmp_path / "report.md").read_text(encoding="utf-8")
    answers = (tmp_path / "answers.md").read_text(encoding="utf-8")

    headings, rows, blocks = structure(report)
    people = [f"Person {n} {escape.plain(t)}, {escape.plain(t)}" for n, t in enumerate(HOSTILE)]
    assert headings[:8] == [
        "Post-mortem: Proj | &lt;b>x&lt;/b>",
        "What went well", "What went poorly", "Improvements", "Stakeholders", "Key takeaways", "Ratings",
        "Return on time invested",
    ]
    assert headings[8:] == ["Individual answers"]
    answer_headings, answer_rows, answer_blocks = structure(answers)
    assert len(answer_headings) == 1 + len(HOSTILE) and answer_rows == answer_blocks == 0
    assert blocks == 1  # the framing blockquote, nothing from participants
    # improvements: header + one row per item (texts that make one point are one item); stakeholders: one per text
    improvements = record["sections"][2]["items"]
    assert rows == (1 + len(improvements)) + (1 + len(HOSTILE))

    tokens = parser().parse(report)
    template_bold = TEXT_TOKENS | {"strong_open", "strong_close", "link_open", "link_close"}  # the template's labels and link
    seen = [rendered_text(t, template_bold) for t in tokens if t.type == "inline"]
    seen_answers = [rendered_text(t, template_bold) for t in parser().parse(answers) if t.type == "inline"]
    assert "Post-mortem: Proj | <b>x</b>" in seen
    for item in improvements:
        assert escape.plain(item["text"]) in seen  # action cell
    for n, text in enumerate(HOSTILE):
        plain = escape.plain(text)
        assert any(s.startswith(plain) and s.endswith(")") for s in seen + seen_answers)  # an item, with who raised it or its owner
        assert f"{people[n]}" in seen_answers  # heading of their answers
        assert f"{plain} — Person {n} {plain}" in seen  # one takeaway per list item, with its author
        assert f"{plain} {n}, {plain}: {plain}" in seen_answers  # one stakeholder per list item of their answers


def test_report_headings_follow_the_question_set(cli, tmp_path: Path) -> None:
    answers = {
        "team": "Corporate quality",
        "served": [{"name": "Regional office", "role": "host", "interest": "fit busy season"}],
        "expectations": "Partly",
        "poor_service": [{"text": "Approvals at 17:00", "instead": "Send requests by noon"}],
        "scorecard": [{"team": "HR", "response_time": 5, "quality": 4}],
    }
    path = write_answers(tmp_path, "Ann", answers)
    assert cli("start", tmp_path / "pm", "--project", "P", "--format", "internal-service", "--answers", path).exit_code == 0
    assert cli("merge", tmp_path / "pm").exit_code == 0
    report = cli("render", tmp_path / "pm").stdout
    headings, _, _ = structure(report)
    assert headings[1:10] == [
        "Who served whom", "Whom we served", "Who served us", "Expectations set up front", "Good service",
        "Poor service, and what could have been done instead", "Improvements", "Service scorecard", "Key takeaways",
    ]
    assert "| HR | 5.0 (1) | 4.0 (1) | — | — |" in report
    assert "- Approvals at 17:00 — instead: Send requests by noon (Ann)" in report
    assert "| Partly | 1 | Ann |" in report
    assert '```mermaid\nflowchart LR\n  n1["Corporate quality"]\n  n2["Regional office"]\n  n1 -->|1| n2\n```' in report
    assert "Your team" not in report  # drawn in the diagram, not listed


@pytest.mark.parametrize("name", ['"]; n9[x', "a```b", "<img src=x onerror=alert(1)>", "end\n```\n# h", "👩‍💻 #1 & co", "R&amp;D &lt;b&gt;"])
def test_mermaid_labels_cannot_break_the_diagram(name: str) -> None:
    from postmortem import render

    graph = render._service_graph([{"id": "served", "people": [{"name": name, "raised_by": ["Ann"]}]}])
    lines = str(graph).splitlines()
    assert lines[0] == "```mermaid" and lines[-1] == "```" and len(lines) == 6
    label = lines[3].removeprefix('  n2["').removesuffix('"]')
    assert all(c.isascii() and (c.isalnum() or c in " .,-_()'#;/+&") for c in label)
    assert not re.search(r"&(?!\s|$)", label)  # no character reference can start
    decoded = re.sub(r"#(\d+);", lambda m: chr(int(m.group(1))), label)
    assert decoded == escape.plain(name)


def test_html_page_has_only_the_reports_own_elements(cli, tmp_path: Path) -> None:
    from html.parser import HTMLParser

    folder = tmp_path / "pm"
    for n, text in enumerate(HOSTILE):
        answers = {"went_well": [text], "improvements": [{"text": text, "owner": text}], "takeaways": text}
        cli("start", folder, "--project", "<b>P</b>", "--answers", write_answers(tmp_path, f"P{n} {text}", answers))
    assert cli("merge", folder).exit_code == 0
    page = cli("render", folder, "--to", "html").stdout

    class Collect(HTMLParser):
        tags: ClassVar[set[str]] = set()
        attrs: ClassVar[set[str]] = set()

        def handle_starttag(self, tag, attrs):
            self.tags.add(tag)
            self.attrs.update(name for name, _ in attrs)

    parsed = Collect()
    parsed.feed(page)
    report_tags = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p", "strong", "blockquote",
                   "ul", "li", "table", "thead", "tbody", "tr", "th", "td", "br"}  # br: a line break typed
    assert parsed.tags <= report_tags, parsed.tags - report_tags
    assert parsed.attrs <= {"lang", "charset", "name", "content", "style"}
    assert page.startswith("<!DOCTYPE html>") and "<title>Classic post-mortem: &lt;b&gt;P&lt;/b&gt;</title>" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "javascript:" not in page.replace("](javascript:", "")


def test_render_to_unknown_target_is_refused(cli, tmp_path: Path) -> None:
    cli("start", tmp_path, "--project", "P", "--answers", write_answers(tmp_path, "Ann", {"went_well": ["x"]}))
    cli("merge", tmp_path)
    result = cli("render", tmp_path, "--to", "pdf")
    assert result.exit_code == 2 and "--to must be markdown or html" in result.stderr
